"""The Template GUI: default views, a curation session driven by keys and snippets ending in
saved files, GUI state, closing with unsaved changes, events, and a crash (SIGKILL) of a
real GUI process followed by a journal replay."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from phyclone.apps.template import load_model
from phyclone.utils import connect, unconnect
from phyclone.utils.fileio import read_tsv

from _controller_fixtures import (  # noqa: I001
    close_gui, open_controller, press, show_gui, type_snippet, view_idle,
)

pytestmark = pytest.mark.gl


@pytest.fixture
def gui_controller(qapp, qtbot, synth_dir, config_dir):
    """(controller, gui): the Template GUI shown and active."""
    c = open_controller(synth_dir, config_dir)
    gui = show_gui(qtbot, c)
    yield c, gui
    close_gui(gui, c)


def test_default_views_and_events(qapp, qtbot, synth_dir, config_dir):
    import phyclone.cluster.views as views
    got = {}

    def on_gui_ready(sender, gui):
        got["gui_ready"] = (sender, gui)

    connect(on_gui_ready, event="gui_ready")
    c = open_controller(synth_dir, config_dir)
    gui = c.create_gui()
    qtbot.addWidget(gui)
    try:
        assert got["gui_ready"] == (c, gui)
        assert gui.name == "TemplateGUI"
        names = {type(v).__name__ for v in gui.views}
        assert {"ClusterView", "SimilarityView"} <= names
        expected = {n for n in c.default_views if hasattr(views, n)}
        assert expected <= names
        assert c.gl_status_label.text().startswith("OpenGL: ")
        # One view creator per view class (and per spike attribute).
        for name in ("WaveformView", "CorrelogramView", "FeatureView", "AmplitudeView",
                     "TraceView", "TemplateView", "ISIView", "FiringRateView", "ProbeView",
                     "ClusterScatterView", "RasterView", "TemplateFeatureView",
                     "SpikePositionsView", "IPythonView"):
            assert name in c.view_creator
    finally:
        unconnect(on_gui_ready)
        gui.close()
        c.close()


def test_key_session_and_save(gui_controller, qtbot, synth_dir):
    c, gui = gui_controller
    s = c.supervisor
    ids = [int(x) for x in s.clustering.cluster_ids]

    type_snippet(qtbot, gui, f":c {ids[0]} {ids[1]}", s)
    assert s.selected == [ids[0], ids[1]]
    press(qtbot, gui, "g", s)  # merge
    merged = s.selected[0]
    assert merged not in ids and set(s.clustering.spike_clusters.tolist()) >= {merged}

    type_snippet(qtbot, gui, f":c {ids[3]}", s)
    chosen = s.clustering.spikes_per_cluster[ids[3]][::2].copy()

    def on_request_split(sender):
        return chosen
    connect(on_request_split, event="request_split", sender=s)
    press(qtbot, gui, "k", s)  # split
    unconnect(on_request_split)
    assert ids[3] not in s.clustering.cluster_ids
    split_ids = list(s.selected)
    assert len(split_ids) == 2

    type_snippet(qtbot, gui, ":l quality 3", s)
    assert all(s.cluster_meta.get("quality", i) == 3 for i in split_ids)
    type_snippet(qtbot, gui, f":c {merged}", s)
    before = s.cluster_meta.get("group", merged)
    press(qtbot, gui, "alt+m", s)  # move best to mua
    assert s.cluster_meta.get("group", merged) == "mua" != before
    press(qtbot, gui, "ctrl+z", s)
    assert s.cluster_meta.get("group", merged) == before
    press(qtbot, gui, "ctrl+y", s)
    assert s.cluster_meta.get("group", merged) == "mua"

    assert s.is_dirty()
    press(qtbot, gui, "ctrl+s", s)
    assert not s.is_dirty()
    sc = np.load(synth_dir / "spike_clusters.npy", allow_pickle=False)
    assert sc.dtype == np.int32
    np.testing.assert_array_equal(sc, s.clustering.spike_clusters)
    groups = {r["cluster_id"]: r["group"] for r in read_tsv(synth_dir / "cluster_group.tsv")}
    assert sorted(groups) == sorted(int(x) for x in s.clustering.cluster_ids)
    assert groups[merged] == "mua"
    quality = {r["cluster_id"]: r["quality"] for r in read_tsv(synth_dir / "cluster_quality.tsv")}
    assert quality == {i: 3 for i in split_ids}
    info = read_tsv(synth_dir / "cluster_info.tsv")
    assert {r["cluster_id"] for r in info} == set(groups)


def test_gui_state_and_close(qapp, qtbot, synth_dir, config_dir):
    from phyclone.gui import preset_answers
    c = open_controller(synth_dir, config_dir)
    gui = c.create_gui()
    qtbot.addWidget(gui)
    gui.show()
    c.n_spikes_waveforms = 42
    c.supervisor.merge([int(x) for x in c.supervisor.clustering.cluster_ids[:2]])
    with preset_answers("cancel"):
        gui.close()
    assert not gui._closed  # unsaved changes: cancelled
    with preset_answers("close"):
        gui.close()
    assert gui._closed
    state = json.loads((Path(config_dir) / "TemplateGUI" / "state.json").read_text())
    assert state["n_spikes_waveforms"] == 42
    assert (synth_dir / ".phy" / "phyclone" / "state.json").exists()
    c.close()
    # The state is restored by the next GUI; --clear-state forgets it.
    c = open_controller(synth_dir, config_dir)
    gui = c.create_gui()
    qtbot.addWidget(gui)
    assert c.n_spikes_waveforms == 42
    gui.close()
    c.close()
    c = open_controller(synth_dir, config_dir, clear_state=True)
    assert not (Path(config_dir) / "TemplateGUI" / "state.json").exists()
    c.close()


def test_split_init_and_events(gui_controller, qtbot):
    c, gui = gui_controller
    s = c.supervisor
    seen = []

    def on_cluster(sender, up):
        seen.append(("cluster", sender, up.description))

    def on_select(sender, cluster_ids):
        seen.append(("select", sender, list(cluster_ids)))

    connect(on_cluster, event="cluster")
    connect(on_select, event="select")
    ids = [int(x) for x in s.clustering.cluster_ids]
    s.merge(ids[:2])
    merged = s.selected[0]
    s.block()
    press(qtbot, gui, "ctrl+shift+k", s)  # split_init: back to the original templates
    assert sorted(s.selected) == sorted(set(s.clustering.cluster_ids) - set(ids[2:]))
    assert ("cluster", s, "merge") in seen and any(
        e[0] == "select" and e[1] is s and e[2] == [merged] for e in seen)
    unconnect(on_cluster, on_select)


def test_plugin_action_and_matplotlib_view(qapp, qtbot, synth_dir, config_dir):
    plugins = Path(config_dir) / "plugins"
    plugins.mkdir(parents=True)
    (plugins / "my_plugin.py").write_text('''
from phy import IPlugin, connect

class MyTestPlugin(IPlugin):
    def attach_to_controller(self, controller):
        @connect
        def on_gui_ready(sender, gui):
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            @controller.supervisor.actions.add(shortcut="ctrl+alt+x", alias="cx")
            def count_selected():
                """Count the selected clusters."""
                controller.plugin_result = len(controller.supervisor.selected)

            fig, ax = plt.subplots()
            ax.plot([0, 1, 2], [1, 0, 1])
            controller.plugin_view = fig
            gui.add_view(fig, position="right")
''')
    (Path(config_dir) / "phy_config.py").write_text(
        "c = get_config()\nc.TemplateGUI.plugins = ['MyTestPlugin']\n")
    c = open_controller(synth_dir, config_dir)
    assert c.attached_plugins == ["MyTestPlugin"]
    gui = c.create_gui()
    qtbot.addWidget(gui)
    try:
        assert c.plugin_view in gui.views
        c.supervisor.select([int(x) for x in c.supervisor.clustering.cluster_ids[:3]])
        c.supervisor.actions.get("count_selected").trigger()
        assert c.plugin_result == 3
    finally:
        gui.close()
        c.close()


def test_kill9_then_replay(qapp, synth_dir, config_dir):
    """A GUI process curates then is killed with SIGKILL before saving; the next start
    replays its journal to the identical clustering and labels, then saves phy's files."""
    child = Path(__file__).parent / "gui_session_child.py"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.Popen([sys.executable, str(child), str(synth_dir), str(config_dir)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        state = None
        for line in p.stdout:
            if line.startswith("{"):
                state = json.loads(line)
            if line.strip() == "READY":
                break
        assert state is not None, p.stderr.read()
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(10)
    assert p.returncode == -signal.SIGKILL
    assert not (synth_dir / "cluster_info.tsv").exists()  # never saved

    c = open_controller(synth_dir, config_dir, replay_journal=True)
    try:
        s = c.supervisor
        np.testing.assert_array_equal(s.clustering.spike_clusters, state["spike_clusters"])
        assert {str(k): v for k, v in s.get_labels("group").items()} == state["groups"]
        assert {str(k): v for k, v in s.get_labels("quality").items()} == state["quality"]
        assert s.clustering.new_cluster_id() == state["new_cluster_id"]
        assert s.save()
    finally:
        c.close()
    m = load_model(synth_dir / "params.py")
    np.testing.assert_array_equal(m.spike_clusters, state["spike_clusters"])
    ids = sorted(set(state["spike_clusters"]))
    rows = (synth_dir / "cluster_group.tsv").read_text().splitlines()
    assert rows[0] == "cluster_id\tgroup"
    assert [int(r.split("\t")[0]) for r in rows[1:]] == ids
    assert {int(k): v for k, v in m.metadata["group"].items()} == {
        int(k): v or "unsorted" for k, v in state["groups"].items()}
    m.close()


def _wait_painted(qtbot, gui, before, timeout=20000):
    """Wait until every view following the selection painted since ``before``."""
    views = [v for v in gui.views if hasattr(v, "n_plots_done") and not hasattr(
        v, "all_cluster_ids")]
    qtbot.waitUntil(lambda: all(v.n_plots_done > before.get(id(v), 0) and view_idle(v)
                                for v in views), timeout=timeout)
    return views


def test_views_show_selection_and_lasso_split(gui_controller, qtbot, tmp_path):
    """Every default view draws the selected pair (non-blank screenshots, no GL error);
    a lasso drawn with ctrl+clicks in the feature view, then `k`, splits the cluster."""
    import phyclone.cluster.views as all_views
    if not hasattr(all_views, "FeatureView"):
        pytest.skip("the views are not available")
    from phyclone.apps.demo import is_blank
    from phyclone.qt import QPoint, Qt
    c, gui = gui_controller
    s = c.supervisor
    ids = sorted((int(x) for x in s.clustering.cluster_ids), key=s.n_spikes)[::-1]
    before = {id(v): getattr(v, "n_plots_done", 0) for v in gui.views}
    s.select([ids[0], ids[1]])
    s.block()
    views = _wait_painted(qtbot, gui, before)
    names = {type(v).__name__ for v in views}
    assert {"WaveformView", "FeatureView", "CorrelogramView", "AmplitudeView", "TraceView",
            "TemplateFeatureView", "ISIView", "FiringRateView", "ProbeView"} <= names
    for v in views:
        assert v.cluster_ids == [ids[0], ids[1]]
        assert not v.canvas.gl_errors, (type(v).__name__, v.canvas.gl_errors)
        path = v.screenshot(tmp_path / f"{type(v).__name__}.png")
        assert not is_blank(path), type(v).__name__

    fv = gui.get_view("FeatureView")
    s.select([ids[0]])
    s.block()
    qtbot.waitUntil(lambda: fv.cluster_ids == [ids[0]] and fv.data is not None and view_idle(fv))
    # A polygon around the subplot (0, 1) of the 4x4 grid.
    w, h = fv.canvas.width(), fv.canvas.height()
    x0, y0, bw, bh = w * 1 / 4, 0, w / 4, h / 4
    for fx, fy in ((.03, .03), (.97, .03), (.97, .97), (.03, .97)):
        qtbot.mouseClick(fv.canvas, Qt.LeftButton, Qt.ControlModifier,
                         QPoint(int(x0 + fx * bw), int(y0 + fy * bh)))
    assert fv.canvas.lasso.count == 4
    inside = fv.on_request_split(s)
    assert inside is not None and len(inside)
    for fx, fy in ((.03, .03), (.97, .03), (.97, .97), (.03, .97)):
        qtbot.mouseClick(fv.canvas, Qt.LeftButton, Qt.ControlModifier,
                         QPoint(int(x0 + fx * bw), int(y0 + fy * bh)))
    n_before = s.n_spikes(ids[0])
    press(qtbot, gui, "k", s)
    assert ids[0] not in s.clustering.cluster_ids
    new = s.selected
    assert 1 <= len(new) <= 2 and sum(s.n_spikes(i) for i in new) == n_before



def test_view_added_later_shows_selection(gui_controller, qtbot):
    c, gui = gui_controller
    s = c.supervisor
    ids = [int(x) for x in s.clustering.cluster_ids[:2]]
    s.select(ids)
    s.block()
    view = gui.create_and_add_view("TemplateView")
    assert view is not None and view in gui.views
    view = gui.create_and_add_view("CorrelogramView")
    qtbot.waitUntil(lambda: view.cluster_ids == ids and view.n_plots_done > 0)


def test_switch_raw_data_filter(gui_controller, qtbot):
    c, gui = gui_controller
    s = c.supervisor
    s.select([int(s.clustering.cluster_ids[0])])
    s.block()
    wv = gui.get_view("WaveformView")
    if wv is None:
        pytest.skip("the views are not available")
    qtbot.waitUntil(lambda: wv.n_plots_done > 0)
    n = wv.n_plots_done
    assert c.raw_data_filter.current == "high_pass"
    press(qtbot, gui, "alt+r", s)
    assert c.raw_data_filter.current == "raw" and wv.ex_status == "raw"
    qtbot.waitUntil(lambda: wv.n_plots_done > n)
    cid = s.selected[0]
    raw = c._get_waveforms(cid)
    np.testing.assert_array_equal(wv.waveforms["waveforms"](cid).data, raw.data)
    hp = c._load_waveforms(raw.spike_ids, raw.channel_ids, "high_pass")
    assert not np.allclose(hp, raw.data)


def test_events_view(qapp, qtbot, synth_dir, config_dir, tmp_path):
    """``--events FILE``: an event view joins the default views and shows the selection."""
    events = tmp_path / "stim.npy"
    np.save(events, np.array([0.5, 1.25, 2., 3.5]))
    c = open_controller(synth_dir, config_dir, events=events, enable_threading=True)
    gui = c.create_gui()
    qtbot.addWidget(gui)
    try:
        assert "EventView" in c.default_views
        view = gui.get_view("EventView")
        if view is None:
            pytest.skip("the views are not available")
        assert view.event_name == "stim"
        np.testing.assert_array_equal(view.events, np.round(np.array(
            [0.5, 1.25, 2., 3.5]) * c.model.sample_rate).astype(np.int64))
        cid = int(c.supervisor.clustering.cluster_ids[0])
        c.supervisor.select([cid])
        c.supervisor.block()
        qtbot.waitUntil(lambda: view.cluster_ids == [cid] and view.n_plots_done > 0)
    finally:
        from phyclone.gui import preset_answers
        with preset_answers("close"):
            gui.close()
        c.close()
