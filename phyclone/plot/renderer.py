"""Renderer: every OpenGL call of the canvases, made in one GL thread, offscreen.

Why (measured with Mesa llvmpipe, 2 cores, 1920x1080 window):
- a QOpenGLWidget repaint makes Qt compose the whole top-level window through OpenGL
  (software: 20–60 ms per repaint of any view);
- rasterizing a frame takes 5–50 ms and blocks the thread that draws it; llvmpipe
  rasterizes the frames of all contexts one at a time, so a GUI thread drawing even a small
  frame waits for any frame being drawn elsewhere (1.4 → 34 ms).
So the GUI thread makes no OpenGL call: canvases are raster widgets showing the last image
rendered for them. One GL thread owns one context (current on an offscreen surface) and a
framebuffer per canvas; it takes commands and frame requests from its ``FrameQueue``
(``frame_queue.py``), renders the requested frames in request order
(``canvas.render_frame()``: draw, read the pixels back, < 1 ms) and hands each image to the
GUI thread (``canvas.show_frame(result)``). PyQt keeps the GIL during Qt
calls, so the GL thread calls Qt only to create its context: the heavy work happens in
PyOpenGL calls, which release the GIL.

With several cores there are several GL threads (``PHYCLONE_GL_THREADS``, default 2),
each with its own context (sharing objects with the others); a canvas is given one of them
for its life (round robin), so the frames of two views, e.g. the feature and waveform
views after a selection, are captured and splatted at the same time.

Without threaded OpenGL (``QOpenGLContext.supportsThreadedOpenGL()``), or with
``PHYCLONE_RENDER_THREAD=0``, the same is done on the GUI thread, one frame per event-loop
iteration so that input events are handled between the frames of several canvases.
"""

import atexit
import logging
import threading

import numpy as np

from phyclone.qt import (
    QGuiApplication, QObject, QOffscreenSurface, QOpenGLContext, QSurfaceFormat, QThread, QTimer, Signal,
    gui_thread_gc, isdeleted,
)
from phyclone.utils import Bunch
from phyclone.utils.runtime import policy
from phyclone.utils.threads import lower_thread_priority, name_os_thread

from .frame_queue import FrameQueue

logger = logging.getLogger(__name__)

#: Niceness added to the GL thread (and the splatting threads): the GUI thread, which
#: handles input and shows the frames, runs first when the cores are busy.
RENDER_NICENESS = policy().render_niceness


_CURRENT = threading.local()  # the Renderer whose context was made current on this thread


class Framebuffer:
    """An offscreen RGBA8 + depth/stencil framebuffer (GL thread only)."""

    def __init__(self):
        self.size = (0, 0)
        self._ids = None
        self.renderer = None  # whose context holds it (framebuffers are not shared)

    def bind(self, width, height):
        """Bind it (reallocated when the size changes) and set the viewport."""
        from OpenGL import GL
        if self._ids is None or self.size != (width, height):
            self.delete()
            fbo = GL.glGenFramebuffers(1)
            color, depth = GL.glGenRenderbuffers(2)
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, color)
            GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_RGBA8, width, height)
            GL.glBindRenderbuffer(GL.GL_RENDERBUFFER, depth)
            GL.glRenderbufferStorage(GL.GL_RENDERBUFFER, GL.GL_DEPTH24_STENCIL8, width, height)
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo)
            GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_COLOR_ATTACHMENT0,
                                         GL.GL_RENDERBUFFER, color)
            GL.glFramebufferRenderbuffer(GL.GL_FRAMEBUFFER, GL.GL_DEPTH_STENCIL_ATTACHMENT,
                                         GL.GL_RENDERBUFFER, depth)
            self._ids, self.size = (int(fbo), int(color), int(depth)), (width, height)
            self.renderer = current_renderer()
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, self._ids[0])
        GL.glViewport(0, 0, width, height)

    def read(self):
        """The bound framebuffer's pixels, (h, w, 4) uint8 RGBA, top row first."""
        from OpenGL import GL
        w, h = self.size
        out = np.empty((h, w, 4), dtype=np.uint8)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        GL.glReadPixels(0, 0, w, h, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, out)
        return np.ascontiguousarray(out[::-1])

    def delete(self):
        from OpenGL import GL
        if self._ids is not None:
            GL.glDeleteFramebuffers(1, [self._ids[0]])
            GL.glDeleteRenderbuffers(2, list(self._ids[1:]))
            self._ids, self.size = None, (0, 0)


