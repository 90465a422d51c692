"""Validation of visual inputs: arrays, colors, data bounds, positions (numpy only)."""

import numpy as np

from phyclone.utils.errors import DataError

from .transform import NDC

DEFAULT_COLOR = (0.03, 0.57, 0.98, 0.75)


def _bad(what, problem):
    return DataError(None, f"{what}: {problem}", "pass arrays of the documented shape")


def as_rows(val, n, k, name, default=None, dtype=np.float32):
    """A per-item parameter as a (1, k) array when uniform (all rows equal), else (n, k).

    Keeping uniform values as one row lets visuals upload them as GL constants.
    """
    if val is None:
        val = default
    arr = np.asarray(val, dtype=dtype)
    if arr.ndim == 0 or (arr.ndim == 1 and arr.size == k and not (k == 1 and n != 1)):
        return np.ascontiguousarray(np.broadcast_to(arr.reshape(-1)[:k], (1, k)))
    if arr.ndim == 1:
        arr = arr[:, np.newaxis]
    if arr.shape == (1, k):
        return np.ascontiguousarray(arr)
    if arr.shape != (n, k):
        raise _bad(name, f"expected {n} rows of {k} values, got shape {arr.shape}")
    return uniform_rows(np.ascontiguousarray(arr))


def uniform_rows(arr):
    """``arr[:1]`` when every row of ``arr`` equals the first one, else ``arr``."""
    if arr.shape[0] > 1 and (arr == arr[0]).all():
        return arr[:1]
    return arr


def get_pos(x=None, y=None, pos=None, name="pos"):
    """(n, 2) positions from ``pos`` or from ``x`` and ``y`` (float32/float64 kept)."""
    x, y = get_xy(x, y, pos, name)
    out = np.empty((len(x), 2), dtype=np.result_type(x.dtype, y.dtype))
    out[:, 0], out[:, 1] = x, y
    return out


def get_xy(x=None, y=None, pos=None, name="pos"):
    """(x, y) 1D float arrays from ``x`` and ``y`` or from an (n, 2) ``pos`` (no copy when
    possible: columns of ``pos`` are views)."""
    if pos is None:
        if x is None or y is None:
            raise _bad(name, "give pos, or both x and y")
        x, y = _float(np.asarray(x).ravel()), _float(np.asarray(y).ravel())
        if x.shape != y.shape:
            raise _bad(name, f"x has {x.size} values and y {y.size}")
        return x, y
    pos = np.atleast_2d(_float(np.asarray(pos)))
    if pos.ndim != 2 or pos.shape[1] != 2:
        raise _bad(name, f"expected an (n, 2) array, got shape {pos.shape}")
    return pos[:, 0], pos[:, 1]


def _float(a):
    return a if a.dtype in (np.float32, np.float64) else a.astype(np.float64)


def data_bounds_of(x, y=None):
    """(xmin, ymin, xmax, ymax) of positions ((n, 2), or x and y), degenerate axes
    widened by +/- 1."""
    if y is None:
        x, y = x[:, 0], x[:, 1]
    if len(x) == 0:
        return NDC
    xmin, xmax, ymin, ymax = x.min(), x.max(), y.min(), y.max()
    if xmin == xmax:
        xmin, xmax = xmin - 1, xmax + 1
    if ymin == ymax:
        ymin, ymax = ymin - 1, ymax + 1
    return (float(xmin), float(ymin), float(xmax), float(ymax))


def get_data_bounds(data_bounds, pos=None, n=None, name="data_bounds"):
    """``data_bounds`` as a (1, 4) or (n, 4) float64 array ('auto' -> bounds of ``pos``,
    an (n, 2) array or an (x, y) pair; None -> NDC). Degenerate rows are rejected."""
    if data_bounds is None:
        data_bounds = NDC
    elif isinstance(data_bounds, str):
        if data_bounds != "auto":
            raise _bad(name, f"unknown value {data_bounds!r} (use 'auto', None or 4 numbers)")
        data_bounds = NDC if pos is None else (
            data_bounds_of(*pos) if isinstance(pos, tuple) else data_bounds_of(pos))
    b = np.atleast_2d(np.asarray(data_bounds, dtype=np.float64))
    if b.shape[1] != 4 or (b.shape[0] != 1 and n is not None and b.shape[0] != n):
        raise _bad(name, f"expected (1, 4) or ({n}, 4) bounds, got shape {b.shape}")
    if np.any(b[:, 0] == b[:, 2]) or np.any(b[:, 1] == b[:, 3]):
        raise _bad(name, "degenerate bounds (xmin == xmax or ymin == ymax)")
    return uniform_rows(b)


def normalize_pos(pos, data_bounds):
    """Map (n, 2) ``pos`` from ``data_bounds`` ((1, 4) or (n, 4)) to NDC, as float32."""
    return normalize_xy(pos[:, 0], pos[:, 1], data_bounds)


def normalize_xy(x, y, data_bounds):
    """(n, 2) float32 NDC positions of ``x``, ``y`` in ``data_bounds`` ((1, 4) or (n, 4)).

    ``value - lower bound`` is computed in the input precision and written straight into
    the float32 output (large offsets such as sample indices keep their precision, and no
    temporary array is allocated); the scaling is then done in place.
    """
    out = np.empty((len(x), 2), dtype=np.float32)
    b = data_bounds
    if b.shape[0] == 1 and np.array_equal(b[0], NDC):
        out[:, 0], out[:, 1] = x, y
        return out
    for i, v in enumerate((x, y)):
        lo, hi = b[:, i], b[:, i + 2]
        scale = (2. / (hi - lo)).astype(np.float32)
        if len(b) == 1:
            lo, scale = lo[0], scale[0]
        col = out[:, i]
        np.subtract(v, lo, out=col, casting="same_kind")
        col *= scale
        col -= np.float32(1.)
    return out


def get_linear_x(n_signals, n_samples):
    """(n_signals, n_samples) x coordinates going linearly from -1 to 1."""
    return np.tile(np.linspace(-1., 1., n_samples), (n_signals, 1))


def split_constants(rows):
    """Split name -> (1, k) or (n, k) arrays into (attributes, constants) dicts: one-row
    arrays become GL constant attributes (no per-vertex upload)."""
    attributes, constants = {}, {}
    for name, arr in rows.items():
        if arr.shape[0] == 1:
            constants[name] = arr[0]
        else:
            attributes[name] = arr
    return attributes, constants
