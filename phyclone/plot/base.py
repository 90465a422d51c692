"""BaseVisual: one homogeneous set of objects drawn by one program in one draw call.

Data flow: ``set_data(...)`` validates and computes numpy arrays (no GL call, any thread)
and stores them as pending uploads; at the canvas' next frame the GL thread
(``phyclone.plot.renderer``) builds the program if needed (``gl_build``), uploads them
(``gl_flush``) and draws (``gl_draw``). Pan and zoom only change uniforms.
"""

import logging
import re
import threading

import numpy as np

from .batch import BatchAccumulator, box_constant, box_rows
from .inserter import GLSLInserter, load_shader
from .transform import NDC, Range, TransformChain

logger = logging.getLogger(__name__)


class _Pending:
    """Thread-safe dict of values waiting for the GL thread (later puts win)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._items = {}

    def put(self, items):
        with self._lock:
            for k, v in items.items():
                self._items.pop(k, None)  # keep insertion order = order of the last put
                self._items[k] = v

    def take(self):
        with self._lock:
            items, self._items = self._items, {}
        return items

    def __bool__(self):
        return bool(self._items)


class ProgramProxy:
    """phy-style ``visual.program[name] = value``: routed to an attribute, a texture or a
    uniform according to the declaration of ``name`` in the visual's shaders."""

    def __init__(self, visual):
        self._visual = visual

    def _kind(self, name):
        v = self._visual
        src = "\n".join((v.vertex_shader or "", v.fragment_shader or "",
                         *(g for (_, _, _, g) in v.inserter._items)))
        if re.search(r"\buniform\s+[iu]?sampler2D\s+%s\b" % re.escape(name), src):
            return "texture"
        if re.search(r"\b(in|attribute)\s+\w+\s+%s\s*;" % re.escape(name), v.vertex_shader or ""):
            return "attribute"
        if re.search(r"\buniform\s+\w+\s+%s\b" % re.escape(name), src):
            return "uniform"
        return None

    def __contains__(self, name):
        return self._kind(name) is not None

    def __setitem__(self, name, value):
        kind = self._kind(name)
        if kind == "attribute":
            arr = np.asarray(value)
            if arr.ndim >= 1 and arr.shape[0] > 1:
                self._visual.set_attribute(name, arr)
            else:
                self._visual.set_constant(name, arr)
        elif kind == "texture":
            self._visual.set_texture(name, value)
        elif kind == "uniform":
            self._visual.set_uniform(name, value)
        else:
            raise KeyError(f"{type(self._visual).__name__} declares no GLSL variable {name!r}")


class _GLState:
    """GL objects of one visual (GL thread only: ``visual.gl_state``)."""

    def __init__(self):
        self.program = None
        self.signature = None
        self.vao = None
        self.vao_dirty = True
        self.buffers = {}
        self.divisors = {}
        self.constants = {}
        self.uniforms = {}
        self.textures = {}
        self.draw = None
        self.error = None
        self.error_stage = None
        self.exclude_origins = ()
        self.soft = {}  # objects of the software splatter (softraster)
        self.version = 0  # incremented by every build and data upload

    def delete(self):
        from .softraster import release
        for obj in (self.program, self.vao, *self.buffers.values(), *self.textures.values()):
            if obj is not None:
                obj.delete()
        release(self)
        self.__init__()


