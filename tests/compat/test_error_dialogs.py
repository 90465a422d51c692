"""Errors of actions and plugins are shown in a non-modal box, the traceback one click away
(phy's ``capture_exceptions`` / ``QtDialogLogger``); never blocking."""

import logging
import threading

import pytest

from phyclone.gui import GUI, Actions, dialog_log, set_non_interactive
from phyclone.gui.errors import QtDialogLogger, _open_boxes, capture_exceptions
from phyclone.qt import QMessageBox


@pytest.fixture
def interactive():
    set_non_interactive(False)
    yield
    set_non_interactive(None)
    for box in list(_open_boxes):
        box.close()


@pytest.fixture
def gui(qtbot, qapp, tmp_path):
    gui = GUI(config_dir=tmp_path / "config", name="ErrorsGUI")
    qtbot.addWidget(gui)
    gui.show()
    yield gui
    gui.close()


def _failing_action():
    """An action whose callback raises."""
    raise RuntimeError("boom in the action")


def test_action_error_shown_non_modal(qtbot, gui, interactive):
    actions = Actions(gui, name="Test")
    actions.add(_failing_action)
    with capture_exceptions():
        actions.get("_failing_action").trigger()  # returns at once: not modal
        qtbot.waitUntil(lambda: len(_open_boxes) == 1, timeout=3000)
        box = _open_boxes[0]
        assert isinstance(box, QMessageBox) and box.isVisible()
        assert not box.isModal()
        assert "boom in the action" in box.text() and "_failing_action" in box.text()
        # The traceback is behind "Show Details...".
        assert "Traceback" in box.detailedText()
        assert "RuntimeError: boom in the action" in box.detailedText()
        # The same error again does not stack a second box.
        actions.get("_failing_action").trigger()
        assert len(_open_boxes) == 1
        box.close()
        qtbot.waitUntil(lambda: not _open_boxes, timeout=3000)
    # Outside the context nothing is shown any more.
    actions.get("_failing_action").trigger()
    assert not _open_boxes


def test_plugin_logger_and_worker_thread(qtbot, qapp, interactive):
    with capture_exceptions():
        logging.getLogger("_phyclone_user.my_plugin").error("plugin failed")
        qtbot.waitUntil(lambda: any("plugin failed" in b.text() for b in _open_boxes),
                        timeout=3000)
        t = threading.Thread(target=lambda: logging.getLogger("phyclone.x").error("from worker"))
        t.start()
        t.join()
        qtbot.waitUntil(lambda: any("from worker" in b.text() for b in _open_boxes),
                        timeout=3000)
        logging.getLogger("phyclone.x").warning("only a warning")
        logging.getLogger("phyclone.x").error("after the warning")  # shown after it would be
        qtbot.waitUntil(lambda: any("after the warning" in b.text() for b in _open_boxes),
                        timeout=3000)
        assert not any("only a warning" in b.text() for b in _open_boxes)


def test_non_interactive_records(qapp):
    set_non_interactive(True)
    try:
        n = len(dialog_log)
        handler = QtDialogLogger()
        log = logging.getLogger("phyclone.test_errors")
        log.addHandler(handler)
        try:
            try:
                raise ValueError("bad value")
            except ValueError:
                log.exception("It failed")
        finally:
            log.removeHandler(handler)
        entry = dialog_log[n]
        assert entry.kind == "error" and "It failed" in entry.message
        assert "ValueError: bad value" in entry.details
        assert not _open_boxes
    finally:
        set_non_interactive(None)
