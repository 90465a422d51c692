"""Line plots: many signals of different lengths drawn in one call (glMultiDrawArrays)."""

import numpy as np

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError

from ..arrays import (
    DEFAULT_COLOR, as_rows, get_data_bounds, normalize_xy, uniform_rows,
)
from ..base import BaseVisual
from ..transform import NDC

TEX_WIDTH = 4096  # must match plot.vert.glsl


def _signals(v, name):
    """(flat values, lengths) from a 1D array, a 2D array (one row per signal) or a list."""
    if isinstance(v, np.ndarray) and v.ndim in (1, 2):
        v2 = v if v.ndim == 2 else v[np.newaxis, :]
        return v2.ravel(), np.full(v2.shape[0], v2.shape[1], dtype=np.int64)
    if isinstance(v, (list, tuple)):
        parts = [np.asarray(a).ravel() for a in v]
        lengths = np.fromiter((len(a) for a in parts), dtype=np.int64, count=len(parts))
        flat = np.concatenate(parts) if parts else np.zeros(0)
        return flat, lengths
    raise DataError(None, f"{name}: expected a 1D/2D array or a list of 1D arrays, "
                    f"got {type(v).__name__}", "pass one array per signal")


def _linear_x(lengths):
    """x from -1 to 1 along each signal (vectorized over signals)."""
    n = int(lengths.sum())
    starts = np.cumsum(lengths) - lengths
    i = np.arange(n) - np.repeat(starts, lengths)
    return i / np.repeat(np.maximum(lengths - 1, 1), lengths) * 2. - 1.


