"""Cross-correlograms and baseline firing rates, with phylib's conventions.

Spike times are integer samples end to end. Times given in seconds (any float dtype) are
converted once with ``rint(t * sample_rate)``: this recovers the exact integer sample of any
time computed as ``sample / sample_rate`` (phylib truncates, which can move such a spike one
sample earlier). A pair of spikes (i before j, by index) falls in bin
``(t_j - t_i) // bin_samples``; the kernel computes it without a division per pair.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _jit
from ._jit import jit


def spike_samples(spike_times: ArrayLike, sample_rate: float) -> NDArray[np.int64]:
    """Spike times as int64 samples: integers are kept, seconds are rounded to the nearest
    sample (``rint(t * sample_rate)``)."""
    t = np.asarray(spike_times)
    if t.dtype.kind in "iu":
        return t.astype(np.int64, copy=False)
    if t.dtype.kind != "f":
        raise ValueError(f"spike_times must be integer samples or float seconds, got {t.dtype}.")
    return np.rint(t.astype(np.float64, copy=False) * float(sample_rate)).astype(np.int64)


def bin_samples(bin_size: float, sample_rate: float) -> int:
    """Bin size in samples, as phylib: ``int(sample_rate * bin_size)`` (bin clipped to
    [1e-5, 1e5] s; a product within 1e-9 below an integer counts as that integer)."""
    b = int(float(sample_rate) * float(np.clip(bin_size, 1e-5, 1e5)) + 1e-9)
    if b < 1:
        raise ValueError(f"bin_size={bin_size} s is shorter than one sample at {sample_rate} Hz.")
    return b


def n_window_bins(bin_size: float, window_size: float) -> int:
    """Odd number of bins of a correlogram: ``2 * int(window / 2 / bin) + 1`` (phylib)."""
    bin_size = float(np.clip(bin_size, 1e-5, 1e5))
    window_size = float(np.clip(window_size, 1e-5, 1e5))
    return 2 * int(0.5 * window_size / bin_size + 1e-9) + 1


def cluster_index(spike_clusters: ArrayLike, cluster_ids: ArrayLike) -> NDArray[np.int32]:
    """Index of every spike's cluster in ``cluster_ids`` (int32), -1 for other clusters."""
    sc = np.asarray(spike_clusters)
    ids = np.asarray(cluster_ids).astype(np.int64).ravel()
    if len(np.unique(ids)) != len(ids):
        raise ValueError("cluster_ids contains duplicates.")
    if not len(sc) or not len(ids):
        return np.full(len(sc), -1, dtype=np.int32)
    hi = int(max(sc.max(), ids.max()))
    lo = int(min(sc.min(), ids.min()))
    if lo >= 0 and hi < 4 * len(sc) + (1 << 20):
        lut = np.full(hi + 1, -1, dtype=np.int32)
        lut[ids] = np.arange(len(ids), dtype=np.int32)
        return lut[sc]
    order = np.argsort(ids)
    pos = np.minimum(np.searchsorted(ids[order], sc), len(ids) - 1)
    return np.where(ids[order][pos] == sc, order[pos], -1).astype(np.int32)


# Packed layout: one int64 per spike, q << 28 | r << 14 | label (one memory stream).
_PACK_BITS = 14
_PACK_LIMIT = 1 << _PACK_BITS
_Q_LIMIT = 1 << (63 - 2 * _PACK_BITS)


@jit
def _ccg_packed_kernel(p: NDArray[np.int64], n_clusters: int, half: int,
                       out: NDArray[np.int32]) -> None:  # pragma: no cover - compiled
    n = len(p)
    nb = half + 1
    for i in range(n):
        x = p[i]
        qi = x >> 28
        ri = (x >> 14) & 0x3FFF
        row = (x & 0x3FFF) * n_clusters
        for j in range(i + 1, n):
            y = p[j]
            d = (y >> 28) - qi
            if ((y >> 14) & 0x3FFF) < ri:
                d -= 1
            if d > half:
                break
            out[(row + (y & 0x3FFF)) * nb + d] += 1


@jit
def _ccg_kernel(q: NDArray[np.int64], r: NDArray[np.int64], labels: NDArray[np.int32],
                n_clusters: int, half: int,
                out: NDArray[np.int32]) -> None:  # pragma: no cover - compiled
    # q = t // bin, r = t % bin, so (t_j - t_i) // bin == q_j - q_i - (r_j < r_i).
    n = len(q)
    nb = half + 1
    for i in range(n):
        qi = q[i]
        ri = r[i]
        row = labels[i] * n_clusters
        for j in range(i + 1, n):
            d = q[j] - qi
            if r[j] < ri:
                d -= 1
            if d > half:
                break
            out[(row + labels[j]) * nb + d] += 1


