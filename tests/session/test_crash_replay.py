"""Never lose work: journaled actions survive a kill -9 and replay to the identical state."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from phyclone.session import Session

ROOT = Path(__file__).resolve().parents[2]


def _state(session):
    sc, groups, labels = session.save_data()
    return json.loads(json.dumps(dict(sc=np.asarray(sc).tolist(), groups=sorted(groups.items()),
                                      labels=[(n, sorted(v.items())) for n, v in labels])))


def _apply(session, rng, n):
    for _ in range(n):
        ids = list(session.cluster_ids)
        kind = rng.integers(6)
        if kind == 0 and len(ids) > 1:
            session.merge(list(rng.choice(ids, 2, replace=False)))
        elif kind == 1:
            session.split(rng.choice(session.clustering.n_spikes, 7, replace=False))
        elif kind == 2:
            session.select([int(rng.choice(ids))])
            session.move(["good", "mua", "noise", None][rng.integers(4)], "best")
        elif kind == 3:
            session.label("score", int(rng.integers(5)), [int(rng.choice(ids))])
        elif kind == 4:
            session.undo()
        else:
            session.redo()


CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    sys.path.insert(0, {root!r})
    sys.path.insert(0, {tests!r})
    from phyclone.session import Session
    from test_crash_replay import _apply, _state
    sc = np.load({sc!r}, allow_pickle=False)
    s = Session(sc, journal_path={journal!r})
    s.start_journal()
    _apply(s, np.random.default_rng(3), 40)
    print(json.dumps(_state(s)), flush=True)
    time.sleep(60)
""")


def test_kill_9_then_replay(tmp_path):
    sc = np.random.default_rng(1).integers(0, 8, 400)
    np.save(tmp_path / "spike_clusters.npy", sc)
    journal = tmp_path / ".phy" / "journal.jsonl"
    code = CHILD.format(root=str(ROOT), tests=str(Path(__file__).parent),
                        sc=str(tmp_path / "spike_clusters.npy"), journal=str(journal))
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    expected = json.loads(p.stdout.readline())
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    # Restart from the saved files: the journal is offered and replays to the same state.
    s = Session(np.load(tmp_path / "spike_clusters.npy", allow_pickle=False), journal_path=journal)
    assert len(s.pending_actions()) > 0
    assert s.start_journal(replay=True) > 0
    assert _state(s) == expected
    # Further actions append to the same journal; a second crash replays everything.
    s.label("score", 9, [int(s.cluster_ids[0])])
    expected2 = _state(s)
    s.journal.close()
    s2 = Session(np.load(tmp_path / "spike_clusters.npy", allow_pickle=False), journal_path=journal)
    s2.start_journal(replay=True)
    assert _state(s2) == expected2


def test_declined_replay_is_kept(tmp_path):
    journal = tmp_path / "j.jsonl"
    sc = np.arange(20) % 4
    s = Session(sc, journal_path=journal)
    s.start_journal()
    s.merge([0, 1])
    s.journal.close()
    s2 = Session(sc, journal_path=journal)
    assert s2.start_journal(replay=False) == 0
    assert (tmp_path / "j.jsonl.declined").exists()
    assert 0 in s2.cluster_ids


def test_save_restarts_journal_and_ids_never_reused(tmp_path):
    journal = tmp_path / "j.jsonl"
    sc = np.arange(30) % 3
    s = Session(sc, journal_path=journal)
    s.start_journal()
    up = s.merge([0, 1])  # -> 3
    s.undo()  # 3 disappears, but must never be reused
    saved = np.array(s.save_data()[0])
    s.mark_saved()
    assert s.pending_actions() == []
    s.journal.close()
    s2 = Session(saved, journal_path=journal)
    s2.start_journal()
    assert s2.merge([0, 1]).added[0] > up.added[0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), n=st.integers(1, 30))
def test_replay_is_identical(tmp_path, seed, n):
    journal = tmp_path / f"j{seed}_{n}.jsonl"
    sc = np.random.default_rng(seed).integers(0, 6, 300)
    s = Session(sc, journal_path=journal)
    s.start_journal()
    _apply(s, np.random.default_rng(seed), n)
    expected = _state(s)
    s.journal.close()
    s2 = Session(sc, journal_path=journal)
    s2.start_journal(replay=True)
    assert _state(s2) == expected


def test_replay_ignores_a_larger_requested_id(tmp_path):
    """The caller's new_cluster_id (e.g. remembered by a cache) must not shift replayed ids."""
    journal = tmp_path / "j.jsonl"
    sc = np.arange(40) % 4
    s = Session(sc, journal_path=journal)
    s.start_journal()
    s.split(np.arange(0, 40, 8))
    s.label("score", 1, list(s.selected))
    expected = _state(s)
    s.journal.close()
    s2 = Session(sc, journal_path=journal, new_cluster_id=1000)
    s2.start_journal(replay=True)
    assert _state(s2) == expected
