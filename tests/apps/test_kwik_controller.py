"""KwikController without a GUI: its data (best channels from the masks, masked features and
waveforms), a curation session saved into the .kwik and reopened, the crash journal of each
channel group and clustering, switching, and clustering management."""

import json
import shutil

import numpy as np
import pytest

from phyclone.io.kwik.model import KwikModel
from phyclone.session import Journal

from _kwik_fixtures import make_kwik, open_kwik


@pytest.fixture(scope="session")
def kwik_source(tmp_path_factory):
    d = tmp_path_factory.mktemp("kwik_source")
    return make_kwik(d)


@pytest.fixture
def kwik(kwik_source, tmp_path):
    """A private copy of the synthetic dataset (truth, with the copy's paths)."""
    d = tmp_path / "data"
    shutil.copytree(kwik_source.kwik_path.parent, d, ignore=shutil.ignore_patterns(".phy"))
    truth = dict(kwik_source)
    truth.update(kwik_path=d / "syn.kwik", kwx_path=d / "syn.kwx",
                 raw_paths=[d / p.name for p in kwik_source.raw_paths])
    return type(kwik_source)(truth)


@pytest.fixture
def controller(kwik, config_dir):
    c = open_kwik(kwik.kwik_path, config_dir)
    yield c
    c.latest.close()


def _groups(model):
    return {int(c): g for c, g in model.cluster_groups.items()}


def test_cache_journal_and_labels_per_group_and_clustering(controller, kwik, config_dir):
    c = controller
    root = kwik.kwik_path.parent / ".phy" / "phyclone"
    assert c.gui_name == "KwikGUI" and c.model.channel_group == 0
    assert c.cache_dir == root / "syn_0_main"
    assert c.journal_path.parent == c.cache_dir
    s = c.supervisor
    assert s.clustering.cluster_ids.tolist() == kwik.groups[0].cluster_ids.tolist()
    assert {c_: s.cluster_meta.get("group", c_) for c_ in (1, 4, 7, 10)} == {
        1: "good", 4: "mua", 7: "noise", 10: "unsorted"}
    assert "sh" not in c.cluster_metrics and {"ch", "depth", "fr"} <= set(c.cluster_metrics)
    c2 = open_kwik(kwik.kwik_path, config_dir, channel_group=1, clustering="original")
    try:
        assert c2.cache_dir == root / "syn_1_original"
        np.testing.assert_array_equal(c2.supervisor.clustering.spike_clusters,
                                      kwik.groups[1].original_clusters)
    finally:
        c2.close()


def test_best_channels_come_from_the_masks(controller, kwik):
    c, m = controller, controller.model
    truth = kwik.groups[0]
    for k, cluster_id in enumerate(truth.cluster_ids):
        cluster_id = int(cluster_id)
        spikes = c.get_spike_ids(cluster_id, n=c.n_spikes_best_channels)
        mean_masks = m.get_masks(spikes).mean(axis=0)
        best = c.get_best_channels(cluster_id)
        assert set(best.tolist()) == set(np.nonzero(mean_masks > .1)[0].tolist())
        assert best[0] == truth.main_channels[k]  # the main channel first
        channel_ids, amps = c.get_channel_amplitudes(cluster_id)
        assert channel_ids.tolist() == best.tolist() and amps[0] == 1 and np.all(amps <= 1)
        assert c.get_best_channel_label(cluster_id) == m.channel_order[best[0]]


def test_features_and_waveforms_carry_the_masks(controller, kwik):
    c, m = controller, controller.model
    f = c.get_features(4)
    ch = np.asarray(f.channel_ids)
    assert ch.tolist() == c.get_best_channels(4).tolist()
    np.testing.assert_array_equal(f.data, m.get_features(f.spike_ids, ch))
    np.testing.assert_array_equal(f.masks, m.get_masks(f.spike_ids, ch))
    assert f.channel_labels == [str(x) for x in m.channel_order[ch]]
    bg = c.get_features(None, channel_ids=ch)
    assert len(bg.spike_ids) and bg.masks.shape == (len(bg.spike_ids), len(ch))
    w = c.get_waveforms(4)
    assert w.data.shape == (len(w.spike_ids), m.n_samples_waveforms, len(w.channel_ids))
    np.testing.assert_array_equal(w.masks, m.get_masks(w.spike_ids, w.channel_ids))
    mean = c._get_mean_waveforms(4)
    assert mean.data.shape[0] == 1 and mean.masks.shape == (1, len(mean.channel_ids))
    amps = c.get_spike_feature_amplitudes(f.spike_ids, channel_id=int(ch[0]))
    np.testing.assert_array_equal(amps, m.get_features(f.spike_ids, ch[:1])[:, 0, 0])


