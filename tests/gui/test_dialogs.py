"""Dialogs answer at once in non-interactive mode (tests never block)."""

import pytest

from phyclone.gui import ask, input_dialog, message_box, preset_answers, prompt, show_box
from phyclone.gui.dialogs import is_non_interactive, set_non_interactive


def test_non_interactive_defaults(qapp):
    assert is_non_interactive()
    assert message_box("hello", title="T") is None
    assert show_box(prompt("Sure?", buttons=["yes", "no"])) == "yes"
    assert input_dialog("Title", "Value?", "3-6") == ("3-6", True)
    assert input_dialog("Title", "Value?") == ("", False)


def test_preset_answers(qapp):
    with preset_answers("no", "12 14", None, ("x", False)) as asked:
        assert ask("Really?") == "no"
        assert input_dialog("Select", "Clusters?") == ("12 14", True)
        message_box("done", level="warning")
        assert input_dialog("Select", "Clusters?") == ("x", False)
        assert ask("Again?") == "yes"  # queue exhausted: default answer
    assert [a.kind for a in asked] == ["prompt", "input", "message", "input", "prompt"]
    assert asked[2].message == "done"
    with preset_answers("maybe"), pytest.raises(ValueError):
        ask("Choose", buttons=("yes", "no"))


def test_switch(qapp, monkeypatch):
    monkeypatch.delenv("PHYCLONE_NONINTERACTIVE")
    assert not is_non_interactive()
    set_non_interactive(True)
    try:
        assert is_non_interactive()
    finally:
        set_non_interactive(None)
    assert not is_non_interactive()
