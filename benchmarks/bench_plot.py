"""phyclone.plot against bare PyOpenGL: set_data and frame times for scatter, plot, text.

For each case and size N (points, line vertices or text glyphs):
- set_data: from the caller's float64 data to data on the GPU. phyclone: ``visual.set_data``
  (validation, normalization to NDC, float32 arrays) + the upload done at the next paint.
  Bare: the minimal numpy conversion to float32 + glBufferData of the same points.
- frame: one repaint after a pan (phyclone: ``paintGL`` after ``panzoom.pan_delta``, i.e.
  uniforms only, in its GL thread; bare: glUniform + draw), glFinish included; best of
  interleaved repeats.
Bare shaders draw the same primitives (points of the same size with a round discard, line
strips with glMultiDrawArrays, instanced glyph quads from the same font atlas).

Usage: python benchmarks/bench_plot.py [--sizes 1e4,1e5,1e6] [--repeats 3]
(needs an X server; headless: xvfb-run -a -s "-screen 0 1280x1024x24")
"""

import argparse
import ctypes
import time

import numpy as np

from phyclone.qt import QOpenGLWidget, create_app

SIZE = (800, 600)
POINT_SIZE = 5.


def _finish():
    from OpenGL import GL
    GL.glFinish()


# Bare PyOpenGL ---------------------------------------------------------------------------

_BARE = {
    "scatter": ("""#version 330 core
in vec2 a_position;
uniform vec4 u_bounds;
uniform vec2 u_pan;
void main() {
    vec2 p = (a_position - u_bounds.xy) / (u_bounds.zw - u_bounds.xy) * 2.0 - 1.0;
    gl_Position = vec4(p + u_pan, 0.0, 1.0);
    gl_PointSize = %(size)s;
}""", """#version 330 core
out vec4 c;
void main() {
    if (length(gl_PointCoord - 0.5) > 0.5) discard;
    c = vec4(1.0, 0.5, 0.2, 1.0);
}"""),
    "plot": ("""#version 330 core
in vec2 a_position;
uniform vec4 u_bounds;
uniform vec2 u_pan;
void main() {
    vec2 p = (a_position - u_bounds.xy) / (u_bounds.zw - u_bounds.xy) * 2.0 - 1.0;
    gl_Position = vec4(p + u_pan, 0.0, 1.0);
}""", """#version 330 core
out vec4 c;
void main() { c = vec4(1.0, 0.5, 0.2, 1.0); }"""),
    "text": ("""#version 330 core
in vec2 a_position;
in float a_offset;
in float a_glyph;
uniform vec4 u_bounds;
uniform vec2 u_pan;
uniform vec2 u_window_size;
uniform vec2 u_cell;
uniform float u_columns;
out vec2 v_tex;
void main() {
    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);
    vec2 p = (a_position - u_bounds.xy) / (u_bounds.zw - u_bounds.xy) * 2.0 - 1.0 + u_pan;
    vec2 px = floor((p * 0.5 + 0.5) * u_window_size) + (vec2(a_offset, 0.0) + corner) * u_cell;
    gl_Position = vec4(px / u_window_size * 2.0 - 1.0, 0.0, 1.0);
    vec2 cell = vec2(mod(a_glyph, u_columns), floor(a_glyph / u_columns));
    v_tex = (cell + vec2(corner.x, 1.0 - corner.y)) * u_cell;
}""", """#version 330 core
uniform sampler2D u_atlas;
in vec2 v_tex;
out vec4 c;
void main() {
    float a = texelFetch(u_atlas, ivec2(floor(v_tex)), 0).r;
    if (a <= 0.0) discard;
    c = vec4(1.0, 1.0, 1.0, a);
}"""),
}


