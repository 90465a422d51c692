"""Snippets typed through real key events in the main window."""

import pytest

from phyclone.gui import Actions, Table
from phyclone.qt import Qt


@pytest.fixture
def edit(gui, activate):
    actions = Actions(gui, name="Edit", menu="&Edit", default_snippets={"select": "c"})
    calls = []

    @actions.add(shortcut="g")
    def merge(cluster_ids=None):
        calls.append(("merge", cluster_ids))

    @actions.add
    def select(*cluster_ids):
        calls.append(("select", cluster_ids))

    @actions.add
    def filter(text):
        calls.append(("filter", text))

    activate(gui)
    actions.calls = calls
    return actions


def test_snippet_typing(gui, qtbot, edit):
    gui.status_message = "before"
    qtbot.keyClicks(gui, ":")
    assert gui.snippets.is_mode_on()
    assert gui.status_message == ":" + gui.snippets.cursor
    qtbot.keyClicks(gui, "merge 3-6")
    assert gui.snippets.command == ":merge 3-6"
    assert gui.status_message == ":merge 3-6\u200A\u258C"
    assert edit.calls == []  # 'g' typed in the snippet did not trigger merge
    gui.status_message = "ignored while typing"
    assert gui.status_message.startswith(":merge")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert edit.calls == [("merge", [3, 4, 5, 6])]
    assert not gui.snippets.is_mode_on()
    assert gui.status_message == "before"
    qtbot.keyClick(gui, Qt.Key_G)  # shortcuts work again
    assert edit.calls[-1] == ("merge", None)


def test_snippet_alias_args_backspace(gui, qtbot, edit):
    qtbot.keyClicks(gui, ":c 12 144")
    qtbot.keyClick(gui, Qt.Key_Backspace)
    qtbot.keyClick(gui, Qt.Key_Enter)
    assert edit.calls == [("select", (12, 14))]
    qtbot.keyClicks(gui, ":filter n_spikes>100")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert edit.calls[-1] == ("filter", "n_spikes>100")
    qtbot.keyClicks(gui, ":")
    qtbot.keyClick(gui, Qt.Key_Backspace)  # cannot erase the ':'
    assert gui.snippets.command == ":"
    qtbot.keyClick(gui, Qt.Key_M, Qt.ShiftModifier)
    assert gui.snippets.command in (":M", ":m")


def test_snippet_escape(gui, qtbot, edit):
    gui.status_message = "status"
    qtbot.keyClicks(gui, ":merge 1")
    qtbot.keyClick(gui, Qt.Key_Escape)
    assert not gui.snippets.is_mode_on()
    assert edit.calls == [] and gui.status_message == "status"


def test_unknown_snippet_and_error(gui, qtbot, edit):
    qtbot.keyClicks(gui, ":nothing 1")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert gui.status_message == "Unknown snippet `nothing`"
    qtbot.keyClicks(gui, ":filter a b c")  # too many arguments
    qtbot.keyClick(gui, Qt.Key_Return)
    assert gui.status_message.startswith("Snippet error")
    assert gui.snippets.run(":c 1,2 3") is None
    assert edit.calls[-1] == ("select", ([1, 2], 3))


def test_snippet_from_table_focus(gui, qtbot, edit):
    table = Table(columns=["id"], data=[{"id": i} for i in range(5)])
    gui.add_view(table)
    table.view.setFocus()
    qtbot.keyClicks(table.view, ":c 3")
    qtbot.keyClick(table.view, Qt.Key_Return)
    assert edit.calls == [("select", (3,))]
    assert table.get_selected() == []  # keys did not reach the table
    table.filter_form.setFocus()
    qtbot.keyClicks(table.filter_form, "id:")  # ':' is text in a line edit
    assert table.filter_form.text() == "id:" and not gui.snippets.is_mode_on()


def test_snippet_typing_in_floating_dock(gui, qtbot, edit):
    table = Table(columns=["id"], data=[{"id": i} for i in range(5)])
    gui.add_view(table, floating=True)
    qtbot.keyClicks(gui, ":")
    table.view.setFocus()
    qtbot.keyClicks(table.view, "c 2")
    qtbot.keyClick(table.view, Qt.Key_Return)
    assert edit.calls == [("select", (2,))]
