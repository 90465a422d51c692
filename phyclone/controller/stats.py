"""Spike train statistics of the selected clusters: correlograms, ISI, firing rate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.utils import Bunch

from .spikes import allocate, random_subset


class StatsMixin:
    """Data of the correlogram, ISI and firing rate views (only the selected clusters)."""

    #: At most this many spikes per cluster enter the correlograms (a seeded random subset:
    #: regular spacing would remove the short-lag pairs).
    n_spikes_correlograms = 100000
    #: At most this many spikes in all (None: no total cap).
    n_spikes_correlograms_total = None

    _cached: tuple[str, ...] = ("_correlograms",)

    # What the mixin uses of ControllerCore (see there).
    model: Any
    _spikes_of: Callable[[int], NDArray[np.int64]]
    _spike_times: Callable[[ArrayLike], NDArray[np.float64]]

    def _correlogram_spikes(self, cluster_ids: Sequence[int]
                            ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """``(spike_ids, labels)``: the spikes of each cluster entering the correlograms,
        sorted, with the index of their cluster in ``cluster_ids``."""
        spikes = [self._spikes_of(c) for c in cluster_ids]
        counts = allocate([len(s) for s in spikes], self.n_spikes_correlograms,
                          self.n_spikes_correlograms_total)
        parts = [random_subset(s, int(n), seed=int(c)) for s, n, c in
                 zip(spikes, counts, cluster_ids)]
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        ids = np.concatenate(parts)
        labels = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        order = np.argsort(ids, kind="stable")
        return ids[order], labels[order]

    def _get_correlograms(self, cluster_ids: Sequence[int], bin_size: float, window_size: float
                          ) -> NDArray[np.int32]:
        """Cross-correlograms ``(n, n, n_bins)`` of the clusters (counts, phy's layout)."""
        return self._correlograms(tuple(int(c) for c in cluster_ids), float(bin_size),
                                  float(window_size), self.n_spikes_correlograms,
                                  self.n_spikes_correlograms_total)

    def _correlograms(self, cluster_ids: tuple[int, ...], bin_size: float, window_size: float,
                      n: int | None, n_total: int | None) -> NDArray[np.int32]:
        """Cached by (clusters, bin, window, spike budget): ids are disposable."""
        from phyclone.stats import correlograms
        ids, labels = self._correlogram_spikes(cluster_ids)
        samples = np.asarray(self.model.spike_samples[ids])
        order = np.argsort(samples, kind="stable")  # added spikes: ids not in time order
        return correlograms(samples[order], labels[order],
                            cluster_ids=np.arange(len(cluster_ids)),
                            sample_rate=self.model.sample_rate, bin_size=bin_size,
                            window_size=window_size)

    def _get_correlograms_rate(self, cluster_ids: Sequence[int], bin_size: float
                               ) -> NDArray[np.float64]:
        """Expected counts per bin of independent trains ``(n, n)``: n_i n_j bin / duration,
        with the numbers of spikes that entered the correlograms."""
        spikes = [len(self._spikes_of(c)) for c in cluster_ids]
        counts = allocate(spikes, self.n_spikes_correlograms,
                          self.n_spikes_correlograms_total).astype(np.float64)
        return counts * counts[:, None] * (float(bin_size) / (self.model.duration or 1.))

    def _get_isi(self, cluster_id: int) -> Bunch:
        """Inter-spike intervals (s) of a cluster: ``Bunch(data)``."""
        samples = np.sort(self.model.spike_samples[self._spikes_of(cluster_id)])
        return Bunch(data=np.diff(samples) / float(self.model.sample_rate))

    def _get_firing_rate(self, cluster_id: int) -> Bunch:
        """Spike times (s) of a cluster over the recording: ``Bunch(data, x_min, x_max)``."""
        return Bunch(data=self._spike_times(self._spikes_of(cluster_id)), x_min=0.,
                     x_max=float(self.model.duration))