def test_waveforms_only_from_spikes_with_raw_data(tmp_path, config_dir):
    d = make_kwik(tmp_path, raw_duration=.3)  # raw data for the first 30 % of each recording
    c = open_kwik(d.kwik_path, config_dir)
    try:
        m = c.model
        intervals = m.raw_data_intervals
        assert intervals.tolist() == [[0, 6000], [20000, 26000]]
        w = c.get_waveforms(1)
        s = m.spike_samples[w.spike_ids]
        assert len(s) and all(any(a + 20 <= x < b - 20 for a, b in intervals) for x in s)
        assert np.abs(w.data).max() > 20  # real spikes, not zeros
    finally:
        c.close()


def test_session_saved_into_the_kwik_and_reopened(controller, kwik, config_dir):
    c = controller
    s = c.supervisor
    ids = [int(x) for x in s.clustering.cluster_ids]
    s.merge(ids[:2])
    merged = int(s.clustering.cluster_ids.max())
    spikes = s.clustering.spikes_per_cluster[ids[2]][::3]
    s.split(spikes)
    s.label("group", "good", [merged])
    s.label("comment", "tidy", [merged])
    s.label("group", "mua", [ids[3]])
    s.undo()
    s.redo()
    assert s.is_dirty() and s.save() and not s.is_dirty()
    expected_sc = np.asarray(s.clustering.spike_clusters).copy()
    expected_groups = {int(k): v or "unsorted" for k, v in s.get_labels("group").items()}
    m = KwikModel(kwik.kwik_path)
    try:
        np.testing.assert_array_equal(m.spike_clusters, expected_sc)
        assert _groups(m) == {int(k): expected_groups.get(int(k), "unsorted")
                              for k in m.cluster_ids}
        assert _groups(m)[merged] == "good" and _groups(m)[ids[3]] == "mua"
        assert m.cluster_labels["comment"] == {merged: "tidy"}
        m.channel_group = 1  # untouched
        np.testing.assert_array_equal(m.spike_clusters, kwik.groups[1].spike_clusters)
        m.channel_group = 0
        m.clustering = "original"
        np.testing.assert_array_equal(m.spike_clusters, kwik.groups[0].original_clusters)
    finally:
        m.close()
    assert Journal(c.journal_path).read()[1] == []  # the journal restarted at the save
    c.close()
    c2 = open_kwik(kwik.kwik_path, config_dir)
    try:
        np.testing.assert_array_equal(c2.supervisor.clustering.spike_clusters, expected_sc)
        assert not c2.supervisor.is_dirty()
        new = c2.supervisor.merge(c2.supervisor.clustering.cluster_ids[:2].tolist())
        assert int(new.added[0]) > int(expected_sc.max())  # ids never reused
    finally:
        c2.close()


def test_journal_replay_is_per_group(controller, kwik, config_dir):
    c = controller
    s = c.supervisor
    ids = [int(x) for x in s.clustering.cluster_ids]
    s.merge(ids[1:3])
    s.label("group", "noise", [ids[0]])
    state = np.asarray(s.clustering.spike_clusters).copy()
    c.close()  # not saved: the journal keeps the actions
    other = open_kwik(kwik.kwik_path, config_dir, channel_group=1, replay_journal=True)
    try:
        assert not other.supervisor.is_dirty()  # group 1 has its own journal
        np.testing.assert_array_equal(other.supervisor.clustering.spike_clusters,
                                      kwik.groups[1].spike_clusters)
    finally:
        other.close()
    c2 = open_kwik(kwik.kwik_path, config_dir, replay_journal=True)
    try:
        np.testing.assert_array_equal(c2.supervisor.clustering.spike_clusters, state)
        assert c2.supervisor.cluster_meta.get("group", ids[0]) == "noise"
        assert c2.supervisor.is_dirty()
    finally:
        c2.close()


def test_switch_without_gui(qapp, controller, kwik, config_dir):
    from phyclone.gui import preset_answers
    c = controller
    assert c.switch_channel_group(5) is None and c.switch_clustering("nope") is None
    assert c.switch_channel_group(0) is None  # already there
    c.supervisor.merge([1, 4])
    with preset_answers("cancel") as asked:
        assert c.switch_channel_group(1) is None
    assert asked[0].answer == "cancel" and c.latest is c
    with preset_answers("discard"):
        c1 = c.switch_channel_group(1)
    assert c1 is not None and c.latest is c1 and c.successor is c1
    assert c1.model.channel_group == 1 and c1.cache_dir.name == "syn_1_main"
    assert c1.config_dir == config_dir and not c1._enable_threading
    c2 = c1.switch_clustering("original")
    assert c2.model.clustering == "original" and c.latest is c2
    np.testing.assert_array_equal(c2.supervisor.clustering.spike_clusters,
                                  kwik.groups[1].original_clusters)
    # The discarded merge of group 0 stays in its journal, offered when group 0 is reopened.
    pending = Journal(kwik.kwik_path.parent / ".phy" / "phyclone" / "syn_0_main" / "journal.jsonl")
    assert [a["action"] for a in pending.read()[1]] == ["merge"]
    with preset_answers("yes") as asked:
        c3 = c2.switch_channel_group(0)
    assert "Replay" in asked[0].message and c3.supervisor.is_dirty()
    assert 1 not in c3.supervisor.clustering.cluster_ids


