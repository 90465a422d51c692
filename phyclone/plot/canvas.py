"""BaseCanvas: a widget holding visuals (OpenGL 3.3 core), with phy's event API.

The widget itself is a plain raster widget: its frames are rendered by the GL thread
(``phyclone.plot.renderer``) into an offscreen framebuffer and shown as images, so that the
GUI thread never waits for software OpenGL and Qt never composes the window through OpenGL.
Visuals and interacts never call GL themselves: at each frame the canvas builds programs,
uploads pending data and draws. ``update()`` may be called from any thread.
"""

import logging
import os
import threading
import weakref
from contextlib import contextmanager

import numpy as np

from phyclone.qt import QColor, QFont, QImage, QPainter, QRect, Qt, QTimer, QWidget, Signal
from phyclone.utils import Bunch, emit

from .canvas_events import CanvasEvents, key_name, modifiers_of  # noqa: F401 (API)
from .canvas_gl import CanvasGL
from .inserter import GLSLInserter
from .transform import TransformChain, pixels_to_ndc

logger = logging.getLogger(__name__)


def _release_gl(fbo):
    """Free a garbage-collected canvas' framebuffer in its GL thread (no wait)."""
    if fbo.renderer is not None:  # None: never drawn, nothing to free
        fbo.renderer.post(fbo.delete)


