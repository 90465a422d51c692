"""Building the spikes-per-cluster index once, and the live mapping view of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .spike_set import SpikeSet, readonly


def _stable_argsort(labels: NDArray[np.integer], n_labels: int) -> NDArray[np.intp]:
    """Stable argsort of compact labels in [0, n_labels): numpy's O(n) radix sort on 8/16-bit
    keys, in two 16-bit passes (least significant first) beyond 65,536 labels."""
    if n_labels <= 1 << 8:
        return np.argsort(labels.astype(np.uint8), kind="stable")
    if n_labels <= 1 << 16:
        return np.argsort(labels.astype(np.uint16), kind="stable")
    order = np.argsort((labels & 0xFFFF).astype(np.uint16), kind="stable")
    high = (labels >> 16).astype(np.uint16)[order]
    return order[np.argsort(high, kind="stable")]


def check_spike_clusters(spike_clusters: ArrayLike) -> tuple[NDArray[np.integer], int, int]:
    """Validate a spike-cluster assignment; return it as an int32/int64 array (no copy if
    possible) and its minimum and maximum (-1 when empty)."""
    sc = np.asarray(spike_clusters)
    if sc.ndim != 1:
        raise ValueError(f"spike_clusters must be one-dimensional, got shape {sc.shape}.")
    if sc.dtype.kind not in "iu":
        if sc.size == 0:
            sc = sc.astype(np.int64)
        else:
            raise ValueError(f"spike_clusters must hold integers, got dtype {sc.dtype}.")
    if sc.dtype not in (np.int32, np.int64):
        sc = sc.astype(np.int64)
    if not len(sc):
        return sc, -1, -1
    lo, hi = int(sc.min()), int(sc.max())
    if lo < 0:
        raise ValueError("spike_clusters has negative cluster ids.")
    return sc, lo, hi


def compact_labels(sc: NDArray[np.integer], hi: int
                   ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int32]]:
    """Distinct ids of a non-negative assignment in O(n): ``(cluster_ids, counts, labels)``
    with sorted ids, their spike counts, and the int32 index of every spike's id."""
    if len(sc) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.int32)
    if hi < 4 * len(sc) + (1 << 20):
        counts = np.bincount(sc, minlength=hi + 1)
        ids = np.flatnonzero(counts)
        counts = counts[ids]
        remap = np.zeros(hi + 1, dtype=np.int32)
        remap[ids] = np.arange(len(ids), dtype=np.int32)
        labels = remap[sc]
    else:  # a few huge ids: sort-based
        ids, labels, counts = np.unique(sc, return_inverse=True, return_counts=True)
        labels = labels.astype(np.int32).ravel()
    return ids.astype(np.int64), counts.astype(np.int64), labels


def group_by_label(labels: NDArray[np.integer], n_labels: int) -> NDArray[np.intp]:
    """Spike ids grouped by label, increasing within each group (one stable O(n) argsort)."""
    return readonly(_stable_argsort(labels, n_labels))


def check_spikes_per_cluster(spc: Mapping[int, ArrayLike], sc: NDArray[np.integer],
                             ids: NDArray[np.int64], counts: NDArray[np.int64]) -> bool:
    """Whether a precomputed ``{cluster: sorted spike ids}`` matches the assignment exactly."""
    try:
        if len(spc) != len(ids):
            return False
        for c, k in zip(ids.tolist(), counts.tolist()):
            arr = np.asarray(spc[c])
            if len(arr) != k or (k and (np.any(np.diff(arr) <= 0) or np.any(sc[arr] != c))):
                return False
    except (KeyError, IndexError, TypeError, ValueError):
        return False
    return True


class SpikesPerCluster(Mapping[int, NDArray[np.int64]]):
    """Live read-only ``{cluster_id: sorted int64 spike ids}`` view of a Clustering.

    Arrays are built on first access per cluster (cluster ids are disposable, so a cluster's
    array never changes while the id is alive). Iteration is in increasing id order; the
    length and ``in`` never build arrays. Pickles as a plain dict.
    """

    def __init__(self, sets: Mapping[int, SpikeSet],
                 cluster_ids: Callable[[], NDArray[np.int64]]) -> None:
        self._sets = sets
        self._cluster_ids = cluster_ids

    def __getitem__(self, cluster_id: int) -> NDArray[np.int64]:
        return self._sets[cluster_id].array()

    def __contains__(self, cluster_id: object) -> bool:
        try:
            return cluster_id in self._sets
        except TypeError:
            return False

    def __iter__(self) -> Iterator[int]:
        return iter(self._cluster_ids().tolist())

    def __len__(self) -> int:
        return len(self._sets)

    def __reduce__(self) -> tuple[type[dict], tuple[dict[int, NDArray[np.int64]]]]:
        return (dict, (dict(self.items()),))

    def __repr__(self) -> str:
        return f"<SpikesPerCluster: {len(self)} clusters>"
