"""MatchView in the Template GUI: histogram, threshold line dragged, event table, the three
actions (assignment undoable and journaled)."""

import numpy as np
import pytest

from phyclone.utils import Bunch

from _controller_fixtures import close_gui, open_controller, show_gui

pytestmark = pytest.mark.gl


def test_match_view(qapp, qtbot, synth_dir, config_dir):
    c = open_controller(synth_dir, config_dir)
    gui = show_gui(qtbot, c)
    try:
        s = c.supervisor
        view = gui.create_and_add_view("MatchView")
        assert view is not None
        cid = int(s.clustering.cluster_ids[np.argmax([s.n_spikes(x) for x in
                                                      s.clustering.cluster_ids])])
        s.select([cid])
        s.block()
        qtbot.waitUntil(lambda: view.n_plots_done > 0 and view.data is not None, timeout=60000)
        d = view.data
        assert len(d.errors) >= s.n_spikes(cid) * 0.9  # the members are candidates
        assert d.members.sum() == np.isin(d.spike_ids, s.clustering.spikes_per_cluster[cid]).sum()
        ax = view.axes[0, 0]
        assert len(ax.patches) >= 1 and ax.get_yscale() == "log"
        assert view.table.rowCount() == len(d.errors)
        # drag the threshold line to the lowest error decile
        x_line = np.log10(view.threshold)
        target = np.log10(np.percentile(d.errors, 10))
        view._on_press(Bunch(inaxes=ax, xdata=x_line))
        view._on_motion(Bunch(inaxes=ax, xdata=target))
        view._on_release(Bunch(inaxes=ax, xdata=target))
        assert view.threshold == pytest.approx(10 ** target)
        below = view.below_threshold()
        assert 0 < len(below) < len(d.errors)
        assert "below" in view.status
        # back to the automatic threshold, then assign (undoable, journaled)
        view.set_threshold(d.threshold)
        before = s.clustering.spike_clusters.copy()
        extra = np.setdiff1d(view.below_threshold(), s.clustering.spikes_per_cluster[cid])
        up = view.assign_below_threshold()
        if len(extra):
            assert up is not None
            new = s.session.selected[0]
            assert np.all(s.clustering.spike_clusters[extra] == new)
            assert s.session.journal.read()[1][-1]["action"] == "assign_matched"
            s.undo()
            assert np.array_equal(s.clustering.spike_clusters, before)
        missed = view.find_missed_spikes()
        assert missed is not None and "missed" in view.status
        acts = view.actions._actions_dict
        assert {"match_cluster", "assign_below_threshold", "find_missed_spikes",
                "set_threshold"} <= set(acts)
        assert acts["match_cluster"].qaction.shortcut().toString().lower() == "alt+shift+m"
    finally:
        close_gui(gui, c)
