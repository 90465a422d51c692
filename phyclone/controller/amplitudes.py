"""Data of the amplitude view and of the per-spike attribute scatter views."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.utils import Bunch

from .inherit import concatenate_parents_attributes
from .spikes import allocate, intersect_sorted, regular_subset

_EMPTY = np.zeros(0, dtype=np.int64)


class AmplitudeMixin:
    """Spike amplitudes of the selected clusters over time, with background spikes.

    ``_amplitude_functions``: ``(name, method)`` pairs; each method maps
    ``(spike_ids, channel_ids=, channel_id=, pc=, first_cluster=)`` to one amplitude per
    spike (phy's amplitude types: ``template``, ``raw``, ``feature``...).
    """

    _amplitude_functions: tuple[tuple[str, str], ...] = ()

    # What the mixin uses of ControllerCore (see there).
    model: Any
    selection: Bunch
    n_spikes_amplitudes: int
    n_spikes_amplitudes_background: int
    get_spike_ids: Callable[..., NDArray[np.int64]]
    get_best_channels: Callable[[int], NDArray[np.int64]]
    get_clusters_on_channel: Callable[[int], list[int]]
    _spikes_of: Callable[[int], NDArray[np.int64]]
    _spike_times: Callable[[ArrayLike], NDArray[np.float64]]
    _get_spike_times_reordered: Callable[[ArrayLike], NDArray[np.float64]]

    def _get_amplitude_functions(self) -> dict[str, Callable[..., Any]]:
        """``{amplitude type: function}`` of this controller."""
        pairs = concatenate_parents_attributes(type(self), "_amplitude_functions")
        return {name: getattr(self, method) for name, method in pairs}

    def _get_amplitude_spike_ids(self, cluster_id: int, load_all: bool = False
                                 ) -> NDArray[np.int64]:
        return self.get_spike_ids(cluster_id, n=None if load_all else self.n_spikes_amplitudes)

    def _background_spike_ids(self, cluster_ids: Sequence[int], n: int | None,
                              subset: ArrayLike | None = None) -> NDArray[np.int64]:
        """About ``n`` regularly spaced spikes shared fairly among ``cluster_ids``."""
        spikes = [self._spikes_of(c) for c in cluster_ids]
        if subset is not None:
            spikes = [intersect_sorted(s, subset) for s in spikes]
        counts = allocate([len(s) for s in spikes], None, n)
        parts = [regular_subset(s, int(k)) for s, k in zip(spikes, counts) if k]
        return np.sort(np.concatenate(parts)) if parts else _EMPTY

    def _amplitude_getter(self, cluster_ids: Sequence[int | None], name: str | None = None,
                          load_all: bool = False) -> list[Bunch]:
        """``[Bunch(amplitudes, spike_ids, spike_times)]``, one per item of ``cluster_ids``;
        a ``None`` item stands for the background: spikes of the other clusters on the
        first cluster's best channel."""
        selected = [c for c in cluster_ids if c is not None]
        if not selected:
            return []
        first = selected[0]
        channel_ids = self.get_best_channels(first)
        channel_id = int(channel_ids[0]) if len(channel_ids) else 0
        f = self._get_amplitude_functions()[name]  # type: ignore[index]  # callers name a type
        subset = None
        if name == "raw" and getattr(self.model, "spike_waveforms", None) is not None:
            subset = self.model.spike_waveforms.spike_ids  # raw amplitudes: pooled spikes
        n = None if load_all else self.n_spikes_amplitudes
        if name in ("feature", "raw"):
            chosen = self.selection.get("channel_id", None)
            channel_id = channel_id if chosen is None else int(chosen)
        pc = self.selection.get("feature_pc", None)
        out = []
        for cluster_id in cluster_ids:
            if cluster_id is None:
                others = [c for c in self.get_clusters_on_channel(channel_id)
                          if c not in selected]
                spike_ids = self._background_spike_ids(
                    others, None if load_all else self.n_spikes_amplitudes_background, subset)
            else:
                spike_ids = self.get_spike_ids(cluster_id, n=n, subset_spikes=subset)
            amplitudes = f(spike_ids, channel_ids=channel_ids, channel_id=channel_id, pc=pc,
                           first_cluster=first)
            if amplitudes is None:
                continue
            out.append(Bunch(amplitudes=np.asarray(amplitudes), spike_ids=spike_ids,
                             spike_times=self._get_spike_times_reordered(spike_ids)))
        return out

    # Spike attributes (spike_<name>.npy) ----------------------------------------------------
    def _spike_attribute_coords(self, name: str, cluster_ids: Sequence[int], load_all: bool = False
                                ) -> list[Bunch]:
        """Scatter data of a per-spike attribute: ``[Bunch(x, y, spike_ids, data_bounds)]``;
        x is the time and y the value for a vector, x and y its first two columns else."""
        arr = self.model.spike_attributes[name]
        n = None if load_all else self.n_spikes_amplitudes
        out = []
        for cluster_id in cluster_ids:
            spike_ids = self.get_spike_ids(cluster_id, n=n)
            values = np.asarray(arr[spike_ids])
            if values.ndim == 1:
                x, y = self._spike_times(spike_ids), values
            else:
                values = values.reshape(len(spike_ids), -1)
                x, y = values[:, 0], values[:, 1] if values.shape[1] > 1 else values[:, 0]
            out.append(Bunch(x=np.asarray(x, dtype=np.float64), y=np.asarray(y, np.float64),
                             spike_ids=spike_ids, data_bounds=None))
        return out