class BareGL(QOpenGLWidget):
    """A QOpenGLWidget drawing one buffer set with raw PyOpenGL calls."""

    def __init__(self, case):
        super().__init__()
        self.case = case
        self.resize(*SIZE)
        self.grabFramebuffer()  # creates the context
        self.makeCurrent()
        from OpenGL import GL
        from phyclone.plot.gl.program import compile_shader
        vs, fs = _BARE[case]
        self.prog = GL.glCreateProgram()
        for src, kind in ((vs % {"size": POINT_SIZE} if "%(size)s" in vs else vs,
                           GL.GL_VERTEX_SHADER), (fs, GL.GL_FRAGMENT_SHADER)):
            GL.glAttachShader(self.prog, compile_shader(src, kind))
        GL.glLinkProgram(self.prog)
        self.vao = GL.glGenVertexArrays(1)
        self.vbos = {}
        self.n = 0

    def upload(self, arrays, divisor=0):
        from OpenGL import GL
        GL.glBindVertexArray(self.vao)
        for name, arr in arrays.items():
            if name not in self.vbos:
                self.vbos[name] = GL.glGenBuffers(1)
            loc = GL.glGetAttribLocation(self.prog, name)
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, self.vbos[name])
            GL.glBufferData(GL.GL_ARRAY_BUFFER, arr.nbytes, arr, GL.GL_STATIC_DRAW)
            GL.glEnableVertexAttribArray(loc)
            k = arr.shape[1] if arr.ndim == 2 else 1
            GL.glVertexAttribPointer(loc, k, GL.GL_FLOAT, False, 0, ctypes.c_void_p(0))
            GL.glVertexAttribDivisor(loc, divisor)

    def draw(self, pan, **uniforms):
        from OpenGL import GL
        GL.glViewport(0, 0, *SIZE)
        GL.glClearColor(0, 0, 0, 1)
        GL.glClear(GL.GL_COLOR_BUFFER_BIT | GL.GL_DEPTH_BUFFER_BIT)
        GL.glEnable(GL.GL_BLEND)
        GL.glBlendFunc(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)
        GL.glEnable(GL.GL_PROGRAM_POINT_SIZE)
        GL.glUseProgram(self.prog)
        GL.glBindVertexArray(self.vao)
        GL.glUniform2f(GL.glGetUniformLocation(self.prog, "u_pan"), *pan)
        for name, value in uniforms.items():
            loc = GL.glGetUniformLocation(self.prog, name)
            v = np.atleast_1d(np.asarray(value, dtype=np.float32))
            (GL.glUniform1f, GL.glUniform2f, None, GL.glUniform4f)[v.size - 1](loc, *v)
        self.draw_call()


def bare_scatter(x, y, bounds):
    w = BareGL("scatter")
    t0 = time.perf_counter()
    pos = np.empty((len(x), 2), dtype=np.float32)
    pos[:, 0], pos[:, 1] = x, y
    w.upload({"a_position": pos})
    _finish()
    t_set = time.perf_counter() - t0
    from OpenGL import GL
    w.draw_call = lambda: GL.glDrawArrays(GL.GL_POINTS, 0, len(x))
    return w, t_set, {"u_bounds": bounds}


def bare_plot(x, y, bounds):
    w = BareGL("plot")
    n_signals, n_samples = y.shape
    t0 = time.perf_counter()
    pos = np.empty((y.size, 2), dtype=np.float32)
    pos[:, 0] = np.tile(x, n_signals)
    pos[:, 1] = y.ravel()
    w.upload({"a_position": pos})
    _finish()
    t_set = time.perf_counter() - t0
    from OpenGL import GL
    firsts = np.arange(n_signals, dtype=np.int32) * n_samples
    counts = np.full(n_signals, n_samples, dtype=np.int32)
    w.draw_call = lambda: GL.glMultiDrawArrays(GL.GL_LINE_STRIP, firsts, counts, n_signals)
    return w, t_set, {"u_bounds": bounds}


def bare_text(pos, text, bounds):
    from phyclone.plot.visuals.font_atlas import get_atlas, glyph_cells
    from phyclone.plot.gl import Texture2D
    w = BareGL("text")
    atlas = get_atlas(8.)
    tex = Texture2D(atlas.image)
    t0 = time.perf_counter()
    lengths = np.fromiter(map(len, text), dtype=np.int64, count=len(text))
    glyph = glyph_cells("".join(text)).astype(np.float32)
    starts = np.cumsum(lengths) - lengths
    offset = (np.arange(len(glyph)) - np.repeat(starts, lengths)).astype(np.float32)
    w.upload({"a_position": np.repeat(pos, lengths, axis=0).astype(np.float32),
              "a_offset": offset, "a_glyph": glyph}, divisor=1)
    _finish()
    t_set = time.perf_counter() - t0
    from OpenGL import GL
    n = len(glyph)

    def draw_call():
        tex.bind(0)
        GL.glDrawArraysInstanced(GL.GL_TRIANGLE_STRIP, 0, 4, n)
    w.draw_call = draw_call
    return w, t_set, {"u_bounds": bounds, "u_window_size": SIZE, "u_cell": atlas.cell_size,
                      "u_columns": float(atlas.columns)}


