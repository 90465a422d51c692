"""Spike waveforms of a cluster on its best channels, and raw spike amplitudes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.io.raw.filtering import default_margin, filter_windows
from phyclone.utils import Bunch

from .inherit import concatenate_parents_attributes
from .raw_filter import HIGH_PASS
from .rows import read_raw_windows
from .spikes import intersect_sorted, regular_subset

if TYPE_CHECKING:  # for the type checker, a mixin of ControllerCore is one
    from .base import ControllerCore as _Controller
else:
    _Controller = object


class WaveformDataMixin(_Controller):
    """Data of the waveform view (``waveforms`` and ``mean_waveforms``)."""

    n_spikes_waveforms = 100
    batch_size_waveforms = 10

    _state_params: tuple[str, ...] = ("n_spikes_waveforms", "batch_size_waveforms")
    _new_views: tuple[str, ...] = ("WaveformView",)
    _amplitude_functions: tuple[tuple[str, str], ...] = (("raw", "get_spike_raw_amplitudes"),)
    _waveform_functions: tuple[tuple[str, str], ...] = (("waveforms", "_get_waveforms"),
                                                        ("mean_waveforms", "_get_mean_waveforms"))
    _cached: tuple[str, ...] = ("_get_waveforms_with_n_spikes",)
    _memcached: tuple[str, ...] = ("_mean_waveforms",)

    def _load_waveforms(self, spike_ids: ArrayLike, channel_ids: ArrayLike,
                        current_filter: str | None = None) -> NDArray[np.float32] | None:
        """Waveforms (n, n_samples, n_channels) filtered with the given (default: current)
        raw data filter, each channel's median over time removed; None without raw data."""
        rdf = self.raw_data_filter
        name = rdf.name_of(current_filter or rdf.current)
        builtin = rdf.is_builtin(name)
        filtered = name == HIGH_PASS and builtin and not getattr(self.model, "hp_filtered", False)
        if getattr(self.model, "spike_waveforms", None) is None and \
                getattr(self.model, "traces", None) is not None:
            data = self._raw_waveforms(spike_ids, channel_ids, filtered)
        else:
            data = self.model.get_waveforms(spike_ids, channel_ids, filtered=filtered)
        if data is None:
            return None
        data = np.asarray(data, dtype=np.float32)
        if not builtin:
            data = rdf.apply(data, axis=1, name=name).astype(np.float32)
        if data.size:
            data -= np.median(data, axis=1)[:, np.newaxis, :]
        return data

    def _raw_waveforms(self, spike_ids: ArrayLike, channel_ids: ArrayLike, filtered: bool
                       ) -> NDArray[Any]:
        """Spike windows read from the raw data (``pread``, see ``phyclone.controller.rows``), as
        ``model.get_waveforms`` does: ``[s - n // 2, s + n - n // 2)``, high-pass filtered
        with a margin when asked."""
        traces = self.model.traces
        nsw = int(self.model.n_samples_waveforms)
        m = default_margin(traces.sample_rate) if filtered else 0
        samples = np.asarray(self.model.spike_samples[np.asarray(spike_ids, np.int64)],
                             dtype=np.int64)
        windows = read_raw_windows(traces, samples - nsw // 2 - m, nsw + 2 * m, channel_ids)
        if filtered:
            return filter_windows(windows, traces.sample_rate, m, m + nsw)
        return windows

    def _waveform_spike_ids(self, cluster_id: int, n: int | None) -> NDArray[np.int64]:
        """Up to ``n`` regularly spaced spikes of a cluster whose waveforms are cheap to read:
        those of the waveform pool when there is one, else those in the kept chunks of the
        recording (few seeks in compressed raw data)."""
        pool = getattr(self.model, "spike_waveforms", None)
        if pool is not None:
            return regular_subset(intersect_sorted(self._spikes_of(cluster_id), pool.spike_ids),
                                  n)
        return self.selector(n, [cluster_id], subset_chunks=True)

    def _get_waveforms_with_n_spikes(self, cluster_id: int, n_spikes_waveforms: int | None,
                                     current_filter: str | None = None) -> Bunch:
        """``Bunch(data, channel_ids, channel_labels, channel_positions)`` with up to
        ``n_spikes_waveforms`` spikes (cached on disk by these three arguments)."""
        channel_ids = np.asarray(self.get_best_channels(cluster_id), dtype=np.int64)
        spike_ids = self._waveform_spike_ids(cluster_id, n_spikes_waveforms)
        data = self._load_waveforms(spike_ids, channel_ids, current_filter)
        return Bunch(data=data, spike_ids=spike_ids, channel_ids=channel_ids,
                     channel_labels=self._get_channel_labels(channel_ids),
                     channel_positions=np.asarray(self.model.channel_positions)[channel_ids])

    def _get_waveforms(self, cluster_id: int) -> Bunch:
        """Waveforms of ``n_spikes_waveforms`` spikes of a cluster (the current filter)."""
        return self._get_waveforms_with_n_spikes(int(cluster_id), int(self.n_spikes_waveforms),
                                                 current_filter=self.raw_data_filter.key())

    def get_waveforms(self, cluster_id: int, n: int | None = None) -> Bunch:
        """Waveforms of up to ``n`` (default ``n_spikes_waveforms``) spikes of a cluster."""
        n = self.n_spikes_waveforms if n is None else n
        return self._get_waveforms_with_n_spikes(int(cluster_id), int(n),
                                                 current_filter=self.raw_data_filter.key())

    def _mean_waveforms(self, cluster_id: int, n_spikes_waveforms: int | None,
                        current_filter: str | None) -> Bunch:
        b = self._get_waveforms_with_n_spikes(cluster_id, n_spikes_waveforms, current_filter)
        b = Bunch(b)
        if b.data is not None:
            b.data = b.data.mean(axis=0)[np.newaxis, ...]
        b.alpha = 1.
        return b

    def _get_mean_waveforms(self, cluster_id: int, current_filter: str | None = None) -> Bunch:
        """Mean waveform of a cluster on its best channels: ``data`` (1, n_samples, n_ch)."""
        return self._mean_waveforms(int(cluster_id), int(self.n_spikes_waveforms),
                                    current_filter or self.raw_data_filter.key())

    def _get_waveforms_dict(self) -> dict[str, Callable[[int], Bunch]]:
        """``{waveform type: function cluster_id -> Bunch}`` for the waveform view."""
        pairs = concatenate_parents_attributes(type(self), "_waveform_functions")
        return {name: getattr(self, method) for name, method in pairs}

    def get_spike_raw_amplitudes(self, spike_ids: ArrayLike, channel_id: int | None = None,
                                 **kwargs: Any) -> NDArray[np.float64]:
        """Peak-to-peak amplitude of each spike's filtered waveform on ``channel_id``; zero
        for spikes of clusters that do not have this channel among their best ones."""
        spike_ids = np.asarray(spike_ids, dtype=np.int64)
        out = np.zeros(len(spike_ids))
        if channel_id is None or not len(spike_ids):
            return out
        clusters = self.session.clustering.get_spike_clusters(spike_ids)
        keep = np.isin(clusters, self.get_clusters_on_channel(channel_id))
        w = self._load_waveforms(spike_ids[keep], [int(channel_id)])
        if w is not None:
            w = w[..., 0]
            out[keep] = w.max(axis=1) - w.min(axis=1)
        return out

    def get_mean_spike_raw_amplitudes(self, cluster_id: int) -> float:
        """Mean raw amplitude of the spikes the amplitude view shows."""
        spike_ids = self._get_amplitude_spike_ids(cluster_id)
        return float(np.mean(self.get_spike_raw_amplitudes(
            spike_ids, channel_id=self.get_best_channel(cluster_id)))) if len(spike_ids) else 0.
