"""Modal dialogs (message box, question, text input) that tests can answer without blocking.

Interactive by default. Non-interactive when ``PHYCLONE_NONINTERACTIVE=1`` is set or
``set_non_interactive(True)`` was called: every dialog then returns at once, taking the next
answer queued with ``preset_answers(...)`` or else its default (first button, default text).
Every dialog asked is recorded in ``dialog_log`` (kind, title, message, answer).
"""

import logging
import os
from collections import deque
from contextlib import contextmanager

from phyclone.qt import QInputDialog, QLineEdit, QMessageBox
from phyclone.utils import Bunch

logger = logging.getLogger(__name__)

ENV_NONINTERACTIVE = "PHYCLONE_NONINTERACTIVE"

_state = Bunch(non_interactive=None, answers=deque())
dialog_log = []


def set_non_interactive(enabled=True):
    """Make every dialog return immediately (True), or restore the default (None)."""
    _state.non_interactive = enabled


def is_non_interactive():
    if _state.non_interactive is not None:
        return bool(_state.non_interactive)
    return os.environ.get(ENV_NONINTERACTIVE, "") not in ("", "0")


@contextmanager
def preset_answers(*answers):
    """Answer the next dialogs with ``answers`` (in order) without showing them.

    Yields the list of dialogs asked meanwhile. Button answers are names ('yes', 'save'...),
    text answers are strings (or ``(text, ok)`` pairs), message boxes take None.
    """
    previous = (_state.non_interactive, _state.answers)
    _state.non_interactive, _state.answers = True, deque(answers)
    n0 = len(dialog_log)
    asked = []
    try:
        yield asked
    finally:
        asked.extend(dialog_log[n0:])
        _state.non_interactive, _state.answers = previous


def _preset(kind, title, message, default):
    answer = _state.answers.popleft() if _state.answers else default
    dialog_log.append(Bunch(kind=kind, title=title, message=message, answer=answer))
    logger.debug("Dialog %s `%s` answered %r without showing it.", kind, title, answer)
    return answer


def _button_enum(name):
    return getattr(QMessageBox, name.capitalize())


def _button_name(value):
    for name in ("yes", "no", "ok", "cancel", "save", "discard", "close", "abort", "retry",
                 "ignore", "apply", "reset", "help", "open"):
        if value == _button_enum(name):
            return name
    return None


def message_box(message, title="Message", level=None):
    """Show a message (``level``: 'information', 'warning', 'critical')."""
    if is_non_interactive():
        _preset("message", title, message, None)
        return
    getattr(QMessageBox, level or "information", QMessageBox.information)(None, title, message)


def prompt(message, buttons=("yes", "no"), title="Question"):
    """Build (without showing) a question box with named buttons; show it with ``show_box``."""
    box = QMessageBox()
    box.setWindowTitle(title)
    box.setText(message)
    flags = _button_enum(buttons[0])
    for b in buttons[1:]:
        flags |= _button_enum(b)
    box.setStandardButtons(flags)
    box.setDefaultButton(_button_enum(buttons[0]))
    box.phyclone_buttons = tuple(buttons)
    return box


def show_box(box):
    """Show a box built by ``prompt`` and return the name of the button clicked."""
    buttons = getattr(box, "phyclone_buttons", ("ok",))
    if is_non_interactive():
        answer = _preset("prompt", box.windowTitle(), box.text(), buttons[0])
        if answer not in buttons:
            raise ValueError(f"Preset answer {answer!r} is not one of {buttons}.")
        return answer
    return _button_name(box.exec_())


def ask(message, buttons=("yes", "no"), title="Question"):
    """Ask a question and return the name of the button clicked."""
    return show_box(prompt(message, buttons=buttons, title=title))


def input_dialog(title, sentence, text=None):
    """Ask for a line of text; return ``(text, ok)``."""
    if is_non_interactive():
        answer = _preset("input", title, sentence, (text or "", bool(text)))
        return tuple(answer) if isinstance(answer, (tuple, list)) else (str(answer), True)
    s, ok = QInputDialog.getText(None, title, sentence, QLineEdit.Normal, text or "")
    return str(s), bool(ok)


def prompt_save():
    """Ask whether to save before quitting: 'save', 'cancel' or 'close' (quit without saving)."""
    return ask("Do you want to save your changes before quitting?",
               buttons=("save", "cancel", "close"), title="Save")
