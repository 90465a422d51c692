"""The MatchView's "add missed spikes" action in the Template GUI: shortcut and snippet, the
cluster and the views grow, undo; a folder that cannot take new spikes says so in the status
bar (no dialog)."""

import numpy as np
import pytest

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
