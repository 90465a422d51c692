"""Colours: phy's selection palette, colormaps, and colouring clusters by a metric or label.

Colours are RGB(A) floats in [0, 1]. Built-in colormaps (computed on first use, no
matplotlib needed): ``default`` (the selection palette: first selected cluster blue, then
red, lime, orange, purple... as in phy, continued by a maximally distinct palette),
``categorical`` (the same 256 distinct colours), ``cluster_group`` (noise, mua, good,
unsorted greys/green as in phy), ``blank`` (grey), and perceptually even ramps ``rainbow``
(blue-green-yellow-red), ``linear`` (white-orange-red) and ``diverging`` (blue-grey-yellow).
Any other name (``viridis``, ``turbo``...) is taken from matplotlib.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

logger = logging.getLogger(__name__)

N_COLORS = 256
BLANK = (0.75, 0.75, 0.75)  # colour of missing / NaN values (phy's "blank")

# phy's first selection colours (what a phy user expects for the 1st, 2nd, ... cluster).
_SELECTION_SEEDS = [
    (0.031, 0.573, 0.988), (1.0, 0.008, 0.008), (0.596, 1.0, 0.0), (1.0, 0.647, 0.188),
    (0.714, 0.0, 1.0), (0.008, 0.533, 0.0), (1.0, 0.561, 0.784), (0.475, 0.322, 0.373),
]
# phy's cluster group colours: noise, mua, good, unsorted.
_GROUP_COLORS = [(0.4, 0.4, 0.4), (0.5, 0.5, 0.5), (0.5254, 0.8196, 0.42745), (0.75, 0.75, 0.75)]
GROUP_INDEX = {"noise": 0, "mua": 1, "good": 2, "unsorted": 3, "": 3, None: 3}


# Colour spaces (sRGB <-> CIELAB, D65 white) ---------------------------------------------------

_M = np.array([[0.4124564, 0.3575761, 0.1804375],
               [0.2126729, 0.7151522, 0.0721750],
               [0.0193339, 0.1191920, 0.9503041]])
_WHITE = np.array([0.95047, 1.0, 1.08883])
_D = 6 / 29


def rgb_to_lab(rgb: ArrayLike) -> NDArray[np.float64]:
    """sRGB (..., 3) in [0, 1] → CIELAB (..., 3)."""
    c = np.asarray(rgb, dtype=np.float64)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    t = lin @ _M.T / _WHITE
    f = np.where(t > _D ** 3, np.cbrt(t), t / (3 * _D ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def lab_to_rgb(lab: ArrayLike) -> NDArray[np.float64]:
    """CIELAB (..., 3) → sRGB (..., 3), clipped to [0, 1]."""
    lab = np.asarray(lab, dtype=np.float64)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], axis=-1)
    t = np.where(f > _D, f ** 3, 3 * _D ** 2 * (f - 4 / 29)) * _WHITE
    lin = t @ np.linalg.inv(_M).T
    lin = np.clip(lin, 0, 1)
    return np.clip(np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055), 0, 1)


# Colormap builders ------------------------------------------------------------------------------

def _distinct_palette(n: int, seeds: Sequence[tuple[float, float, float]],
                      avoid: Sequence[tuple[float, float, float]], grid: int = 24,
                      lightness: tuple[float, float] = (40, 92), min_chroma: int = 25
                      ) -> NDArray[np.float64]:
    """Greedy max-min palette in CIELAB: each new colour is the candidate farthest from all
    colours chosen so far (and from the ``avoid`` colours), starting after ``seeds``."""
    g = np.linspace(0, 1, grid)
    cand = np.stack(np.meshgrid(g, g, g, indexing="ij"), axis=-1).reshape(-1, 3)
    lab = rgb_to_lab(cand)
    keep = ((lab[:, 0] >= lightness[0]) & (lab[:, 0] <= lightness[1])
            & (np.hypot(lab[:, 1], lab[:, 2]) >= min_chroma))
    cand, lab = cand[keep], lab[keep]
    fixed = rgb_to_lab(np.array(list(seeds) + list(avoid)))
    dist2 = np.min(((lab[:, None, :] - fixed[None, :, :]) ** 2).sum(-1), axis=1)
    out = [tuple(s) for s in seeds]
    while len(out) < n:
        i = int(np.argmax(dist2))
        out.append(tuple(cand[i]))
        d = lab - lab[i]
        np.minimum(dist2, np.einsum("ij,ij->i", d, d), out=dist2)
    return np.array(out[:n])


def _lab_ramp(anchors: Sequence[tuple[float, float, float]], n: int = N_COLORS
              ) -> NDArray[np.float64]:
    """Colormap through RGB anchors, interpolated in CIELAB with perceptually even steps."""
    lab = rgb_to_lab(np.array(anchors, dtype=np.float64))
    seg = np.r_[0, np.cumsum(np.linalg.norm(np.diff(lab, axis=0), axis=1))]
    x = np.linspace(0, seg[-1], n)
    out = np.stack([np.interp(x, seg, lab[:, k]) for k in range(3)], axis=-1)
    return lab_to_rgb(out)


def _matplotlib_colormap(name: str, n: int = N_COLORS) -> NDArray[np.float64]:
    import matplotlib  # lazily: only for colormaps phyclone does not define itself

    try:
        cmap = matplotlib.colormaps[name]
    except KeyError:
        raise KeyError(f"Unknown colormap {name!r}") from None
    return np.asarray(cmap(np.linspace(0, 1, n)))[:, :3]


_GREYS = [(0, 0, 0), (1, 1, 1)] + _GROUP_COLORS
_BUILDERS = {
    "blank": lambda: np.array([BLANK]),
    "default": lambda: _distinct_palette(N_COLORS, _SELECTION_SEEDS, _GREYS),
    "categorical": lambda: colormaps["default"],
    "cluster_group": lambda: np.array(_GROUP_COLORS),
    "rainbow": lambda: _lab_ramp([(0.0, 0.2, 0.98), (0.0, 0.62, 0.62), (0.45, 0.78, 0.1),
                                  (0.96, 0.84, 0.1), (1.0, 0.16, 0.0)]),
    "linear": lambda: _lab_ramp([(1, 1, 1), (0.98, 0.83, 0.42), (0.92, 0.52, 0.2),
                                 (0.83, 0.06, 0.11)]),
    "diverging": lambda: _lab_ramp([(0.08, 0.19, 0.76), (0.57, 0.57, 0.57), (0.99, 0.89, 0.04)]),
}


class _Colormaps(dict[str, NDArray[np.float64]]):
    """Name → (n, 3) float array, built on first access; also readable as attributes."""

    def __missing__(self, name: str) -> NDArray[np.float64]:
        builder = _BUILDERS.get(name)
        cmap = builder() if builder else _matplotlib_colormap(name)
        cmap = np.asarray(cmap, dtype=np.float64)
        cmap.setflags(write=False)
        self[name] = cmap
        return cmap

    def __getattr__(self, name: str) -> NDArray[np.float64]:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def names(self) -> list[str]:
        """Names of the built-in colormaps."""
        return list(_BUILDERS)


colormaps: _Colormaps = _Colormaps()


def get_colormap(colormap: str | ArrayLike) -> NDArray[np.float64]:
    """A colormap given by name or as an (n, 3) / (n, 4) array → (n, 3) float array."""
    if isinstance(colormap, str):
        return colormaps[colormap]
    cmap = np.asarray(colormap, dtype=np.float64)
    if cmap.ndim != 2 or cmap.shape[1] not in (3, 4) or not len(cmap):
        raise ValueError(f"A colormap must be an (n, 3) array, got shape {cmap.shape}")
    return cmap[:, :3]


# Helpers --------------------------------------------------------------------------------------

@overload
def add_alpha(c: tuple[float, ...], alpha: float = 1.0) -> tuple[float, ...]: ...
@overload
def add_alpha(c: NDArray[Any] | list[Any], alpha: float = 1.0) -> NDArray[np.floating]: ...
def add_alpha(c: tuple[float, ...] | ArrayLike, alpha: float = 1.0
              ) -> tuple[float, ...] | NDArray[np.floating]:
    """Add (or replace) the alpha channel: a 3/4-tuple gives a 4-tuple, an (..., 3|4) array
    gives an (..., 4) array."""
    if isinstance(c, tuple):
        return tuple(c[:3]) + (alpha,)
    c = np.asarray(c)
    if c.shape[-1] not in (3, 4):
        raise ValueError(f"Expected colours with 3 or 4 components, got shape {c.shape}")
    out = np.empty(c.shape[:-1] + (4,), dtype=c.dtype if c.dtype.kind == "f" else np.float64)
    out[..., :3] = c[..., :3]
    out[..., 3] = alpha
    return out


def selected_cluster_color(i: int, alpha: float = 1.0) -> tuple[float, ...]:
    """RGBA 4-tuple of the ``i``-th selected cluster (phy's selection palette, cycling)."""
    pal = colormaps["default"]
    return add_alpha(tuple(float(x) for x in pal[i % len(pal)]), alpha)


def _index_of(values: ArrayLike, lookup: ArrayLike) -> NDArray[np.int64]:
    """Position of each value in ``lookup`` (-1 when absent)."""
    values = np.asarray(values)
    lookup = np.asarray(lookup)
    if not len(lookup) or not values.size:
        return np.full(values.shape, -1, dtype=np.int64)
    if values.dtype.kind in "iu" and lookup.dtype.kind in "iu":
        lo = int(min(values.min(), lookup.min()))
        hi = int(max(values.max(), lookup.max()))
        if hi - lo < 10_000_000:  # dense table: one gather, no sort
            table = np.full(hi - lo + 1, -1, dtype=np.int64)
            table[lookup[::-1] - lo] = np.arange(len(lookup))[::-1]  # first occurrence wins
            return table[values - lo]
    order = np.argsort(lookup, kind="stable")
    pos = np.clip(np.searchsorted(lookup, values, sorter=order), 0, len(lookup) - 1)
    idx = order[pos]
    return np.where(lookup[idx] == values, idx, -1)


def spike_colors(spike_clusters: ArrayLike, cluster_ids: Sequence[int] | NDArray[np.integer],
                 alpha: float = 1.0) -> NDArray[np.float32]:
    """(n_spikes, 4) float32 colours: the selection colour of each spike's cluster, by the
    cluster's position in ``cluster_ids``; spikes of other clusters are grey."""
    idx = _index_of(np.asarray(spike_clusters).ravel(), np.asarray(cluster_ids).ravel())
    k = len(cluster_ids)
    pal = colormaps["default"]
    table = add_alpha(np.vstack([pal[np.arange(k) % len(pal)], BLANK]), alpha).astype(np.float32)
    return table[np.where(idx >= 0, idx, k)]


def add_selected_clusters_colors(selected_clusters: ArrayLike, cluster_ids: ArrayLike,
                                 cluster_colors: NDArray[np.floating]) -> NDArray[np.floating]:
    """Give the selected clusters their selection colour (opaque) in ``cluster_colors``
    ((n_clusters, 4), one row per ``cluster_ids`` entry). Returns ``cluster_colors``."""
    sel = np.asarray(selected_clusters)
    rows = _index_of(sel, cluster_ids)
    pal = colormaps["default"]
    order = np.arange(len(sel))[rows >= 0]
    cluster_colors[rows[rows >= 0]] = add_alpha(pal[order % len(pal)], 1.0)
    return cluster_colors


def _to_float(values: Sequence[Any] | NDArray[Any]) -> NDArray[np.float64]:
    """Object values → float64 array, NaN where missing or not a number."""
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        out = np.full(len(values), np.nan)
        for i, v in enumerate(values):
            if isinstance(v, (int, float, np.number)) and not isinstance(v, bool):
                out[i] = v
            elif isinstance(v, str):
                try:
                    out[i] = float(v)
                except ValueError:
                    pass
        return out


def _is_missing(v: object) -> bool:
    return v is None or v == "" or (isinstance(v, float) and math.isnan(v))


def continuous_colors(cmap: NDArray[np.float64], values: ArrayLike, vmin: float, vmax: float
                      ) -> NDArray[np.float64]:
    """Map float values in [vmin, vmax] to colours of ``cmap`` (NaN → grey), (n, 3)."""
    values = np.asarray(values, dtype=np.float64)
    span = vmax - vmin
    x = (values - vmin) / span if span > 0 else values * 0.0  # NaN stays NaN
    ok = np.isfinite(x)
    idx = np.round(np.clip(np.where(ok, x, 0), 0, 1) * (len(cmap) - 1)).astype(np.int64)
    return np.where(ok[:, None], cmap[idx], BLANK)


def categorical_colors(cmap: NDArray[np.float64], codes: ArrayLike) -> NDArray[np.float64]:
    """Map integer codes to colours of ``cmap`` (cycling; negative codes → grey), (n, 3)."""
    codes = np.asarray(codes, dtype=np.int64)
    return np.where(codes[:, None] >= 0, cmap[np.maximum(codes, 0) % len(cmap)], BLANK)


# Cluster colour selector ----------------------------------------------------------------------

_ID_FIELDS = ("random", "cluster_id", "id")
_LOG_METRICS = ("firing_rate", "fr")


class ClusterColorSelector:
    """Assign a colour to each cluster from a metric or a label.

    ``fun`` is a field name (``'random'``/``'cluster_id'``: the cluster id; a key of
    ``cluster_labels`` — dict name → {cluster_id: value}, read live; or a key of
    ``cluster_metrics`` — dict name → function(cluster_id) → value), or a function
    cluster_id → value. ``None`` means ``'random'``.

    Unless given, the mapping is inferred: ``group`` uses phy's group colours (noise, mua,
    good, unsorted; other groups get palette colours); the cluster id, strings and integer
    fields with at most 20 distinct values are categorical (stable colours: an integer keeps its
    colour, a string keeps the colour it first got); other values use the continuous
    ``linear`` colormap, logarithmic for firing rates. Missing and NaN values are grey.
    """

    _fun: Callable[[int], Any] | None
    _name: str | None
    vmin: float
    vmax: float

    def __init__(self, fun: str | Callable[[int], Any] | None = None,
                 colormap: str | ArrayLike | None = None, categorical: bool | None = None,
                 logarithmic: bool | None = None, cluster_ids: ArrayLike | None = None,
                 cluster_metrics: Mapping[str, Callable[[int], Any]] | None = None,
                 cluster_labels: Mapping[str, Mapping[int, Any]] | None = None) -> None:
        self.cluster_metrics = cluster_metrics if cluster_metrics is not None else {}
        self.cluster_labels = cluster_labels if cluster_labels is not None else {}
        self.cluster_ids = np.asarray(cluster_ids if cluster_ids is not None else [], np.int64)
        self._fun = self._name = None
        self._given: dict[str, Any] = {}
        self.set_color_mapping(fun=fun if fun is not None else "random", colormap=colormap,
                               categorical=categorical, logarithmic=logarithmic)

    # Configuration ------------------------------------------------------------------------
    @property
    def fields(self) -> list[str]:
        """Names usable as ``fun``."""
        return ["random"] + sorted(set(self.cluster_labels) | set(self.cluster_metrics))

    @property
    def name(self) -> str | None:
        """Name of the current colour field (None for an anonymous function)."""
        return self._name

    def _resolve(self, fun: str | Callable[[int], Any]) -> tuple[Callable[[int], Any], str | None]:
        if callable(fun):
            name = getattr(fun, "__name__", None)
            return fun, (name if name in self.fields else None)
        if fun in _ID_FIELDS:
            return (lambda cluster_id: cluster_id), fun
        if fun in self.cluster_labels:
            return (lambda cluster_id: self.cluster_labels[fun].get(cluster_id)), fun
        if fun in self.cluster_metrics:
            return self.cluster_metrics[fun], fun
        raise ValueError(f"Unknown colour field {fun!r}; available: {self.fields}")

    def set_color_mapping(self, fun: str | Callable[[int], Any] | None = None,
                          colormap: str | ArrayLike | None = None, categorical: bool | None = None,
                          logarithmic: bool | None = None) -> None:
        """Choose the colour field and mapping; None keeps the current setting (or, when the
        field changes, infers it for the new field)."""
        given = {"colormap": colormap, "categorical": categorical, "logarithmic": logarithmic}
        if fun is not None:
            self._fun, self._name = self._resolve(fun)
            self._given = {}
            self._categories: dict[str, int] = {}
        self._given.update({k: v for k, v in given.items() if v is not None})
        self.set_cluster_ids(self.cluster_ids)

    def _infer(self, raw: Sequence[Any]) -> tuple[str | ArrayLike, bool, bool]:
        """Mapping settings for the current field, from the given ones and the values."""
        is_group = self._name == "group"
        present = [v for v in raw if not _is_missing(v)]
        if "categorical" in self._given:
            categorical = bool(self._given["categorical"])
        elif is_group or self._name in _ID_FIELDS or any(isinstance(v, str) for v in present):
            categorical = True
        else:
            ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                       for v in present)
            categorical = bool(present) and ints and len(set(present)) <= 20 and \
                self._name not in self.cluster_metrics
        colormap = self._given.get("colormap")
        if colormap is None:
            colormap = "cluster_group" if is_group else ("categorical" if categorical else "linear")
        logarithmic = self._given.get("logarithmic", self._name in _LOG_METRICS)
        return colormap, categorical, bool(logarithmic)

    def set_cluster_ids(self, cluster_ids: ArrayLike) -> None:
        """Set the clusters whose values define the colour range (continuous) or the order
        of first appearance of string categories."""
        self.cluster_ids = np.asarray(cluster_ids, dtype=np.int64)
        raw = self._raw_values(self.cluster_ids)
        self._colormap, self.categorical, self.logarithmic = self._infer(raw)
        self._cmap = get_colormap(self._colormap)
        if self._is_group():  # unknown groups get palette colours after the 4 group colours
            self._cmap = np.vstack([self._cmap, colormaps["categorical"][len(_SELECTION_SEEDS):]])
        if self.categorical:
            self._codes(raw)  # register the categories in a stable order
            self.vmin, self.vmax = 0, len(self._cmap) - 1
        else:
            v = _to_float(raw)
            v = v[np.isfinite(v) & ((v > 0) if self.logarithmic else True)]
            self.vmin, self.vmax = (float(v.min()), float(v.max())) if len(v) else (1.0, 1.0)

    @property
    def state(self) -> dict[str, Any]:
        """JSON-serialisable settings; ``set_color_mapping(**state)`` restores them."""
        cmap = self._colormap if isinstance(self._colormap, str) else self._cmap.tolist()
        return {"fun": self._name, "colormap": cmap, "categorical": self.categorical,
                "logarithmic": self.logarithmic}

    # Values ---------------------------------------------------------------------------------
    def _raw_values(self, cluster_ids: ArrayLike) -> list[Any]:
        f = self._fun
        # (typed: set by __init__)
        return [f(int(c)) for c in np.asarray(cluster_ids).ravel()]  # type: ignore[misc]

    def _scaled(self, values: NDArray[Any]) -> NDArray[Any]:
        if not self.logarithmic:
            return values
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(values > 0, np.log(np.where(values > 0, values, 1)), np.nan)

    def _is_group(self) -> bool:
        return self._name == "group" and self._colormap == "cluster_group"

    def _codes(self, raw: Iterable[Any]) -> NDArray[np.int64]:
        """Integer category codes (-1 for missing): integers are their own code, group names
        their phy index, other values an index registered in order of first appearance."""
        is_group = self._is_group()
        offset = len(_GROUP_COLORS) if is_group else 0
        keys: list[int | str] = []
        for v in raw:
            if is_group and (_is_missing(v) or str(v).lower() in GROUP_INDEX):
                keys.append(GROUP_INDEX[None if _is_missing(v) else str(v).lower()])
            elif _is_missing(v):
                keys.append(-1)
            elif isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
                keys.append(int(v))
            elif isinstance(v, (float, np.floating)) and float(v).is_integer():
                keys.append(int(v))
            else:
                keys.append(str(v))
        for k in sorted({k for k in keys if isinstance(k, str)} - set(self._categories)):
            self._categories[k] = len(self._categories)
        return np.array([offset + self._categories[k] if isinstance(k, str) else k
                         for k in keys], dtype=np.int64)

    def get_values(self, cluster_ids: ArrayLike) -> NDArray[np.int64] | NDArray[np.float64]:
        """Values of the colour field: int64 category codes (-1 missing) when categorical,
        else float64 (NaN when missing or not a number)."""
        raw = self._raw_values(cluster_ids)
        return self._codes(raw) if self.categorical else _to_float(raw)

    # Colours --------------------------------------------------------------------------------
    def map(self, values: ArrayLike) -> NDArray[np.float64]:
        """Colours (n, 3) float64 of values as returned by ``get_values`` (raw labels are
        accepted too). Continuous values are mapped linearly (or on a log scale) from
        [vmin, vmax] to the colormap, clipped."""
        values = np.asarray(values).ravel()
        if self.categorical:
            if values.dtype.kind not in "iu":
                values = self._codes(list(values))
            return categorical_colors(self._cmap, values)
        values = self._scaled(_to_float(values) if values.dtype.kind not in "fiu" else values)
        vmin, vmax = self._scaled(np.array([self.vmin, self.vmax], dtype=np.float64))
        return continuous_colors(self._cmap, values, vmin, vmax)

    def get_colors(self, cluster_ids: ArrayLike, alpha: float = 1.0) -> NDArray[np.float32]:
        """RGBA colours (n, 4) float32 of these clusters."""
        return add_alpha(self.map(self.get_values(cluster_ids)), alpha).astype(np.float32)

    def get(self, cluster_id: int, alpha: float = 1.0) -> tuple[float, ...]:
        """RGBA 4-tuple of one cluster."""
        return tuple(float(x) for x in add_alpha(self.map(self.get_values([cluster_id])), alpha)[0])
