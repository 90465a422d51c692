"""Supervisor in a real GUI, driven with key events, clicks and typed snippets."""

import numpy as np

from phyclone.gui import preset_answers
from phyclone.qt import Qt
from phyclone.utils import connect

from _supervisor_fixtures import (  # noqa: F401 (fixtures)
    GROUPS, N_CLUSTERS, _non_interactive, check_consistency, click_row, n_spikes_of, press,
    sup_gui, type_snippet,
)

ORDER = list(range(N_CLUSTERS - 1, -1, -1))  # n_spikes descending
UNMASKED = [c for c in ORDER if GROUPS.get(c) not in ("noise", "mua")]


def test_attach(sup_gui):
    s, gui, rec = sup_gui
    cv, sv = s.cluster_view, s.similarity_view
    assert cv.columns == ["id", "n_spikes", "group"]
    assert sv.columns == ["id", "n_spikes", "group", "similarity"]
    assert cv.get_ids() == ORDER and s.shown_cluster_ids == ORDER
    assert sv.get_ids() == [] and sv.rowCount() == 0
    assert cv.get(7) == {"id": 7, "n_spikes": n_spikes_of(7), "group": "good",
                         "is_masked": False}
    assert cv.get(2)["is_masked"] and cv.get(3)["group"] == "mua"
    # Both tables docked on the left, the similarity view below the cluster view.
    assert gui.dockWidgetArea(cv.dock) == Qt.LeftDockWidgetArea
    assert gui.dockWidgetArea(sv.dock) == Qt.LeftDockWidgetArea
    assert sv.dock.geometry().top() > cv.dock.geometry().top()
    for menu in ("&Edit", "Cluster&ing", "&Wizard", "Sele&ct", "Color", "&View"):
        assert gui.get_menu(menu).menuAction().isVisible()
    assert s.actions.get("merge").shortcut().toString() == "G"
    assert s.selected == [] and not s.is_dirty()
    check_consistency(s)


def test_click_selection(sup_gui, qtbot):
    s, gui, rec = sup_gui
    cv, sv = s.cluster_view, s.similarity_view
    click_row(qtbot, cv, 10)
    s.block()
    assert s.selected == [10] and rec["select"][-1] == [10]
    # The similarity view shows the clusters similar to 10, without 10, most similar first.
    assert sv.shown_ids()[:4] == [9, 11, 8, 12]
    click_row(qtbot, cv, 12, Qt.ControlModifier)
    s.block()
    assert s.selected_clusters == [10, 12] and rec["select"][-1] == [10, 12]
    assert 10 not in sv.shown_ids() and 12 not in sv.shown_ids()
    assert sv.shown_ids()[:2] == [11, 13]  # similar to the last selected cluster
    click_row(qtbot, sv, 13)
    s.block()
    assert s.selected == [10, 12, 13] and s.selected_similar == [13]
    assert rec["select"][-1] == [10, 12, 13]
    # Selected rows show the views' selection colours (similarity view after the best ones).
    assert cv.model.selection_colors[10][0].color().getRgb()[:3] == cv.selection_color(0)
    assert sv.model.selection_colors[13][0].color().getRgb()[:3] == sv.selection_color(2)
    check_consistency(s)


def test_wizard_keys(sup_gui, qtbot):
    s, gui, rec = sup_gui
    press(qtbot, gui, "space", s)  # nothing selected: the first best cluster
    assert s.selected == [19]
    press(qtbot, gui, "down", s)
    assert s.selected == [18]
    for _ in range(3):
        press(qtbot, gui, "down", s)
    assert s.selected == [14]  # 15 (mua) skipped
    press(qtbot, gui, "up", s)
    assert s.selected == [16]
    press(qtbot, gui, "space", s)
    assert s.selected == [16, 17]  # 15 (mua, as similar as 17) is skipped
    press(qtbot, gui, "space", s)
    assert s.selected == [16, 14]
    press(qtbot, gui, "shift+space", s)
    assert s.selected == [16, 17]
    press(qtbot, gui, "backspace", s)
    assert s.selected == [16]
    press(qtbot, gui, "end", s)
    assert s.selected == [0]
    press(qtbot, gui, "home", s)
    assert s.selected == [19]
    press(qtbot, gui, "down", s)
    press(qtbot, gui, "ctrl+alt+space", s)
    assert s.selected == [19]
    assert rec["select"][-1] == [19]
    check_consistency(s)


