"""phy 0.x's scripting API on klusta's Kwik files: a 0.x-style script is replayed headless,
then the saved .kwik is read back with h5py (always) and with klusta's own reader in its
venv (``PHYCLONE_PEER_KLUSTA``, default ``../peers/klusta`` beside the repository; skipped when absent)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from phyclone.cluster.manual import ProgressReporter, Session, Wizard
from _shared_data import peer_venv

DATA = Path(__file__).resolve().parents[1] / "data" / "klusta_16ch"
SHARED = Path(os.environ.get("PHYCLONE_SHARED",
                             Path(__file__).resolve().parents[2] / ".." / "shared"))
SHARED_KLUSTA = SHARED / "data" / "klusta_16ch"
PEER_KLUSTA = peer_venv("klusta", "PHYCLONE_PEER_KLUSTA")
KLUSTA_PYTHON = PEER_KLUSTA / "bin" / "python"

GROUP_NAMES = {0: "noise", 1: "mua", 2: "good", 3: "unsorted"}


@pytest.fixture
def kwik(tmp_path, config_dir):
    d = tmp_path / "klusta"
    shutil.copytree(DATA, d)
    return d / "synth.kwik"


@pytest.fixture(params=["tests-data", "shared"])
def any_kwik(request, tmp_path, config_dir):
    """klusta's files: the trimmed copy in tests/data, and the originals in shared/data
    (their .kwik/.kwx copied: the scripts write; the raw .dat files are not needed)."""
    if request.param == "tests-data":
        src = DATA
    else:
        src = SHARED_KLUSTA
        if not (src / "synth.kwik").exists():
            pytest.skip(f"shared data not found at {SHARED} (PHYCLONE_SHARED)")
    d = tmp_path / "klusta"
    d.mkdir()
    for p in src.iterdir():
        if p.suffix in (".kwik", ".kwx", ".prm", ".prb"):
            shutil.copy(p, d / p.name)
    return d / "synth.kwik"


def _h5_clustering(path, group, clustering="main"):
    """spike_clusters and {cluster: group name} of a clustering, read with h5py only."""
    with h5py.File(path, "r") as f:
        g = f[f"/channel_groups/{group}"]
        sc = g[f"spikes/clusters/{clustering}"][:]
        names = {int(k): v.attrs["name"].decode() if isinstance(v.attrs["name"], bytes)
                 else str(v.attrs["name"]) for k, v in g[f"cluster_groups/{clustering}"].items()}
        groups = {int(k): names[int(v.attrs["cluster_group"])].lower()
                  for k, v in g[f"clusters/{clustering}"].items()}
    return sc, groups


def _partition(spike_clusters):
    """The clustering as a set of frozensets of spike ids (ids do not matter)."""
    order = np.argsort(spike_clusters, kind="stable")
    sc = spike_clusters[order]
    cuts = np.flatnonzero(np.diff(sc)) + 1
    return {frozenset(s.tolist()) for s in np.split(order, cuts)}


def _replay(path):
    """A phy 0.x script; returns what it expects the file to hold afterwards, computed
    independently from the original arrays: {group: (partition, {frozenset: group})}."""
    expected = {}
    session = Session(str(path))
    events = []
    session.connect(lambda up: events.append(up.description), event="cluster")

    @session.connect
    def on_open():
        events.append("open")

    # Channel group 0: merge the two largest clusters, move one to good, split a cluster.
    sc0 = session.model.spike_clusters.copy()
    ids = [int(c) for c in session.cluster_ids]
    counts = {c: int((sc0 == c).sum()) for c in ids}

    @session.wizard.set_quality_function
    def quality(cluster):
        return session.n_spikes(cluster)

    session.wizard.start()
    best = session.wizard.best_list
    assert best == sorted(ids, key=lambda c: (-counts[c], c))
    assert session.wizard.best == best[0]
    a, b = best[0], best[1]
    up = session.merge([a, b])
    merged = up.added[0]
    assert session.wizard.best == merged  # 0.x: the merged cluster becomes the best one
    session.move([merged], 2)
    other = [c for c in ids if c not in (a, b)][0]
    spikes = np.flatnonzero(sc0 == other)[::3]
    session.split(spikes)
    session.undo()
    session.redo()
    noise = [c for c in session.cluster_ids if c != merged][0]
    session.move([int(noise)], 0)
    session.move([int(noise)], "mua")
    session.undo()  # back to noise
    assert session.cluster_groups[int(noise)] == "noise"
    assert session.has_unsaved_changes
    session.save()
    assert not session.has_unsaved_changes

    cells = _partition(sc0)
    A, B = frozenset(np.flatnonzero(sc0 == a).tolist()), frozenset(np.flatnonzero(sc0 == b).tolist())
    C = frozenset(np.flatnonzero(sc0 == other).tolist())
    S = frozenset(spikes.tolist())
    cells = (cells - {A, B, C}) | {A | B, S, C - S}
    groups = {cell: "unsorted" for cell in cells}
    groups[A | B] = "good"
    noise_cell = frozenset(np.flatnonzero(session.clustering.spike_clusters == int(noise)).tolist())
    groups[noise_cell] = "noise"
    expected[0] = (cells, groups)

    # Channel group 1: a merge undone, a move by group id, then save.
    session.change_channel_group(1)
    assert events.count("open") == 1
    sc1 = session.model.spike_clusters.copy()
    ids1 = [int(c) for c in session.cluster_ids]
    session.merge(ids1[:2])
    session.undo()
    session.move(ids1[-1:], 1)
    session.save()
    groups1 = {frozenset(np.flatnonzero(sc1 == c).tolist()): "unsorted" for c in ids1}
    groups1[frozenset(np.flatnonzero(sc1 == ids1[-1]).tolist())] = "mua"
    expected[1] = (_partition(sc1), groups1)
    assert events[:1] == ["merge"] and "metadata_group" in events
    session.close()
    return expected


def _check(expected, read):
    for group, (cells, groups) in expected.items():
        sc, cluster_groups = read(group)
        assert _partition(np.asarray(sc)) == cells
        for cell, name in groups.items():
            cluster = int(np.asarray(sc)[min(cell)])
            assert cluster_groups[cluster] == name, (group, cluster)


def test_replay_and_read_back_with_h5py(any_kwik):
    kwik = any_kwik
    expected = _replay(kwik)
    _check(expected, lambda g: _h5_clustering(kwik, g))
    # Reopening with the 0.x Session gives the same state.
    s = Session(kwik, channel_group=0)
    assert _partition(s.clustering.spike_clusters) == expected[0][0]
    s.close()


KLUSTA_READER = r"""
import json, sys
from klusta.kwik.model import KwikModel
out = {}
for group in (0, 1):
    m = KwikModel(sys.argv[1], channel_group=group)
    out[group] = {"spike_clusters": m.spike_clusters.tolist(),
                  "cluster_groups": {str(k): v for k, v in m.cluster_groups.items()}}
    m.close()