class BaseVisual:
    """Base class of visuals.

    Subclasses set the shaders (``set_shader``) and the primitive type in ``__init__``, and
    implement ``validate(**kwargs) -> Bunch`` (with ``_n_items`` and ``_n_vertices``),
    ``vertex_count(**data)`` and ``set_data(**kwargs)``. ``set_data`` ends with one
    ``upload(...)`` call holding every array, so a frame never mixes old and new data.

    ``n_vertices`` is the number of data rows of the visual: vertices, or instances for
    instanced visuals (text glyphs, histogram bins). Box indices have that many rows.
    """

    _noconcat = ()
    _init_keywords = ()
    _instanced = False
    default_color = (0.03, 0.57, 0.98, 0.75)
    depth_test = False  # set by visuals whose data uses depth (costs a depth test per pixel)

    def __init__(self):
        self.gl_primitive_type = None
        self.vertex_shader = None
        self.fragment_shader = None
        self.transforms = TransformChain()
        self.inserter = GLSLInserter()
        self.data_range = None
        self.canvas = None
        self.n_vertices = 0
        self._hidden = False
        self._acc = BatchAccumulator()
        self._pending = _Pending()
        self.gl_state = _GLState()
        self.program = ProgramProxy(self)

    # Definition
    # ---------------------------------------------------------------------------------------

    def set_shader(self, name):
        """Use ``glsl/<name>.vert.glsl`` and ``glsl/<name>.frag.glsl``."""
        self.vertex_shader = load_shader(name + ".vert")
        self.fragment_shader = load_shader(name + ".frag")

    def set_primitive_type(self, primitive_type):
        """points, lines, line_strip, line_loop, triangles, triangle_strip, triangle_fan."""
        self.gl_primitive_type = primitive_type

    def set_data_range(self, data_range):
        """Add the CPU Range transform normalizing data coordinates to NDC."""
        self.data_range = Range(data_range, NDC)
        self.transforms.add(self.data_range)

    # Visibility
    # ---------------------------------------------------------------------------------------

    @property
    def visible(self):
        return not self._hidden

    @property
    def has_pending_data(self):
        """Whether data were uploaded since the last frame (not yet sent to OpenGL)."""
        return bool(self._pending)

    def show(self):
        self._hidden = False
        self._request_update()

    def hide(self):
        self._hidden = True
        self._request_update()

    def toggle(self):
        self._hidden = not self._hidden
        self._request_update()

    def close(self):
        """Remove the visual from its canvas (GL objects are freed at the next paint)."""
        if self.canvas is not None:
            self.canvas.remove(self)

    # To override
    # ---------------------------------------------------------------------------------------

    def validate(self, **kwargs):
        """Fill defaults and check the data; return a Bunch with _n_items and _n_vertices."""
        raise NotImplementedError

    def vertex_count(self, **kwargs):
        """Number of data rows for the validated data."""
        raise NotImplementedError

    def set_data(self, **kwargs):
        """Validate, compute arrays and upload them (pending until the next paint)."""
        raise NotImplementedError

    # Pending uploads (no GL call, safe from any thread)
    # ---------------------------------------------------------------------------------------

    def upload(self, attributes=None, constants=None, uniforms=None, textures=None, draw=None,
               divisors=None, notify=True):
        """Store arrays and values for the next paint, atomically.

        attributes: name -> (n, k) array (float32, uint8...), divisor from ``divisors``
        (1 = per instance). constants: name -> one value for every vertex. uniforms:
        name -> value. textures: name -> array or (array, interpolation). draw: dict with
        ``count`` (vertices), ``ranges`` ((firsts, counts) for several strips) and/or
        ``instances``. ``notify`` schedules a repaint of the canvas.
        """
        items = {}
        divisors = divisors or {}
        for name, arr in (attributes or {}).items():
            arr = np.asarray(arr)
            if arr.dtype == np.float64 or arr.dtype.kind in "bi" and arr.dtype != np.int32:
                arr = arr.astype(np.float32)
            items["a", name] = ("array", np.ascontiguousarray(arr), divisors.get(name, 0))
        for name, value in (constants or {}).items():
            items["a", name] = ("const", np.asarray(value, dtype=np.float32).ravel())
        for name, value in (uniforms or {}).items():
            items["u", name] = value
        for name, value in (textures or {}).items():
            arr, interp = value if isinstance(value, tuple) else (value, "nearest")
            items["t", name] = (np.asarray(arr), interp)
        if draw is not None:
            items["d", None] = dict(draw)
        self._pending.put(items)
        if notify:
            self._request_update()

    def set_attribute(self, name, data, divisor=0):
        self.upload(attributes={name: data}, divisors={name: divisor})

    def set_constant(self, name, value):
        self.upload(constants={name: value})

    def set_uniform(self, name, value):
        self.upload(uniforms={name: value})

    def set_texture(self, name, data, interpolation="nearest"):
        self.upload(textures={name: (data, interpolation)})

    def _request_update(self):
        if self.canvas is not None:
            self.canvas.update()

    # Batch and layouts
    # ---------------------------------------------------------------------------------------

    def add_batch_data(self, **kwargs):
        """Validate one item (e.g. one cluster) and keep it for ``canvas.update_visual``."""
        box_index = kwargs.pop("box_index", None)
        data = self.validate(**kwargs)
        self._acc.add(data, box_index=box_index, n_items=data._n_items,
                      n_vertices=data._n_vertices, noconcat=self._noconcat)

    def reset_batch(self):
        """Forget the accumulated batch items."""
        self._acc.reset()

    @property
    def has_batch_data(self):
        """Whether ``add_batch_data`` was called since the last ``reset_batch``."""
        return bool(self._acc.items)

    @property
    def batch_data(self):
        """The items accumulated by ``add_batch_data``, concatenated (empty when none)."""
        return self._acc.data if self._acc.items else {}

    def _box_var(self):
        layout = getattr(self.canvas, "layout", None)
        return getattr(layout, "box_var", None) or "a_box_index"

    def set_box_index(self, box_index, data=None):
        """Set the box (subplot) of every data row: one value, or one per row."""
        n = self.n_vertices
        name = self._box_var()
        const = box_constant(box_index, n)
        if const is not None:
            self.upload(constants={name: const})
        else:
            self.upload(attributes={name: box_rows(box_index, n)},
                        divisors={name: 1 if self._instanced else 0})

    # GL side (GL thread, context current) -- called by the canvas at each frame
    # ---------------------------------------------------------------------------------------

    def gl_build(self, canvas, exclude_origins):
        from .gl import Program, ShaderError, VertexArray
        from .softraster import feedback_for
        chain = GLSLInserter()
        chain.add_gpu_transforms(canvas.gpu_transforms)
        inserter = self.inserter + chain + canvas.inserter
        vs, fs = inserter.insert_into_shaders(
            self.vertex_shader, self.fragment_shader, exclude_origins=exclude_origins)
        logger.log(5, "Vertex shader of %s:\n%s", self, vs)
        gl = self.gl_state
        feedback = feedback_for(self, vs) if canvas.soft_raster else ()
        try:
            program = Program(vs, fs, name=type(self).__name__, feedback=feedback)
        except ShaderError:
            if not feedback:
                raise
            program = Program(vs, fs, name=type(self).__name__)  # never splatted
        gl.exclude_origins = tuple(exclude_origins)
        if gl.program is not None:
            gl.program.delete()
        if gl.vao is None:
            gl.vao = VertexArray()
        gl.program = program
        gl.vao_dirty = True
        gl.version += 1

    def gl_flush(self):
        from .gl import Texture2D, VertexBuffer
        gl = self.gl_state
        pending = self._pending.take()
        if pending:
            gl.version += 1
        for key, value in pending.items():
            kind, name = key
            if kind == "a":
                if value[0] == "array":
                    buf = gl.buffers.get(name)
                    if buf is None:
                        buf = gl.buffers[name] = VertexBuffer()
                        gl.vao_dirty = True
                    if buf.dtype != value[1].dtype or buf.shape[1:] != value[1].shape[1:] \
                            or gl.divisors.get(name) != value[2]:
                        gl.vao_dirty = True
                    buf.set_data(value[1])
                    gl.divisors[name] = value[2]
                    gl.constants.pop(name, None)
                else:
                    if name in gl.buffers:
                        gl.buffers.pop(name).delete()
                        gl.vao_dirty = True
                    gl.constants[name] = value[1]
            elif kind == "u":
                gl.uniforms[name] = value
            elif kind == "t":
                tex = gl.textures.get(name)
                if tex is None:
                    tex = gl.textures[name] = Texture2D(interpolation=value[1])
                else:
                    tex.set_interpolation(value[1])
                tex.set_data(value[0])
            elif kind == "d":
                gl.draw = value

    def _gl_counts(self):
        """(mode, count, ranges, instances) to draw, or None when buffers are too short."""
        gl = self.gl_state
        draw = gl.draw or {"count": self.n_vertices}
        attrs = gl.program.attributes
        per_vertex = [len(b) for n, b in gl.buffers.items()
                      if n in attrs and gl.divisors.get(n, 0) == 0]
        per_instance = [len(b) for n, b in gl.buffers.items()
                        if n in attrs and gl.divisors.get(n, 0) > 0]
        count, ranges, instances = draw.get("count", 0), draw.get("ranges"), draw.get("instances")
        needed = count
        if ranges is not None:
            firsts, counts = ranges
            needed = int(np.max(np.asarray(firsts) + np.asarray(counts))) if len(firsts) else 0
        if per_vertex and needed > min(per_vertex):
            if ranges is not None:
                return None
            count = min(per_vertex)
        if instances is not None and per_instance and instances > min(per_instance):
            instances = min(per_instance)
        return count, ranges, instances

    def gl_draw(self, canvas, uniforms, textures):
        from OpenGL import GL

        from . import softraster
        from .gl import VertexArray, draw_arrays, draw_instanced, draw_multi
        gl = self.gl_state
        prog = gl.program
        prog.use()
        if gl.vao is None:
            gl.vao = VertexArray()
            gl.vao_dirty = True
        gl.vao.bind()
        if gl.vao_dirty:
            for name, (loc, glsl, n, *_rest) in prog.attributes.items():
                if name in gl.buffers:
                    buf = gl.buffers[name]
                    if buf.n_components > n:
                        raise TypeError(f"attribute {name} is a {glsl}, got data with "
                                        f"{buf.n_components} components per row")
                    gl.vao.set_attribute(loc, buf, glsl, gl.divisors.get(name, 0))
                else:
                    GL.glDisableVertexAttribArray(loc)
            gl.vao_dirty = False
        for name, (loc, *_rest) in prog.attributes.items():
            if name not in gl.buffers:
                VertexArray.set_constant(loc, gl.constants.get(name, (0., 0., 0., 1.)))
        for name, value in uniforms.items():
            prog.set_uniform(name, value)
        for name, value in gl.uniforms.items():
            prog.set_uniform(name, value)
        for name, unit in prog.texture_units.items():
            tex = gl.textures.get(name) or textures.get(name)
            if tex is not None:
                tex.bind(unit)
        counts = self._gl_counts()
        if counts is None:
            return
        (GL.glEnable if self.depth_test else GL.glDisable)(GL.GL_DEPTH_TEST)
        count, ranges, instances = counts
        if softraster.can_splat(self, canvas, count, ranges, instances, gl.exclude_origins):
            softraster.splat(self, canvas, count, ranges, gl.exclude_origins, uniforms)
        elif instances is not None:
            if instances > 0 and count > 0:
                draw_instanced(self.gl_primitive_type, count, instances)
        elif ranges is not None:
            draw_multi(self.gl_primitive_type, *ranges)
        elif count > 0:
            draw_arrays(self.gl_primitive_type, 0, count)

    def __repr__(self):
        return f"<{type(self).__name__} n_vertices={self.n_vertices}>"