def test_keys_with_table_focus(sup_gui, qtbot):
    s, gui, rec = sup_gui
    s.cluster_view.view.setFocus()
    qtbot.waitUntil(s.cluster_view.view.hasFocus)
    press(qtbot, s.cluster_view.view, "down", s)
    press(qtbot, s.cluster_view.view, "down", s)
    assert s.selected == [18]  # the shortcut wins over the table's own navigation


def test_merge_g(sup_gui, qtbot):
    s, gui, rec = sup_gui
    s.select(10)
    press(qtbot, gui, "space", s)
    assert s.selected == [10, 9]
    spikes = np.sort(np.concatenate([s.clustering.spikes_per_cluster[c] for c in (9, 10)]))
    press(qtbot, gui, "g", s)
    new = N_CLUSTERS
    up = rec["cluster"][-1]
    assert up.description == "merge" and up.added == [new] and sorted(up.deleted) == [9, 10]
    assert s.selected_clusters == [new]
    assert s.selected == [new, 11]  # the similar cluster after the merged ones
    assert rec["select"][-1] == [new, 11]
    assert 9 not in s.cluster_view.get_ids() and new in s.cluster_view.get_ids()
    assert s.cluster_view.get(new)["n_spikes"] == len(spikes)
    np.testing.assert_array_equal(s.clustering.spikes_per_cluster[new], spikes)
    assert s.is_dirty() and "Merged" in gui.status_message
    check_consistency(s)


def test_split_k(sup_gui, qtbot):
    s, gui, rec = sup_gui
    s.select(12)
    s.block()
    press(qtbot, gui, "k", s)  # no view answers: a message, no exception
    assert rec["cluster"] == [] and "lasso" in gui.status_message
    spikes = s.clustering.spikes_per_cluster[12][:20]

    @connect
    def on_request_split(sender):
        assert sender is s
        return spikes
    press(qtbot, gui, "k", s)
    assert len(rec["request_split"]) == 2
    up = rec["cluster"][-1]
    assert sorted(up.deleted) == [12] and len(up.added) == 2
    assert s.selected == up.added
    assert sorted(s.n_spikes(c) for c in up.added) == [20, n_spikes_of(12) - 20]
    check_consistency(s)


def test_move_keys(sup_gui, qtbot):
    s, gui, rec = sup_gui
    s.select(16)
    press(qtbot, gui, "space", s)
    assert s.selected == [16, 17]
    press(qtbot, gui, "alt+g", s)  # best to good, then the next best cluster
    assert s.cluster_meta.get("group", 16) == "good"
    assert s.cluster_view.get(16)["group"] == "good" and s.selected == [14]
    press(qtbot, gui, "space", s)
    assert s.selected == [14, 13]
    press(qtbot, gui, "ctrl+n", s)  # similar to noise, then the next similar cluster
    assert s.cluster_meta.get("group", 13) == "noise" and s.selected == [14, 12]
    assert s.similarity_view.get(13)["is_masked"]
    press(qtbot, gui, "ctrl+alt+m", s)  # all to mua
    assert {s.cluster_meta.get("group", c) for c in (14, 12)} == {"mua"}
    assert s.selected[0] == 11
    press(qtbot, gui, "alt+u", s)
    assert s.cluster_meta.get("group", 11) == "unsorted"
    assert [u.description for u in rec["cluster"]] == ["metadata_group"] * 4
    check_consistency(s)


def test_undo_redo_keys(sup_gui, qtbot):
    s, gui, rec = sup_gui
    s.select(5, 6)
    s.block()
    press(qtbot, gui, "g", s)
    merged = s.selected_clusters[0]
    press(qtbot, gui, "alt+m", s)
    assert s.cluster_meta.get("group", merged) == "mua"
    press(qtbot, gui, "ctrl+z", s)  # undo the move
    assert s.cluster_meta.get("group", merged) is None and s.selected[0] == merged
    assert s.cluster_view.get(merged)["group"] is None if "group" in s.cluster_view.get(merged) \
        else True
    press(qtbot, gui, "ctrl+z", s)  # undo the merge
    assert s.selected == [5, 6] and merged not in s.cluster_view.get_ids()
    assert rec["select"][-1] == [5, 6] and rec["cluster"][-1].history == "undo"
    assert not s.is_dirty()
    check_consistency(s)
    press(qtbot, gui, "ctrl+y", s)
    assert s.selected_clusters == [merged] and merged in s.cluster_view.get_ids()
    press(qtbot, gui, "ctrl+shift+z", s)
    assert s.cluster_meta.get("group", merged) == "mua"
    assert rec["cluster"][-1].history == "redo"
    press(qtbot, gui, "ctrl+y", s)  # nothing left to redo
    check_consistency(s)


