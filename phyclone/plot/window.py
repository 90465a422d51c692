"""GLWindow: a native OpenGL window (QWindow + its own QOpenGLContext) drawing with ``paintGL``.

Why not a QOpenGLWidget: every repaint of a QOpenGLWidget makes Qt compose the whole
top-level window through OpenGL (render-to-texture), which with software OpenGL costs
20–60 ms per repaint of any view at 1920x1080. A native window swaps its own buffers and
leaves the rest of the window alone; the GUI embeds it with ``QWidget.createWindowContainer``
(as phy 2 does with QOpenGLWindow).

The window renders on ``expose`` and on ``update()`` (one coalesced paint per event-loop
turn). ``grabFramebuffer()`` renders into an offscreen framebuffer, so it also works for a
window never shown. Subclasses implement ``initializeGL()`` and ``paintGL()``.
"""

import gc
import logging

from phyclone.qt import (
    QCoreApplication, QEvent, QImage, QOpenGLContext, QOpenGLFramebufferObject,
    QOpenGLFramebufferObjectFormat, QSize, QSurface, QWindow, Signal,
)

logger = logging.getLogger(__name__)


class GLWindow(QWindow):
    """A QWindow with an OpenGL context shared with the application's other contexts."""

    frameSwapped = Signal()  # after the buffers of a frame were swapped (frame on screen)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSurfaceType(QSurface.OpenGLSurface)
        self._ctx = None
        self._ctx_failed = False
        self._update_posted = False

    # Context
    # ---------------------------------------------------------------------------------------

    def context(self):
        """The window's QOpenGLContext (None before the first paint or grab)."""
        return self._ctx

    def _ensure_context(self):
        """Create the native window and the context if needed; call ``initializeGL`` once.
        Returns the context current on this window, or None when that is impossible."""
        if self._ctx is None:
            if self._ctx_failed:
                return None
            self.create()  # the native window (no-op when it exists)
            ctx = QOpenGLContext(self)
            ctx.setFormat(self.requestedFormat())
            share = QOpenGLContext.globalShareContext()
            if share is not None:
                ctx.setShareContext(share)
            if not ctx.create() or not ctx.makeCurrent(self):
                self._ctx_failed = True
                logger.error("Cannot create an OpenGL context for %s.", type(self).__name__)
                return None
            self._ctx = ctx
            self.initializeGL()
            return ctx
        return self._ctx if self._ctx.makeCurrent(self) else None

    def makeCurrent(self):
        """Make the window's context current (creating it if needed)."""
        return self._ensure_context() is not None

    def doneCurrent(self):
        if self._ctx is not None:
            self._ctx.doneCurrent()

    def initializeGL(self):
        """Called once, with the new context current."""

    def paintGL(self):
        """Draw the frame into the bound framebuffer (viewport already set)."""

    # Painting
    # ---------------------------------------------------------------------------------------

    def pixel_size(self):
        """Framebuffer size in device pixels."""
        r = self.devicePixelRatio()
        return max(1, int(round(self.width() * r))), max(1, int(round(self.height() * r)))

    def update(self):
        """Schedule one paint (several calls before it happens give one paint)."""
        if not self._update_posted:
            self._update_posted = True
            QCoreApplication.postEvent(self, QEvent(QEvent.UpdateRequest))

    def event(self, e):
        if e.type() == QEvent.UpdateRequest:
            self._update_posted = False
            self._render()
            return True
        return super().event(e)

    def exposeEvent(self, e):
        if self.isExposed():
            self._render()

    def resizeEvent(self, e):
        super().resizeEvent(e)
        self.update()

    def _paint_into(self, fbo_id):
        from OpenGL import GL
        GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, fbo_id)
        GL.glViewport(0, 0, *self.pixel_size())
        # A paint must not be interrupted by the collection of another canvas, which would
        # destroy that canvas' context and leave none current.
        gc_enabled = gc.isenabled()
        gc.disable()
        try:
            self.paintGL()
        finally:
            if gc_enabled:
                gc.enable()

    def _render(self):
        """Paint into the window's back buffer and swap (only when exposed)."""
        if not self.isExposed():
            return
        ctx = self._ensure_context()
        if ctx is None:
            return
        self._paint_into(ctx.defaultFramebufferObject())
        ctx.swapBuffers(self)
        self.frameSwapped.emit()

    def grabFramebuffer(self):
        """Render a frame now into an offscreen framebuffer and return it as a QImage."""
        ctx = self._ensure_context()
        if ctx is None:
            return QImage()
        w, h = self.pixel_size()
        fmt = QOpenGLFramebufferObjectFormat()
        fmt.setAttachment(QOpenGLFramebufferObject.CombinedDepthStencil)
        fbo = QOpenGLFramebufferObject(QSize(w, h), fmt)
        try:
            self._paint_into(fbo.handle())
            image = fbo.toImage()
        finally:
            fbo.release()
            from OpenGL import GL
            GL.glBindFramebuffer(GL.GL_FRAMEBUFFER, ctx.defaultFramebufferObject())
        image.setDevicePixelRatio(self.devicePixelRatio())
        return image

    def devicePixelRatioF(self):
        """Same name as on widgets."""
        return float(self.devicePixelRatio())
