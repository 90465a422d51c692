"""KwikModel writes: save, clusterings, cluster groups; reopen and compare; atomicity."""

import hashlib
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phyclone.io.kwik import clusterings as kwik_clusterings
from phyclone.io.kwik.creator import synthetic_kwik
from phyclone.io.kwik.model import KwikModel


@pytest.fixture
def dataset(tmp_path):
    return synthetic_kwik(tmp_path / "syn.kwik", seed=2)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(folder):
    """Files of the dataset folder (the .phy cache folder, holding the backups, aside)."""
    return sorted(p.name for p in folder.iterdir() if p.name != ".phy")


def test_open_never_writes(dataset):
    before = {p: _sha(p) for p in dataset.kwik_path.parent.iterdir()}
    m = KwikModel(dataset.kwik_path)
    m.channel_group = 1
    m.clustering = "original"
    m.waveforms[:5]
    m.features[:5]
    m.close()
    assert {p: _sha(p) for p in dataset.kwik_path.parent.iterdir()} == before


def test_save_merge_split_labels_and_reopen(dataset):
    original = _sha(dataset.kwik_path)
    m = KwikModel(dataset.kwik_path, channel_group=1)
    sc = m.spike_clusters.copy()
    sc[np.isin(sc, [1, 4])] = 11  # merge 1 + 4 -> 11
    half = np.nonzero(sc == 7)[0][::2]
    sc[half] = 12  # split 7 -> 7 (rest) + 12
    groups = {11: "good", 12: "Noise", 7: "mua", 10: None}
    m.save(sc, groups, ("comment", {11: "merged", 12: "split"}), ("score", {11: .5}),
           ("group", {11: "ignored: groups come from the second argument"}),
           clustering_metadata={"curated_by": "test"})
    assert m.cluster_ids.tolist() == [7, 10, 11, 12]
    assert m.cluster_groups == {7: "mua", 10: "unsorted", 11: "good", 12: "noise"}
    m.close()
    m = KwikModel(dataset.kwik_path, channel_group=1)
    np.testing.assert_array_equal(m.spike_clusters, sc)
    assert m.cluster_groups == {7: "mua", 10: "unsorted", 11: "good", 12: "noise"}
    assert m.cluster_labels == {"group": m.cluster_groups,
                                "comment": {11: "merged", 12: "split"}, "score": {11: .5}}
    assert m.clustering_metadata["curated_by"] == "test"
    # Entries of the merged-away clusters are gone; the other group and clustering untouched.
    with h5py.File(dataset.kwik_path, "r") as f:
        assert sorted(map(int, f["channel_groups/1/clusters/main"])) == [7, 10, 11, 12]
        assert f["channel_groups/1/spikes/clusters/main"].dtype == np.uint32
    m.clustering = "original"
    np.testing.assert_array_equal(m.spike_clusters, dataset.groups[1].original_clusters)
    m.channel_group = 0
    np.testing.assert_array_equal(m.spike_clusters, dataset.groups[0].spike_clusters)
    assert _files(dataset.kwik_path.parent) == ["syn.kwik", "syn.kwx", "syn.raw.kwd"]
    m.close()
    # The file as it was before the save is kept in .phy/backup.
    backups = sorted((dataset.kwik_path.parent / ".phy" / "phyclone" / "backup")
                     .glob("syn.*.kwik"))
    assert len(backups) == 1 and _sha(backups[0]) == original


def test_save_keeps_stored_groups_and_removes_labels(dataset):
    m = KwikModel(dataset.kwik_path)
    m.save(None, None, ("comment", {1: "a", 4: "b"}))
    m.save(None, None, ("comment", {1: None}))
    assert m.cluster_labels["comment"] == {4: "b"}
    assert m.cluster_groups[1] == "good"
    sc = m.spike_clusters.copy()
    sc[sc == 1] = 20
    m.save(sc)  # new cluster: unsorted; others keep their group
    assert m.cluster_groups == {4: "mua", 7: "noise", 10: "unsorted", 20: "unsorted"}
    m.close()


def test_base_controller_save_methods(dataset):
    m = KwikModel(dataset.kwik_path)
    sc = m.spike_clusters.copy()
    sc[:10] = 30
    m.save_spike_clusters(sc)
    m.save_metadata("group", {30: "good"})
    m.save_metadata("quality", {30: 3})
    m.close()
    m = KwikModel(dataset.kwik_path)
    np.testing.assert_array_equal(m.spike_clusters, sc)
    assert m.cluster_groups[30] == "good" and m.cluster_labels["quality"] == {30: 3}
    m.close()


