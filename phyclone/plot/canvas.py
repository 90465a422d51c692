"""BaseCanvas: a native OpenGL window (OpenGL 3.3 core) holding visuals, with phy's event API.

Visuals and interacts never call GL outside ``paintGL``: the canvas builds programs,
uploads pending data and draws there. ``update()`` may be called from any thread.
"""

import logging
import os
import threading
from contextlib import contextmanager

import numpy as np

from phyclone.qt import (
    QColor, QFont, QImage, QOpenGLContext, QOpenGLPaintDevice, QPainter, QRect, QSize, Qt, Signal,
)
from phyclone.utils import Bunch, emit

from .inserter import GLSLInserter
from .transform import TransformChain, pixels_to_ndc
from .window import GLWindow

logger = logging.getLogger(__name__)

_BUTTONS = {Qt.LeftButton: "Left", Qt.RightButton: "Right", Qt.MiddleButton: "Middle"}
_MODIFIERS = (("Shift", Qt.ShiftModifier), ("Control", Qt.ControlModifier),
              ("Alt", Qt.AltModifier), ("Meta", Qt.MetaModifier))
_KEY_NAMES = {getattr(Qt, "Key_" + n): n for n in (
    "Shift", "Control", "Alt", "AltGr", "Meta", "Left", "Up", "Right", "Down", "PageUp",
    "PageDown", "Insert", "Delete", "Home", "End", "Escape", "Backspace", "Space", "Enter",
    "Return", "Tab", *("F%d" % i for i in range(1, 13)))}
_CLICK_MAX_MOVE = 4  # pixels between press and release for a click


def modifiers_of(e):
    m = e.modifiers()
    return tuple(name for name, flag in _MODIFIERS if m & flag)


def key_name(key):
    """phy's key names: printable ASCII as the character ('R', '+'), else 'Left', 'F1'..."""
    key = int(key)
    if key == Qt.Key_Space:
        return "Space"
    if 32 < key < 127:
        return chr(key)
    return _KEY_NAMES.get(key)


