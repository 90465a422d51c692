"""Choosing which spikes the views show: deterministic subsets of sorted spike ids.

Views show at most a few thousand spikes per cluster. Subsets are regularly spaced (they
cover the whole recording and are the same every time, so cached results stay valid);
correlograms use a seeded random subset instead, because regular spacing would remove the
short-lag pairs they are made of. Every function costs O(subset) or O(cluster), never
O(n_spikes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

_EMPTY = np.zeros(0, dtype=np.int64)


def regular_subset(spike_ids: ArrayLike, n: int | None) -> NDArray[np.int64]:
    """Up to ``n`` regularly spaced items of ``spike_ids`` (first and last included);
    everything when ``n`` is None or not smaller than the input."""
    spike_ids = np.asarray(spike_ids)
    m = len(spike_ids)
    if n is None or n >= m:
        return spike_ids.astype(np.int64, copy=False)
    n = int(n)
    if n <= 0 or m == 0:
        return _EMPTY
    if n == 1:
        return spike_ids[:1].astype(np.int64)
    return spike_ids[np.arange(n, dtype=np.int64) * (m - 1) // (n - 1)].astype(np.int64)


def random_subset(spike_ids: ArrayLike, n: int | None, seed: int = 0) -> NDArray[np.int64]:
    """Up to ``n`` items of ``spike_ids`` drawn without replacement with a fixed seed, sorted
    (the same call gives the same subset)."""
    spike_ids = np.asarray(spike_ids)
    if n is None or n >= len(spike_ids):
        return spike_ids.astype(np.int64, copy=False)
    rng = np.random.default_rng(int(seed) & 0xFFFFFFFF)
    idx = np.sort(rng.choice(len(spike_ids), size=int(n), replace=False))
    return spike_ids[idx].astype(np.int64)


def allocate(available: ArrayLike, per_cluster: int | None = None, total: int | None = None
             ) -> NDArray[np.int64]:
    """Share a spike budget between clusters: each gets at most ``per_cluster`` and at most
    what it has; with ``total``, the sum is capped and what small clusters do not use goes
    to the larger ones (water filling). Returns int64 counts."""
    available = np.maximum(np.asarray(available, dtype=np.int64), 0)
    cap = available if per_cluster is None else np.minimum(available, max(0, int(per_cluster)))
    if total is None or cap.sum() <= total:
        return cap
    total = max(0, int(total))
    out = np.zeros_like(cap)
    order = np.argsort(cap, kind="stable")
    left, k = total, len(cap)
    for i in order:  # smallest first: each takes min(its cap, fair share of what is left)
        share = left // k if k else 0
        out[i] = min(cap[i], share)
        left -= out[i]
        k -= 1
    # Hand out the rounding remainder one spike at a time to clusters with room.
    for i in order[::-1]:
        if left <= 0:
            break
        extra = min(cap[i] - out[i], left)
        out[i] += extra
        left -= extra
    return out


def chunks_kept(chunk_bounds: ArrayLike, n_chunks_kept: int) -> NDArray[np.int64]:
    """Flat ``[start0, end0, start1, end1, ...]`` sample bounds of at most ``n_chunks_kept``
    evenly spread chunks of the recording (phy reads waveforms from these only)."""
    bounds = np.asarray(chunk_bounds, dtype=np.int64)
    n_chunks = len(bounds) - 1
    if n_chunks <= 0:
        return bounds
    step = max(1, -(-n_chunks // max(1, int(n_chunks_kept))))
    return np.concatenate([bounds[i:i + 2] for i in range(0, n_chunks, step)])


def in_chunks(samples: ArrayLike, kept: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Boolean mask of the samples falling in the chunks of ``chunks_kept``."""
    return np.searchsorted(kept, samples, side="right") % 2 == 1


def intersect_sorted(a: ArrayLike, b: ArrayLike) -> NDArray[np.int64]:
    """Items of sorted ``a`` also in sorted ``b`` (O(len(a) log len(b)))."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if not len(a) or not len(b):
        return _EMPTY
    pos = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[pos] == a]


class SpikeSelector:
    """Select up to ``n`` spikes per cluster (phy's ``SpikeSelector``), regularly spaced.

    ``get_spikes_per_cluster(cluster_id)`` returns the sorted spikes of a cluster (the
    clustering's index: the single source of truth); ``spike_samples`` are integer samples;
    ``chunk_bounds`` the recording's chunks in samples.
    """

    def __init__(self, get_spikes_per_cluster: Callable[[int], ArrayLike],
                 spike_samples: NDArray[np.integer], chunk_bounds: ArrayLike | None = None,
                 n_chunks_kept: int = 20) -> None:
        self.get_spikes_per_cluster = get_spikes_per_cluster
        self.spike_samples = spike_samples
        self.chunks_kept = (chunks_kept(chunk_bounds, n_chunks_kept)
                            if chunk_bounds is not None else None)

    def __call__(self, n: int | None, cluster_ids: Iterable[int], subset_chunks: bool = False,
                 subset_spikes: ArrayLike | None = None) -> NDArray[np.int64]:
        """Sorted union of up to ``n`` spikes (None: all) of each cluster, optionally only
        among spikes in the kept chunks and / or in ``subset_spikes`` (sorted)."""
        parts = []
        for cluster_id in cluster_ids:
            ids = np.asarray(self.get_spikes_per_cluster(cluster_id), dtype=np.int64)
            if subset_chunks and self.chunks_kept is not None and len(ids):
                ids = ids[in_chunks(self.spike_samples[ids], self.chunks_kept)]
            if subset_spikes is not None:
                ids = intersect_sorted(ids, subset_spikes)
            parts.append(regular_subset(ids, n))
        if not parts:
            return _EMPTY
        if len(parts) == 1:
            return parts[0]
        return np.unique(np.concatenate(parts))