def test_plugins_follow_a_switch(qapp, kwik, config_dir):
    plugins = config_dir / "plugins"
    plugins.mkdir(parents=True)
    (plugins / "kwik_plugin.py").write_text(
        "from phyclone import IPlugin\n"
        "SEEN = []\n"
        "class KwikTestPlugin(IPlugin):\n"
        "    def attach_to_controller(self, controller):\n"
        "        SEEN.append(controller.model.channel_group)\n"
        "        controller.plugin_seen = SEEN\n")
    (config_dir / "phy_config.py").write_text(
        "c = get_config()\nc.KwikGUI.plugins = ['KwikTestPlugin']\n")
    c = open_kwik(kwik.kwik_path, config_dir)
    try:
        assert c.attached_plugins == ["KwikTestPlugin"]
        c1 = c.switch_channel_group(1)
        assert c1.attached_plugins == ["KwikTestPlugin"] and c1.plugin_seen[-1] == 1
    finally:
        c.latest.close()


def test_clustering_management(qapp, controller, kwik):
    from phyclone.gui import preset_answers
    c = controller
    s = c.supervisor
    s.merge([1, 4])
    s.label("group", "good", [int(s.clustering.cluster_ids.max())])
    s.label("score", 3, [7])
    sc = np.asarray(s.clustering.spike_clusters).copy()
    old_journal = c.journal_path
    new = c.add_clustering("curated")
    assert new is not None and new.model.clustering == "curated"
    np.testing.assert_array_equal(new.supervisor.clustering.spike_clusters, sc)
    assert not new.supervisor.is_dirty()
    assert new.supervisor.cluster_meta.get("group", int(sc.max())) == "good"
    assert new.supervisor.cluster_meta.get("score", 7) == 3
    # The changes now live in 'curated': 'main' is as last saved, its journal set aside.
    assert not old_journal.exists() and old_journal.with_name("journal.jsonl.declined").exists()
    m = KwikModel(kwik.kwik_path)
    np.testing.assert_array_equal(m.spike_clusters, kwik.groups[0].spike_clusters)
    assert m.clusterings == ["main", "curated", "original"]
    m.close()

    assert new.copy_clustering("main", "backup") is True
    assert new.copy_clustering("main", "backup") is False  # exists: refused, said
    assert new.rename_clustering("backup", "old") is True
    with preset_answers("no"):
        assert new.delete_clustering("old") is False
    with preset_answers("yes"):
        assert new.delete_clustering("old") is True
    assert new.delete_clustering("curated") is False  # the current one
    assert new.model.clusterings == ["main", "curated", "original"]
    # Renaming the current clustering reopens it under its new name.
    renamed = new.rename_clustering("curated", "final")
    assert renamed.model.clustering == "final" and renamed.cache_dir.name == "syn_0_final"
    np.testing.assert_array_equal(renamed.supervisor.clustering.spike_clusters, sc)


@pytest.mark.parametrize("missing", ["kwx", "raw", "both"])
def test_missing_kwx_or_raw_data(kwik, config_dir, missing):
    if missing in ("kwx", "both"):
        kwik.kwx_path.unlink()
    if missing in ("raw", "both"):
        for p in kwik.raw_paths:
            p.unlink()
    c = open_kwik(kwik.kwik_path, config_dir)
    try:
        functions = set(c._get_amplitude_functions())
        assert functions == {"kwx": {"raw"}, "raw": {"feature"}, "both": set()}[missing]
        assert (c.get_features(1) == {}) == (missing != "raw")
        assert (c._get_waveforms_dict() == {}) == (missing != "kwx")
        best = c.get_best_channels(4)
        if missing == "kwx":  # from the filtered mean waveform
            assert best[0] == kwik.groups[0].main_channels[1]
        elif missing == "both":  # nothing tells: every channel
            assert best.tolist() == list(range(c.model.n_channels))
        assert c.supervisor.save()  # saving works whatever is missing
    finally:
        c.close()


def test_failed_save_keeps_the_session(controller, kwik, monkeypatch):
    from phyclone.io.kwik import clusterings as kwik_clusterings
    c = controller
    c.supervisor.merge([1, 4])

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(kwik_clusterings, "write_cluster_entries", crash)
    before = kwik.kwik_path.read_bytes()
    assert c.supervisor.save() is False
    assert c.supervisor.is_dirty() and kwik.kwik_path.read_bytes() == before
    header, actions = Journal(c.journal_path).read()
    assert [a["action"] for a in actions] == ["merge"]
    assert json.loads(json.dumps(header))["fingerprint"]