print(json.dumps(out))
"""


@pytest.mark.skipif(not KLUSTA_PYTHON.exists(),
                    reason=f"klusta's venv not found at {PEER_KLUSTA} (PHYCLONE_PEER_KLUSTA)")
def test_replay_and_read_back_with_klusta(any_kwik):
    kwik = any_kwik
    expected = _replay(kwik)
    res = subprocess.run([str(KLUSTA_PYTHON), "-c", KLUSTA_READER, str(kwik)],
                         capture_output=True, text=True, timeout=300, cwd=kwik.parent)
    assert res.returncode == 0, res.stderr[-2000:]
    data = json.loads(res.stdout.strip().splitlines()[-1])

    def read(group):
        d = data[str(group)]
        return d["spike_clusters"], {int(k): v for k, v in d["cluster_groups"].items()}
    _check(expected, read)


# Validation: wrong arguments fail loudly and change nothing ---------------------------------

def test_wrong_arguments_fail_loudly(kwik):
    s = Session(kwik)
    ids = [int(c) for c in s.cluster_ids]
    sc = s.clustering.spike_clusters.copy()
    bad = [
        lambda: s.move([ids[0]], [1, 2]),          # phy 2's order by mistake
        lambda: s.move([ids[0]], 7),               # no such group
        lambda: s.move([ids[0]], True),
        lambda: s.move([12345], 2),                # no such cluster
        lambda: s.move("good", [ids[0]]),
        lambda: s.merge([ids[0]]),                 # a single cluster
        lambda: s.merge([ids[0], 12345]),
        lambda: s.merge([ids[0], 1.5]),
        lambda: s.split([-1, 0]),
        lambda: s.split([s.model.n_spikes]),
        lambda: s.split(np.ones(s.model.n_spikes, dtype=bool)),
        lambda: s.curation.move([1, 2], 2),        # the core too (phy 2's argument order)
        lambda: s.curation.label("group", [1, 2], cluster_ids=[ids[0]]),
        lambda: s.curation.label("quality", {"a": 1}, cluster_ids=[ids[0]]),
        lambda: s.curation.label("group", "good", cluster_ids=[12345]),
        lambda: s.curation.move("good", "sideways"),
        lambda: s.clustering.merge([ids[0], ids[1] + .5]),  # the core Clustering too
        lambda: s.clustering.split([0.5]),
    ]
    for f in bad:
        with pytest.raises(ValueError):
            f()
    assert not s.has_unsaved_changes
    np.testing.assert_array_equal(s.clustering.spike_clusters, sc)
    assert set(s.cluster_groups.values()) == {"unsorted"}
    s.close()


def test_failed_actions_are_not_journaled(tmp_path):
    from phyclone.session import Session as CurationSession
    sc = np.repeat(np.arange(4), 5)
    journal = tmp_path / "journal.jsonl"
    s = CurationSession(sc, journal_path=journal)
    s.start_journal()
    with pytest.raises(ValueError):
        s.merge([0, 9])
    with pytest.raises(ValueError):
        s.label("group", ["good"], cluster_ids=[0])
    with pytest.raises(ValueError):
        s.split([100])
    s.merge([0, 1])
    s.close()
    actions = [json.loads(line).get("action") for line in journal.read_text().splitlines()]
    assert [a for a in actions if a] == ["merge"]


# Wizard, events, settings, ProgressReporter ----------------------------------------------------

def test_wizard_navigation(kwik):
    s = Session(kwik)
    w = s.wizard
    assert isinstance(w, Wizard)
    ids = [int(c) for c in s.cluster_ids]
    quality = {c: float(i) for i, c in enumerate(ids)}  # increasing with the id
    w.set_quality_function(quality.get)
    w.set_similarity_function(lambda c, d: -abs(c - d))
    assert w.best_clusters() == ids[::-1]
    assert w.best_clusters(n_max=2) == ids[::-1][:2]
    assert w.most_similar_clusters(ids[0]) == ids[1:]
    assert w.most_similar_clusters(ids[0], n_max=1) == ids[1:2]
    w.start()
    assert w.best == ids[-1] and w.match is None and w.selection == [ids[-1]]
    w.next()
    assert w.best == ids[-2]
    w.previous()
    assert w.best == ids[-1]
    w.last()
    assert w.best == ids[0]
    w.first()
    assert w.best == ids[-1]
    w.next_best()
    w.previous_best()
    assert w.best == ids[-1]
    w.pin()
    assert w.match_list == sorted(ids[:-1], reverse=True) and w.match == ids[-2]
    w.next()  # pinned: moves in the match list
    assert w.best == ids[-1] and w.match == ids[-3]
    w.next_match()
    w.previous_match()
    assert w.match == ids[-3]
    w.last()
    assert w.match == ids[0]
    w.first()
    assert w.match == ids[-2]
    assert w.selection == [ids[-1], ids[-2]]
    # Moving the match to noise replaces it by the next match; it leaves the lists.
    s.move([w.match], 0)
    assert w.match == ids[-3] and ids[-2] not in w.match_list and ids[-2] not in w.best_list
    assert w.n_processed == 1 and w.cluster_status(ids[-2]) == "ignored"
    w.unpin()
    assert w.match is None and w.match_list == []
    w.pin(ids[0])
    assert w.best == ids[0]
    assert w.n_clusters == len(ids) and w.cluster_ids == ids
    s.close()


def test_events_settings_and_channel_groups(kwik, config_dir):
    s = Session()
    opened, closed, clusters = [], [], []
    s.connect(lambda: opened.append(1), event="open")

    @s.connect
    def on_close():
        closed.append(1)

    def on_cluster(up):
        clusters.append(up)
    s.connect(on_cluster)
    s.open(kwik)
    assert opened == [1]
    assert s.model.channel_group == 0 and s.model.clustering == "main"
    s.change_clustering("original")
    assert s.model.clustering == "original" and opened == [1, 1]
    s.change_channel_group(1)
    assert s.model.channel_group == 1 and len(opened) == 3
    s.merge([int(c) for c in s.cluster_ids[:2]])
    assert clusters[-1].description == "merge"
    s.unconnect(on_cluster)
    s.undo()
    assert len(clusters) == 1
    assert s.emit("open") == [None, None] and len(opened) == 4  # on_open and ours

    # User settings: our JSON file (phy 0.x's user_settings.py read without executing it).
    (config_dir / "user_settings.py").parent.mkdir(parents=True, exist_ok=True)
    (config_dir / "user_settings.py").write_text("waveforms_n_spikes_max = 123\n")
    assert s.load_user_settings()["waveforms_n_spikes_max"] == 123
    s.set_user_settings("features_n_spikes_max", 456)
    assert s.get_user_settings("features_n_spikes_max") == 456
    assert json.loads((config_dir / "phyclone" / "session_user_settings.json").read_text()) \
        == {"features_n_spikes_max": 456}
    assert s.get_user_settings("missing", 7) == 7
    # Internal settings: per experiment, in our own file next to the .kwik, written on close.
    s.set_internal_settings("last_cluster", 5)
    assert s.get_internal_settings("last_cluster") == 5
    internal = kwik.parent / ".phy" / "phyclone" / "synth.session.json"
    assert not internal.exists()
    s.close()
    assert closed == [1] and json.loads(internal.read_text()) == {"last_cluster": 5}
    s2 = Session(kwik)
    assert s2.get_internal_settings("last_cluster") == 5
    assert s2.get_user_settings("features_n_spikes_max") == 456
    s2.close()
    with pytest.raises(RuntimeError, match="open"):
        s2.merge([1, 2])


def test_progress_reporter():
    from phyclone.utils.event import connect, unconnect
    pr = ProgressReporter()
    seen, done, bus = [], [], []

    @pr.connect
    def on_progress(value, value_max):
        seen.append((value, value_max))

    @pr.connect
    def on_complete():
        done.append(1)

    def on_bus(sender, value, value_max):
        bus.append((sender, value))
    connect(on_bus, event="progress", sender=pr)
    try:
        pr.value_max = 4
        pr.increment()
        pr.value = 3
        assert pr.progress == .75 and not pr.is_complete()
        pr.increment(5)  # clipped to value_max
        assert pr.is_complete() and pr.value == 4 and done == [1]
        pr.increment()
        assert done == [1]  # complete is emitted once
        assert seen[:3] == [(1, 4), (3, 4), (4, 4)]
        assert bus[0] == (pr, 1)
        pr.reset(10)
        assert pr.value == 0 and not pr.is_complete() and pr.progress == 0
        pr.set_complete()
        assert pr.is_complete() and done == [1, 1] and pr.value == 10
        with pytest.raises(ValueError):
            pr.value = 11
        with pytest.raises(ValueError):
            pr.value_max = -1
        pr.unconnect(on_progress)
        pr.reset()
        pr.increment()
        assert seen[-1] == (10, 10)
    finally:
        unconnect(on_bus)


def test_headless_import_has_no_qt():
    code = ("import sys; from phyclone.cluster.manual import Session, Wizard, ProgressReporter;"
            "print(any(m.startswith(('PyQt5', 'qtpy')) for m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "False"
