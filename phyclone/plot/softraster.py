"""Software splatting of big point clouds and line plots, on software OpenGL only.

Mesa llvmpipe spends 0.2–0.35 µs of CPU per point or line segment whatever the shader
(measured here: 80,000 5-pixel points ≈ 20 ms, 98,400 line-strip vertices ≈ 20–27 ms),
but running the same vertex shader with transform feedback and the rasterizer off costs
~25 ns per vertex (98,400 vertices: 2–3 ms). So on software OpenGL, visuals with many
points or line vertices (scatter and plot visuals) are drawn in three steps:

1. their own program computes every vertex's clip position, colour (and size, clipping
   position) with transform feedback: layouts, pan-zoom and every GPU transform are
   exactly those of the OpenGL path;
2. compiled loops (``softraster_kernels``) draw the markers (the fragment shader's coverage
   formula) or the one-pixel line segments into an RGBA layer, blending in order as
   OpenGL does;
3. the layer is drawn over the framebuffer as one textured rectangle.

Visuals with a depth test, instances, markers other than discs and squares, other
fragment snippets, or fewer than ``MIN_VERTICES`` vertices are drawn by OpenGL.
``PHYCLONE_SOFT_RASTER=0`` turns this off, ``=1`` turns it on with any OpenGL.
"""

import ctypes
import logging
import threading

import numpy as np

from phyclone.utils.runtime import policy

from .transform import Clip, _value

logger = logging.getLogger(__name__)

#: Below this many vertices OpenGL is as fast: capturing the vertices costs 25–80 ns each
#: (the scatter shader is the slowest), and a splatted layer ~3 ms (conversion and
#: compositing), measured with benchmarks/bench_plot.py.
MIN_VERTICES = policy().soft_raster_min_vertices
#: Bands of rows splatted at once (one per core, at most 4), for visuals with at least
#: ``BAND_MIN_VERTICES`` vertices.
N_BANDS = policy().soft_raster_bands
BAND_MIN_VERTICES = 10000
#: Captured vertex shader outputs of each primitive type.
FEEDBACK = {"points": ("gl_Position", "v_color", "v_size"),
            "line_strip": ("gl_Position", "v_color")}

_VS = """#version 330 core
uniform vec4 u_rect;
void main() {
    vec2 p = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
    gl_Position = vec4(mix(u_rect.xy, u_rect.zw, p), 0.0, 1.0);
}
"""
_FS = """#version 330 core
uniform sampler2D u_layer;
uniform vec2 u_origin;
out vec4 frag_color;
void main() {
    frag_color = texelFetch(u_layer, ivec2(gl_FragCoord.xy - u_origin), 0);
}
"""
_state = threading.local()  # the compositing program and vertex array of this GL thread
_kernels = []
_pool = []
_compiling = threading.Lock()
_pool_lock = threading.Lock()


def enabled(software):
    """Whether to splat on this renderer (``software``: llvmpipe-like) and environment."""
    forced = policy().soft_raster
    return bool(software) if forced is None else forced


def kernels():
    """The compiled kernels module, or None while it is being compiled (in a background
    thread the first time; numba then caches the machine code on disk)."""
    if _kernels:
        return _kernels[0]
    if _compiling.acquire(blocking=False):
        threading.Thread(target=_compile, name="phyclone-softraster-jit", daemon=True).start()
    return None


def _compile():
    try:
        from . import softraster_kernels as k
        k.warm_up()
        _kernels.append(k)
    except Exception:  # numba missing or failing: OpenGL draws everything
        logger.exception("Software splatting unavailable.")


def warm_up():
    """Compile the kernels now (e.g. in a start-up worker)."""
    if not _kernels:
        with _compiling:
            if not _kernels:
                _compile()


def feedback_for(visual, vertex_shader):
    """The outputs to capture for this visual's program (empty: never splatted)."""
    names = FEEDBACK.get(visual.gl_primitive_type, ())
    if names and "v_clip_pos" in vertex_shader:
        names += ("v_clip_pos",)
    return names


def _clip_bounds(canvas, exclude_origins):
    """Bounds of the canvas' Clip transform (None: no clipping; False: not splattable)."""
    clips = [t for t, o in canvas.gpu_transforms if isinstance(t, Clip) and
             not any(o is x for x in exclude_origins if x is not None)]
    if not clips:
        return None
    b = _value(clips[0].bounds)
    if len(clips) > 1 or isinstance(b, str):
        return False
    return np.asarray(b, dtype=np.float64).ravel()[:4]


def can_splat(visual, canvas, count, ranges, instances, exclude_origins):
    """Whether this draw is done by the CPU splatter."""
    prog = visual.gl_state.program
    if not getattr(canvas, "soft_raster", False) or not prog.feedback or instances is not None:
        return False
    if visual.depth_test or count < MIN_VERTICES and ranges is None:
        return False
    if ranges is not None and int(np.sum(ranges[1])) < MIN_VERTICES:
        return False
    if visual.gl_primitive_type == "points" and getattr(visual, "marker", "disc") not in (
            "disc", "square"):
        return False
    if _clip_bounds(canvas, exclude_origins) is False:
        return False
    return kernels() is not None


