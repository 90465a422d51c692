"""The thin GL layer: readable shader errors, typed uniforms, partial buffer updates,
textures, the OpenGL probe and the software fallback."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pytestmark = pytest.mark.gl

VS = """#version 330 core
in vec2 a_position;
in vec4 a_color;
uniform vec2 u_offset;
uniform int u_flag;
uniform mat4 u_mat;
out vec4 v_color;
void main() {
    gl_Position = u_mat * vec4(a_position + u_offset, 0.0, 1.0);
    gl_PointSize = 6.0 + float(u_flag);
    v_color = a_color;
}
"""
FS = """#version 330 core
in vec4 v_color;
uniform sampler2D u_tex;
out vec4 frag_color;
void main() { frag_color = v_color * texelFetch(u_tex, ivec2(0, 0), 0); }
"""


@pytest.fixture
def context(qapp):
    """An offscreen context with a 32x32 framebuffer bound."""
    from phyclone.qt import (
        QOffscreenSurface, QOpenGLContext, QOpenGLFramebufferObject, QSurfaceFormat,
    )
    ctx = QOpenGLContext()
    ctx.setFormat(QSurfaceFormat.defaultFormat())
    assert ctx.create()
    surface = QOffscreenSurface()
    surface.setFormat(ctx.format())
    surface.create()
    assert ctx.makeCurrent(surface)
    fbo = QOpenGLFramebufferObject(32, 32)
    fbo.bind()
    from OpenGL import GL
    GL.glViewport(0, 0, 32, 32)
    GL.glEnable(GL.GL_PROGRAM_POINT_SIZE)
    yield fbo
    fbo.release()
    ctx.doneCurrent()


def _read(GL):
    px = GL.glReadPixels(0, 0, 32, 32, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE)
    return np.frombuffer(bytes(px), dtype=np.uint8).reshape(32, 32, 4)


def test_shader_error_names_the_line(context):
    from phyclone.plot.gl import Program, ShaderError
    bad = VS.replace("v_color = a_color;", "v_color = a_colour;")
    with pytest.raises(ShaderError) as e:
        Program(bad, FS, name="MyVisual")
    msg = str(e.value)
    assert "vertex shader of MyVisual" in msg and "a_colour" in msg
    assert ">     v_color = a_colour;" in msg  # the offending source line, marked


def test_program_introspection_uniform_types_and_draw(context):
    from OpenGL import GL
    from phyclone.plot.gl import (
        Program, Texture2D, VertexArray, VertexBuffer, draw_arrays, draw_instanced, draw_multi,
    )
    p = Program(VS, FS, name="t")
    assert set(p.attributes) == {"a_position", "a_color"}
    assert p.uniforms["u_offset"][1] == "vec2" and p.uniforms["u_mat"][1] == "mat4"
    assert p.texture_units == {"u_tex": 0}
    p.use()
    with pytest.raises(TypeError):
        p.set_uniform("u_offset", (1., 2., 3.))
    with pytest.raises(TypeError):
        p.set_uniform("u_tex", 0)
    with pytest.raises(TypeError):
        p.set_uniform("u_flag", float("nan"))
    assert p.set_uniform("u_unknown", 1.) is False
    p.set_uniform("u_offset", (0., 0.))
    p.set_uniform("u_flag", 0)
    p.set_uniform("u_mat", np.eye(4))
    tex = Texture2D(np.ones((1, 1, 4), dtype=np.uint8) * 255)
    tex.bind(0)
    vao = VertexArray()
    vao.bind()
    pos = VertexBuffer(np.array([[-.5, -.5], [.5, .5]], dtype=np.float32))
    col = VertexBuffer(np.array([[255, 0, 0, 255], [0, 255, 0, 255]], dtype=np.uint8))
    vao.set_attribute(p.attributes["a_position"][0], pos, "vec2")
    vao.set_attribute(p.attributes["a_color"][0], col, "vec4")  # uint8 -> normalized
    GL.glClear(GL.GL_COLOR_BUFFER_BIT)
    draw_arrays("points", 0, 2)
    img = _read(GL)
    assert img[8, 8, 0] == 255 and img[24, 24, 1] == 255  # rows from the bottom in GL
    # Partial update: move the second point only.
    pos.set_subdata(1, np.array([[.5, -.5]], dtype=np.float32))
    with pytest.raises(IndexError):
        pos.set_subdata(2, np.zeros((1, 2), dtype=np.float32))
    with pytest.raises(TypeError):
        pos.set_subdata(0, np.zeros((1, 3), dtype=np.float32))
    GL.glClear(GL.GL_COLOR_BUFFER_BIT)
    draw_multi("points", [0, 1], [1, 1])
    img = _read(GL)
    assert img[8, 24, 1] == 255 and img[24, 24, 1] == 0
    # Instanced draw with a per-instance attribute (divisor 1).
    GL.glClear(GL.GL_COLOR_BUFFER_BIT)
    vao.set_attribute(p.attributes["a_position"][0], pos, "vec2", divisor=1)
    VertexArray.set_constant(p.attributes["a_color"][0], (0, 0, 1, 1))
    draw_instanced("points", 1, 2)
    img = _read(GL)
    assert img[8, 8, 2] == 255 and img[8, 24, 2] == 255
    with pytest.raises(ValueError):
        draw_arrays("quads", 0, 1)
    for obj in (vao, pos, col, tex, p):
        obj.delete()


def test_index_buffer_draw_elements(context):
    from OpenGL import GL
    from phyclone.plot.gl import IndexBuffer, Program, Texture2D, VertexArray, VertexBuffer
    from phyclone.plot.gl import draw_elements
    p = Program(VS, FS)
    p.use()
    p.set_uniform("u_mat", np.eye(4))
    Texture2D(np.full((1, 1, 4), 255, dtype=np.uint8)).bind(0)
    vao = VertexArray()
    vao.bind()
    vao.set_attribute(p.attributes["a_position"][0], VertexBuffer(
        np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float32)), "vec2")
    VertexArray.set_constant(p.attributes["a_color"][0], (1, 0, 0, 1))
    idx = IndexBuffer(np.array([0, 1, 2], dtype=np.int64))  # lower-right triangle only
    vao.set_index_buffer(idx)
    assert idx.dtype == np.uint32 and len(idx) == 3
    GL.glClear(GL.GL_COLOR_BUFFER_BIT)
    draw_elements("triangles", 3)
    img = _read(GL)
    assert img[4, 28, 0] == 255 and img[28, 4, 0] == 0
    idx.set_subdata(0, np.array([0, 2, 3]))  # partial update: now the upper-left one
    GL.glClear(GL.GL_COLOR_BUFFER_BIT)
    draw_elements("triangles", 3)
    img = _read(GL)
    assert img[4, 28, 0] == 0 and img[28, 4, 0] == 255


def test_texture_formats(context):
    from phyclone.plot.gl import Texture2D
    t = Texture2D(np.zeros((3, 5), dtype=np.float32))
    assert t.shape == (3, 5, 1)
    t.set_data(np.zeros((3, 5), dtype=np.float32))  # same shape: sub-update
    t.set_data(np.zeros((2, 2, 4), dtype=np.uint8))
    assert t.shape == (2, 2, 4) and t.dtype == np.uint8
    with pytest.raises(TypeError):
        t.set_data(np.zeros((2, 2, 5)))
    t.delete()


def test_probe_in_process_and_subprocess(qapp):
    from phyclone.plot.gl import probe_gl, probe_gl_subprocess
    res = probe_gl()
    assert res.ok, res.error
    assert res.version and res.renderer
    sub = probe_gl_subprocess()
    assert sub.ok and sub.renderer == res.renderer


def _setup_in_child(probe_results, env=None):
    """Run setup_opengl() in a fresh process with a scripted probe."""
    code = textwrap.dedent(f"""
        import json, os
        from phyclone.utils import Bunch
        from phyclone.plot.gl import setup_opengl
        results = iter({probe_results!r})
        calls = []
        def probe(extra):
            calls.append(extra)
            return Bunch(next(results))
        out = setup_opengl(probe=probe)
        print(json.dumps({{"out": dict(out), "calls": calls,
                           "env": os.environ.get("LIBGL_ALWAYS_SOFTWARE")}}))
    """)
    e = dict(os.environ, PYTHONPATH=os.getcwd())
    e.update(env or {})
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=e,
                       timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def test_setup_opengl_falls_back_to_software():
    hw_fail = {"ok": False, "error": "GLXBadFBConfig", "renderer": ""}
    sw_ok = {"ok": True, "error": "", "renderer": "llvmpipe", "software": True}
    r = _setup_in_child([hw_fail, sw_ok])
    assert r["out"]["ok"] and r["out"]["software"]
    assert "GLXBadFBConfig" in r["out"]["message"] and "software" in r["out"]["message"]
    assert r["calls"][0] == {} and r["calls"][1]["LIBGL_ALWAYS_SOFTWARE"] == "1"
    assert r["env"] == "1"  # set in the process before any QApplication


def test_setup_opengl_hardware_ok_and_total_failure():
    r = _setup_in_child([{"ok": True, "renderer": "NVIDIA", "software": False, "error": ""}])
    assert r["out"]["ok"] and r["out"]["message"] == "" and r["env"] is None
    r = _setup_in_child([{"ok": False, "error": "no GLX"}, {"ok": False, "error": "no GLX"}])
    assert not r["out"]["ok"] and "not available" in r["out"]["message"]
    r = _setup_in_child([{"ok": True, "renderer": "llvmpipe", "software": True, "error": ""}],
                        env={"PHYCLONE_OPENGL": "software"})
    assert r["out"]["software"] and "PHYCLONE_OPENGL" in r["out"]["message"]


def test_setup_opengl_refuses_after_the_app_exists(qapp):
    from phyclone.plot.gl import setup_opengl
    with pytest.raises(RuntimeError):
        setup_opengl(probe=lambda env: None)