def test_unknown_group_name_creates_a_group(dataset):
    m = KwikModel(dataset.kwik_path)
    m.save(None, {1: "dubious", 4: "DUBIOUS"})
    assert m.cluster_group_names[4] == "Dubious"
    assert m.cluster_groups[1] == m.cluster_groups[4] == "dubious"
    with pytest.raises(ValueError, match="unknown cluster group id"):
        m.save(None, {1: 17})
    m.close()


def test_clustering_management(dataset):
    m = KwikModel(dataset.kwik_path)
    new = np.arange(m.n_spikes) % 3
    m.add_clustering("kk_rerun", new)
    assert m.clusterings == ["main", "kk_rerun", "original"] and m.clustering == "main"
    with pytest.raises(ValueError, match="already exists"):
        m.add_clustering("kk_rerun", new)
    with pytest.raises(ValueError, match="values"):
        m.add_clustering("short", new[:5])
    m.copy_clustering("main", "main_backup")
    m.rename_clustering("original", "first_pass")
    m.rename_clustering("main", "primary")  # the current one
    assert m.clustering == "primary"
    m.delete_clustering("kk_rerun")
    with pytest.raises(ValueError, match="current clustering"):
        m.delete_clustering("primary")
    with pytest.raises(ValueError, match="unknown clustering"):
        m.copy_clustering("nope", "x")
    with pytest.raises(ValueError, match="already exists"):
        m.rename_clustering("first_pass", "main_backup")
    m.close()

    m = KwikModel(dataset.kwik_path, clustering="main_backup")
    assert sorted(m.clusterings) == ["first_pass", "main_backup", "primary"]
    truth = dataset.groups[0]
    np.testing.assert_array_equal(m.spike_clusters, truth.spike_clusters)
    assert m.cluster_groups == {1: "good", 4: "mua", 7: "noise", 10: "unsorted"}
    m.clustering = "primary"
    np.testing.assert_array_equal(m.spike_clusters, truth.spike_clusters)
    m.clustering = "first_pass"
    np.testing.assert_array_equal(m.spike_clusters, truth.original_clusters)
    m.channel_group = 1  # clusterings are per channel group
    assert m.clusterings == ["main", "original"]
    m.close()


def test_added_clustering_contents(dataset):
    m = KwikModel(dataset.kwik_path, channel_group=1)
    m.add_clustering("new", np.full(m.n_spikes, 5))
    m.clustering = "new"
    assert m.cluster_ids.tolist() == [5] and m.cluster_groups == {5: "unsorted"}
    assert m.cluster_group_names == {0: "Noise", 1: "MUA", 2: "Good", 3: "Unsorted"}
    # With cluster groups (names or ids, new names become groups) and labels.
    sc = np.where(np.arange(m.n_spikes) % 2, 20, 21)
    m.add_clustering("curated", sc, {20: "good", 21: "Oddities"},
                     [("comment", {20: "even"}), ("group", {20: "ignored"})])
    assert m.clustering == "new"  # unchanged
    m.clustering = "curated"
    assert m.cluster_groups == {20: "good", 21: "oddities"}
    assert m.cluster_labels["comment"] == {20: "even"}
    assert m.cluster_group_names[4] == "Oddities"
    m.close()


@pytest.mark.parametrize("name", ["", "  ", "a/b", ".."])
def test_invalid_clustering_names(dataset, name):
    m = KwikModel(dataset.kwik_path)
    before = _sha(dataset.kwik_path)
    for f, args in ((m.add_clustering, (name, m.spike_clusters)),
                    (m.copy_clustering, ("main", name)), (m.rename_clustering, ("main", name))):
        with pytest.raises(ValueError, match="invalid clustering name"):
            f(*args)
    assert _sha(dataset.kwik_path) == before
    m.close()


def test_backups_are_kept_and_pruned(dataset):
    from phyclone.io.kwik.editing import N_BACKUPS
    m = KwikModel(dataset.kwik_path)
    versions = []
    for i in range(N_BACKUPS + 2):
        versions.append(_sha(dataset.kwik_path))
        m.save(None, {1: ["good", "mua"][i % 2]})
    m.close()
    backups = sorted((dataset.kwik_path.parent / ".phy" / "phyclone" / "backup")
                     .glob("syn.*.kwik"))
    assert [_sha(p) for p in backups] == versions[-N_BACKUPS:]