class _Sink(QObject):
    """Receives the rendered frames on the GUI thread (lives as long as the renderer)."""
    ready = Signal(object)


class Renderer:
    """Renders canvases' frames in the GL thread (or inline on the GUI thread)."""

    def __init__(self, threaded=True, name="phyclone-gl"):
        self.threaded = bool(threaded)
        self.name = name
        self.gl_info = Bunch(version=(0, 0), renderer="", error=None, software=False)
        self.queue = FrameQueue()
        self._context = None
        self._gui_thread = threading.current_thread()
        # The application must outlive the GL thread (stopped at exit, see ``renderer()``).
        self._app = QGuiApplication.instance()
        self._surface = QOffscreenSurface()
        self._surface.setFormat(QSurfaceFormat.defaultFormat())
        self._surface.create()
        self._soon = []
        self._soon_timer = QTimer()
        self._soon_timer.setSingleShot(True)
        self._soon_timer.setInterval(0)
        self._soon_timer.timeout.connect(self._request_soon_ones)
        self._sink = _Sink()
        self._sink.ready.connect(self._deliver)
        self._thread = None
        if self.threaded:
            self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
            self._thread.start()
        else:
            self._timer = QTimer()
            self._timer.setSingleShot(True)
            self._timer.setInterval(0)
            self._timer.timeout.connect(self._next_inline)

    # Context
    # ---------------------------------------------------------------------------------------

    def context(self):
        """The QOpenGLContext of the GL thread (None before the first frame)."""
        return self._context

    def _make_current(self):
        _CURRENT.renderer = self  # whose context the objects created now belong to
        if self._context is None:
            ctx = QOpenGLContext()
            ctx.setFormat(QSurfaceFormat.defaultFormat())
            share = QOpenGLContext.globalShareContext()
            if share is not None:
                ctx.setShareContext(share)
            if not ctx.create():
                raise RuntimeError("cannot create an OpenGL context")
            self._context = ctx
            ctx.makeCurrent(self._surface)
            self._read_gl_info()
        elif not self.threaded:  # other code on the GUI thread may use other contexts
            self._context.makeCurrent(self._surface)

    def _read_gl_info(self):
        from OpenGL import GL
        fmt = self._context.format()
        version = (fmt.majorVersion(), fmt.minorVersion())
        renderer = (GL.glGetString(GL.GL_RENDERER) or b"").decode()
        error = None
        if version < (3, 3):
            error = (f"OpenGL {version[0]}.{version[1]} context ({renderer}); "
                     "OpenGL 3.3 is needed")
        from .gl.probe import _SOFTWARE_NAMES
        software = any(n in renderer.lower() for n in _SOFTWARE_NAMES)
        self.gl_info = Bunch(version=version, renderer=renderer, error=error, software=software)

    # Requests
    # ---------------------------------------------------------------------------------------

    def request_soon(self, canvas):
        """Request a frame when the GUI thread is back in its event loop (GUI thread): a
        view setting the data of several visuals gets one frame, with all of them."""
        if canvas not in self._soon:
            self._soon.append(canvas)
        if not self._soon_timer.isActive():
            self._soon_timer.start()

    def _request_soon_ones(self):
        canvases, self._soon = self._soon, []
        for c in canvases:
            if not isdeleted(c):
                c.publish_size()
                self.request(c)

    def request(self, canvas):
        """Render a frame of ``canvas`` soon (one frame for several requests)."""
        self.queue.request(canvas)
        if not self.threaded and not self._timer.isActive():
            self._timer.start()

    def discard(self, canvas):
        """Forget a requested frame."""
        self.queue.discard(canvas)

    def is_pending(self, canvas):
        return self.queue.is_pending(canvas)

    def call(self, f, *args):
        """``f(*args)`` in the GL thread with the context current; waits and returns its
        result (its exception is raised here)."""
        if not self.threaded or threading.current_thread() is self._thread:
            self._make_current()
            return f(*args)
        return self.queue.put(f, *args).wait()

    def post(self, f, *args):
        """``f(*args)`` in the GL thread, without waiting (dropped when rendering inline
        without a context)."""
        if self.threaded:
            self.queue.put(f, *args)
        elif self._context is not None and threading.current_thread() is self._gui_thread:
            self.call(f, *args)

    # GL thread
    # ---------------------------------------------------------------------------------------

    def _loop(self):
        name_os_thread(self.name)
        lower_thread_priority(RENDER_NICENESS)  # llvmpipe's threads, created here, inherit it
        try:
            self._make_current()
        except Exception as e:  # reported by every canvas
            logger.error("OpenGL thread: %s", e)
            self.gl_info.error = str(e)
        while True:
            item = self.queue.take()
            if item is None:  # stopped
                break
            kind, what = item
            if kind == "command":
                what.run()
            else:
                self._frame(what)
        if self._context is not None:
            self._context.doneCurrent()
            self._context = None

    def _frame(self, canvas):
        if self._context is None:
            result = Bunch(image=None, errors=[self.gl_info.error or "no OpenGL context"],
                           callbacks=[])
        else:
            try:
                result = canvas.render_frame()
            except Exception:
                logger.exception("Error while rendering %s.", type(canvas).__name__)
                return
        if self.threaded:
            self._sink.ready.emit((canvas, result))
        else:
            self._deliver((canvas, result))

    def _next_inline(self):
        item = self.queue.take(block=False)  # inline: only frames are queued
        canvas = item[1] if item is not None and item[0] == "frame" else None
        more = len(self.queue) > 0
        if canvas is not None and not isdeleted(canvas):
            try:
                self._make_current()
            except Exception as e:
                logger.error("OpenGL: %s", e)
                self.gl_info.error = str(e)
            self._frame(canvas)
        if more:
            self._timer.start()

    @staticmethod
    def _deliver(item):
        canvas, result = item
        if not isdeleted(canvas):
            canvas.show_frame(result)

    def stop(self):
        """Stop the GL thread (at exit)."""
        self.queue.stop()
        if self._thread is not None and self._thread.is_alive() and \
                threading.current_thread() is not self._thread:
            self._thread.join(timeout=5)