# phyclone ----------------------------------------------------------------------------------

def ours(make_visual, data):
    from phyclone.plot import PlotCanvas
    c = PlotCanvas()
    c.resize(*SIZE)
    v = make_visual()
    c.add_visual(v)
    c.grab_image()  # context, program and (for text) atlas ready
    t0 = time.perf_counter()
    v.set_data(**data)
    t_cpu = time.perf_counter() - t0

    def upload():  # the upload that paintGL does, timed in the GL thread
        t0 = time.perf_counter()
        v.gl_flush()
        _finish()
        return time.perf_counter() - t0
    return c, t_cpu + c.run_gl(upload)


def frames(paints, repeats):
    """Best time of each paint function over ``repeats`` interleaved rounds (the machine
    is shared: the minimum is the least disturbed measurement)."""
    times = [[] for _ in paints]
    for i in range(repeats + 1):
        for paint, ts in zip(paints, times):
            ts.append(paint(i))
    return [min(ts[1:]) for ts in times]


def run_case(case, n, repeats):
    from phyclone.plot import PlotVisual, ScatterVisual, TextVisual
    rng = np.random.default_rng(0)
    bounds = (0., -5., 1000., 5.)
    if case == "scatter":
        x, y = rng.uniform(0, 1000, n), rng.normal(size=n)
        canvas, t_set = ours(ScatterVisual, dict(x=x, y=y, size=POINT_SIZE,
                                                 color=(1, .5, .2, 1), data_bounds=bounds))
        bare, b_set, uni = bare_scatter(x, y, bounds)
    elif case == "plot":
        n_samples = 1000
        y = rng.normal(size=(max(n // n_samples, 1), n_samples))
        x = np.linspace(0, 1000, n_samples)
        canvas, t_set = ours(PlotVisual, dict(x=x, y=y, color=(1, .5, .2, 1), data_bounds=bounds))
        bare, b_set, uni = bare_plot(x, y, bounds)
    else:
        n_text = max(n // 10, 1)
        pos = np.c_[rng.uniform(0, 1000, n_text), rng.normal(size=n_text)]
        text = [f"lbl{i % 10000:07d}" for i in range(n_text)]
        canvas, t_set = ours(TextVisual, dict(pos=pos, text=text, data_bounds=bounds,
                                              anchor=(1, 1)))
        bare, b_set, uni = bare_text(pos, text, bounds)

    def timed(f):
        t0 = time.perf_counter()
        f()
        _finish()
        return time.perf_counter() - t0

    def paint_ours(i):
        canvas.panzoom.pan_delta((.001 * (-1) ** i, 0))
        return canvas.run_gl(timed, canvas.paintGL)

    def paint_bare(i):
        bare.makeCurrent()
        return timed(lambda: bare.draw((.001 * (i % 2), 0), **uni))

    f_ours, f_bare = frames([paint_ours, paint_bare], repeats)
    assert not canvas.gl_errors, canvas.gl_errors
    canvas.close()
    bare.close()
    return t_set, b_set, f_ours, f_bare


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1e4,1e5,1e6")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--cases", default="scatter,plot,text")
    args = p.parse_args()
    app = create_app()  # noqa: F841
    from OpenGL import GL
    from phyclone.plot import PlotCanvas
    c = PlotCanvas()
    c.grab_image()
    name = c.run_gl(lambda: GL.glGetString(GL.GL_RENDERER).decode())
    print(f"renderer: {name}, canvas {SIZE[0]}x{SIZE[1]}")
    c.close()
    print(f"{'case':8s} {'N':>9s} | {'set_data ours':>13s} {'bare':>9s} {'ratio':>6s} | "
          f"{'frame ours':>10s} {'bare':>9s} {'ratio':>6s}")
    for case in args.cases.split(","):
        for n in (int(float(s)) for s in args.sizes.split(",")):
            t_set, b_set, f_ours, f_bare = run_case(case, n, args.repeats)
            print(f"{case:8s} {n:9.0e} | {t_set * 1e3:10.1f} ms {b_set * 1e3:6.1f} ms "
                  f"{t_set / b_set:6.2f} | {f_ours * 1e3:7.1f} ms {f_bare * 1e3:6.1f} ms "
                  f"{f_ours / f_bare:6.2f}", flush=True)


if __name__ == "__main__":
    main()
