"""Errors shown to the user (phy's ``capture_exceptions`` and ``QtDialogLogger``).

An error logged by phyclone or a plugin (an action or an event callback that raised, a plugin
that failed to attach, an uncaught exception) opens a non-modal message box: the message,
and the traceback behind its "Show Details..." button. Work goes on meanwhile; identical
errors already on screen are not shown twice. In non-interactive mode (tests, scripts) the
box is not shown: the error is recorded in ``dialog_log`` (kind ``error``).
"""

import logging
import sys
import threading
import traceback
from contextlib import contextmanager

from phyclone.qt import QApplication, QMessageBox, QObject, Qt, Signal
from phyclone.utils import Bunch

from .dialogs import dialog_log, is_non_interactive

logger = logging.getLogger(__name__)

#: Loggers whose errors are shown: phyclone's, and those of the user's plugin files.
CAPTURED_LOGGERS = ("phyclone", "_phyclone_user")
#: At most this many error boxes are open at once.
MAX_OPEN = 3

_open_boxes = []


def show_error(message, details=""):
    """Show ``message`` in a non-modal error box with ``details`` (the traceback) one click
    away; return the box (None when not shown)."""
    if is_non_interactive() or QApplication.instance() is None:
        dialog_log.append(Bunch(kind="error", title="Error", message=message, answer=None,
                                details=details))
        return None
    if any(b.text() == message for b in _open_boxes) or len(_open_boxes) >= MAX_OPEN:
        return None
    box = QMessageBox(QMessageBox.Critical, "Error", message, QMessageBox.Close)
    box.setWindowModality(Qt.NonModal)
    box.setAttribute(Qt.WA_DeleteOnClose)
    if details:
        box.setDetailedText(details)
    _open_boxes.append(box)
    box.finished.connect(lambda *_: _open_boxes.remove(box) if box in _open_boxes else None)
    box.show()
    return box


class _Relay(QObject):
    """Carries errors logged in worker threads to the GUI thread."""
    error = Signal(str, str)


class QtDialogLogger(logging.Handler):
    """Logging handler showing each record (ERROR and above by default) in an error box."""

    def __init__(self, level=logging.ERROR):
        super().__init__(level)
        self._relay = _Relay()
        self._relay.error.connect(show_error, Qt.QueuedConnection)

    def emit(self, record):
        try:
            message = record.getMessage()
            details = ""
            if record.exc_info and record.exc_info[0] is not None:
                details = "".join(traceback.format_exception(*record.exc_info))
                exc = record.exc_info[1]
                message = f"{message}\n\n{type(exc).__name__}: {exc}"
            elif record.exc_text:
                details = record.exc_text
            if threading.current_thread() is threading.main_thread():
                show_error(message, details)
            else:
                self._relay.error.emit(message, details)
        except Exception:  # a logging handler must never raise
            self.handleError(record)


def _excepthook(exc_type, exc, tb):
    logging.getLogger("phyclone").error("An error has occurred (%s): %s", exc_type.__name__,
                                        exc, exc_info=(exc_type, exc, tb))


@contextmanager
def capture_exceptions():
    """Within this context, uncaught exceptions and logged errors are shown in error boxes
    (phy's ``capture_exceptions``); yields the handler."""
    handler = QtDialogLogger()
    previous = sys.excepthook
    sys.excepthook = _excepthook
    for name in CAPTURED_LOGGERS:
        logging.getLogger(name).addHandler(handler)
    try:
        yield handler
    finally:
        sys.excepthook = previous
        for name in CAPTURED_LOGGERS:
            logging.getLogger(name).removeHandler(handler)
