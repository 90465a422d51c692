"""Application helpers: the QApplication, event-loop waits, cursor and screen queries."""

import logging
import time
from contextlib import contextmanager
from functools import wraps

from phyclone.qt import QApplication, QCursor, QGuiApplication, Qt
from phyclone.qt import create_app as _create_qt_app

logger = logging.getLogger(__name__)

_APP = []  # keeps the QApplication alive even when the caller drops its reference

__all__ = ["create_app", "run_app", "require_qt", "busy_cursor", "screen_size", "is_high_dpi"]


def create_app():
    """The QApplication (created with phyclone's OpenGL defaults when needed), kept alive."""
    app = _create_qt_app()
    if not _APP:
        _APP.append(app)
        from .workers import register_shutdown
        register_shutdown()  # background work stops before Qt at exit
    return app


def log_exceptions(f):
    """Decorator for Qt slots running user code: exceptions are logged, never raised into Qt
    (PyQt aborts the whole program when an exception escapes a slot)."""
    @wraps(f)
    def wrapped(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except Exception:
            logger.exception("Error in %s.", getattr(f, "__qualname__", f))
            return None
    return wrapped


def run_app():
    """Run the Qt event loop until the last window closes; return its exit code."""
    return create_app().exec_()


def require_qt(func):
    """Decorator: make sure a QApplication exists before calling ``func``."""
    @wraps(func)
    def wrapped(*args, **kwargs):
        if QApplication.instance() is None:
            logger.debug("Creating the Qt application for %s.", func.__name__)
            create_app()
        return func(*args, **kwargs)
    return wrapped


@contextmanager
def busy_cursor(activate=True):
    """Show a wait cursor inside the block (does nothing when ``activate`` is false)."""
    if activate:
        QApplication.setOverrideCursor(QCursor(Qt.WaitCursor))
    try:
        yield
    finally:
        if activate:
            QApplication.restoreOverrideCursor()


@require_qt
def screen_size():
    """Size ``(width, height)`` of the primary screen, in pixels."""
    geom = QGuiApplication.primaryScreen().geometry()
    return geom.width(), geom.height()


def is_high_dpi():
    """Whether the primary screen is a high-DPI one (wider than 3000 pixels)."""
    return screen_size()[0] > 3000


def _wait(ms=10):
    """Process Qt events for ``ms`` milliseconds."""
    end = time.monotonic() + ms / 1000.
    app = QApplication.instance()
    while True:
        if app is not None:
            app.processEvents()
        if time.monotonic() >= end:
            return
        time.sleep(.001)


def _block(until, timeout=5.):
    """Process Qt events until ``until()`` is true; raise TimeoutError after ``timeout`` s."""
    end = time.monotonic() + timeout
    app = QApplication.instance()
    while not until():
        if time.monotonic() > end:
            raise TimeoutError(f"Condition not met after {timeout} s.")
        if app is not None:
            app.processEvents()
        time.sleep(.001)


def _wait_signal(signal, timeout=5.):
    """Process Qt events until ``signal`` is emitted; return its arguments."""
    got = []

    def slot(*args):
        got.append(args)
    signal.connect(slot)
    try:
        _block(lambda: bool(got), timeout=timeout)
    finally:
        signal.disconnect(slot)
    return got[0]
