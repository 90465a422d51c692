"""Check that OpenGL 3.3 works, and fall back to Mesa software rendering when it does not.

``probe_gl()`` tests the current process (a QApplication must exist): it creates an
offscreen context, compiles a GLSL 330 program, draws a triangle into a framebuffer and
reads it back. ``setup_opengl()`` runs the same probe in a child process *before* the
QApplication exists, and when the hardware path fails switches this process to software
rendering; it returns the message the GUI shows in its status bar.

Run ``python -m phyclone.plot.gl`` to print the probe result as JSON.
"""

import json
import logging
import os
import subprocess
import sys

from phyclone.utils import Bunch
from phyclone.utils.runtime import policy

logger = logging.getLogger(__name__)

MIN_VERSION = (3, 3)
_SOFTWARE_NAMES = ("llvmpipe", "softpipe", "software", "swrast", "lavapipe")

_VS = """#version 330 core
in vec2 a_position;
void main() { gl_Position = vec4(a_position, 0.0, 1.0); }
"""
_FS = """#version 330 core
out vec4 frag_color;
void main() { frag_color = vec4(1.0, 0.0, 0.0, 1.0); }
"""


def _draw_check(GL):
    """Draw a red triangle covering the centre of a 16x16 framebuffer; return the pixel."""
    import numpy as np

    from .buffers import VertexBuffer
    from .program import Program
    from .vertex_array import VertexArray, draw_arrays
    from phyclone.qt import QOpenGLFramebufferObject

    fbo = QOpenGLFramebufferObject(16, 16)
    fbo.bind()
    GL.glViewport(0, 0, 16, 16)
    GL.glClearColor(0, 0, 0, 1)
    GL.glClear(GL.GL_COLOR_BUFFER_BIT)
    prog = Program(_VS, _FS, name="probe")
    vao = VertexArray()
    vao.bind()
    buf = VertexBuffer(np.array([[-1, -1], [3, -1], [-1, 3]], dtype=np.float32))
    vao.set_attribute(prog.attributes["a_position"][0], buf, "vec2")
    prog.use()
    draw_arrays("triangles", 0, 3)
    pixel = GL.glReadPixels(8, 8, 1, 1, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
    pixel = bytes(pixel) if not isinstance(pixel, bytes) else pixel
    vao.unbind()
    vao.delete()
    buf.delete()
    prog.delete()
    fbo.release()
    return tuple(pixel[:4])


def probe_gl():
    """Probe OpenGL in this process; return a Bunch ok, vendor, renderer, version,
    glsl_version, software, error. Needs an existing QApplication."""
    from phyclone.qt import QGuiApplication, QOffscreenSurface, QOpenGLContext, QSurfaceFormat

    res = Bunch(ok=False, vendor="", renderer="", version="", glsl_version="",
                software=False, error="")
    if QGuiApplication.instance() is None:
        res.error = "no QApplication: create it first (phyclone.qt.create_app())"
        return res
    ctx = QOpenGLContext()
    ctx.setFormat(QSurfaceFormat.defaultFormat())
    if not ctx.create():
        res.error = "cannot create an OpenGL context"
        return res
    surface = QOffscreenSurface()
    surface.setFormat(ctx.format())
    surface.create()
    if not ctx.makeCurrent(surface):
        res.error = "cannot make the OpenGL context current"
        return res
    try:
        from OpenGL import GL

        def s(name):
            v = GL.glGetString(name)
            return v.decode(errors="replace") if v else ""
        res.update(vendor=s(GL.GL_VENDOR), renderer=s(GL.GL_RENDERER), version=s(GL.GL_VERSION),
                   glsl_version=s(GL.GL_SHADING_LANGUAGE_VERSION))
        res.software = any(n in res.renderer.lower() for n in _SOFTWARE_NAMES)
        fmt = ctx.format()
        version = (fmt.majorVersion(), fmt.minorVersion())
        if version < MIN_VERSION:
            res.error = (f"OpenGL {version[0]}.{version[1]} only ({res.renderer}); "
                         f"{MIN_VERSION[0]}.{MIN_VERSION[1]} is needed")
            return res
        pixel = _draw_check(GL)
        if pixel[:3] != (255, 0, 0):
            res.error = f"a test triangle was drawn as {pixel} instead of red"
            return res
        res.ok = True
    except Exception as e:  # any driver failure means "this path does not work"
        res.error = f"{type(e).__name__}: {e}".strip()
    finally:
        ctx.doneCurrent()
    return res


def software_env(platform=None):
    """Environment variables that select software OpenGL on this platform."""
    platform = platform or sys.platform
    if platform.startswith("win"):
        return {"QT_OPENGL": "software"}
    return {"LIBGL_ALWAYS_SOFTWARE": "1", "GALLIUM_DRIVER": "llvmpipe"}


def probe_gl_subprocess(extra_env=None, timeout=60.):
    """Run ``probe_gl`` in a fresh Python process with ``extra_env``; return its Bunch."""
    env = dict(os.environ)
    env.update(extra_env or {})
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__)))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    try:
        p = subprocess.run([sys.executable, "-m", "phyclone.plot.gl"], env=env,
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Bunch(ok=False, error=f"the OpenGL probe hung for more than {timeout:.0f} s")
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or [""]
        return Bunch(ok=False, error=f"the OpenGL probe crashed (exit {p.returncode}) {tail[0]}")
    return Bunch(json.loads(lines[-1]))


def setup_opengl(probe=probe_gl_subprocess):
    """Choose hardware or software OpenGL before the QApplication exists.

    Returns a Bunch ``ok, software, renderer, message, env`` where ``env`` holds the
    environment variables that were set in this process, and ``message`` is a short
    human sentence for the status bar (empty when hardware OpenGL works).
    """
    from phyclone.qt import QApplication
    if QApplication.instance() is not None:
        raise RuntimeError("setup_opengl() must run before the QApplication is created")
    forced = policy().opengl.lower() == "software"
    env = software_env()
    first = None if forced else probe({})
    if first is not None and first.ok:
        msg = ("" if not first.software else
               f"Software OpenGL ({first.renderer}): views are slower than with a GPU.")
        return Bunch(ok=True, software=first.software, renderer=first.renderer,
                     message=msg, env={})
    second = probe(env)
    if second.ok:
        os.environ.update(env)
        why = "requested by PHYCLONE_OPENGL" if forced else f"hardware OpenGL failed: {first.error}"
        msg = f"Using software OpenGL ({second.renderer}; {why}): views are slower."
        logger.warning(msg)
        return Bunch(ok=True, software=True, renderer=second.renderer, message=msg, env=env)
    errors = "; ".join(e for e in (first.error if first else "", second.error) if e)
    msg = f"OpenGL is not available, plots cannot be drawn ({errors})."
    logger.error(msg)
    return Bunch(ok=False, software=False, renderer="", message=msg, env={})


def main():
    """Print the result of ``probe_gl()`` in this process as one JSON line."""
    from phyclone.qt import create_app
    app = create_app()  # noqa: F841 (kept alive during the probe)
    print(json.dumps(dict(probe_gl())), flush=True)
