"""Scatter visuals: markers with per-point colour, size and depth, or uniform ones."""

import numpy as np

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError

from ..arrays import (
    DEFAULT_COLOR, as_rows, get_data_bounds, get_xy, normalize_xy, split_constants,
)
from ..base import BaseVisual
from ..transform import NDC

MARKERS = ("arrow", "asterisk", "chevron", "clover", "club", "cross", "diamond", "disc",
           "ellipse", "hbar", "heart", "infinity", "pin", "ring", "spade", "square", "tag",
           "triangle", "vbar")


def _check_marker(marker):
    if marker not in MARKERS:
        raise DataError(None, f"unknown marker {marker!r}", f"use one of {', '.join(MARKERS)}")
    return marker


class _ScatterBase(BaseVisual):
    default_marker = "disc"
    default_marker_size = 10.
    default_color = DEFAULT_COLOR

    def __init__(self, marker=None):
        super().__init__()
        self.marker = _check_marker(marker or self.default_marker)
        self.set_shader("scatter")
        self.fragment_shader = self.fragment_shader.replace(
            "marker_MARKER", "marker_" + self.marker)
        self.set_primitive_type("points")
        self.set_data_range(NDC)

    def vertex_count(self, x=None, y=None, pos=None, **kwargs):
        return len(pos) if pos is not None else np.size(y)

    def _xy(self, x, y, pos, data_bounds):
        """Validated (x, y, data_bounds): columns are kept as given (no (n, 2) copy)."""
        x, y = get_xy(x, y, pos)
        n = len(x)
        bounds = get_data_bounds(data_bounds, (x, y), n) if data_bounds is not None else None
        return x, y, bounds

    def _normalized(self, data):
        if data.data_bounds is None:
            return normalize_xy(data.x, data.y, np.array([NDC]))
        self.data_range.from_bounds = data.data_bounds
        return normalize_xy(data.x, data.y, data.data_bounds)


class ScatterVisual(_ScatterBase):
    """Markers at positions, with per-point (or uniform) colour, size and depth.

    Constructor: ``marker`` (disc by default; see ``MARKERS``).
    Data: ``x``, ``y`` (1D) or ``pos`` (n, 2) (the validated data holds x and y);
    ``color`` (n, 4) or one RGBA; ``size`` (pixels, n or one value); ``depth`` (n or one
    value, in [-1, 1]: smaller is in front; when all depths are 0 points are drawn in
    order, without depth test); ``data_bounds`` (None: positions are in NDC; 'auto';
    4 numbers or one row per point).
    """

    _init_keywords = ("marker",)

    def validate(self, x=None, y=None, pos=None, color=None, size=None, depth=None,
                 data_bounds=None, **kwargs):
        x, y, bounds = self._xy(x, y, pos, data_bounds)
        n = len(x)
        return Bunch(
            x=x, y=y, data_bounds=bounds,
            color=as_rows(color, n, 4, "color", self.default_color),
            size=as_rows(size, n, 1, "size", self.default_marker_size),
            depth=as_rows(depth, n, 1, "depth", 0.),
            _n_items=n, _n_vertices=n)

    def set_data(self, *args, **kwargs):
        data = self.validate(*args, **kwargs)
        n = len(data.x)
        self.n_vertices = n
        attrs, consts = split_constants(
            {"a_color": data.color, "a_size": data.size, "a_depth": data.depth})
        attrs["a_position"] = self._normalized(data)
        consts["a_mask"] = 1.
        self.depth_test = bool(np.any(data.depth != 0))
        self.upload(attributes=attrs, constants=consts, draw={"count": n})
        return data

    def set_color(self, color):
        """Change the colours (one RGBA, or one per point)."""
        attrs, consts = split_constants(
            {"a_color": as_rows(color, self.n_vertices, 4, "color")})
        self.upload(attributes=attrs, constants=consts)

    def set_marker_size(self, marker_size):
        """Change the marker sizes in pixels (one value, or one per point)."""
        size = as_rows(marker_size, self.n_vertices, 1, "marker_size")
        if np.any(size <= 0):
            raise DataError(None, "marker sizes must be positive", "pass sizes > 0")
        attrs, consts = split_constants({"a_size": size})
        self.upload(attributes=attrs, constants=consts)


class UniformScatterVisual(_ScatterBase):
    """Markers with one colour and size (constructor), and optional per-point ``masks``
    (saturation: 1 full colour, 0 grey).

    Data: ``x``, ``y`` or ``pos``; ``masks`` (n); ``data_bounds``.
    """

    _init_keywords = ("marker", "color", "size")

    def __init__(self, marker=None, color=None, size=None):
        super().__init__(marker)
        self.color = tuple(color) if color is not None else self.default_color
        self.marker_size = float(size) if size is not None else self.default_marker_size

    def validate(self, x=None, y=None, pos=None, masks=None, data_bounds=None, **kwargs):
        x, y, bounds = self._xy(x, y, pos, data_bounds)
        n = len(x)
        return Bunch(x=x, y=y, data_bounds=bounds, masks=as_rows(masks, n, 1, "masks", 1.),
                     _n_items=n, _n_vertices=n)

    def set_data(self, *args, **kwargs):
        data = self.validate(*args, **kwargs)
        n = len(data.x)
        self.n_vertices = n
        attrs, consts = split_constants({"a_mask": data.masks})
        attrs["a_position"] = self._normalized(data)
        consts.update(a_color=self.color, a_size=self.marker_size, a_depth=0.)
        self.upload(attributes=attrs, constants=consts, draw={"count": n})
        return data