def _ccg_numpy(q: NDArray[np.int64], r: NDArray[np.int64], labels: NDArray[np.int32],
               n_clusters: int, half: int) -> NDArray[np.int64]:
    """Same counts as the kernel, one vectorized pass per index shift."""
    nb = half + 1
    out = np.zeros(n_clusters * n_clusters * nb, dtype=np.int64)
    n = len(q)
    i = np.arange(n - 1)
    shift = 1
    while len(i):
        i = i[i + shift < n]
        j = i + shift
        d = q[j] - q[i] - (r[j] < r[i])
        ok = d <= half
        i, j, d = i[ok], j[ok], d[ok]
        if len(i):
            idx = (labels[i].astype(np.int64) * n_clusters + labels[j]) * nb + d
            out += np.bincount(idx, minlength=len(out))
        shift += 1
    return out


def _symmetrize(c: NDArray[np.int32]) -> NDArray[np.int32]:
    """phylib's symmetrization: bin 0 takes the max over both orders of a pair of clusters,
    negative lags are the transposed, reversed positive lags."""
    c[..., 0] = np.maximum(c[..., 0], c[..., 0].T)
    sym = np.transpose(c[..., 1:][..., ::-1], (1, 0, 2))
    return np.dstack((sym, c))


def correlograms(spike_times: ArrayLike, spike_clusters: ArrayLike,
                 cluster_ids: ArrayLike | None = None, sample_rate: float = 1.,
                 bin_size: float | None = None, window_size: float | None = None,
                 symmetrize: bool = True) -> NDArray[np.int32]:
    """All pairwise cross-correlograms of the given clusters (phylib's conventions).

    Parameters
    ----------
    spike_times : array
        Non-decreasing spike times: integer samples, or float seconds (see module doc).
    spike_clusters : array
        Cluster of every spike; spikes of clusters not in ``cluster_ids`` are ignored, so a
        view can pass only the selected clusters' spikes (or everything).
    cluster_ids : array
        Clusters, in the order of the output (default: sorted unique ``spike_clusters``).
    sample_rate : float
        Hz. bin_size, window_size : float, seconds (default 1 ms and 50 ms).

    Returns
    -------
    int32 array of shape ``(n_clusters, n_clusters, n_bins)`` with an odd ``n_bins``; entry
    ``[i, j, half + k]`` counts spikes of cluster j in the k-th bin after a spike of cluster
    i. The autocorrelogram centre bin counts pairs of distinct spikes less than one bin apart
    (no spike is paired with itself). With ``symmetrize=False``: the ``half + 1`` non-negative
    lags only, as phylib.
    """
    if not sample_rate or sample_rate <= 0:
        raise ValueError("sample_rate must be positive.")
    bin_size = 1e-3 if bin_size is None else bin_size
    window_size = 50e-3 if window_size is None else window_size
    t = spike_samples(spike_times, sample_rate)
    sc = np.asarray(spike_clusters)
    if t.ndim != 1 or t.shape != sc.shape:
        raise ValueError(f"spike_times {t.shape} and spike_clusters {sc.shape} must be "
                         "one-dimensional with the same length.")
    if len(t) > 1 and np.any(t[1:] < t[:-1]):
        raise ValueError("The spike times must be increasing.")
    binsize = bin_samples(bin_size, sample_rate)
    half = n_window_bins(bin_size, window_size) // 2
    ids = np.unique(sc) if cluster_ids is None else np.asarray(cluster_ids).ravel()
    n_clusters = len(ids)
    labels = cluster_index(sc, ids)
    keep = labels >= 0
    if not keep.all():
        t, labels = t[keep], labels[keep]
    q, r = np.divmod(t, binsize)
    if _jit.use_numba():
        flat = np.zeros(n_clusters * n_clusters * (half + 1), dtype=np.int32)
        if (binsize <= _PACK_LIMIT and n_clusters <= _PACK_LIMIT and
                (not len(q) or 0 <= q[0] and q[-1] < _Q_LIMIT)):
            packed = (q << (2 * _PACK_BITS)) | (r << _PACK_BITS) | labels
            _ccg_packed_kernel(packed, n_clusters, half, flat)
        else:
            _ccg_kernel(q, r, labels, n_clusters, half, flat)
    else:
        flat = _ccg_numpy(q, r, labels, n_clusters, half).astype(np.int32)
    c = flat.reshape((n_clusters, n_clusters, half + 1))
    return _symmetrize(c) if symmetrize else c


def firing_rate(spike_clusters: ArrayLike, cluster_ids: ArrayLike | None = None,
                bin_size: float | None = None, duration: float | None = None
                ) -> NDArray[np.float64]:
    """Expected number of spike pairs per correlogram bin for uncorrelated trains (phylib):
    ``n_i * n_j * bin_size / duration`` as an ``(n_clusters, n_clusters)`` float array."""
    sc = np.asarray(spike_clusters)
    ids = np.unique(sc) if cluster_ids is None else np.asarray(cluster_ids).ravel()
    if bin_size is None or bin_size <= 0:
        raise ValueError("bin_size must be positive.")
    labels = cluster_index(sc, ids)
    bc = np.bincount(labels[labels >= 0], minlength=len(ids)).astype(np.float64)
    return bc * bc[:, None] * (bin_size / (duration or 1.))
