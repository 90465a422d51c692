"""Actions: keyboard shortcuts through real key events, aliases, prompts, menus, overrides."""

import pytest

from phyclone.gui import GUI, Actions, preset_answers
from phyclone.gui.actions import (
    _expected_args, _get_qkeysequence, _get_shortcut_string, _parse_snippet,
)
from phyclone.qt import QKeySequence, QLabel, Qt


def test_parse_snippet():
    assert _parse_snippet("merge 3-6") == ("merge", [3, 4, 5, 6])
    assert _parse_snippet("c 12 14") == ("c", 12, 14)
    assert _parse_snippet("my_action string 3-6") == ("my_action", "string", [3, 4, 5, 6])
    assert _parse_snippet("x 1,2,a 2.5 -3 6-4") == ("x", [1, 2, "a"], 2.5, -3, [6, 5, 4])
    assert _parse_snippet("  label  good ") == ("label", "good")


def test_shortcut_helpers(qapp):
    assert _get_qkeysequence("ctrl+alt+n") == QKeySequence("Ctrl+Alt+N")
    assert _get_qkeysequence(("ctrl+z", "ctrl+y"))[1] == QKeySequence("Ctrl+Y")
    assert _get_qkeysequence("HelpContents") == QKeySequence(QKeySequence.HelpContents)
    assert _get_qkeysequence(None) == []
    with pytest.raises(ValueError):
        _get_qkeysequence("ctrl+")
    assert _get_shortcut_string(("ctrl+shift+z", "ctrl+y")) == "ctrl+shift+z, ctrl+y"
    assert _get_shortcut_string("HelpContents") == "f1"
    assert _expected_args(lambda a, b, c=1: None) == ("a", "b")