def test_cluster_group_management(dataset):
    m = KwikModel(dataset.kwik_path)
    m.add_cluster_group(4, "Dubious")
    m.save(None, {10: 4})
    assert m.cluster_groups[10] == "dubious"
    m.rename_cluster_group(4, "Doubtful")
    assert m.cluster_groups[10] == "doubtful"
    for bad in (lambda: m.add_cluster_group(4, "x"), lambda: m.add_cluster_group(2, "x"),
                lambda: m.rename_cluster_group(1, "x"), lambda: m.delete_cluster_group(0),
                lambda: m.rename_cluster_group(9, "x"), lambda: m.delete_cluster_group(9)):
        with pytest.raises(ValueError):
            bad()
    m.close()
    m = KwikModel(dataset.kwik_path)
    assert m.cluster_group_names[4] == "Doubtful" and m.cluster_groups[10] == "doubtful"
    m.delete_cluster_group(4)
    assert 4 not in m.cluster_group_names and m.cluster_groups[10] == "unsorted"
    m.close()
    m = KwikModel(dataset.kwik_path)
    assert m.cluster_groups == {1: "good", 4: "mua", 7: "noise", 10: "unsorted"}
    m.close()


def test_group_without_clustering_gets_main_on_save(dataset):
    with h5py.File(dataset.kwik_path, "a") as f:
        for part in ("spikes/clusters", "clusters", "cluster_groups"):
            del f[f"channel_groups/1/{part}"]
    m = KwikModel(dataset.kwik_path, channel_group=1)
    assert m.clustering is None and m.clusterings == []
    assert m.cluster_ids.tolist() == [0] and any("no clustering" in w for w in m.warnings)
    with pytest.raises(ValueError, match="save first"):
        m.add_cluster_group(5, "x")
    m.save(dataset.groups[1].spike_clusters, {1: "good"})
    assert m.clustering == "main" and m.clusterings == ["main"] and m.warnings == []
    m.close()
    m = KwikModel(dataset.kwik_path, channel_group=1)
    np.testing.assert_array_equal(m.spike_clusters, dataset.groups[1].spike_clusters)
    assert m.cluster_groups[1] == "good"
    m.close()


def test_failed_save_leaves_file_and_model_intact(dataset, monkeypatch):
    m = KwikModel(dataset.kwik_path)
    before, sc_before = _sha(dataset.kwik_path), m.spike_clusters.copy()

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(kwik_clusterings, "write_cluster_entries", crash)
    with pytest.raises(OSError, match="simulated"):
        m.save(np.zeros(m.n_spikes, dtype=np.int64), {0: "good"})
    assert _sha(dataset.kwik_path) == before
    assert _files(dataset.kwik_path.parent) == ["syn.kwik", "syn.kwx", "syn.raw.kwd"]
    np.testing.assert_array_equal(m.spike_clusters, sc_before)
    with pytest.raises(OSError):
        m.save(None, {1: "mua"})
    m.close()


def test_killed_during_save_leaves_original_readable(dataset, tmp_path):
    """A process killed in the middle of a save (no cleanup at all) leaves the .kwik intact."""
    before = _sha(dataset.kwik_path)
    script = textwrap.dedent(f"""
        import os
        import numpy as np
        from phyclone.io.kwik import clusterings as kc
        from phyclone.io.kwik.model import KwikModel
        m = KwikModel({str(dataset.kwik_path)!r})
        write = kc.write_spike_clusters
        def write_then_die(*args, **kwargs):
            write(*args, **kwargs)
            os._exit(9)  # like SIGKILL: no exception handler, no cleanup
        kc.write_spike_clusters = write_then_die
        m.save(np.zeros(m.n_spikes, dtype=np.int64))
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert res.returncode == 9, res.stderr
    assert _sha(dataset.kwik_path) == before
    m = KwikModel(dataset.kwik_path)
    np.testing.assert_array_equal(m.spike_clusters, dataset.groups[0].spike_clusters)
    m.close()


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_save_roundtrip_property(tmp_path_factory, data):
    d = synthetic_kwik(tmp_path_factory.mktemp("prop") / "p.kwik", n_spikes=60, seed=5)
    m = KwikModel(d.kwik_path, channel_group=data.draw(st.sampled_from([0, 1])))
    sc = np.array(data.draw(st.lists(st.integers(0, 40), min_size=60, max_size=60)))
    names = ["noise", "mua", "good", "unsorted"]
    groups = {int(c): data.draw(st.sampled_from(names)) for c in np.unique(sc)}
    labels = {int(c): data.draw(st.integers(-5, 5)) for c in np.unique(sc)}
    m.save(sc, groups, ("label", labels))
    g = m.channel_group
    m.close()
    m = KwikModel(d.kwik_path, channel_group=g)
    np.testing.assert_array_equal(m.spike_clusters, sc)
    assert m.cluster_groups == groups
    assert m.cluster_labels["label"] == labels
    m.close()
