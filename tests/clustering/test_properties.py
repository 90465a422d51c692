"""Property tests: random sequences of merge / split / assign / label / undo / redo agree with
a naive reference model that stores a full copy of the state after every action."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phyclone.clustering import Clustering, GlobalHistory, create_cluster_meta
from phyclone.utils import event

GROUPS = [None, "noise", "mua", "good"]


class Model:
    """phy's semantics written the simple way: full arrays, full snapshots."""

    def __init__(self, sc):
        self.states = [(sc.copy(), {})]  # (spike_clusters, {cluster: group})
        self.pos = 0
        self.nid = int(sc.max()) + 1 if len(sc) else 0

    @property
    def sc(self):
        return self.states[self.pos][0]

    @property
    def groups(self):
        return self.states[self.pos][1]

    def _push(self, sc, groups):
        del self.states[self.pos + 1:]
        self.states.append((sc, groups))
        self.pos += 1

    def _inherit(self, old_sc, new_sc):
        """Group of new clusters from their ancestors (largest ancestor wins conflicts)."""
        groups = dict(self.groups)
        changed = np.flatnonzero(old_sc != new_sc)
        olds, news = old_sc[changed], new_sc[changed]
        values = {self.groups.get(int(c)) for c in np.unique(olds)} - {None}
        if len(values) == 1:
            value = values.pop()
        elif values:
            value = self.groups.get(int(np.bincount(olds).argmax()))
        else:
            return groups
        for c in np.unique(news).tolist():
            if groups.get(c) is None:
                groups[c] = value
        return groups

    def merge(self, ids):
        new = self.sc.copy()
        new[np.isin(new, ids)] = self.nid
        self.nid += 1
        self._push(new, self._inherit(self.sc, new))

    def assign(self, spikes, rel):
        old = self.sc
        new = old.copy()
        targets = rel + (self.nid - rel.min())
        new[spikes] = targets
        nxt = int(targets.max()) + 1
        untouched = np.ones(len(old), dtype=bool)
        untouched[spikes] = False
        for c in np.unique(old[spikes]):
            rest = (old == c) & untouched
            if rest.any():
                new[rest] = nxt
                nxt += 1
        self.nid = max(self.nid, nxt)
        self._push(new, self._inherit(old, new))

    def label(self, clusters, value):
        groups = dict(self.groups)
        groups.update({c: value for c in clusters})
        self._push(self.sc.copy(), groups)

    def undo(self):
        if self.pos:
            self.pos -= 1

    def redo(self):
        if self.pos < len(self.states) - 1:
            self.pos += 1


def expected_up(before, after):
    changed = np.flatnonzero(before != after)
    added = np.unique(after[changed]).tolist()
    return dict(
        spike_ids=changed.tolist(), added=added, deleted=np.unique(before[changed]).tolist(),
        descendants=sorted(set(zip(before[changed].tolist(), after[changed].tolist()))),
        description="merge" if len(added) == 1 else "assign",
        largest_old_cluster=int(np.bincount(before[changed]).argmax()))


def check_up(up, before, after, history):
    exp = expected_up(before, after)
    got = dict(spike_ids=np.asarray(up.spike_ids).tolist(), added=up.added, deleted=up.deleted,
               descendants=up.descendants, description=up.description,
               largest_old_cluster=up.largest_old_cluster)
    assert got == exp
    assert up.history == history


def check_state(cl, meta, model):
    sc = model.sc
    assert np.array_equal(cl.spike_clusters, sc)
    ids = np.unique(sc)
    assert np.array_equal(cl.cluster_ids, ids)
    assert cl.n_clusters == len(ids)
    spc = cl.spikes_per_cluster
    assert list(spc) == ids.tolist()
    for c in ids.tolist():
        assert np.array_equal(spc[c], np.flatnonzero(sc == c))
        assert cl.cluster_counts[c] == np.sum(sc == c)
    assert cl.new_cluster_id() == model.nid
    for c in ids.tolist():
        assert meta.get("group", c) == model.groups.get(c), c


@st.composite
def initial_assignments(draw):
    n = draw(st.integers(1, 60))
    k = draw(st.integers(1, 8))
    scale = draw(st.integers(1, 3))
    return np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))) * scale


OPS = ["merge", "split", "assign", "label", "undo", "redo"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=initial_assignments(), data=st.data())
def test_random_actions_agree_with_model(sc, data):
    event.reset()
    cl = Clustering(sc)
    meta = create_cluster_meta({})
    history = GlobalHistory()
    model = Model(sc)

    # Like phy's Supervisor, new clusters inherit metadata from their ancestors — but only on
    # new actions: phy also does it on undo, which would copy the label of an undone merge
    # back onto its unlabelled ancestors (on redo the new clusters still hold their values).
    @event.connect(sender=cl)
    def on_cluster(sender, up):
        if up.added and not up.history:
            meta.set_from_descendants(up.descendants, largest_old_cluster=up.largest_old_cluster)

    seen = set(np.unique(sc).tolist())
    n = len(sc)
    for _ in range(data.draw(st.integers(1, 25))):
        op = data.draw(st.sampled_from(OPS))
        before = cl.spike_clusters.copy()
        ids = cl.cluster_ids.tolist()
        if op == "merge":
            chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
            up = cl.merge(chosen)
            history.action(cl)
            model.merge(chosen)
        elif op in ("split", "assign"):
            spikes = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n,
                                                 unique=True)))
            rel = (np.array(data.draw(st.lists(st.integers(0, 4), min_size=len(spikes),
                                               max_size=len(spikes))))
                   if op == "assign" else np.zeros(len(spikes), dtype=np.int64))
            up = cl.assign(spikes, rel) if op == "assign" else cl.split(spikes)
            history.action(cl)
            model.assign(spikes, rel)
        elif op == "label":
            chosen = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True))
            value = data.draw(st.sampled_from(GROUPS[1:]))
            up = meta.set("group", chosen, value)
            history.action(meta)
            model.label(chosen, value)
        elif op == "undo":
            ups = history.undo()
            model.undo()
            up = ups[0] if ups else None
        else:
            ups = history.redo()
            model.redo()
            up = ups[0] if ups else None
        if op in ("merge", "split", "assign"):
            check_up(up, before, model.sc, None)
            assert not (set(up.added) & seen), "a cluster id was reused"
            seen |= set(up.added)
        elif up is not None and up.description in ("merge", "assign"):
            check_up(up, before, model.sc, op)
        check_state(cl, meta, model)


@settings(max_examples=60, deadline=None)
@given(sc=initial_assignments(), data=st.data())
def test_reset_returns_to_the_initial_assignment(sc, data):
    event.reset()
    cl = Clustering(sc)
    n = len(sc)
    top = int(sc.max()) + 1
    for _ in range(data.draw(st.integers(1, 8))):
        spikes = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
        up = cl.split(spikes)
        top = max([top] + [a + 1 for a in up.added])
        if data.draw(st.booleans()):
            cl.undo()
    before = cl.spike_clusters.copy()
    up = cl.reset()
    assert np.array_equal(cl.spike_clusters, sc)
    if not np.array_equal(before, sc):
        check_up(up, before, sc, "reset")
    assert cl.undo() is None
    new = cl.merge([int(sc[0])]).added[0]
    assert new >= top
    for c in np.unique(sc).tolist():
        assert np.array_equal(cl.spikes_per_cluster.get(c, np.flatnonzero(sc == c)),
                              np.flatnonzero(sc == c))