def test_save_ctrl_s(sup_gui, qtbot):
    s, gui, rec = sup_gui
    press(qtbot, gui, "ctrl+s", s)  # nothing listens: not saved, said so
    assert "Nothing saved" in gui.status_message
    s.select(1, 4)
    s.label("quality", 3)
    press(qtbot, gui, "g", s)
    assert s.is_dirty()
    saved = []

    @connect(sender=s)
    def on_save_clustering(sender, spike_clusters, groups, *labels):
        saved.append((spike_clusters.copy(), groups, labels))
    press(qtbot, gui, "ctrl+s", s)
    spike_clusters, groups, labels = saved[-1]
    np.testing.assert_array_equal(spike_clusters, s.clustering.spike_clusters)
    ids = sorted(int(c) for c in s.clustering.cluster_ids)
    assert sorted(groups) == ids and groups[7] == "good" and groups[0] == "unsorted"
    assert [name for name, _ in labels] == ["group", "quality"]
    quality = dict(labels)["quality"]
    assert sorted(quality) == ids and quality[N_CLUSTERS] == 3 and quality[0] is None
    assert not s.is_dirty() and gui.status_message == "Saved."

    @connect(sender=s)
    def on_save_clustering(sender, *args):  # noqa: F811 (a failing writer)
        raise OSError("disk full")
    s.move("good", "best")
    press(qtbot, gui, "ctrl+s", s)
    assert s.is_dirty() and "Save failed" in gui.status_message


def test_snippets(sup_gui, qtbot):
    s, gui, rec = sup_gui
    type_snippet(qtbot, gui, ":merge 3-6", s)
    assert sorted(rec["cluster"][-1].deleted) == [3, 4, 5, 6]
    assert s.selected_clusters == [N_CLUSTERS]
    type_snippet(qtbot, gui, ":c 12 14", s)
    assert s.selected == [12, 14] and rec["select"][-1] == [12, 14]
    type_snippet(qtbot, gui, ":l quality 3", s)
    assert "quality" in s.cluster_view.columns and "quality" in s.similarity_view.columns
    assert s.cluster_view.get(12)["quality"] == 3 and s.cluster_view.get(14)["quality"] == 3
    type_snippet(qtbot, gui, ":f n_spikes>100", s)
    assert s.shown_cluster_ids == [N_CLUSTERS, 19, 18, 17, 16, 15, 14, 13]
    assert s.cluster_view.filter_form.text() == "n_spikes>100"
    type_snippet(qtbot, gui, ":f quality == 3 and n_spikes > 100", s)
    assert s.shown_cluster_ids == [14]
    press(qtbot, gui, "esc", s)
    assert len(s.shown_cluster_ids) == N_CLUSTERS - 3
    type_snippet(qtbot, gui, ":sort n_spikes asc", s)
    assert s.cluster_view.get_current_sort() == ("n_spikes", "asc")
    assert s.shown_cluster_ids[:3] == [0, 1, 2]
    type_snippet(qtbot, gui, ":sid", s)  # sort by id (decreasing)
    assert s.cluster_view.get_current_sort() == ("id", "desc")
    s.select(12)
    s.next()
    type_snippet(qtbot, gui, ":move good all", s)
    assert s.cluster_meta.get("group", 12) == "good" == s.cluster_meta.get("group", 11)
    type_snippet(qtbot, gui, ":nope 1", s)
    assert "Unknown snippet" in gui.status_message
    check_consistency(s)


def test_filter_and_wizard(sup_gui, qtbot):
    s, gui, rec = sup_gui
    qtbot.keyClicks(s.cluster_view.filter_form, "n_spikes > 100")  # typed in the filter box
    qtbot.keyClick(s.cluster_view.filter_form, Qt.Key_Return)
    s.block()
    assert s.shown_cluster_ids == [19, 18, 17, 16, 15, 14, 13]
    press(qtbot, gui, "end", s)
    assert s.selected == [13]
    press(qtbot, gui, "down", s)  # stays at the last shown cluster
    assert s.selected == [13]
    press(qtbot, gui, "up", s)
    press(qtbot, gui, "up", s)
    assert s.selected == [16]  # 15 (mua) skipped
    # The similarity view's filter box works on its own rows.
    s.similarity_view.filter("n_spikes < 80")
    press(qtbot, gui, "space", s)
    assert s.selected == [16, 9]
    press(qtbot, gui, "esc", s)
    assert s.shown_cluster_ids == ORDER


