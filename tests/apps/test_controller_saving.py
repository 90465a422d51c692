"""Saving writes phy's files (read back with TemplateModel and as text), opening writes
nothing into the dataset, the crash journal replays an unsaved session, and caches never
serve stale data."""

import hashlib
import os

import numpy as np
import pytest

from phyclone.apps.template import load_model
from phyclone.utils.fileio import read_tsv

from _controller_fixtures import open_controller


def snapshot(d):
    """{relative path: (size, mtime, sha1)} of the dataset files (the .phy cache excluded)."""
    out = {}
    for root, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if x != ".phy"]
        for f in files:
            p = os.path.join(root, f)
            st = os.stat(p)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, d)] = (st.st_size, st.st_mtime_ns,
                                              hashlib.sha1(fh.read()).hexdigest())
    return out


def curate(c):
    """Merge, split, label, move: returns the expected clustering and labels."""
    s = c.supervisor
    ids = [int(x) for x in s.clustering.cluster_ids]
    merged = s.merge(ids[:2]).added[0]
    s.split(s.clustering.spikes_per_cluster[ids[3]][::2])
    s.label("group", "noise", [ids[2]])
    s.label("quality", 3.14159265358979, [merged])
    s.undo()
    s.label("quality", 2, [merged])
    s.label("group", "good", [merged])
    return (np.asarray(s.clustering.spike_clusters).copy(), s.get_labels("group"),
            s.get_labels("quality"))


def test_open_writes_nothing(synth_dir, si_dir, config_dir):
    for d in (synth_dir, si_dir):
        before = snapshot(d)
        c = open_controller(d, config_dir)
        cid = int(c.supervisor.clustering.cluster_ids[0])
        c._get_waveforms(cid), c._get_features(cid), c.get_traces((0., .1))
        c.close()
        assert snapshot(d) == before


def test_save(controller, synth_dir):
    c = controller
    templates_before = snapshot(synth_dir)["spike_templates.npy"]
    sc, groups, quality = curate(c)
    assert c.supervisor.is_dirty()
    assert c.supervisor.save()
    assert not c.supervisor.is_dirty()
    assert snapshot(synth_dir)["spike_templates.npy"] == templates_before

    raw = np.load(synth_dir / "spike_clusters.npy", allow_pickle=False)
    assert raw.dtype == np.int32
    np.testing.assert_array_equal(raw, sc)
    assert list((synth_dir / ".phy" / "phyclone" / "backup").glob("spike_clusters.*.npy"))

    text = (synth_dir / "cluster_group.tsv").read_text().splitlines()
    assert text[0] == "cluster_id\tgroup"
    rows = [line.split("\t") for line in text[1:]]
    ids = sorted(int(x) for x in np.unique(sc))
    assert [int(r[0]) for r in rows] == ids
    assert {int(r[0]): r[1] for r in rows} == {i: groups[i] or "unsorted" for i in ids}
    assert "unsorted" in {r[1] for r in rows} or all(groups[i] for i in ids)

    q = read_tsv(synth_dir / "cluster_quality.tsv")
    assert {r["cluster_id"]: r["quality"] for r in q} == {
        k: v for k, v in quality.items() if v is not None}

    info = (synth_dir / "cluster_info.tsv").read_text().splitlines()
    header = info[0].split("\t")
    assert header[0] == "cluster_id" and "is_masked" not in header
    assert set(c.supervisor.columns) - {"id"} <= set(header)
    rows = [dict(zip(header, line.split("\t"))) for line in info[1:]]
    assert [int(r["cluster_id"]) for r in rows] == ids
    for r in rows:
        row = c.supervisor.get_cluster_info(int(r["cluster_id"]))
        fr = float(r["fr"])
        assert fr == pytest.approx(row["fr"], rel=1e-7)
        assert len(r["fr"].replace(".", "").replace("-", "").lstrip("0")) <= 8

    # phy's reader sees the curated clustering and its labels.
    m = load_model(synth_dir / "params.py")
    np.testing.assert_array_equal(m.spike_clusters, sc)
    assert m.metadata["group"] == {i: groups[i] or "unsorted" for i in ids}
    assert m.metadata["quality"] == {k: v for k, v in quality.items() if v is not None}
    m.close()
    # The journal restarts from the saved state: nothing to replay.
    assert c.supervisor.session.pending_actions() == []


def test_reopen_after_save(synth_dir, config_dir):
    c = open_controller(synth_dir, config_dir)
    sc, groups, quality = curate(c)
    c.supervisor.save()
    c.close()
    c = open_controller(synth_dir, config_dir)
    try:
        s = c.supervisor
        np.testing.assert_array_equal(s.clustering.spike_clusters, sc)
        assert {k: v for k, v in s.get_labels("group").items()} == \
            {k: v or "unsorted" for k, v in groups.items()}
        assert s.get_labels("quality") == quality
        assert not s.is_dirty()
        # New ids continue after the saved ones (never reused).
        up = s.merge([int(x) for x in s.clustering.cluster_ids[:2]])
        assert up.added[0] > max(int(x) for x in np.unique(sc))
    finally:
        c.close()