def _program():
    """The compositing program and an empty vertex array (per GL thread and context)."""
    from .gl import Program
    st = getattr(_state, "objects", None)
    if st is None:
        from OpenGL import GL
        st = _state.objects = (Program(_VS, _FS, name="soft raster layer"),
                               int(GL.glGenVertexArrays(1)))
    return st


def _capture(gl, n):
    """Run the bound program on vertices 0..n-1 with transform feedback; (n, stride)."""
    from OpenGL import GL
    stride = gl.program.feedback_stride
    nbytes = n * stride * 4
    buf, size = gl.soft.get("buffer", (None, 0))
    if buf is None or size < nbytes:
        if buf is not None:
            GL.glDeleteBuffers(1, [buf])
        buf = int(GL.glGenBuffers(1))
        GL.glBindBuffer(GL.GL_TRANSFORM_FEEDBACK_BUFFER, buf)
        GL.glBufferData(GL.GL_TRANSFORM_FEEDBACK_BUFFER, nbytes, None, GL.GL_STREAM_READ)
        gl.soft["buffer"] = (buf, nbytes)
    GL.glEnable(GL.GL_RASTERIZER_DISCARD)
    GL.glBindBufferBase(GL.GL_TRANSFORM_FEEDBACK_BUFFER, 0, buf)
    GL.glBeginTransformFeedback(GL.GL_POINTS)
    GL.glDrawArrays(GL.GL_POINTS, 0, n)
    GL.glEndTransformFeedback()
    GL.glDisable(GL.GL_RASTERIZER_DISCARD)
    out = np.empty((n, stride), dtype=np.float32)
    GL.glBindBuffer(GL.GL_TRANSFORM_FEEDBACK_BUFFER, buf)
    # Not ``out.ctypes.data_as``: its pointer holds the array in a reference cycle, so each
    # capture (megabytes) would wait for a full garbage collection to be freed.
    GL.glGetBufferSubData(GL.GL_TRANSFORM_FEEDBACK_BUFFER, 0, out.nbytes,
                          ctypes.c_void_p(out.ctypes.data))
    GL.glBindBufferBase(GL.GL_TRANSFORM_FEEDBACK_BUFFER, 0, 0)
    return out


def _composite(gl, pixels, rect, size):
    """Draw ``pixels`` (premultiplied RGBA8, bottom row first; None: those of the last
    call) over the rectangle ``rect`` (i0, j0, i1, j1 in pixels) of the framebuffer."""
    from OpenGL import GL

    from .gl import Texture2D
    i0, j0, i1, j1 = (int(v) for v in rect)
    tex = gl.soft.get("texture")
    if tex is None:
        tex = gl.soft["texture"] = Texture2D()
    if pixels is not None:
        tex.set_data(pixels)
    prog, vao = _program()
    prog.use()
    GL.glBindVertexArray(vao)
    w, h = size
    prog.set_uniform("u_rect", (2. * i0 / w - 1., 2. * j0 / h - 1.,
                                2. * i1 / w - 1., 2. * j1 / h - 1.))
    prog.set_uniform("u_origin", (float(i0), float(j0)))
    tex.bind(prog.texture_units["u_layer"])
    GL.glDisable(GL.GL_DEPTH_TEST)
    GL.glBlendFuncSeparate(GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA,
                           GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)
    GL.glDrawArrays(GL.GL_TRIANGLE_STRIP, 0, 4)
    GL.glBlendFuncSeparate(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA,
                           GL.GL_ONE, GL.GL_ONE_MINUS_SRC_ALPHA)


def _scratch(w, h):
    """A transparent float32 layer of this size (reused: splatting happens in one thread;
    ``splat`` clears what it drew)."""
    layer = getattr(_state, "layer", None)
    if layer is None or layer.shape[:2] != (h, w):
        layer = _state.layer = np.zeros((h, w, 4), dtype=np.float32)
    return layer


def _frozen(value):
    """A hashable, comparable copy of a uniform value."""
    if isinstance(value, np.ndarray):
        return value.dtype.str, value.shape, value.tobytes()
    if isinstance(value, (tuple, list)):
        return tuple(_frozen(v) for v in value)
    return value


