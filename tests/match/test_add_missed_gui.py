"""The MatchView's "add missed spikes" action in the Template GUI: shortcut and snippet, the
cluster and the views grow, undo; a folder that cannot take new spikes says so in the status
bar (no dialog)."""

import numpy as np
import pytest

from phyclone.utils import Bunch

pytestmark = pytest.mark.gl

UNIT = 1


def _gui(qtbot, rec, config_dir):
    from phyclone.apps.template import TemplateController, load_model
    c = TemplateController(model=load_model(rec.params), dir_path=rec.path,
                           config_dir=config_dir, replay_journal=False, enable_threading=False)
    gui = c.create_gui()
    qtbot.addWidget(gui)
    gui.show()
    qtbot.waitExposed(gui)
    view = gui.create_and_add_view("MatchView")
    s = c.supervisor
    s.select([UNIT])
    s.block()
    qtbot.waitUntil(lambda: view.data is not None and view.cluster_ids == [UNIT], timeout=60000)
    return c, gui, view, s


def _close(gui, c):
    from phyclone.gui import preset_answers
    if not gui._closed:
        with preset_answers("close"):
            gui.close()
    c.close()


def test_add_missed_spikes_action(qapp, qtbot, missed_rec, config_dir):
    c, gui, view, s = _gui(qtbot, missed_rec, config_dir)
    try:
        acts = view.actions._actions_dict
        assert acts["add_missed_spikes"].qaction.shortcut().toString().lower() == "alt+shift+s"
        assert view.default_snippets["add_missed_spikes"] == "madd"
        n_before = s.n_spikes(UNIT)
        view.add_missed_spikes()  # nothing found yet: says so, does nothing
        assert "find missed spikes first" in view.status and s.session.selected == [UNIT]
        missed = view.find_missed_spikes()
        k = len(missed.spike_samples)
        assert k >= 0.9 * len(missed_rec.absent)
        acts["add_missed_spikes"].qaction.trigger()
        qtbot.waitUntil(lambda: s.session.selected and s.session.selected[0] != UNIT)
        new = s.session.selected[0]
        assert s.n_spikes(new) == n_before + k
        assert c.model.n_spikes == missed_rec.n0 + k
        assert "Added" in gui.status_message
        # the match view shows the new cluster: the added spikes are members now
        s.block()
        qtbot.waitUntil(lambda: view.cluster_ids == [new] and view.data is not None
                        and view.data.members.sum() >= n_before + 0.9 * k, timeout=60000)
        assert np.isin(np.arange(missed_rec.n0, missed_rec.n0 + k), view.data.spike_ids).all()
        s.undo()
        assert s.session.selected == [UNIT] and c.model.n_spikes == missed_rec.n0
        assert s.session.journal.read()[1][-2]["action"] == "add_spikes"
        s.redo()
        assert s.save()  # written into the folder, the session restarts from it
        assert len(np.load(missed_rec.path / "spike_times.npy")) == missed_rec.n0 + k
        assert s.session.selected == [new] and s.n_spikes(new) == n_before + k
        assert not s.session.can_undo and "Saved" in gui.status_message
        s.block()
        qtbot.waitUntil(lambda: view.data is not None
                        and view.data.members.sum() >= n_before + 0.9 * k, timeout=60000)
    finally:
        _close(gui, c)


def test_folder_that_cannot_take_spikes_says_so(qapp, qtbot, missed_rec, config_dir):
    c, gui, view, s = _gui(qtbot, missed_rec, config_dir)
    try:
        # spike_times.npy gone (e.g. ALF names only): the folder cannot take new spikes
        (missed_rec.path / "spike_times.npy").rename(missed_rec.path / "spike_times.bak")
        missed = view.find_missed_spikes()
        assert len(missed.spike_samples)
        assert "cannot take new spikes" in gui.status_message  # said at once
        assert view.add_missed_spikes() is None
        assert "cannot take new spikes" in view.status
        assert s.session.selected == [UNIT] and c.model.n_spikes == missed_rec.n0
        assert not s.session.can_undo
    finally:
        _close(gui, c)


def test_kwik_says_so_and_exports(qapp, qtbot, tmp_path, config_dir):
    from phyclone.apps.kwik.controller import KwikController
    from phyclone.io.kwik.creator import synthetic_kwik
    from phyclone.io.template.model import load_model
    synthetic_kwik(tmp_path / "syn.kwik", n_spikes=300, n_clusters=3, n_channels=6,
                   recording_duration=1., seed=1)
    c = KwikController(kwik_path=tmp_path / "syn.kwik", config_dir=config_dir,
                       replay_journal=False, enable_threading=False)
    gui = c.create_gui()
    qtbot.addWidget(gui)
    gui.show()
    qtbot.waitExposed(gui)
    try:
        view = gui.create_and_add_view("MatchView")  # max channels from the masks
        s = c.supervisor
        cid = int(s.clustering.cluster_ids[0])
        s.select([cid])
        s.block()
        qtbot.waitUntil(lambda: view.data is not None and view.cluster_ids == [cid],
                        timeout=60000)
        assert view.find_missed_spikes() is not None  # matching works on Kwik
        # every spike of this synthetic dataset was detected: say one was missed
        view.missed = Bunch(spike_samples=np.array([1000]), errors=np.array([1.]))
        assert view.add_missed_spikes() is None and not s.session.can_undo
        assert "Kwik dataset cannot take new spikes" in gui.status_message
        assert "mexport" in view.status
        assert view.default_snippets["export_template_folder"] == "mexport"
        params = view.export_template_folder(tmp_path / "out")
        assert str(params) in gui.status_message
        with load_model(params) as m:
            assert m.n_spikes == s.clustering.n_spikes
            assert np.array_equal(m.spike_clusters, s.clustering.spike_clusters)
    finally:
        _close(gui, c)
