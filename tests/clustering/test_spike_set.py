"""SpikeSet: lazily consolidated sorted sets agree with Python sets."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from phyclone.clustering.spike_set import EMPTY_SET, SpikeSet, union_of_sets, union_sorted


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_random_add_remove(data):
    universe = 200
    start = sorted(data.draw(st.sets(st.integers(0, universe - 1), max_size=80)))
    ref = set(start)
    s = SpikeSet(np.array(start, dtype=np.int64))
    history = [(s, set(ref))]
    for _ in range(data.draw(st.integers(1, 30))):
        if data.draw(st.booleans()) and ref:
            chunk = data.draw(st.sets(st.sampled_from(sorted(ref)), min_size=1, max_size=20))
            s = s.remove(np.array(sorted(chunk), dtype=np.int64))
            ref -= chunk
        else:
            outside = sorted(set(range(universe)) - ref)
            chunk = data.draw(st.sets(st.sampled_from(outside), min_size=1, max_size=20))
            s = s.add(np.array(sorted(chunk), dtype=np.int64))
            ref |= chunk
        assert len(s) == len(ref)
        if data.draw(st.booleans()):
            assert s.array().tolist() == sorted(ref)
        history.append((s, set(ref)))
    # Earlier sets are unaffected by later derivations (immutability).
    for old, old_ref in history:
        assert old.array().tolist() == sorted(old_ref)
        assert not old.array().flags.writeable


def test_long_logs_of_small_changes():
    # Many small changes to a large set: the log is consolidated, never wrong.
    rng = np.random.default_rng(0)
    ref = set(range(0, 2000, 2))
    s = SpikeSet(np.array(sorted(ref), dtype=np.int64))
    history = []
    for step in range(300):
        if rng.random() < 0.5:
            chunk = rng.choice(sorted(ref), 3, replace=False)
            s = s.remove(np.sort(chunk))
            ref -= set(chunk.tolist())
        else:
            chunk = rng.choice(sorted(set(range(2100)) - ref), 3, replace=False)
            s = s.add(np.sort(chunk))
            ref |= set(chunk.tolist())
        assert len(s) == len(ref)
        if step % 37 == 0:
            history.append((s, set(ref)))
    assert s.array().tolist() == sorted(ref)
    for old, old_ref in history:
        assert old.array().tolist() == sorted(old_ref)


def test_undo_cancels_without_growing():
    s = SpikeSet(np.arange(10))
    out = np.array([2, 5])
    for _ in range(100):
        t = s.remove(out)
        s = t.add(out)  # the very same array: cancels
    assert s._ops == () and s.array().tolist() == list(range(10))
    assert t.array().tolist() == [0, 1, 3, 4, 6, 7, 8, 9]


def test_unions():
    a = SpikeSet(np.array([0, 4], dtype=np.int64))
    b = SpikeSet(np.array([1, 2], dtype=np.int64))
    c = SpikeSet(np.array([3, 5], dtype=np.int64))
    assert union_of_sets([a, b, c], 6, lambda: np.arange(6)).tolist() == list(range(6))
    assert union_of_sets([a, c], 100, None).tolist() == [0, 3, 4, 5]
    assert union_of_sets([a, c], 6, None).tolist() == [0, 3, 4, 5]
    assert union_of_sets([EMPTY_SET], 6, None).tolist() == []
    assert union_sorted([a.array(), b.array(), c.array()]).tolist() == list(range(6))
    assert union_sorted([]).tolist() == []
