"""The Kwik GUI: default views and the Kwik menu, a curation session driven by keys and
snippets saved into the .kwik, switching channel group and clustering in the GUI, missing
.kwx / raw data, every view drawing the real klusta data, and a crash (SIGKILL) followed by
a journal replay."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from phyclone.io.kwik.model import KwikModel
from phyclone.utils import connect, unconnect

from _kwik_fixtures import (close_all, copy_klusta, make_kwik, open_kwik, press, show_gui,
                            type_snippet, wait_painted)

pytestmark = pytest.mark.gl


@pytest.fixture(scope="session")
def kwik_folder(tmp_path_factory):
    return make_kwik(tmp_path_factory.mktemp("kwik_gui_source")).kwik_path.parent


@pytest.fixture
def kwik_path(kwik_folder, tmp_path):
    import shutil
    d = tmp_path / "data"
    shutil.copytree(kwik_folder, d, ignore=shutil.ignore_patterns(".phy"))
    return d / "syn.kwik"


@pytest.fixture
def gui_controller(qapp, qtbot, kwik_path, config_dir):
    c = open_kwik(kwik_path, config_dir)
    gui = show_gui(qtbot, c)
    yield c, gui
    close_all(c)


def _select_and_wait(qtbot, c, gui, cluster_ids):
    before = {id(v): getattr(v, "n_plots_done", 0) for v in gui.views}
    c.supervisor.select(list(cluster_ids))
    c.supervisor.block()
    return wait_painted(qtbot, gui, before)


def _check_views_draw(views, cluster_ids, folder):
    from phyclone.apps.demo import is_blank
    Path(folder).mkdir(parents=True, exist_ok=True)
    for v in views:
        assert v.cluster_ids == list(cluster_ids), type(v).__name__
        assert not v.canvas.gl_errors, (type(v).__name__, v.canvas.gl_errors)
        path = v.screenshot(Path(folder) / f"{type(v).__name__}.png")
        assert not is_blank(path), type(v).__name__


def test_default_views_and_kwik_menu(gui_controller):
    c, gui = gui_controller
    assert gui.name == "KwikGUI" and "channel group 0, clustering main" in gui.windowTitle()
    names = {type(v).__name__ for v in gui.views}
    assert {"ClusterView", "SimilarityView"} | set(c.default_views) <= names
    assert "TemplateView" not in c.view_creator and "RasterView" in c.view_creator
    assert gui.status_message == ""  # no warnings
    a = c.kwik_actions
    for name in ("switch_channel_group", "switch_clustering", "add_clustering",
                 "copy_clustering", "rename_clustering", "delete_clustering"):
        assert name in a
    assert not a.get("channel_group_0").isEnabled() and a.get("channel_group_1").isEnabled()
    assert not a.get("clustering_main").isEnabled() and a.get("clustering_original").isEnabled()
    top = [x.text() for x in gui.menuBar().actions() if x.isVisible()]
    assert top.index("&Kwik") == top.index("&Help") - 1
    sub = [x.text() for x in gui.get_menu("&Kwik").actions() if x.menu() is not None]
    assert sub == ["Channel &group", "&Clustering"]


def test_key_session_saved_and_reopened(gui_controller, qtbot, kwik_path):
    c, gui = gui_controller
    s = c.supervisor
    type_snippet(qtbot, gui, ":c 1 4", s)
    assert s.selected == [1, 4]
    press(qtbot, gui, "g", s)  # merge
    merged = s.selected[0]
    assert merged not in (1, 4)
    type_snippet(qtbot, gui, ":c 7", s)
    chosen = s.clustering.spikes_per_cluster[7][::2].copy()

    def on_request_split(sender):
        return chosen
    connect(on_request_split, event="request_split", sender=s)
    press(qtbot, gui, "k", s)  # split
    unconnect(on_request_split)
    split_ids = list(s.selected)
    assert 7 not in s.clustering.cluster_ids and len(split_ids) == 2
    type_snippet(qtbot, gui, ":l quality 3", s)
    type_snippet(qtbot, gui, f":c {merged}", s)
    press(qtbot, gui, "alt+n", s)  # move best to noise
    assert s.cluster_meta.get("group", merged) == "noise"
    press(qtbot, gui, "ctrl+z", s)
    assert s.cluster_meta.get("group", merged) != "noise"
    press(qtbot, gui, "ctrl+y", s)
    press(qtbot, gui, "ctrl+s", s)
    assert not s.is_dirty() and "Saved" in gui.status_message
    m = KwikModel(kwik_path)
    try:
        np.testing.assert_array_equal(m.spike_clusters, s.clustering.spike_clusters)
        assert m.cluster_groups[merged] == "noise"
        assert m.cluster_labels["quality"] == {i: 3 for i in split_ids}
    finally:
        m.close()


def test_switch_channel_group_and_clustering_in_the_gui(gui_controller, qtbot, kwik_path,
                                                        tmp_path):
    from phyclone.gui import preset_answers
    c, gui = gui_controller
    geometry = gui.geometry()
    c.supervisor.merge([1, 4])
    with preset_answers("save") as asked:  # the menu entry of channel group 1
        c.kwik_actions.get("channel_group_1").trigger()
    assert asked and asked[0].title == "Unsaved changes" and asked[0].answer == "save"
    c1 = c.latest
    assert c1 is not c and c1.model.channel_group == 1 and gui._closed
    gui1 = c1.gui
    qtbot.waitExposed(gui1)
    qtbot.waitUntil(gui1.isActiveWindow)
    assert gui1.isVisible() and gui1.geometry() == geometry
    assert "channel group 1" in gui1.windowTitle()
    with KwikModel(kwik_path) as m:  # the merge of group 0 was saved
        assert 1 not in m.cluster_ids and 4 not in m.cluster_ids
    # The new GUI shows channel group 1: its clusters, its channels.
    truth = KwikModel(kwik_path, channel_group=1)
    shown = sorted(int(x) for x in c1.supervisor.cluster_view.shown_ids())
    assert shown == truth.cluster_ids.tolist()
    views = _select_and_wait(qtbot, c1, gui1, [4])
    wv = gui1.get_view("WaveformView")  # shows group 1's channels (raw data columns)
    assert set(c1._get_channel_labels(wv.channel_ids)) <= {str(x) for x in truth.channel_order}
    _check_views_draw(views, [4], tmp_path / "group1")
    truth.close()

    # A snippet switches the clustering; no unsaved changes: nothing asked.
    with preset_answers() as asked:
        type_snippet(qtbot, gui1, ":switch_clustering original")
    assert not asked
    c2 = c.latest
    assert c2.model.clustering == "original" and gui1._closed
    assert sorted(int(x) for x in c2.supervisor.cluster_view.shown_ids()) == [0, 1]
    views = _select_and_wait(qtbot, c2, c2.gui, [0, 1])
    _check_views_draw(views, [0, 1], tmp_path / "original")

    # Cancel keeps the current GUI.
    c2.supervisor.merge([0, 1])
    with preset_answers("cancel"):
        c2.kwik_actions.run("switch_channel_group", 0)
    assert c.latest is c2 and not c2.gui._closed


def test_clustering_prompts(gui_controller, qtbot, kwik_path):
    from phyclone.gui import preset_answers
    c, gui = gui_controller
    with preset_answers("main copy1"):  # the input dialog of the menu action
        c.kwik_actions.get("copy_clustering").trigger()
    assert "clustering_copy1" in c.kwik_actions
    assert "Copied" in gui.status_message
    with preset_answers("copy1 copy2"):
        c.kwik_actions.get("rename_clustering").trigger()
    assert "clustering_copy2" in c.kwik_actions and "clustering_copy1" not in c.kwik_actions
    with preset_answers("copy2", "yes") as asked:
        c.kwik_actions.get("delete_clustering").trigger()
    assert [a.kind for a in asked] == ["input", "prompt"]
    assert "clustering_copy2" not in c.kwik_actions
    c.supervisor.merge([1, 4])
    with preset_answers("curated"):
        c.kwik_actions.get("add_clustering").trigger()
    new = c.latest
    assert new.model.clustering == "curated" and not new.supervisor.is_dirty()
    assert new.kwik_actions.get("clustering_curated") is not None
    with KwikModel(kwik_path) as m:
        assert m.clusterings == ["main", "curated", "original"]
        assert 1 in m.cluster_ids  # 'main' as last saved


@pytest.mark.parametrize("missing", ["kwx", "raw"])
def test_missing_kwx_or_raw_data(qapp, qtbot, kwik_path, config_dir, missing, tmp_path):
    if missing == "kwx":
        kwik_path.with_suffix(".kwx").unlink()
    else:
        kwik_path.with_name("syn.raw.kwd").unlink()
    c = open_kwik(kwik_path, config_dir)
    gui = show_gui(qtbot, c)
    try:
        names = {type(v).__name__ for v in gui.views}
        if missing == "kwx":
            assert "FeatureView" not in names and {"TraceView", "WaveformView"} <= names
            assert "syn.kwx not found" in gui.status_message
        else:
            assert not {"TraceView", "WaveformView"} & names and "FeatureView" in names
            assert "no raw data" in gui.status_message
        assert {"CorrelogramView", "AmplitudeView", "ProbeView"} <= names
        views = _select_and_wait(qtbot, c, gui, [1, 4])
        _check_views_draw(views, [1, 4], tmp_path)
    finally:
        close_all(c)


def test_klusta_data_every_view_draws_then_curate(qapp, qtbot, tmp_path, config_dir):
    kwik = copy_klusta(tmp_path / "klusta")
    c = open_kwik(kwik, config_dir, channel_group=1)
    gui = show_gui(qtbot, c)
    try:
        s = c.supervisor
        assert "reads as zeros" in gui.status_message  # the trimmed raw data
        ids = sorted((int(x) for x in s.clustering.cluster_ids), key=s.n_spikes)[::-1]
        views = _select_and_wait(qtbot, c, gui, ids[:2])
        assert set(c.default_views) <= {type(v).__name__ for v in views}
        _check_views_draw(views, ids[:2], tmp_path / "shots")
        from phyclone.gui import screenshot
        screenshot(gui, tmp_path / "shots" / "window.png")
        type_snippet(qtbot, gui, f":merge {ids[0]} {ids[1]}", s)
        merged = s.selected[0]
        type_snippet(qtbot, gui, ":l group good", s)
        press(qtbot, gui, "ctrl+s", s)
        expected = np.asarray(s.clustering.spike_clusters).copy()
    finally:
        close_all(c)
    with KwikModel(kwik, channel_group=1) as m:
        np.testing.assert_array_equal(m.spike_clusters, expected)
        assert m.cluster_groups[merged] == "good"
        m.channel_group = 0  # the other shank is untouched
        with KwikModel(copy_klusta(tmp_path / "pristine"), channel_group=0) as ref:
            np.testing.assert_array_equal(m.spike_clusters, ref.spike_clusters)


def test_kill9_then_replay(qapp, kwik_path, config_dir):
    """A Kwik GUI process curates channel group 1, then is killed with SIGKILL before saving;
    the next start replays its journal to the same clustering and labels, then saves them
    into the .kwik."""
    code = ("import sys; sys.path.insert(0, sys.argv[3]); from _kwik_fixtures import "
            "crash_child; crash_child(sys.argv[1], sys.argv[2])")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.Popen([sys.executable, "-c", code, str(kwik_path), str(config_dir),
                          str(Path(__file__).parent)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
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
    journal = kwik_path.parent / ".phy" / "phyclone" / "syn_1_main" / "journal.jsonl"
    assert journal.exists()

    c = open_kwik(kwik_path, config_dir, channel_group=1, replay_journal=True)
    try:
        s = c.supervisor
        np.testing.assert_array_equal(s.clustering.spike_clusters, state["spike_clusters"])
        assert {str(k): v for k, v in s.get_labels("group").items()} == state["groups"]
        assert {str(k): v for k, v in s.get_labels("quality").items()} == state["quality"]
        assert s.clustering.new_cluster_id() == state["new_cluster_id"]
        assert s.save()
    finally:
        c.close()
    with KwikModel(kwik_path, channel_group=1) as m:
        np.testing.assert_array_equal(m.spike_clusters, state["spike_clusters"])
        groups = {str(k): v for k, v in m.cluster_groups.items()}
        assert groups == {k: v or "unsorted" for k, v in state["groups"].items()
                          if int(k) in m.cluster_ids}
        m.channel_group = 0  # the crashed session was in group 1 only
        assert m.cluster_groups[1] == "good"
