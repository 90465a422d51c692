"""Accumulate the data of several items (e.g. clusters) so a visual draws them in one call."""

import numpy as np

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError


def _expand(value, n_items):
    """Broadcast a one-row array to ``n_items`` rows."""
    if value.ndim >= 1 and value.shape[0] == 1 and n_items != 1:
        return np.repeat(value, n_items, axis=0)
    return value


def box_constant(box_index, n_vertices):
    """The box index as a tuple when it is one value for every vertex, else None.

    Scalars, tuples and lists are one box; a 1D numpy array is one box per vertex when
    its length is ``n_vertices``; a 2D array whose rows are all equal is one box.
    """
    if isinstance(box_index, np.ndarray):
        b = box_index
        if b.ndim == 1 and len(b) == n_vertices and n_vertices > 1:
            return tuple(b[:1].tolist()) if (b == b[0]).all() else None
        if b.ndim == 2 and len(b) > 0:
            return tuple(b[0].tolist()) if (b == b[0]).all() else None
        return tuple(b.ravel().tolist()) if b.size <= 2 else None
    return tuple(np.ravel(box_index).tolist())


def box_rows(box_index, n_vertices):
    """The box index as an (n_vertices, k) float32 array."""
    c = box_constant(box_index, n_vertices)
    if c is not None:
        return np.tile(np.asarray(c, dtype=np.float32), (n_vertices, 1))
    b = np.asarray(box_index, dtype=np.float32)
    b = b[:, np.newaxis] if b.ndim == 1 else b
    if b.shape[0] != n_vertices:
        raise DataError(None, f"box_index has {b.shape[0]} rows for {n_vertices} vertices",
                        "give one box index per item or one per vertex")
    return b


class BatchAccumulator:
    """Items added with ``add`` are concatenated key by key by ``data``.

    Per-item arrays are concatenated (a one-row array is first repeated to the item's
    ``n_items`` rows); keys in ``noconcat`` are lists that are chained; other values
    must be equal across items. ``box_index`` becomes one row per vertex, or stays a
    single value when every item uses the same box.
    """

    def __init__(self):
        self.reset()

    def reset(self):
        """Forget every item."""
        self.items = []
        self.noconcat = ()

    def add(self, b, noconcat=(), n_items=None, n_vertices=None, **kwargs):
        """Add one item: ``b`` is a dict of visual parameters (validated)."""
        b = Bunch(b)
        b.update(kwargs)
        n_items = b.pop("_n_items", n_items)
        n_vertices = b.pop("_n_vertices", n_vertices)
        if n_items is None or n_vertices is None:
            raise ValueError("BatchAccumulator.add() needs n_items and n_vertices")
        self.items.append((b, n_items, n_vertices))
        self.noconcat = tuple(noconcat)

    @property
    def n_items(self):
        return sum(n for _, n, _ in self.items)

    @property
    def n_vertices(self):
        return sum(n for _, _, n in self.items)

    @property
    def data(self):
        """The concatenated Bunch (empty when no item was added)."""
        out = Bunch()
        keys = []
        for b, _, _ in self.items:
            keys.extend(k for k in b if k not in keys and not k.startswith("_"))
        for key in keys:
            values = [b.get(key) for b, _, _ in self.items]
            if key == "box_index":
                out[key] = self._box_index(values)
            elif key in self.noconcat:
                out[key] = [x for v in values for x in (v if v is not None else [])]
            elif all(v is None for v in values):
                out[key] = None
            elif all(isinstance(v, np.ndarray) and v.ndim >= 1 for v in values):
                out[key] = np.concatenate(
                    [_expand(v, n) for v, (_, n, _) in zip(values, self.items)], axis=0)
            else:
                first = values[0]
                if any(not _equal(v, first) for v in values[1:]):
                    raise DataError(None, f"batch items disagree on {key!r}",
                                    f"pass {key} as a per-item array")
                out[key] = first
        return out

    def _box_index(self, values):
        if all(v is None for v in values):
            return None
        consts = [box_constant(v, n) for v, (_, _, n) in zip(values, self.items)
                  if v is not None]
        if len(consts) == len(values) and all(c is not None and c == consts[0] for c in consts):
            return consts[0]
        return np.concatenate([box_rows(0 if v is None else v, n)
                               for v, (_, _, n) in zip(values, self.items)], axis=0)


def _equal(a, b):
    try:
        return bool(np.array_equal(a, b)) if not isinstance(a, str) else a == b
    except Exception:
        return a is b
