"""The OpenGL side of a canvas: one frame = build programs, upload pending data, draw every
visual into the canvas' offscreen framebuffer, read the pixels back. It runs in the GL
thread (``phyclone.plot.renderer``), never touches the widget, and reads only what the GUI
thread published for it (``frame_size``, ``pixel_ratio``, visuals, pending data).

The protocol between the parts of the render path (public names, no private attribute
crosses a module boundary):

* renderer → canvas (GL thread): ``render_frame()`` returns ``Bunch(image, errors,
  callbacks)``; renderer → canvas (GUI thread): ``show_frame(result)``, ``publish_size()``;
* canvas → visual (GL thread): ``gl_state`` (the visual's GL objects and error),
  ``gl_build(canvas, exclude_origins)``, ``gl_flush()`` (upload what ``upload()`` queued),
  ``gl_draw(canvas, uniforms, textures)``, and ``has_pending_data`` / ``visible``;
* visual → software splatter: ``softraster.can_splat`` / ``splat`` read the canvas'
  ``frame_size``, ``frame_version`` and GPU transforms.
"""

import logging

from phyclone.utils import Bunch

from .renderer import Framebuffer, next_renderer

logger = logging.getLogger(__name__)


def _check_gl_error():
    """Raise the pending OpenGL errors (PyOpenGL does not check after every call)."""
    from OpenGL import GL
    errors = []
    while len(errors) < 8:
        err = GL.glGetError()
        if err == GL.GL_NO_ERROR:
            break
        errors.append(f"0x{int(err):04x}")
    if errors:
        raise RuntimeError(f"OpenGL error {', '.join(errors)}")


class CanvasGL:
    """Mixin of BaseCanvas: GL state and frame rendering (GL thread)."""

    def _init_gl(self):
        self.gl_errors = []  # every GL error message seen (also logged)
        self._frame_error = None  # the last frame set-up failed
        self._next_paint = []
        self._next_frame = []
        self._trash = []
        self._uniforms = {}
        self._texture_data = {}
        self._textures = {}
        self.frame_version = 0
        self._fbo = Framebuffer()
        self.frame_size = (1, 1)
        self._soft_raster = None
        self._renderer = None

    @property
    def gl_renderer(self):
        """The Renderer (GL thread and context) drawing this canvas, for its whole life."""
        if self._renderer is None:
            self._renderer = next_renderer()
        return self._renderer

    @property
    def soft_raster(self):
        """Whether big point and line visuals are splatted on the CPU (``softraster``):
        automatic on software OpenGL; can be set per canvas."""
        if self._soft_raster is not None:
            return self._soft_raster
        from .softraster import enabled
        return enabled(self.gl_renderer.gl_info.software)

    @soft_raster.setter
    def soft_raster(self, value):
        self._soft_raster = None if value is None else bool(value)
        self.update()

    @property
    def gl_info(self):
        """OpenGL version and renderer of the GL thread's context."""
        return self.gl_renderer.gl_info

    def context(self):
        """The QOpenGLContext every canvas draws with (it lives in the GL thread)."""
        return self.gl_renderer.context()

    def _gl_error(self, msg):
        if msg not in self.gl_errors:
            logger.error("OpenGL error in %s: %s", type(self).__name__, msg)
            self.gl_errors.append(msg)

    def render_frame(self):
        """Draw a frame into the framebuffer and return ``Bunch(image, errors, callbacks)``
        (GL thread)."""
        with self._lock:
            callbacks, self._next_frame = self._next_frame, []
        self._fbo.bind(*self.frame_size)
        self.paintGL()
        errors = [e for e in (self.gl_renderer.gl_info.error, self._frame_error) if e] + [
            v.visual.gl_state.error for v in list(self.visuals) if v.visual.gl_state.error is not None]
        return Bunch(image=self._fbo.read(), errors=errors, callbacks=callbacks)

    def _gl_delete(self):
        """Free every GL object of the canvas (GL thread)."""
        for v in list(self.visuals):
            v.visual.gl_state.delete()
        with self._lock:
            trash, self._trash = self._trash, []
        for gl in trash:
            gl.delete()
        for tex in self._textures.values():
            tex.delete()
        self._textures = {}
        self._fbo.delete()

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
        if tex_data or callbacks:
            self.frame_version += 1  # canvas textures or GL state may have changed
        for f in callbacks:
            f()
        GL.glClearColor(*self.clear_color)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
        GL.glEnable(GL.GL_BLEND)
        GL.glBlendFuncSeparate(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA,
                               GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)
        GL.glDepthFunc(GL.GL_LEQUAL)
        GL.glEnable(GL.GL_PROGRAM_POINT_SIZE)
        uniforms["u_window_size"] = tuple(float(x) for x in self.frame_size)
        uniforms["u_pixel_ratio"] = self.pixel_ratio
        return uniforms

    def paintGL(self):
        """Upload pending data and draw every visual (clearable ones first) into the bound
        framebuffer (GL thread)."""
        from OpenGL import GL
        if self.gl_renderer.gl_info.error:
            return
        try:
            uniforms = self._gl_prepare()
            self._frame_error = None
        except Exception as e:
            self._frame_error = f"{type(e).__name__}: {e}"
            self._gl_error(self._frame_error)
            return
        canvas_sig = (tuple((id(t), id(o)) for t, o in self.gpu_transforms),
                      self.inserter.signature(), self.soft_raster)
        with self._lock:
            visuals = list(self.visuals)
        ordered = [v for v in visuals if v.clearable] + [v for v in visuals if not v.clearable]
        for v in ordered:
            self._paint_visual(v, canvas_sig, uniforms)
        GL.glBindVertexArray(0)
        GL.glUseProgram(0)

    def _paint_visual(self, v, canvas_sig, uniforms):
        """Build (if needed), upload and draw one visual. A failing build is not retried
        until the shaders change; a failing upload/draw is retried when new data arrives."""
        visual = v.visual
        gl = visual.gl_state
        sig = hash((canvas_sig, visual.inserter.signature(), visual.vertex_shader,
                    visual.fragment_shader, tuple(id(o) for o in v.exclude_origins)))
        stage = "build"
        try:
            if gl.signature != sig:
                gl.signature, gl.error = sig, None
                visual.gl_build(self, v.exclude_origins)
            if gl.error is not None and (gl.error_stage == "build" or not visual.has_pending_data):
                return
            stage = "data"
            visual.gl_flush()
            gl.error = None
            if visual.visible:
                visual.gl_draw(self, uniforms, self._textures)
            _check_gl_error()
        except Exception as e:
            gl.error, gl.error_stage = f"{type(visual).__name__}: {type(e).__name__}: {e}", stage
            self._gl_error(gl.error)