def test_sort_and_wizard(sup_gui, qtbot):
    s, gui, rec = sup_gui
    sorted_ids = []
    connect(lambda sender, ids: sorted_ids.append(ids), event="table_sort",
            sender=s.cluster_view)
    header = s.cluster_view.view.horizontalHeader()
    x = header.sectionViewportPosition(0) + 5
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=header.rect().center().__class__(
        x, header.height() // 2))
    assert s.cluster_view.get_current_sort() == ("id", "asc")
    assert sorted_ids[-1] == list(range(N_CLUSTERS))
    press(qtbot, gui, "home", s)
    assert s.selected == [0]
    press(qtbot, gui, "down", s)
    assert s.selected == [1]
    press(qtbot, gui, "down", s)
    assert s.selected == [4]  # 2 (noise) and 3 (mua) skipped
    s.sort("n_spikes", "desc")
    press(qtbot, gui, "down", s)
    assert s.selected == [1]  # the next one in the new order (n_spikes descending)
    assert s.session.sort == ("n_spikes", "desc")


def test_colors(sup_gui, qtbot):
    s, gui, rec = sup_gui
    sel = s.color_selector
    s.change_color_field("n_spikes")
    assert len(rec["color_mapping_changed"]) == 1 and sel.name == "n_spikes"
    assert not sel.categorical
    assert not s.color_actions.get("toggle_categorical_colormap").isChecked()
    type_snippet(qtbot, gui, ":cfgr", s)  # colour field: group
    assert sel.name == "group" and sel.categorical
    assert s.color_actions.get("toggle_categorical_colormap").isChecked()
    assert np.allclose(sel.get(7)[:3], (0.5254, 0.8196, 0.42745))  # phy's "good" green
    type_snippet(qtbot, gui, ":cmli", s)  # colormap: linear
    assert sel.state["colormap"] == "linear"
    s.color_actions.get("toggle_categorical_colormap").trigger()
    assert not sel.categorical
    s.color_actions.get("toggle_logarithmic_colormap").trigger()
    assert sel.logarithmic
    assert len(rec["color_mapping_changed"]) == 5
    # A merge changes the range of a continuous field: the mapping is updated.
    s.change_color_field("n_spikes")
    n = len(rec["color_mapping_changed"])
    s.merge([18, 19])
    s.block()
    assert len(rec["color_mapping_changed"]) == n + 1
    assert sel.vmax == n_spikes_of(18) + n_spikes_of(19)


def test_toggle_spike_reorder(sup_gui, qtbot):
    s, gui, rec = sup_gui
    press(qtbot, gui, "ctrl+r", s)
    press(qtbot, gui, "ctrl+r", s)
    assert rec["toggle_spike_reorder"] == [True, False]


def test_close_without_changes(sup_gui, qtbot):
    s, gui, rec = sup_gui
    s.select(3)
    with preset_answers() as asked:
        gui.close()  # nothing changed: no question
    assert gui._closed and asked == []


def test_close_prompt(sup_gui, qtbot):
    s, gui, rec = sup_gui
    saved = []
    connect(lambda sender, *args: saved.append(args), event="save_clustering", sender=s)
    s.merge([1, 4])
    with preset_answers("cancel") as asked:
        gui.close()
    assert len(asked) == 1 and asked[0].title == "Save" and not gui._closed
    with preset_answers("save"):
        gui.close()
    assert gui._closed and len(saved) == 1 and not s.is_dirty()


def test_close_discard(sup_gui, qtbot):
    s, gui, rec = sup_gui
    saved = []
    connect(lambda sender, *args: saved.append(args), event="save_clustering", sender=s)
    s.merge([1, 4])
    with preset_answers("close") as asked:
        gui.close()
    assert len(asked) == 1 and gui._closed and saved == []


def test_debounced_selection(sup_gui, qtbot):
    s, gui, rec = sup_gui
    s.select(19)
    s.block()
    n0 = len(rec["select"])
    for _ in range(8):
        qtbot.keyClick(gui, Qt.Key_Down)  # faster than the debouncer delay
    assert s.selected == [UNMASKED[8]]
    s.block()
    assert rec["select"][-1] == [UNMASKED[8]]
    assert len(rec["select"]) - n0 <= 8


def test_state_restored(qapp, qtbot, config_dir, tmp_path):
    from _supervisor_fixtures import activate_window, make_supervisor, new_gui
    local = tmp_path / ".phy" / "state.json"  # the selection is saved with the dataset
    s = make_supervisor()
    gui = new_gui(qtbot, config_dir, local_path=local)
    s.attach(gui)
    activate_window(qtbot, gui)
    s.sort("id", "asc")
    s.select(5, 8)
    assert s.state.cluster_view == {"current_sort": ("id", "asc"), "selected": [5, 8]}
    gui.close()

    assert "selected" not in str(gui.state.path.read_text())
    s = make_supervisor()
    gui = new_gui(qtbot, config_dir, local_path=local)
    s.attach(gui)
    assert s.cluster_view.get_current_sort() == ("id", "asc")
    events = []
    connect(lambda sender, ids: events.append(ids), event="select", sender=s)
    activate_window(qtbot, gui)
    s.block()
    assert s.selected == [5, 8] and events == [[5, 8]]
    gui.close()


def test_journal_replay(qapp, qtbot, config_dir, tmp_path):
    from _supervisor_fixtures import activate_window, make_supervisor, new_gui
    journal = tmp_path / ".phy" / "journal.jsonl"
    s = make_supervisor(journal_path=journal)
    s.merge([3, 4])
    s.label("quality", "ok", [N_CLUSTERS])
    s.move("noise", [10])
    state = (s.clustering.spike_clusters.copy(), s.get_labels("group"), s.get_labels("quality"))
    del s  # crash: nothing saved

    s = make_supervisor(journal_path=journal)
    gui = new_gui(qtbot, config_dir)
    with preset_answers("yes") as asked:
        s.attach(gui)
    assert "Replay" in asked[0].message
    np.testing.assert_array_equal(s.clustering.spike_clusters, state[0])
    assert s.get_labels("group") == state[1] and s.get_labels("quality") == state[2]
    assert s.cluster_view.get(N_CLUSTERS)["quality"] == "ok"
    assert s.cluster_view.get(10)["group"] == "noise"
    assert s.is_dirty()
    activate_window(qtbot, gui)
    check_consistency(s)
    with preset_answers("close"):
        gui.close()

    # Declining keeps the journal aside and starts from the saved clustering.
    s = make_supervisor(journal_path=journal, replay_journal=False)
    assert N_CLUSTERS not in s.clustering.cluster_ids and not s.is_dirty()
    s.close()


def test_change_similarity(sup_gui, qtbot):
    s, gui, rec = sup_gui
    s.select(10)
    s.block()
    s.similarity = lambda c: np.array([[c + 5, .9], [c - 5, .5], [c, 1.]])  # an (n, 2) array
    qtbot.waitUntil(lambda: s.similarity_view.shown_ids() == [15, 5])
    press(qtbot, gui, "space", s)
    qtbot.waitUntil(lambda: s.selected == [10, 5])  # 15 is mua: skipped


def test_custom_columns(qapp, qtbot, config_dir):
    """``supervisor.columns = [...]`` before the GUI exists chooses the tables' columns (as
    phy); hidden metrics still filter and sort. Setting it later changes nothing."""
    from _supervisor_fixtures import make_supervisor, new_gui
    s = make_supervisor(cluster_metrics={"twice": lambda c: 2 * c, "half": lambda c: c / 2})
    assert s.columns == ["id", "twice", "half", "n_spikes", "group"]
    s.columns = ["n_spikes", "id", "twice", "twice"]
    assert s.columns == ["id", "n_spikes", "twice"]
    gui = new_gui(qtbot, config_dir)
    s.attach(gui)
    assert s.cluster_view.columns == ["id", "n_spikes", "twice"]
    assert s.similarity_view.columns == ["id", "n_spikes", "twice", "similarity"]
    assert "sort_by_half" not in s.select_actions
    s.filter("half > 8")
    s.block()
    assert sorted(s.shown_cluster_ids) == list(range(17, N_CLUSTERS))
    s.columns = ["id"]
    assert s.cluster_view.columns == ["id", "n_spikes", "twice"]
    s.columns = None  # back to every metric and label
    assert s.columns == ["id", "twice", "half", "n_spikes", "group"]
    gui.close()
