"""Layouts: Grid (subplots), Boxed (boxes at arbitrary positions), Stacked (rows).

A layout adds GPU transforms mapping each visual's NDC into its box; the box of every
data row comes from the ``a_box_index`` attribute (vec2 (row, col) for Grid, float for
Boxed/Stacked). ``map``/``imap`` apply the same transform on the CPU.
"""

from contextlib import contextmanager

import numpy as np

from .geometry import fit_boxes, get_closest_box, get_non_overlapping_boxes
from .lasso import Lasso  # noqa: F401 (phy exposes Lasso in this module too)
from .transform import NDC, Clip, Range, Scale, Subplot, TransformChain
from .visuals import LineVisual

TEX_WIDTH = 4096


class BaseLayout:
    """Common layout API: attach, map/imap, get_closest_box, box_map, update."""

    n_dims = 1
    active_box = 0
    margin = 0.

    def __init__(self, box_var=None):
        self.box_var = box_var or "a_box_index"
        self.canvas = None

    def _transforms(self):
        raise NotImplementedError

    def _glsl(self, inserter):
        raise NotImplementedError

    def _uniforms(self):
        return {}

    @property
    def gpu_transforms(self):
        return TransformChain(self._transforms(), origin=self)

    def attach(self, canvas):
        """Insert the layout's transforms (before any pan-zoom) and GLSL into the canvas."""
        self.canvas = canvas
        canvas.layout = self
        canvas.attach_events(self)
        pz = getattr(canvas, "panzoom", None)
        index = next((i for i, (_, o) in enumerate(canvas.gpu_transforms) if o is pz and pz),
                     None)
        canvas.gpu_transforms.add(self.gpu_transforms, origin=self, index=index)
        self._glsl(canvas.inserter)
        self.update()

    def detach(self):
        """Remove the layout from its canvas."""
        c = self.canvas
        if c is None:
            return
        c.gpu_transforms.remove_origin(self)
        c.inserter.remove_origin(self)
        c.detach_events(self)
        if getattr(c, "layout", None) is self:
            c.layout = None
        self.canvas = None

    def update(self):
        """Send the layout's uniforms/textures to the canvas and repaint."""
        if self.canvas is None:
            return
        for name, value in self._uniforms().items():
            self.canvas.set_uniform(name, value)
        self.canvas.update()

    @contextmanager
    def swap_active_box(self, box):
        """Context manager making ``box`` the active box temporarily (phy's)."""
        previous = self.active_box
        self.active_box = box
        try:
            yield self
        finally:
            self.active_box = previous

    def map(self, arr, box=None):
        """Positions in a box's NDC -> canvas NDC (before pan-zoom)."""
        return self._chain(box).apply(arr)

    def imap(self, arr, box=None):
        """Canvas NDC (before pan-zoom) -> positions in the box's NDC."""
        return self._chain(box).inverse().apply(arr)

    def _chain(self, box):
        box = self.active_box if box is None else box
        chain = TransformChain()
        for t in self._transforms():
            if isinstance(t, Subplot):
                t = Subplot(self._shape, tuple(box))
            elif isinstance(t, Range):
                t = Range(NDC, self.box_bounds[int(box)])
            chain.add(t)
        return chain

    def get_closest_box(self, ndc):
        raise NotImplementedError

    def box_map(self, mouse_pos):
        """(box, position in that box's coordinates) of a mouse position in pixels."""
        ndc = self.canvas.window_to_ndc(mouse_pos)
        box = self.get_closest_box(ndc)
        self.active_box = box
        return box, tuple(self.imap(ndc, box)[0])