class BaseCanvas(CanvasEvents, CanvasGL, QWidget):
    """An OpenGL canvas: add visuals, attach interacts (objects with ``on_<event>`` methods).

    Internal events (passed to ``on_<name>(e)`` of attached objects, ``e`` a Bunch):
    mouse_press, mouse_release, mouse_click, mouse_double_click (pos, pos_ndc, button,
    modifiers, key), mouse_move (pos, pos_ndc, last_pos, button, modifiers,
    mouse_press_position, mouse_press_modifiers), mouse_wheel (pos, pos_ndc, delta,
    modifiers), key_press / key_release (key, modifiers), resize (width, height),
    pan_zoom (pan, zoom). Positions are in pixels (origin top-left), pos_ndc in NDC.

    ``frameShown`` is emitted when a new frame has been painted in the window.
    """

    _update_requested = Signal()
    frameShown = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.gpu_transforms = TransformChain()
        self.inserter = GLSLInserter()
        self.visuals = []
        self.clear_color = (0., 0., 0., 1.)
        self.pixel_ratio = float(self.devicePixelRatioF())
        self._lock = threading.Lock()
        self._init_gl()
        self._init_events()
        self._is_lazy = False
        self._dirty = True
        self._image = None  # the last frame (QImage), errors written on it
        self._new_frame = False
        self._shown_callbacks = []
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(50, 50)
        self.resize(800, 600)
        self._update_requested.connect(self._update_now)
        weakref.finalize(self, _release_gl, self._fbo)

    # Updates
    # ---------------------------------------------------------------------------------------

    def update(self):
        """Schedule a new frame (thread-safe; no-op in lazy mode)."""
        if not self._is_lazy:
            self._update_requested.emit()

    def publish_size(self):
        """What the GL thread needs of the widget, read here on the GUI thread."""
        self.pixel_ratio = float(self.devicePixelRatioF())
        w, h = self.get_size()
        self.frame_size = (max(1, int(round(w * self.pixel_ratio))),
                           max(1, int(round(h * self.pixel_ratio))))

    def _update_now(self, at_once=False):
        if not self.isVisible():
            self._dirty = True  # drawn when shown
            return
        self._dirty = False
        if at_once:
            self.publish_size()
            self.gl_renderer.request(self)
        else:
            self.gl_renderer.request_soon(self)

    @contextmanager
    def batch(self):
        """Changes made inside (GUI thread) are drawn in one frame, requested from the GL
        thread as soon as the block ends rather than at the next event-loop iteration."""
        was_lazy, self._is_lazy = self._is_lazy, True
        try:
            yield
        finally:
            self._is_lazy = was_lazy
        if not was_lazy:
            self._update_now(at_once=True)

    def set_lazy(self, lazy):
        """In lazy mode ``update()`` does nothing: data can be set from a worker thread and
        the caller repaints once (``set_lazy(False); update()``) when it is ready."""
        self._is_lazy = bool(lazy)

    def on_next_paint(self, f):
        """Call ``f()`` at the start of the next frame, in the GL thread with the context
        current."""
        with self._lock:
            self._next_paint.append(f)
        self.update()

    def on_next_frame(self, f):
        """Call ``f()`` on the GUI thread once the next frame is in the window."""
        with self._lock:
            self._next_frame.append(f)
        self.update()

    def set_uniform(self, name, value):
        """Set a uniform on every program that declares it (pan, zoom, layouts)."""
        with self._lock:
            self._uniforms[name] = value
        self.update()

    def set_texture(self, name, data, interpolation="nearest"):
        """Set a texture shared by every program declaring the sampler ``name``."""
        with self._lock:
            self._texture_data[name] = (np.asarray(data), interpolation)
        self.update()

    # Visuals
    # ---------------------------------------------------------------------------------------

    def add_visual(self, visual, clearable=True, exclude_origins=(), key=None):
        """Add a visual; its program is built at the next paint with the canvas transforms
        (minus those added by objects in ``exclude_origins``)."""
        if self.has_visual(visual):
            return visual
        visual.canvas = self
        with self._lock:
            self.visuals.append(Bunch(visual=visual, clearable=clearable, key=key,
                                      exclude_origins=tuple(exclude_origins)))
        emit("visual_added", self, visual)
        self.update()
        return visual

    def has_visual(self, visual):
        return any(v.visual is visual for v in self.visuals)

    def get_visual(self, key):
        """The visual added with ``key``, or None."""
        for v in self.visuals:
            if v.key == key:
                return v.visual

    def remove(self, *visuals):
        """Remove visuals (their GL objects are freed at the next paint)."""
        for v in [v for v in self.visuals if v.visual in visuals]:
            with self._lock:
                self.visuals.remove(v)
                self._trash.append(v.visual.gl_state)
            v.visual.gl_state = type(v.visual.gl_state)()
            v.visual.canvas = None
        self.update()

    def clear(self):
        """Remove every visual added with ``clearable=True``."""
        self.remove(*[v.visual for v in self.visuals if v.clearable])

    # Coordinates
    # ---------------------------------------------------------------------------------------

    def get_size(self):
        """Widget size in pixels."""
        return max(self.width(), 1), max(self.height(), 1)

    def window_to_ndc(self, pos, panzoom=True):
        """Pixels -> NDC; with an attached PanZoom (and ``panzoom=True``) also undo pan-zoom."""
        pz = getattr(self, "panzoom", None)
        if panzoom and pz is not None:
            return pz.window_to_ndc(pos)
        return pixels_to_ndc(pos, self.get_size())

    # Frames (GUI thread)
    # ---------------------------------------------------------------------------------------

    def show_frame(self, result):
        """A frame came from the GL thread: keep it as a QImage and repaint the widget."""
        if result.image is not None:
            h, w = result.image.shape[:2]
            image = QImage(result.image.data, w, h, 4 * w, QImage.Format_RGBA8888)
            image._array = result.image  # the QImage does not own its pixels
        else:
            image = QImage(*self.frame_size, QImage.Format_RGBA8888)
            image.fill(QColor(*[int(255 * c) for c in self.clear_color]))
        if result.errors:
            image = image.copy()
            self._write_errors(image, result.errors)
        image.setDevicePixelRatio(self.pixel_ratio)
        self._image = image
        self._new_frame = True
        self._shown_callbacks.extend(result.callbacks)
        if self.isVisible():
            QWidget.update(self)
        else:
            self._frame_shown()

    def _write_errors(self, image, errors):
        """Write the current GL errors on the frame: a failure never looks like an empty
        view."""
        p = QPainter(image)
        try:
            p.scale(self.pixel_ratio, self.pixel_ratio)
            font = QFont()
            font.setPointSize(9)
            p.setFont(font)
            text = "OpenGL error (details in the log):\n" + "\n".join(
                m.splitlines()[0][:200] for m in errors[-5:])
            w, h = self.get_size()
            area = QRect(0, 0, w, h).adjusted(6, 6, -6, -6)
            box = p.boundingRect(area, Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap, text)
            p.fillRect(box.adjusted(-6, -6, 6, 6), QColor(110, 0, 0, 230))
            p.setPen(QColor(255, 255, 255))
            p.drawText(area, Qt.AlignLeft | Qt.AlignTop | Qt.TextWordWrap, text)
        finally:
            p.end()

    def paintEvent(self, e):
        p = QPainter(self)
        try:
            image = self._image
            if image is not None:
                p.drawImage(0, 0, image)
                w = image.width() / image.devicePixelRatio()
                h = image.height() / image.devicePixelRatio()
            else:
                w = h = 0
            bg = QColor(*[int(255 * c) for c in self.clear_color])
            if w < self.width():
                p.fillRect(QRect(int(w), 0, self.width() - int(w), self.height()), bg)
            if h < self.height():
                p.fillRect(QRect(0, int(h), self.width(), self.height() - int(h)), bg)
        finally:
            p.end()
        if self._new_frame:
            self._new_frame = False
            QTimer.singleShot(0, self._frame_shown)

    def _frame_shown(self):
        callbacks, self._shown_callbacks = self._shown_callbacks, []
        for f in callbacks:
            f()
        self.frameShown.emit()

    def showEvent(self, e):
        super().showEvent(e)
        if self._dirty or self._image is None:
            self._update_now()

    def resizeEvent(self, e):
        super().resizeEvent(e)
        w, h = self.get_size()
        self.emit("resize", width=w, height=h)
        emit("resize", self, w, h)
        self._update_now()

    # Synchronous rendering (GUI thread)
    # ---------------------------------------------------------------------------------------

    def sync_frame(self):
        """Render a frame now (waiting for it) and show it."""
        self.publish_size()
        self.gl_renderer.discard(self)
        self.show_frame(self.gl_renderer.call(self.render_frame))

    def grabFramebuffer(self):
        """Render now and return the frame as a QImage (errors written on it)."""
        self.sync_frame()
        return self._image

    def grab_image(self):
        """Render now and return the frame as an (h, w, 4) uint8 RGBA array."""
        img = self.grabFramebuffer().convertToFormat(QImage.Format_RGBA8888)
        w, h = img.width(), img.height()
        ptr = img.constBits()
        ptr.setsize(img.byteCount())
        arr = np.frombuffer(ptr, dtype=np.uint8).reshape(h, img.bytesPerLine())
        return arr[:, :w * 4].reshape(h, w, 4).copy()

    def screenshot(self, path):
        """Save the rendered canvas as a PNG file (written atomically); return the path."""
        path = os.fspath(path)
        tmp = path + ".tmp.png"
        if not self.grabFramebuffer().save(tmp, "PNG"):
            raise OSError(f"cannot write the screenshot {path}")
        os.replace(tmp, path)
        return path

    def run_gl(self, f, *args):
        """Call ``f(*args)`` in the GL thread with the context current and this canvas'
        framebuffer bound (e.g. to time GL calls); return its result."""
        self.publish_size()

        def run():
            self._fbo.bind(*self.frame_size)
            return f(*args)
        return self.gl_renderer.call(run)

    def close(self):
        """Free every GL object of the canvas and close the widget."""
        self.gl_renderer.discard(self)
        self.gl_renderer.call(self._gl_delete)
        return super().close()
