"""Folders with missing files say what is missing instead of showing wrong views: KiloSort-2
folders without templates.npy (best channels derived from the data), views that cannot be
created name the file they need, no raw data is explained in the status bar."""

import logging
import shutil

import numpy as np
import pytest

from phyclone.apps.template import load_model

from _controller_fixtures import close_gui, open_controller, show_gui


def _copy(src, dst, remove=()):
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".phy", "ground_truth"))
    for name in remove:
        (dst / name).unlink()
    return dst


def _reference_channels(folder):
    """Best channels of every template, from the templates themselves."""
    m = load_model(folder / "params.py")
    try:
        return {int(t): list(m.get_template_channels(t)) for t in m.template_ids}
    finally:
        m.close()


def test_templates_missing_best_channels_from_raw_waveforms(synth_source, tmp_path, config_dir):
    ref = _reference_channels(synth_source)
    d = _copy(synth_source, tmp_path / "ks2", remove=("templates.npy",))
    c = open_controller(d, config_dir)
    try:
        m = c.model
        assert m.sparse_templates is None
        assert ("templates.npy not found: no template waveforms; best channels ranked by the "
                "amplitude of the raw waveforms on the channels of pc_feature_ind.npy") \
            in m.warnings
        pos = np.asarray(m.channel_positions)
        for cid in c.supervisor.clustering.cluster_ids:
            cid = int(cid)
            t = c.get_template_for_cluster(cid)
            best = c.get_best_channels(cid)
            assert best[0] == ref[t][0], (cid, list(best), ref[t])
            assert set(best) <= set(np.asarray(m.sparse_features.cols[t]))
            assert c.get_probe_depth(cid) == pos[ref[t][0], 1]
            assert cid in c.get_clusters_on_channel(int(ref[t][0]))
        # The waveform view shows the spikes' waveforms, never flat "templates".
        assert set(c._get_waveforms_dict()) == {"waveforms", "mean_waveforms"}
    finally:
        c.close()


def test_templates_and_raw_data_missing_best_channels_from_features(synth_source, tmp_path,
                                                                    config_dir):
    ref = _reference_channels(synth_source)
    raw = [p.name for p in synth_source.iterdir() if p.suffix == ".dat"]
    d = _copy(synth_source, tmp_path / "ks2", remove=["templates.npy"] + raw)
    c = open_controller(d, config_dir)
    try:
        assert any(w.startswith("templates.npy not found") and "energy of the PC features" in w
                   for w in c.model.warnings)
        firsts = []
        for cid in c.supervisor.clustering.cluster_ids:
            t = c.get_template_for_cluster(int(cid))
            best = c.get_best_channels(int(cid))
            assert best[0] in ref[t][:2], (list(best), ref[t])
            firsts.append(int(best[0]))
        assert len(set(firsts)) > 1  # not everything on one channel (channel 0 before)
        assert c._get_waveforms_dict() == {}
        assert c.why_no_view("WaveformView").startswith(f"raw data file {raw[0]} not found")
    finally:
        c.close()


def test_best_channels_without_templates_or_pc_feature_ind(synth_source, tmp_path):
    """Only template_ind.npy says where the templates lie: its channels, ranked by the raw
    waveforms; nothing at all: every channel is a candidate."""
    ref = _reference_channels(synth_source)
    d = _copy(synth_source, tmp_path / "a", remove=("templates.npy", "pc_features.npy",
                                                   "pc_feature_ind.npy"))
    m = load_model(d / "params.py")
    ind = np.load(d / "template_ind.npy")
    for t, channels in ref.items():
        got = m.get_template_channels(t)
        assert got[0] == channels[0] and set(got) <= set(ind[t][ind[t] >= 0])
    assert "on the channels of template_ind.npy" in m.warnings[-1]
    m.close()
    d = _copy(synth_source, tmp_path / "b", remove=("templates.npy", "pc_features.npy",
                                                   "pc_feature_ind.npy", "template_ind.npy"))
    m = load_model(d / "params.py")
    for t, channels in ref.items():
        assert m.get_template_channels(t)[0] == channels[0]
    assert "on every channel" in m.warnings[-1]
    m.close()


@pytest.mark.gl
def test_gui_names_what_is_missing(qapp, qtbot, synth_source, tmp_path, config_dir, caplog):
    """No raw data, no templates.npy, no pc_features.npy: the status bar says why the trace
    and waveform views are absent and what is missing; "Could not create view" names the
    file each missing view needs."""
    raw = [p.name for p in synth_source.iterdir() if p.suffix == ".dat"]
    d = _copy(synth_source, tmp_path / "ks2",
              remove=["templates.npy", "pc_features.npy", "pc_feature_ind.npy"] + raw)
    c = open_controller(d, config_dir)
    with caplog.at_level(logging.WARNING):
        gui = show_gui(qtbot, c)
    try:
        status = gui.status_message
        assert f"raw data file {raw[0]} not found: the trace view and the spike waveforms are " \
               "not available" in status
        assert "templates.npy not found" in status
        logged = [r.getMessage() for r in caplog.records]
        assert "Could not create view FeatureView: pc_features.npy not found." in logged
        assert f"Could not create view TraceView: raw data file {raw[0]} not found." in logged
        assert any(x.startswith("Could not create view WaveformView: raw data file") and
                   "templates.npy" in x for x in logged)
        names = {type(v).__name__ for v in gui.views}
        assert not {"FeatureView", "TraceView", "WaveformView"} & names
    finally:
        close_gui(gui, c)