_RENDERERS = []
_ASSIGNED = [0]  # canvases given a renderer so far


def _n_threads():
    """GL threads to run: ``PHYCLONE_GL_THREADS``, default 2 (1 on one core)."""
    return policy().gl_threads


def stop_renderers():
    """Stop every GL thread (at exit, once the workers are done)."""
    for r in _RENDERERS:
        r.stop()


def existing_renderer():
    """The (first) Renderer if one was created, else None."""
    return _RENDERERS[0] if _RENDERERS else None


def renderers():
    """The application's Renderers (created at the first call, on the GUI thread): one per
    GL thread, or a single inline one."""
    if not _RENDERERS:
        gui_thread_gc.install()  # no collection in a GL thread destroys a Qt object
        threaded = policy().render_thread and \
            QOpenGLContext.supportsThreadedOpenGL() and QThread.currentThread() is not None
        for i in range(_n_threads() if threaded else 1):
            r = Renderer(threaded=threaded, name="phyclone-gl" + (f"-{i}" if i else ""))
            _RENDERERS.append(r)
            atexit.register(r.stop)
        logger.debug("OpenGL rendering %s.", f"in {len(_RENDERERS)} thread(s)" if threaded
                     else "on the GUI thread")
    return list(_RENDERERS)


def renderer():
    """The first Renderer (OpenGL information, calls not tied to a canvas)."""
    return renderers()[0]


def next_renderer():
    """The Renderer of a new canvas (round robin over the GL threads)."""
    rs = renderers()
    r = rs[_ASSIGNED[0] % len(rs)]
    _ASSIGNED[0] += 1
    return r


def current_renderer():
    """The Renderer whose context is current on this thread (None if none)."""
    return getattr(_CURRENT, "renderer", None)