def _per_signal_texture(rows, k):
    """Pack per-signal rows (n, k) into a (h, TEX_WIDTH or n, k) float32 texture."""
    n = len(rows)
    w = min(max(n, 1), TEX_WIDTH)
    h = -(-max(n, 1) // w)
    tex = np.zeros((h * w, k), dtype=np.float32)
    tex[:n] = rows
    return tex.reshape(h, w, k)


def bounds_of_signals(x, y, lengths):
    """Per-signal (xmin, ymin, xmax, ymax) for data_bounds='auto'."""
    starts = np.cumsum(lengths) - lengths
    ok = lengths > 0
    out = np.tile(np.array(NDC, dtype=np.float64), (len(lengths), 1))
    s = starts[ok]
    out[ok, 0] = np.minimum.reduceat(x, s) if len(s) else 0
    out[ok, 1] = np.minimum.reduceat(y, s) if len(s) else 0
    out[ok, 2] = np.maximum.reduceat(x, s) if len(s) else 0
    out[ok, 3] = np.maximum.reduceat(y, s) if len(s) else 0
    for a, b in ((0, 2), (1, 3)):
        d = out[:, a] == out[:, b]
        out[d, a] -= 1
        out[d, b] += 1
    return out


class PlotVisual(BaseVisual):
    """Line plots with per-signal colour, depth and mask.

    Data: ``y`` (1D, 2D with one row per signal, or a list of 1D arrays of any lengths);
    ``x`` (same shapes; default -1..1 along each signal); ``color`` (one RGBA or one per
    signal); ``depth``, ``masks`` (one value or one per signal); ``data_bounds`` (None:
    NDC, 'auto': per signal, 4 numbers, or one row per signal).
    ``n_vertices`` is the total number of points.
    """

    default_color = DEFAULT_COLOR

    def __init__(self):
        super().__init__()
        self.set_shader("plot")
        self.set_primitive_type("line_strip")
        self.set_data_range(NDC)
        self.n_signals = 0

    def vertex_count(self, y=None, **kwargs):
        if isinstance(y, np.ndarray):
            return y.size
        return sum(np.size(a) for a in y)

    def validate(self, x=None, y=None, color=None, depth=None, masks=None, data_bounds=None,
                 lengths=None, **kwargs):
        """``lengths`` (internal, batches): y and x are the flat concatenated signals."""
        if y is None:
            raise DataError(None, "PlotVisual needs y", "pass y=...")
        if lengths is not None:
            y, lengths = np.asarray(y).ravel(), np.asarray(lengths, dtype=np.int64)
            if lengths.sum() != len(y):
                raise DataError(None, f"{len(y)} values for signals of {lengths.sum()} points",
                                "pass lengths summing to the number of values")
            x = _linear_x(lengths) if x is None else np.asarray(x).ravel()
        elif x is None:
            y, lengths = _signals(y, "y")
            x = _linear_x(lengths)
        else:
            y, lengths = _signals(y, "y")
            x, xl = _signals(x, "x")
            if len(xl) == 1 and len(lengths) > 1 and (lengths == xl[0]).all():
                x, xl = np.tile(x, len(lengths)), lengths  # one x for every signal
            if not np.array_equal(xl, lengths):
                raise DataError(None, "x and y signals have different lengths",
                                "pass x with the same shape as y")
        n = len(lengths)
        if isinstance(data_bounds, str) and data_bounds == "auto":
            data_bounds = uniform_rows(bounds_of_signals(x, y, lengths))
        return Bunch(
            x=x, y=y, lengths=lengths,
            color=as_rows(color, n, 4, "color", self.default_color),
            depth=as_rows(depth, n, 1, "depth", 0.),
            masks=as_rows(masks, n, 1, "masks", 1.),
            data_bounds=get_data_bounds(data_bounds, n=n) if data_bounds is not None else None,
            _n_items=n, _n_vertices=int(lengths.sum()))

    def _positions(self, data):
        b = data.data_bounds
        if b is None:
            b = np.array([NDC])
        self.data_range.from_bounds = b
        if len(b) > 1:  # one rectangle per signal -> per vertex
            b = np.repeat(b, data.lengths, axis=0)
        return normalize_xy(data.x, data.y, b)

    def set_data(self, *args, **kwargs):
        data = self.validate(*args, **kwargs)
        lengths = data.lengths
        n = len(lengths)
        self.n_signals = n
        self.n_vertices = int(lengths.sum())
        firsts = np.cumsum(lengths) - lengths
        equal = n > 0 and bool((lengths == lengths[0]).all())
        attrs = {"a_position": self._positions(data)}
        consts = {}
        if equal:
            consts["a_signal_index"] = 0.
        else:
            attrs["a_signal_index"] = np.repeat(np.arange(n, dtype=np.float32), lengths)
        info = np.zeros((n, 2), dtype=np.float32)
        info[:, 0] = data.masks[:, 0]
        info[:, 1] = data.depth[:, 0]
        self.depth_test = bool(np.any(data.depth != 0))
        self.upload(
            attributes=attrs, constants=consts,
            uniforms={"u_signal_length": int(lengths[0]) if equal else 0},
            textures={"u_signal_color": _per_signal_texture(
                          np.broadcast_to(data.color, (n, 4)), 4),
                      "u_signal_info": _per_signal_texture(info, 2)},
            draw={"ranges": (firsts, lengths)})
        return data

    def set_color(self, color):
        """Change the colours: one RGBA, or one per signal."""
        color = as_rows(color, self.n_signals, 4, "color")
        self.upload(textures={"u_signal_color": _per_signal_texture(
            np.broadcast_to(color, (self.n_signals, 4)), 4)})


class UniformPlotVisual(PlotVisual):
    """Line plots with one colour (constructor); data as PlotVisual without ``color``."""

    _init_keywords = ("color",)

    def __init__(self, color=None, depth=None):
        super().__init__()
        self.color = tuple(color) if color is not None else self.default_color
        self.depth = depth

    def validate(self, x=None, y=None, masks=None, data_bounds=None, lengths=None, **kwargs):
        return super().validate(x=x, y=y, color=self.color, depth=self.depth, masks=masks,
                                data_bounds=data_bounds, lengths=lengths)