def _inputs(visual, canvas, count, ranges, exclude_origins, uniforms):
    """Everything the splatted layer depends on: the visual's data and program versions,
    the canvas' textures, the frame size, uniforms (pan-zoom, layouts...), what is drawn."""
    gl = visual.gl_state
    return (gl.version, canvas.frame_version, tuple(canvas.frame_size), int(count),
            None if ranges is None else (_frozen(np.asarray(ranges[0])),
                                         _frozen(np.asarray(ranges[1]))),
            tuple(id(o) for o in exclude_origins),
            _frozen(_clip_bounds(canvas, exclude_origins)),
            tuple(sorted((k, _frozen(v)) for k, v in uniforms.items())),
            tuple(sorted((k, _frozen(v)) for k, v in gl.uniforms.items())))


def splat(visual, canvas, count, ranges, exclude_origins, uniforms):
    """Draw the visual (its program bound, uniforms and textures set) by splatting. When
    nothing it depends on changed since its last frame (e.g. the traces when only the
    selection changed), the layer of that frame is drawn again."""
    gl = visual.gl_state
    key = _inputs(visual, canvas, count, ranges, exclude_origins, uniforms)
    if gl.soft.get("key") == key:
        rect = gl.soft["rect"]
        if rect[2] > rect[0] and rect[3] > rect[1]:
            _composite(gl, None, rect, canvas.frame_size)
        return
    gl.soft.pop("key", None)
    rect = _splat(visual, canvas, count, ranges, exclude_origins)
    gl.soft["key"], gl.soft["rect"] = key, rect


def _splat(visual, canvas, count, ranges, exclude_origins):
    k = _kernels[0]
    gl = visual.gl_state
    prog = gl.program
    if ranges is not None:
        firsts = np.ascontiguousarray(ranges[0], dtype=np.int64)
        counts = np.ascontiguousarray(ranges[1], dtype=np.int64)
        n = int(np.max(firsts + counts)) if len(firsts) else 0
    else:
        n = int(count)
        firsts, counts = np.zeros(1, dtype=np.int64), np.array([n], dtype=np.int64)
    if n <= 0:
        return np.zeros(4, dtype=np.int64)
    data = _capture(gl, n)
    lay = prog.feedback_layout
    clip = _clip_bounds(canvas, exclude_origins)
    clip_col = lay["v_clip_pos"][0] if clip is not None and "v_clip_pos" in lay else -1
    bounds = clip if clip_col >= 0 else np.zeros(4)
    w, h = canvas.frame_size
    layer = _scratch(w, h)
    if visual.gl_primitive_type == "points":
        args = (layer, data, lay["gl_Position"][0], lay["v_color"][0], lay["v_size"][0],
                clip_col, bounds, getattr(visual, "marker", "disc") == "square")
        f = k.points
    else:
        args = (layer, data, lay["gl_Position"][0], lay["v_color"][0], clip_col, bounds,
                firsts, counts)
        f = k.strips
    rect = _in_bands(f, args, h, n)
    if rect[2] > rect[0] and rect[3] > rect[1]:
        _composite(gl, k.to_rgba8(layer, rect), rect, (w, h))  # also clears the layer
    return rect


def _in_bands(f, args, height, n_vertices):
    """Run the kernel ``f(*args, rect, jlo, jhi)`` on horizontal bands of the layer, one
    per core (the kernels release the GIL); return the rectangle of the touched pixels."""
    n = N_BANDS if n_vertices >= BAND_MIN_VERTICES else 1
    rects = np.zeros((n, 4), dtype=np.int64)
    cuts = [b * height // n for b in range(n + 1)]
    futures = [_band_pool().submit(f, *args, rects[b], cuts[b], cuts[b + 1])
               for b in range(1, n)]
    f(*args, rects[0], cuts[0], cuts[1])
    for fut in futures:
        fut.result()
    ok = rects[(rects[:, 2] > rects[:, 0]) & (rects[:, 3] > rects[:, 1])]
    if not len(ok):
        return np.zeros(4, dtype=np.int64)
    return np.array([ok[:, 0].min(), ok[:, 1].min(), ok[:, 2].max(), ok[:, 3].max()])


def _band_pool():
    """The splatting threads: ``N_BANDS - 1`` per GL thread (each draws a band itself)."""
    with _pool_lock:
        if not _pool:
            from concurrent.futures import ThreadPoolExecutor

            from phyclone.utils.threads import lower_thread_priority, name_os_thread

            p = policy()

            def init():
                name_os_thread("phyclone-splat")
                lower_thread_priority(p.render_niceness)
            n_gl = p.gl_threads if p.render_thread else 1
            _pool.append(ThreadPoolExecutor(max(1, (N_BANDS - 1) * n_gl),
                                            thread_name_prefix="phyclone-splat",
                                            initializer=init))
    return _pool[0]


def release(gl):
    """Free the splatting objects of a visual's GL state."""
    from OpenGL import GL
    buf = gl.soft.pop("buffer", None)
    if buf is not None:
        GL.glDeleteBuffers(1, [buf[0]])
    tex = gl.soft.pop("texture", None)
    if tex is not None:
        tex.delete()
    gl.soft.clear()
