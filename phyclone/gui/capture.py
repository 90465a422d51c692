"""Screenshots of widgets, OpenGL content included, written atomically as PNG."""

import logging
from datetime import datetime
from pathlib import Path

from phyclone.qt import (
    QBuffer, QGuiApplication, QIODevice, QOpenGLWidget, QOpenGLWindow, QPainter, QPoint,
)
from phyclone.utils import ensure_dir_exists, phy_config_dir
from phyclone.utils.fileio import write_bytes

logger = logging.getLogger(__name__)


def screenshot_default_path(widget, dir=None):
    """``<dir or config dir/screenshots>/phy_screenshot_<date>_<WidgetClass>.png``."""
    date = datetime.now().strftime("%Y%m%d%H%M%S")
    name = f"phy_screenshot_{date}_{widget.__class__.__name__}.png"
    folder = Path(dir) if dir else phy_config_dir() / "screenshots"
    ensure_dir_exists(folder)
    return folder / name


def _top_window(window):
    while window.parent() is not None:
        window = window.parent()
    return window


def _embedded_gl_windows(widget):
    """OpenGL windows embedded (``createWindowContainer``) in the window of ``widget``."""
    top = widget.window().windowHandle()
    for w in QGuiApplication.allWindows():
        if isinstance(w, QOpenGLWindow) and w.parent() is not None and w.isExposed() and (
                _top_window(w) is top):
            yield w


def grab(widget):
    """Render a widget (or an OpenGL window) into a QImage.

    ``QWidget.grab`` shows windows embedded with ``createWindowContainer`` as black: their
    framebuffers are grabbed separately and painted over at their position.
    """
    if isinstance(widget, (QOpenGLWindow, QOpenGLWidget)):
        return widget.grabFramebuffer()
    image = widget.grab().toImage()
    origin = widget.mapToGlobal(QPoint(0, 0))
    painter = None
    for w in _embedded_gl_windows(widget):
        pos = w.mapToGlobal(QPoint(0, 0)) - origin
        if pos.x() >= image.width() or pos.y() >= image.height() or (
                pos.x() + w.width() <= 0 or pos.y() + w.height() <= 0):
            continue
        fb = w.grabFramebuffer()
        fb.setDevicePixelRatio(image.devicePixelRatio())
        painter = painter or QPainter(image)
        painter.drawImage(pos, fb)
    if painter is not None:
        painter.end()
    return image


def screenshot(widget, path=None, dir=None):
    """Save a PNG screenshot of ``widget`` (default path in the config dir); return the path."""
    path = Path(path) if path else screenshot_default_path(widget, dir=dir)
    image = grab(widget)
    buf = QBuffer()
    buf.open(QIODevice.WriteOnly)
    if not image.save(buf, "PNG"):
        raise OSError(f"Could not encode the screenshot of {widget!r} as PNG.")
    write_bytes(path, bytes(buf.data()))
    logger.info("Saved screenshot to %s.", path)
    return path