class BaseCanvas(GLWindow):
    """An OpenGL canvas: add visuals, attach interacts (objects with ``on_<event>`` methods).

    Internal events (passed to ``on_<name>(e)`` of attached objects, ``e`` a Bunch):
    mouse_press, mouse_release, mouse_click, mouse_double_click (pos, pos_ndc, button,
    modifiers, key), mouse_move (pos, pos_ndc, last_pos, button, modifiers,
    mouse_press_position, mouse_press_modifiers), mouse_wheel (pos, pos_ndc, delta,
    modifiers), key_press / key_release (key, modifiers), resize (width, height),
    pan_zoom (pan, zoom). Positions are in pixels (origin top-left), pos_ndc in NDC.
    """

    _update_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.gpu_transforms = TransformChain()
        self.inserter = GLSLInserter()
        self.visuals = []
        self.clear_color = (0., 0., 0., 1.)
        self.gl_info = Bunch()
        self.gl_errors = []  # every GL error message seen (also logged)
        self._context_error = None  # the context cannot run our shaders
        self._frame_error = None  # the last frame set-up failed
        self._attached = []
        self._lock = threading.Lock()
        self._next_paint = []
        self._trash = []
        self._uniforms = {}
        self._texture_data = {}
        self._textures = {}
        self._is_lazy = False
        self._mouse_press = None
        self._last_mouse_pos = None
        self._current_key = None
        self.setMinimumSize(QSize(50, 50))
        self.resize(800, 600)
        self._update_requested.connect(self._update_now)

    # Updates
    # ---------------------------------------------------------------------------------------

    def update(self):
        """Schedule a repaint (thread-safe; no-op in lazy mode)."""
        if not self._is_lazy:
            self._update_requested.emit()

    def _update_now(self):
        GLWindow.update(self)

    def set_lazy(self, lazy):
        """In lazy mode ``update()`` does nothing: data can be set from a worker thread and
        the caller repaints once (``set_lazy(False); update()``) when it is ready."""
        self._is_lazy = bool(lazy)

    def on_next_paint(self, f):
        """Call ``f()`` at the start of the next paint, with the GL context current."""
        with self._lock:
            self._next_paint.append(f)
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
            self.visuals.remove(v)
            with self._lock:
                self._trash.append(v.visual._gl)
            v.visual._gl = type(v.visual._gl)()
            v.visual.canvas = None
        self.update()

    def clear(self):
        """Remove every visual added with ``clearable=True``."""
        self.remove(*[v.visual for v in self.visuals if v.clearable])

    # Coordinates and screenshots
    # ---------------------------------------------------------------------------------------

    def get_size(self):
        """Window size in pixels."""
        return max(self.width(), 1), max(self.height(), 1)

    def window_to_ndc(self, pos, panzoom=True):
        """Pixels -> NDC; with an attached PanZoom (and ``panzoom=True``) also undo pan-zoom."""
        pz = getattr(self, "panzoom", None)
        if panzoom and pz is not None:
            return pz.window_to_ndc(pos)
        return pixels_to_ndc(pos, self.get_size())

    def grab_image(self):
        """Render now and return the framebuffer as an (h, w, 4) uint8 RGBA array."""
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

    # Events
    # ---------------------------------------------------------------------------------------

    def attach_events(self, obj):
        """Call ``obj.on_<event>(e)`` for every internal event."""
        if obj not in self._attached:
            self._attached.append(obj)

    def detach_events(self, obj):
        if obj in self._attached:
            self._attached.remove(obj)

    def emit(self, name, **kwargs):
        """Raise an internal event: call ``on_<name>(Bunch(kwargs))`` on attached objects."""
        e = Bunch(kwargs)
        for obj in list(self._attached):
            f = getattr(obj, "on_" + name, None)
            if f is not None:
                f(e)
        return e

    def _mouse(self, name, e, **extra):
        pos = (e.pos().x(), e.pos().y())
        return self.emit(name, pos=pos, pos_ndc=pixels_to_ndc(pos, self.get_size()),
                         button=_BUTTONS.get(e.button()), modifiers=modifiers_of(e),
                         key=self._current_key, **extra)

    def mousePressEvent(self, e):
        ev = self._mouse("mouse_press", e)
        self._mouse_press = (ev.pos, ev.button, ev.modifiers)
        self._last_mouse_pos = ev.pos

    def mouseReleaseEvent(self, e):
        ev = self._mouse("mouse_release", e)
        if self._mouse_press is not None:
            (x0, y0), button, _ = self._mouse_press
            if button == ev.button and abs(ev.pos[0] - x0) + abs(ev.pos[1] - y0) <= _CLICK_MAX_MOVE:
                self._mouse("mouse_click", e)
        self._mouse_press = None

    def mouseDoubleClickEvent(self, e):
        self._mouse("mouse_double_click", e)

    def mouseMoveEvent(self, e):
        pos = (e.pos().x(), e.pos().y())
        press = self._mouse_press
        self.emit("mouse_move", pos=pos, pos_ndc=pixels_to_ndc(pos, self.get_size()),
                  last_pos=self._last_mouse_pos or pos, modifiers=modifiers_of(e),
                  button=press[1] if press else None,
                  mouse_press_position=press[0] if press else None,
                  mouse_press_modifiers=press[2] if press else None)
        self._last_mouse_pos = pos

    def wheelEvent(self, e):
        d = e.angleDelta()
        pos = (e.pos().x(), e.pos().y())
        self.emit("mouse_wheel", pos=pos, pos_ndc=pixels_to_ndc(pos, self.get_size()),
                  delta=(d.y() or d.x()) / 120., modifiers=modifiers_of(e))

    def keyPressEvent(self, e):
        key = key_name(e.key())
        self.emit("key_press", key=key, modifiers=modifiers_of(e))
        self._current_key = key

    def keyReleaseEvent(self, e):
        self.emit("key_release", key=key_name(e.key()), modifiers=modifiers_of(e))
        self._current_key = None

    def resizeEvent(self, e):
        super().resizeEvent(e)
        w, h = self.get_size()
        self.emit("resize", width=w, height=h)
        emit("resize", self, w, h)

    # OpenGL
    # ---------------------------------------------------------------------------------------

    def initializeGL(self):
        from OpenGL import GL
        ctx = self.context()
        fmt = ctx.format()
        self.gl_info = Bunch(version=(fmt.majorVersion(), fmt.minorVersion()),
                             renderer=(GL.glGetString(GL.GL_RENDERER) or b"").decode())
        if self.gl_info.version < (3, 3):
            msg = (f"OpenGL {fmt.majorVersion()}.{fmt.minorVersion()} context "
                   f"({self.gl_info.renderer}); OpenGL 3.3 is needed")
            self._gl_error(msg)
            self._context_error = msg

    def _gl_error(self, msg):
        if msg not in self.gl_errors:
            logger.error("OpenGL error in %s: %s", type(self).__name__, msg)
            self.gl_errors.append(msg)

    @contextmanager
    def _context(self):
        """Make this canvas' context current, then restore whatever was current (a canvas
        can be garbage-collected while another one paints)."""
        prev = QOpenGLContext.currentContext()
        surface = prev.surface() if prev is not None else None
        self.makeCurrent()
        try:
            yield
        finally:
            if prev is not None and prev is not self.context():
                prev.makeCurrent(surface)
            elif prev is None:
                self.doneCurrent()

    def close(self):
        """Free every GL object of the canvas and close the widget."""
        if self.context() is not None and self.context().isValid():
            with self._context():
                for v in self.visuals:
                    v.visual._gl.delete()
                with self._lock:
                    trash, self._trash = self._trash, []
                for gl in trash:
                    gl.delete()
                for tex in self._textures.values():
                    tex.delete()
                self._textures = {}
        return super().close()

    def _gl_prepare(self):
        from OpenGL import GL

        from .gl import Texture2D
        with self._lock:
            callbacks, self._next_paint = self._next_paint, []
            trash, self._trash = self._trash, []
            tex_data, self._texture_data = self._texture_data, {}
            uniforms = dict(self._uniforms)
        for gl in trash:
            gl.delete()
        for name, (arr, interp) in tex_data.items():
            tex = self._textures.get(name) or Texture2D(interpolation=interp)
            self._textures[name] = tex
            tex.set_data(arr)
        for f in callbacks:
            f()
        GL.glClearColor(*self.clear_color)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
        GL.glEnable(GL.GL_BLEND)
        GL.glBlendFuncSeparate(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA,
                               GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)
        GL.glDepthFunc(GL.GL_LEQUAL)
        GL.glEnable(GL.GL_PROGRAM_POINT_SIZE)
        ratio = self.devicePixelRatioF()
        w, h = self.get_size()
        uniforms["u_window_size"] = (w * ratio, h * ratio)
        uniforms["u_pixel_ratio"] = ratio
        return uniforms

    def paintGL(self):
        """Upload pending data and draw every visual (clearable ones first)."""
        self._paint()

    def _paint(self):
        from OpenGL import GL
        try:
            uniforms = self._gl_prepare()
            self._frame_error = None
        except Exception as e:
            self._frame_error = f"{type(e).__name__}: {e}"
            self._gl_error(self._frame_error)
            uniforms = None
        if uniforms is not None:
            canvas_sig = (tuple((id(t), id(o)) for t, o in self.gpu_transforms),
                          self.inserter.signature())
            ordered = ([v for v in self.visuals if v.clearable] +
                       [v for v in self.visuals if not v.clearable])
            for v in ordered:
                self._paint_visual(v, canvas_sig, uniforms)
            GL.glBindVertexArray(0)
            GL.glUseProgram(0)
        current = [e for e in (self._context_error, self._frame_error) if e] + [
            v.visual._gl.error for v in self.visuals if v.visual._gl.error is not None]
        if current:
            self._paint_errors(current)

    def _paint_visual(self, v, canvas_sig, uniforms):
        """Build (if needed), upload and draw one visual. A failing build is not retried
        until the shaders change; a failing upload/draw is retried when new data arrives."""
        visual = v.visual
        gl = visual._gl
        sig = hash((canvas_sig, visual.inserter.signature(), visual.vertex_shader,
                    visual.fragment_shader, tuple(id(o) for o in v.exclude_origins)))
        stage = "build"
        try:
            if gl.signature != sig:
                gl.signature, gl.error = sig, None
                visual._gl_build(self, v.exclude_origins)
            if gl.error is not None and (gl.error_stage == "build" or not visual._pending):
                return
            stage = "data"
            visual._gl_flush()
            gl.error = None
            if not visual._hidden:
                visual._gl_draw(self, uniforms, self._textures)
        except Exception as e:
            gl.error, gl.error_stage = f"{type(visual).__name__}: {type(e).__name__}: {e}", stage
            self._gl_error(gl.error)

    def _paint_errors(self, errors):
        """Write the current GL errors on the canvas: a failure never looks like an empty
        view."""
        device = QOpenGLPaintDevice(QSize(*self.pixel_size()))
        device.setDevicePixelRatio(self.devicePixelRatio())
        p = QPainter(device)
        try:
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
