"""Application helpers."""

from phyclone.gui import busy_cursor, create_app, is_high_dpi, require_qt, screen_size
from phyclone.gui.app import _wait, log_exceptions
from phyclone.qt import QApplication, Qt


def test_create_app_and_screen(qapp):
    assert create_app() is QApplication.instance()
    w, h = screen_size()
    assert w > 0 and h > 0
    assert is_high_dpi() == (w > 3000)


def test_require_qt(qapp):
    @require_qt
    def f(x):
        return QApplication.instance() is not None and x
    assert f(3) == 3


def test_busy_cursor(qapp):
    with busy_cursor():
        assert QApplication.overrideCursor().shape() == Qt.WaitCursor
    assert QApplication.overrideCursor() is None
    with busy_cursor(False):
        assert QApplication.overrideCursor() is None
    _wait(1)


def test_log_exceptions(caplog):
    @log_exceptions
    def bad():
        raise ValueError("oops")
    assert bad() is None and "oops" in caplog.text