def test_shortcuts_trigger_actions(gui, qtbot, activate):
    actions = Actions(gui, name="Edit", menu="&Edit")
    calls = []

    @actions.add(shortcut="g")
    def merge():
        calls.append("merge")

    @actions.add(shortcut="ctrl+alt+n")
    def move_all_to_noise():
        calls.append("noise")

    @actions.add(shortcut=("ctrl+shift+z", "ctrl+y"))
    def redo():
        calls.append("redo")

    @actions.add(shortcut="shift+space")
    def previous():
        calls.append("previous")

    activate(gui)
    qtbot.keyClick(gui, Qt.Key_G)
    qtbot.keyClick(gui, Qt.Key_N, Qt.ControlModifier | Qt.AltModifier)
    qtbot.keyClick(gui, Qt.Key_Y, Qt.ControlModifier)
    qtbot.keyClick(gui, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.keyClick(gui, Qt.Key_Space, Qt.ShiftModifier)
    assert calls == ["merge", "noise", "redo", "redo", "previous"]

    actions.disable("merge")
    qtbot.keyClick(gui, Qt.Key_G)
    assert calls[-1] == "previous"
    actions.enable()
    qtbot.keyClick(gui, Qt.Key_G)
    assert calls[-1] == "merge"
    assert gui.get_menu("&Edit").menuAction().isVisible()
    assert [a.text() for a in gui.get_menu("&Edit").actions()] == [
        "Merge", "Move all to noise", "Redo", "Previous"]


def test_run_alias_and_attributes(gui):
    actions = Actions(gui, name="Select", default_snippets={"select": "c"})
    got = []

    @actions.add
    def select(*ids):
        got.append(ids)
        return ids

    actions.add(lambda x: got.append(x), name="sort", alias="s")
    assert actions.run("c", 1, 2) == (1, 2)
    assert actions.run("s", "n_spikes") is None
    assert actions.select(3) == (3,)
    assert got == [(1, 2), "n_spikes", (3,)]
    assert "select" in actions and actions.resolve("c") == "select"
    with pytest.raises(ValueError):
        actions.run("unknown")
    actions.remove("sort")
    assert "sort" not in actions and actions.resolve("s") is None
    assert actions.get("select").text() == "Select"
    actions.remove_all()
    assert actions.get("select") is None


def test_prompt_and_checkable(gui):
    actions = Actions(gui, name="Edit")
    got = []

    @actions.add(prompt=True, n_args=2)
    def label(name, value):
        """Label clusters. Example: `quality 3`"""
        got.append((name, value))

    @actions.add(checkable=True, checked=True)
    def toggle(checked):
        got.append(checked)

    with preset_answers("group good") as asked:
        actions.get("label").trigger()
    assert got == [("group", "good")]
    assert asked[0].kind == "input" and asked[0].message == "Label clusters."
    with preset_answers(("", False)):
        actions.get("label").trigger()  # cancelled: not called
    with preset_answers():
        actions.get("label").trigger()  # default text from the docstring example
    assert got == [("group", "good"), ("quality", 3)]
    actions.get("toggle").trigger()
    assert got[-1] is False


def test_action_errors_do_not_raise(gui, caplog):
    actions = Actions(gui, name="Edit")

    @actions.add
    def broken():
        raise RuntimeError("boom")

    actions.get("broken").trigger()
    assert "Error in action `broken`" in caplog.text


def test_user_shortcut_overrides(qapp, qtbot, config_dir, activate):
    gui = GUI(name="OverrideGUI", config_dir=config_dir,
              shortcuts={"merge": "ctrl+m", "split": None}, snippets={"merge": "mm"})
    qtbot.addWidget(gui)
    actions = Actions(gui, name="Edit", default_shortcuts={"merge": "g", "split": "k"})
    calls = []
    actions.add(lambda: calls.append("merge"), name="merge")
    actions.add(lambda: calls.append("split"), name="split")
    activate(gui)
    qtbot.keyClick(gui, Qt.Key_G)
    qtbot.keyClick(gui, Qt.Key_K)
    assert calls == []
    qtbot.keyClick(gui, Qt.Key_M, Qt.ControlModifier)
    assert calls == ["merge"]
    assert actions.resolve("mm") == "merge"
    assert actions.shortcuts["merge"] == "ctrl+m (:mm)"
    assert actions.shortcuts["split"] == "-"
    gui.close()


def test_conflicting_shortcut_warns(gui, caplog):
    a = Actions(gui, name="A")
    a.add(lambda: None, name="one", shortcut="x")
    a.add(lambda: None, name="two", shortcut="x")
    assert "already used by `one`" in caplog.text


def test_submenu_view_menu_toolbar(gui):
    view = QLabel("v")
    gui.add_view(view)
    actions = Actions(gui, name="Edit", menu="&Edit")
    actions.add(lambda: None, name="move_best_to_noise", submenu="Move best to")
    actions.add(lambda: None, name="toggle_x", view=view)
    actions.add(lambda: None, name="option_y", view=view, view_submenu="Options")
    actions.add(lambda: None, name="undo", icon="f0e2", toolbar=True)
    actions.separator()
    sub = gui.get_submenu("&Edit", "Move best to")
    assert [a.text() for a in sub.actions()] == ["Move best to noise"]
    dock_menu = view.dock._menu
    assert [a.text() for a in dock_menu.actions()][:1] == ["Toggle x"]
    assert dock_menu.actions()[1].menu().actions()[0].text() == "Option y"
    assert gui._toolbar.actions()[0].text() == "Undo"
    assert not gui._toolbar.actions()[0].icon().isNull()


def test_show_shortcuts(gui, qtbot, capsys, activate):
    actions = Actions(gui, name="Edit")
    actions.add(lambda: None, name="merge", shortcut="g", alias="g")
    actions.add(lambda: None, name="_private", shortcut="ctrl+p")
    text = actions.show_shortcuts()
    assert "merge" in text and "_private" not in text and ":g" in text
    gui.set_default_actions()
    activate(gui)
    qtbot.keyClick(gui, Qt.Key_H)
    dialog = gui._shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    rows = dialog.rows
    assert ("Edit", "merge", "g", ":g", "merge") in rows
    assert any(r[1] == "enable_snippet_mode" and r[2] == ":" for r in rows)
    assert any(r[1] == "exit" and r[2] == "ctrl+q" for r in rows)
    dialog.search.setText("merg")
    visible = [i for i in range(len(rows)) if not dialog.table.isRowHidden(i)]
    assert [rows[i][1] for i in visible] == ["merge"]
    dialog.close()