class Grid(BaseLayout):
    """Subplots in a (n_rows, n_cols) grid; box index (row, col), row 0 at the top.

    ``has_clip`` discards what falls outside each subplot.
    """

    margin = .075
    n_dims = 2
    active_box = (0, 0)

    def __init__(self, shape=(1, 1), shape_var="u_grid_shape", box_var=None, has_clip=True):
        super().__init__(box_var=box_var)
        self._shape = tuple(int(s) for s in shape)
        self._scaling = (1., 1.)
        self.shape_var = shape_var
        self.has_clip = has_clip

    def _transforms(self):
        m = 1. - self.margin
        ts = [Scale(lambda: self._scaling, gpu_var="u_grid_scaling"), Scale((m, m))]
        if self.has_clip:
            ts.append(Clip((-m, -m, m, m)))
        ts.append(Subplot(lambda: self._shape, lambda: self.active_box,
                          shape_gpu_var=self.shape_var, index_gpu_var=self.box_var))
        return ts

    def _glsl(self, inserter):
        inserter.insert_vert(f"in vec2 {self.box_var};\nuniform vec2 {self.shape_var};\n"
                             "uniform vec2 u_grid_scaling;", "header", origin=self)

    def _uniforms(self):
        return {self.shape_var: self._shape, "u_grid_scaling": self._scaling}

    @property
    def scaling(self):
        """(sx, sy) scaling of the data in every subplot (phy's ``Grid.scaling``)."""
        return self._scaling

    @scaling.setter
    def scaling(self, value):
        sx, sy = np.broadcast_to(np.asarray(value, dtype=np.float64), (2,))
        self._scaling = (float(sx), float(sy))
        self.update()

    @property
    def shape(self):
        return self._shape

    @shape.setter
    def shape(self, value):
        self._shape = tuple(int(s) for s in value)
        self.update()

    def get_closest_box(self, pos):
        x, y = np.ravel(pos)[:2]
        rows, cols = self._shape
        j = int(np.clip(np.floor(cols * (1. + x) / 2.), 0, cols - 1))
        i = int(np.clip(np.floor(rows * (1. - y) / 2.), 0, rows - 1))
        return (i, j)

    def add_boxes(self, canvas, shape=None, color=(.35, .35, .35, 1.)):
        """Draw the frame of every subplot."""
        n, m = shape or self._shape
        a = 1. - 1e-4
        frame = np.array([[-a, -a, a, -a], [a, -a, a, a], [a, a, -a, a], [-a, a, -a, -a]])
        boxes = LineVisual()
        canvas.add_visual(boxes, clearable=False)
        boxes.set_data(pos=np.tile(frame, (n * m, 1)), color=color)
        idx = np.array([(i, j) for i in range(n) for j in range(m)], dtype=np.float32)
        boxes.set_box_index(np.repeat(idx, 8, axis=0))
        return boxes


