"""Raw traces in a time interval, with the waveforms of the spikes it contains."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from phyclone.io.raw.filtering import default_margin, filter_windows
from phyclone.utils import Bunch
from phyclone.utils.colors import ClusterColorSelector, selected_cluster_color

from .raw_filter import HIGH_PASS
from .rows import read_raw_windows

if TYPE_CHECKING:  # for the type checker, a mixin of ControllerCore is one
    from .base import ControllerCore as _Controller
else:
    _Controller = object


class TraceDataMixin(_Controller):
    """Data of the trace views: ``get_traces(interval)`` and the selected spike times."""

    _new_views: tuple[str, ...] = ("TraceView", "TraceImageView")
    #: Duration of the spike waveforms drawn over the traces, in milliseconds.
    waveform_duration = 1.0
    #: At most this many spike waveforms per interval (regularly thinned beyond).
    max_n_trace_spikes = 5000

    def _read_traces(self, start: int, stop: int, current_filter: str | None = None
                     ) -> NDArray[np.float32]:
        """Samples ``[start, stop)`` of every channel, float32 (read-only), filtered with
        the current raw data filter. The last intervals read are kept: selecting clusters
        redraws the same interval."""
        rdf = self.raw_data_filter
        name = rdf.name_of(current_filter or rdf.current)
        key = (id(self.model.traces), int(start), int(stop), rdf.key(name))
        cache, lock = self.__dict__.setdefault("_traces_cache", ({}, threading.Lock()))
        with lock:
            data = cache.get(key)
        if data is None:
            data = self._read_traces_uncached(start, stop, name)
            data.flags.writeable = False
            with lock:
                while len(cache) >= 2:
                    cache.pop(next(iter(cache)))
                cache[key] = data
        return data

    def _read_traces_uncached(self, start: int, stop: int, name: str) -> NDArray[np.float32]:
        """The high-pass reads a margin around the interval."""
        traces = self.model.traces
        channels = np.arange(traces.n_channels)
        rdf = self.raw_data_filter
        builtin = rdf.is_builtin(name)
        if name == HIGH_PASS and builtin and not getattr(self.model, "hp_filtered", False):
            m = default_margin(traces.sample_rate)  # as io.filtering.filtered_traces
            w = read_raw_windows(traces, [start - m], stop - start + 2 * m, channels)
            return filter_windows(w, traces.sample_rate, m, m + stop - start)[0]
        data = read_raw_windows(traces, [start], stop - start, channels)[0].astype(np.float32)
        if not builtin:
            data = rdf.apply(data, axis=0, name=name).astype(np.float32)
        if len(data):
            data -= data.mean(axis=0)
        return data

    def _trace_spike_ids(self, start: int, stop: int, show_all_spikes: bool
                         ) -> tuple[NDArray[np.int64], NDArray[np.integer]]:
        """``(spike_ids, clusters)`` of the spikes in ``[start, stop)`` (samples) to draw:
        those of the selected clusters, or all of them; selected clusters last (on top)."""
        ids = self.spikes_between(start, stop)
        clusters = self.session.clustering.get_spike_clusters(ids)
        selected = np.asarray(self.session.selected, dtype=np.int64)
        is_sel = np.isin(clusters, selected)
        if not show_all_spikes:
            ids, clusters, is_sel = ids[is_sel], clusters[is_sel], is_sel[is_sel]
        if len(ids) > self.max_n_trace_spikes:
            keep = np.linspace(0, len(ids) - 1, self.max_n_trace_spikes).astype(np.int64)
            ids, clusters, is_sel = ids[keep], clusters[keep], is_sel[keep]
        order = np.argsort(is_sel, kind="stable")
        return ids[order], clusters[order]

    def _get_traces(self, interval: Sequence[float], show_all_spikes: bool = False) -> Bunch:
        """``Bunch(data (n_samples, n_channels), color, waveforms)`` for ``interval``
        (seconds); ``waveforms`` lists ``Bunch(data, channel_ids, channel_amps, start_time,
        spike_id, spike_time, spike_cluster, select_index, color)`` of the spikes fully
        inside it, coloured by cluster (selected clusters by their selection colour)."""
        sr = float(self.model.sample_rate)
        n = self.model.traces.n_samples
        start = int(np.clip(round(interval[0] * sr), 0, n))
        stop = int(np.clip(round(interval[1] * sr), start, n))
        data = self._read_traces(start, stop)
        ns = int(round(1e-3 * self.waveform_duration * sr))
        k = ns // 2
        selected = [int(c) for c in self.session.selected]
        colors = self.cluster_color_selector
        channels = {}
        waveforms = []
        for spike_id, cluster_id in zip(*self._trace_spike_ids(start, stop, show_all_spikes)):
            cluster_id = int(cluster_id)
            s = int(self.model.spike_samples[spike_id]) - start
            if s - k < 0 or s + ns - k > len(data):
                continue
            if cluster_id not in channels:
                channels[cluster_id] = self.get_channel_amplitudes(cluster_id)
            channel_ids, amps = channels[cluster_id]
            index = selected.index(cluster_id) if cluster_id in selected else None
            color = (selected_cluster_color(index, alpha=1.) if index is not None
                     else colors.get(cluster_id, alpha=1.))
            waveforms.append(Bunch(
                data=data[s - k:s + ns - k, channel_ids], channel_ids=channel_ids,
                channel_amps=amps, start_time=(start + s - k) / sr, spike_id=int(spike_id),
                spike_time=(start + s) / sr, spike_cluster=cluster_id, select_index=index,
                color=color))
        return Bunch(data=data, color=None, waveforms=waveforms, interval=(start / sr, stop / sr))

    @property
    def cluster_color_selector(self) -> ClusterColorSelector:
        """Colours of the clusters that are not selected: by cluster id here; the GUI's
        colour mapping (the Supervisor's) once there is a GUI."""
        sel = self.__dict__.get("_color_selector")
        if sel is None:
            sel = self.__dict__["_color_selector"] = ClusterColorSelector()
        return sel

    def get_traces(self, interval: Sequence[float], show_all_spikes: bool = False) -> Bunch:
        """Traces and spike waveforms in ``interval`` (seconds); see ``_get_traces``."""
        return self._get_traces(interval, show_all_spikes=show_all_spikes)

    def _trace_spike_times(self) -> NDArray[np.float64] | None:
        """Times (s) of the spikes of the first selected cluster (spike navigation)."""
        selected = self.session.selected
        if not selected:
            return None
        return self._spike_times(self._spikes_of(selected[0]))
