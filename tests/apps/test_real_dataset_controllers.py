"""Every real dataset of ``../shared/data`` through the controllers, headless, then in the
GUI once each (on private copies: a controller keeps its cache beside the data)."""

import os
import shutil

import numpy as np
import pytest

from _controller_fixtures import close_gui, open_controller, show_gui
from _kwik_fixtures import open_kwik
from _shared_data import require_shared

NO_RAW_TEMPLATE = ("raw data file sim_binary.dat not found: the trace view and the spike "
                   "waveforms are not available")
NO_RAW_KWIK = ("no raw data found (.raw.kwd or .dat files): the trace view and the waveforms "
               "are not available")

#: name: (kind, shared path, channel group, status bar message, views expected absent)
DATASETS = {
    "si_export_16ch": ("template", ("si_export_16ch",), None, None, ()),
    "phy_template": ("template", ("phy_data", "template"), None, NO_RAW_TEMPLATE,
                     ("TraceView",)),
    "phy_kwik": ("kwik", ("phy_data", "kwik", "hybrid_10sec.kwik"), None, NO_RAW_KWIK,
                 ("TraceView", "WaveformView")),
    "klusta_16ch_group0": ("kwik", ("klusta_16ch", "synth.kwik"), 0, None, ()),
    "klusta_16ch_group1": ("kwik", ("klusta_16ch", "synth.kwik"), 1, None, ()),
}


def _open(name, tmp_path, config_dir):
    """A controller on a private copy of a real dataset."""
    kind, parts, group, _, _ = DATASETS[name]
    src = require_shared(*parts)
    folder = src if src.is_dir() else src.parent
    dst = tmp_path / folder.name
    shutil.copytree(folder, dst, ignore=shutil.ignore_patterns(".phy", "groundtruth"))
    for p in dst.iterdir():
        os.chmod(p, 0o644)
    if kind == "template":
        return open_controller(dst, config_dir)
    return open_kwik(dst / src.name, config_dir, channel_group=group)


def _check_cluster_data(c):
    """The data every default view asks for, for a few clusters."""
    m = c.model
    ids = [int(x) for x in c.supervisor.clustering.cluster_ids]
    assert ids
    for cid in ids[:3]:
        best = np.asarray(c.get_best_channels(cid))
        assert len(best) and best.min() >= 0 and best.max() < m.n_channels
        spikes = c.get_spike_ids(cid)
        assert len(spikes) and set(np.asarray(m.spike_clusters)[spikes]) == {cid}
        for key, fn in c._get_waveforms_dict().items():
            b = fn(cid)
            assert b is not None and np.isfinite(np.asarray(b.data)).all(), key
        if getattr(m, "features", None) is not None:
            b = c._get_features(cid)
            assert b.data.shape[0] == len(b.spike_ids) and b.data.shape[0] > 0
        assert np.isfinite(c.get_probe_depth(cid))
    if getattr(m, "traces", None) is not None:
        assert c.get_traces((0., .05)) is not None
    return ids


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_controller_headless(name, tmp_path, config_dir):
    c = _open(name, tmp_path, config_dir)
    try:
        ids = _check_cluster_data(c)
        s = c.supervisor
        merged = s.merge(ids[:2]).added[0]
        assert c.get_best_channels(merged) is not None
        s.undo()
        assert [int(x) for x in s.clustering.cluster_ids] == ids
    finally:
        c.close()


@pytest.mark.gl
@pytest.mark.parametrize("name", sorted(DATASETS))
def test_gui(name, qapp, qtbot, tmp_path, config_dir):
    """The GUI opens with the default views the data allow, says in the status bar what is
    missing, and draws a selected cluster."""
    _, _, _, status, absent = DATASETS[name]
    c = _open(name, tmp_path, config_dir)
    gui = show_gui(qtbot, c)
    try:
        names = {type(v).__name__ for v in gui.views}
        assert {"ClusterView", "SimilarityView", "CorrelogramView"} <= names
        assert not set(absent) & names
        if status:
            assert status in gui.status_message
        s = c.supervisor
        cid = int(s.clustering.cluster_ids[0])
        views = [v for v in gui.views if hasattr(v, "n_plots_done")
                 and not hasattr(v, "all_cluster_ids")]
        assert len(views) >= 4, names
        before = {id(v): v.n_plots_done for v in views}
        s.select([cid])
        qtbot.waitUntil(lambda: all(v.n_plots_done > before[id(v)] for v in views),
                        timeout=30000)
    finally:
        close_gui(gui, c)


@pytest.mark.gl
def test_gui_phy_template_with_the_real_raw_file(qapp, qtbot, tmp_path, config_dir):
    """phy's raw test file as the raw data of phy's template folder: the partial last frame
    and the spikes after the end of the raw data are said in the status bar; the trace view
    is there."""
    from phyclone.apps.template import TemplateController
    from phyclone.io.template.model import TemplateModel
    raw = require_shared("phy_data", "test") / "test-4ch-1s.dat"
    dst = tmp_path / "template"
    shutil.copytree(require_shared("phy_data", "template"), dst)
    for p in dst.iterdir():
        os.chmod(p, 0o644)
    model = TemplateModel(dir_path=dst, dat_path=raw, n_channels_dat=34, dtype="int16",
                          sample_rate=25000.)
    c = TemplateController(model=model, dir_path=dst, config_dir=config_dir,
                           replay_journal=False, enable_threading=False)
    gui = show_gui(qtbot, c)
    try:
        assert "test-4ch-1s.dat: its last 64 bytes are not a whole frame of 34 channels" in \
            gui.status_message
        assert "310/314 spikes are after the end of the raw data" in gui.status_message
        assert "TraceView" in {type(v).__name__ for v in gui.views}
    finally:
        close_gui(gui, c)