class Boxed(BaseLayout):
    """Boxes centred at ``box_pos`` (any unit, e.g. channel positions) with half size
    ``box_size`` (w, h) (same unit; default: the largest size without overlap), all
    scaled into the view. Box index: int.

    ``keep_aspect_ratio`` keeps the relative geometry. Box and layout scalings (keyboard
    shortcuts of the waveform view) only change uniforms.
    """

    margin = .1
    n_dims = 1
    active_box = 0
    _scaling_param_increment = 1.1
    _half_sizes = None  # (n, 2) per-box half sizes, when given by box_bounds

    def __init__(self, box_pos=None, box_size=None, box_var=None, keep_aspect_ratio=False,
                 box_bounds=None):
        super().__init__(box_var=box_var)
        self.keep_aspect_ratio = keep_aspect_ratio
        self._box_scaling = (1., 1.)
        self._layout_scaling = (1., 1.)
        if box_bounds is not None:
            self.set_box_bounds(box_bounds)
        else:
            self.update_boxes(box_pos if box_pos is not None else [[0., 0.]], box_size)

    def update_boxes(self, box_pos, box_size=None):
        """Set new box positions (and sizes); only a small texture is re-uploaded."""
        if box_size is None:
            pos, size = get_non_overlapping_boxes(box_pos, self.keep_aspect_ratio, self.margin)
        else:
            pos, size = fit_boxes(box_pos, box_size, self.keep_aspect_ratio, self.margin)
        self.box_pos, self.box_size = pos, tuple(float(s) for s in size)
        self._half_sizes = None
        self.update()

    def set_box_bounds(self, box_bounds):
        """Boxes given by their NDC bounds ``(n, 4)`` ``(xmin, ymin, xmax, ymax)`` (phy 2.0's
        ``Boxed(box_bounds=...)``), used as they are (boxes may differ in size)."""
        b = np.asarray(box_bounds, dtype=np.float64)
        if b.ndim != 2 or b.shape[1] != 4 or not len(b) or np.any(b[:, 2:] <= b[:, :2]):
            raise ValueError("box_bounds must be a non-empty (n, 4) array of "
                             "(xmin, ymin, xmax, ymax) with xmin < xmax and ymin < ymax")
        self.box_pos = (b[:, :2] + b[:, 2:]) / 2.
        self._half_sizes = (b[:, 2:] - b[:, :2]) / 2.
        self.box_size = tuple(float(v) for v in self._half_sizes.max(axis=0))
        self.update()

    @property
    def _sizes(self):
        """(n, 2) half sizes of the boxes (before the box scaling)."""
        if self._half_sizes is not None:
            return self._half_sizes
        return np.broadcast_to(np.asarray(self.box_size, dtype=np.float64), (self.n_boxes, 2))

    def _transforms(self):
        return [Range(NDC, lambda: self.box_bounds[self.active_box], to_gpu_var="box_bounds")]

    def _glsl(self, inserter):
        b = self.box_var
        inserter.insert_vert(
            f"in float {b};\nuniform sampler2D u_box_pos;\nuniform vec2 u_box_scaling;\n"
            f"uniform vec2 u_layout_scaling;", "header", origin=self)
        inserter.insert_vert(
            f"int box_i = int({b} + 0.5);\n"
            f"vec4 box_data = texelFetch(u_box_pos, ivec2(box_i % {TEX_WIDTH}, "
            f"box_i / {TEX_WIDTH}), 0);\n"
            "vec2 box_c = box_data.xy * u_layout_scaling;\n"
            "vec2 box_s = box_data.zw * u_box_scaling;\n"
            "vec4 box_bounds = vec4(box_c - box_s, box_c + box_s);",
            "before_transforms", origin=self)

    def _uniforms(self):
        return {"u_box_scaling": self._box_scaling, "u_layout_scaling": self._layout_scaling}

    def update(self):
        if self.canvas is not None:
            n = self.n_boxes
            data = np.zeros((n, 4), dtype=np.float32)
            data[:, :2] = self.box_pos
            data[:, 2:] = self._sizes
            w = min(n, TEX_WIDTH)
            h = -(-n // w)
            tex = np.zeros((h * w, 4), dtype=np.float32)
            tex[:n] = data
            self.canvas.set_texture("u_box_pos", tex.reshape(h, w, 4))
        super().update()

    @property
    def n_boxes(self):
        return len(self.box_pos)

    @property
    def box_bounds(self):
        """(n_boxes, 4) bounds in NDC, with the current scalings."""
        c = self.box_pos * np.asarray(self._layout_scaling)
        s = self._sizes * np.asarray(self._box_scaling)
        return np.c_[c - s, c + s]

    def get_closest_box(self, pos):
        c = self.box_pos * np.asarray(self._layout_scaling)
        s = np.asarray(self.box_size) * np.asarray(self._box_scaling)
        return get_closest_box(np.ravel(pos)[:2], c, s)

    def add_boxes(self, canvas, color=(.35, .35, .35, 1.)):
        """Draw the frame of every box."""
        a = 1.
        frame = np.array([[-a, -a, a, -a], [a, -a, a, a], [a, a, -a, a], [-a, a, -a, -a]])
        boxes = LineVisual()
        canvas.add_visual(boxes, clearable=False)
        boxes.set_data(pos=np.tile(frame, (self.n_boxes, 1)), color=color)
        boxes.set_box_index(np.repeat(np.arange(self.n_boxes, dtype=np.float32), 8))
        return boxes

    # Scalings
    def _scale(self, attr, cw=1., ch=1.):
        sx, sy = getattr(self, attr)
        setattr(self, attr, (sx * cw, sy * ch))
        self.update()

    @property
    def box_scaling(self):
        return self._box_scaling

    @property
    def layout_scaling(self):
        return self._layout_scaling

    def expand_box_width(self):
        self._scale("_box_scaling", cw=self._scaling_param_increment)

    def shrink_box_width(self):
        self._scale("_box_scaling", cw=1. / self._scaling_param_increment)

    def expand_box_height(self):
        self._scale("_box_scaling", ch=self._scaling_param_increment)

    def shrink_box_height(self):
        self._scale("_box_scaling", ch=1. / self._scaling_param_increment)

    def expand_layout_width(self):
        self._scale("_layout_scaling", cw=self._scaling_param_increment)

    def shrink_layout_width(self):
        self._scale("_layout_scaling", cw=1. / self._scaling_param_increment)

    def expand_layout_height(self):
        self._scale("_layout_scaling", ch=self._scaling_param_increment)

    def shrink_layout_height(self):
        self._scale("_layout_scaling", ch=1. / self._scaling_param_increment)


class Stacked(Boxed):
    """``n_boxes`` full-width boxes stacked vertically; ``origin`` 'bottom' (box 0 at the
    bottom, the default) or 'top'."""

    margin = 0.

    def __init__(self, n_boxes, box_var=None, origin=None):
        self._origin = origin or "bottom"
        if self._origin not in ("top", "bottom"):
            raise ValueError(f"origin must be 'top' or 'bottom', got {origin!r}")
        self._n = int(n_boxes)
        BaseLayout.__init__(self, box_var=box_var)
        self.keep_aspect_ratio = False
        self._box_scaling = (1., 1.)
        self._layout_scaling = (1., 1.)
        self._set_boxes()

    def _set_boxes(self):
        n = max(self._n, 1)
        y = -1. + (2. * np.arange(n) + 1.) / n
        if self._origin == "top":
            y = y[::-1]
        self.box_pos = np.c_[np.zeros(n), y]
        self.box_size = (1., 1. / n)
        self.update()

    def update_boxes(self, box_pos, box_size=None):
        raise TypeError("Stacked boxes are set with n_boxes and origin")

    @property
    def n_boxes(self):
        return len(self.box_pos)

    @n_boxes.setter
    def n_boxes(self, value):
        self._n = int(value)
        self._set_boxes()

    @property
    def origin(self):
        return self._origin

    @origin.setter
    def origin(self, value):
        if value not in ("top", "bottom"):
            raise ValueError(f"origin must be 'top' or 'bottom', got {value!r}")
        self._origin = value
        self._set_boxes()
