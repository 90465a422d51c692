"""Validation of visual inputs: arrays, colors, data bounds, positions (numpy only)."""

import numpy as np

from phyclone.utils.errors import DataError

from .transform import NDC

DEFAULT_COLOR = (0.03, 0.57, 0.98, 0.75)


def _bad(what, problem):
    return DataError(None, f"{what}: {problem}", "pass arrays of the documented shape")


def get_array(val, shape, default=None, dtype=np.float64, name="value"):
    """Return ``val`` as an array of ``shape``; a scalar or single row is broadcast.

    ``None`` gives ``default`` broadcast (or None when no default).
    """
    if val is None:
        if default is None:
            return None
        val = default
    arr = np.asarray(val, dtype=dtype)
    if arr.shape == tuple(shape):
        return arr
    try:
        if arr.ndim == 1 and len(shape) == 2 and arr.size == shape[1]:
            arr = arr[np.newaxis, :]
        elif arr.ndim == 1 and len(shape) == 2 and shape[1] == 1:
            arr = arr[:, np.newaxis]
        return np.ascontiguousarray(np.broadcast_to(arr, shape))
    except ValueError:
        raise _bad(name, f"shape {arr.shape} does not fit {tuple(shape)}") from None


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
    if pos is None:
        if x is None or y is None:
            raise _bad(name, "give pos, or both x and y")
        x, y = np.asarray(x).ravel(), np.asarray(y).ravel()
        if x.shape != y.shape:
            raise _bad(name, f"x has {x.size} values and y {y.size}")
        dtype = np.result_type(x.dtype, y.dtype, np.float32)
        pos = np.empty((x.size, 2), dtype=dtype if dtype in (np.float32, np.float64) else np.float64)
        pos[:, 0] = x
        pos[:, 1] = y
        return pos
    pos = np.asarray(pos)
    if pos.dtype not in (np.float32, np.float64):
        pos = pos.astype(np.float64)
    pos = np.atleast_2d(pos)
    if pos.ndim != 2 or pos.shape[1] != 2:
        raise _bad(name, f"expected an (n, 2) array, got shape {pos.shape}")
    return pos


def data_bounds_of(pos):
    """(xmin, ymin, xmax, ymax) of positions, with degenerate axes widened by +/- 1."""
    if len(pos) == 0:
        return NDC
    xmin, ymin = pos.min(axis=0)
    xmax, ymax = pos.max(axis=0)
    if xmin == xmax:
        xmin, xmax = xmin - 1, xmax + 1
    if ymin == ymax:
        ymin, ymax = ymin - 1, ymax + 1
    return (float(xmin), float(ymin), float(xmax), float(ymax))


def get_data_bounds(data_bounds, pos=None, n=None, name="data_bounds"):
    """``data_bounds`` as a (1, 4) or (n, 4) float64 array ('auto' -> bounds of ``pos``;
    None -> NDC). Rows with xmin == xmax or ymin == ymax are rejected."""
    if data_bounds is None:
        data_bounds = NDC
    elif isinstance(data_bounds, str):
        if data_bounds != "auto":
            raise _bad(name, f"unknown value {data_bounds!r} (use 'auto', None or 4 numbers)")
        data_bounds = data_bounds_of(pos) if pos is not None else NDC
    b = np.atleast_2d(np.asarray(data_bounds, dtype=np.float64))
    if b.shape[1] != 4 or (b.shape[0] != 1 and n is not None and b.shape[0] != n):
        raise _bad(name, f"expected (1, 4) or ({n}, 4) bounds, got shape {b.shape}")
    if np.any(b[:, 0] == b[:, 2]) or np.any(b[:, 1] == b[:, 3]):
        raise _bad(name, "degenerate bounds (xmin == xmax or ymin == ymax)")
    return uniform_rows(b)


def normalize_pos(pos, data_bounds):
    """Map ``pos`` from ``data_bounds`` ((1, 4) or (n, 4)) to NDC, as float32.

    float64 inputs are computed in float64 (large offsets such as sample indices keep
    their precision) and only the result is cast.
    """
    b = data_bounds
    if b.shape[0] == 1 and np.array_equal(b[0], NDC):
        return np.ascontiguousarray(pos, dtype=np.float32)
    scale = 2. / (b[:, 2:] - b[:, :2])
    offset = -1. - b[:, :2] * scale
    if pos.dtype == np.float32 and b.shape[0] == 1:
        out = pos * scale.astype(np.float32)
        out += offset.astype(np.float32)
        return out
    out = np.empty(pos.shape, dtype=np.float32)
    np.add(pos * scale, offset, out=out, casting="same_kind")
    return out


def get_linear_x(n_signals, n_samples):
    """(n_signals, n_samples) x coordinates going linearly from -1 to 1."""
    return np.tile(np.linspace(-1., 1., n_samples), (n_signals, 1))


def as_list(arr, name):
    """A 1D array, a 2D array (one row per signal) or a list of 1D arrays -> list of 1D arrays."""
    if isinstance(arr, np.ndarray):
        if arr.ndim == 1:
            return [arr]
        if arr.ndim == 2:
            return list(arr)
        raise _bad(name, f"expected 1D or 2D, got shape {arr.shape}")
    if isinstance(arr, (list, tuple)):
        return [np.asarray(a).ravel() for a in arr]
    raise _bad(name, f"expected arrays, got {type(arr).__name__}")


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