@pytest.mark.parametrize("replay", [True, False])
def test_journal_replay(synth_dir, config_dir, replay):
    c = open_controller(synth_dir, config_dir)
    original = np.asarray(c.supervisor.clustering.spike_clusters).copy()
    orig_groups = c.supervisor.get_labels("group")
    sc, groups, quality = curate(c)
    next_id = c.supervisor.clustering.new_cluster_id()
    # A crash: the controller is never closed nor saved (the journal is fsync'd per action).
    c2 = open_controller(synth_dir, config_dir, replay_journal=replay)
    try:
        s = c2.supervisor
        if replay:
            np.testing.assert_array_equal(s.clustering.spike_clusters, sc)
            assert s.get_labels("group") == groups
            assert s.get_labels("quality") == quality
            assert s.is_dirty()
        else:
            np.testing.assert_array_equal(s.clustering.spike_clusters, original)
            assert s.get_labels("group") == orig_groups
            assert list((synth_dir / ".phy" / "phyclone").glob("journal.jsonl.declined"))
        assert s.clustering.new_cluster_id() >= next_id
    finally:
        c2.close()
        c.supervisor.session.close()


def test_stale_cache_is_cleared(synth_dir, config_dir):
    c = open_controller(synth_dir, config_dir)
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids]
    before = {i: list(c.get_best_channels(i)) for i in ids}
    c.close()
    assert list((synth_dir / ".phy" / "phyclone" / "memcache").glob("*.pkl"))
    # Another program relabels the clusters (same ids, other spikes).
    sc = np.load(synth_dir / "spike_clusters.npy", allow_pickle=False)
    perm = dict(zip(ids, ids[::-1]))
    np.save(synth_dir / "spike_clusters.npy", np.array([perm[x] for x in sc], dtype=sc.dtype))
    c = open_controller(synth_dir, config_dir)
    try:
        for i in ids:
            assert list(c.get_best_channels(i)) == before[perm[i]]
    finally:
        c.close()


def test_clear_cache_keeps_journal(synth_dir, config_dir):
    c = open_controller(synth_dir, config_dir)
    curate(c)
    c.supervisor.session.close()
    c2 = open_controller(synth_dir, config_dir, clear_cache=True, replay_journal=True)
    try:
        assert c2.supervisor.session.replayed > 0
    finally:
        c2.close()


def test_foreign_cache_never_loaded(synth_dir, config_dir, tmp_path):
    """A .phy cache shipped with a dataset (not signed with this user's secret) is deleted
    before anything in it is read: its pickles never run."""
    c = open_controller(synth_dir, config_dir)
    c.close()
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (open, (str(marker), "w"))
    import pickle
    for f in (synth_dir / ".phy" / "phyclone" / "memcache").glob("*.pkl"):
        f.write_bytes(pickle.dumps({(0,): Evil()}))
    # Another user (another config folder, so another secret) opens the dataset.
    c = open_controller(synth_dir, tmp_path / "other_user_config")
    try:
        cid = int(c.supervisor.clustering.cluster_ids[0])
        assert len(c.get_best_channels(cid))
        assert not marker.exists()
    finally:
        c.close()
    # The same user, after a tampered key: also cleared.
    key = synth_dir / ".phy" / "phyclone" / "cache_key.json"
    key.write_text(key.read_text().replace('"signature": "', '"signature": "0'))
    for f in (synth_dir / ".phy" / "phyclone" / "memcache").glob("*.pkl"):
        f.write_bytes(pickle.dumps({(0,): Evil()}))
    c = open_controller(synth_dir, tmp_path / "other_user_config")
    c.close()
    assert not marker.exists()


def test_result_cache(tmp_path):
    from phyclone.controller.cache import ResultCache
    from phyclone.utils import Bunch
    calls = []

    def f(cluster_id, n, name=None):
        calls.append(cluster_id)
        return Bunch(data=np.arange(n * 2.).reshape(n, 2), labels=["1", "2"], alpha=1.,
                     none=None, parts=[Bunch(x=np.ones(3), spike_ids=np.arange(3))])

    rc = ResultCache(tmp_path / "results")
    g = rc.wrap(f, "f")
    a = g(3, 4, name="x")
    a.data[:] = -1  # callers get copies
    b = g(3, 4, name="x")
    assert calls == [3] and b.data[0, 1] == 1. and b.labels == ["1", "2"] and b.none is None
    np.testing.assert_array_equal(b.parts[0].spike_ids, np.arange(3))
    rc.close()
    files = list((tmp_path / "results" / "f").glob("*.npz"))
    assert len(files) == 1
    np.load(files[0], allow_pickle=False)  # no pickle inside
    rc2 = ResultCache(tmp_path / "results")
    c2 = rc2.wrap(f, "f")(3, 4, name="x")
    assert calls == [3]
    np.testing.assert_array_equal(c2.data, b.data)
    rc2.wrap(f, "f")(5, 4, name="x")
    assert calls == [3, 5]
    rc2.close()


def test_result_cache_writes_when_idle(tmp_path):
    """Cache files are written once no result was computed for ``write_delay`` s; closing
    writes what is left at once."""
    import time
    from phyclone.controller.cache import ResultCache
    rc = ResultCache(tmp_path / "results")
    rc.write_delay = .4
    g = rc.wrap(lambda i: np.arange(i), "f")
    folder = tmp_path / "results" / "f"
    t0 = time.monotonic()
    for i in range(3):  # a burst of selections: nothing written during it
        g(i)
        time.sleep(.1)
    assert not list(folder.glob("*.npz"))
    while len(list(folder.glob("*.npz"))) < 3:
        assert time.monotonic() - t0 < 10
        time.sleep(.02)
    assert time.monotonic() - t0 >= .2 + .4
    rc.write_delay = 60.
    g(7)
    t1 = time.monotonic()
    rc.close()
    assert time.monotonic() - t1 < 5 and len(list(folder.glob("*.npz"))) == 4
