"""Raw data of a time interval for the trace views (phy's ``traces(interval)`` data function).

- ``select_traces``: phy's raw slice of an interval, each channel's median removed.
- ``interval_spike_waveforms``: the Bunch list phy's controller gives the trace view (one per
  spike of the interval), found with two binary searches and cut out per cluster, vectorized.
- ``get_trace_interval``: both at once, high-pass filtered by default — the whole body of a
  controller's ``traces(interval)`` callable.
- ``decimate_minmax`` / ``decimate_extreme``: shrink a wide interval for display (envelope
  line pairs for line plots, the sample of largest magnitude for images), so drawing costs
  do not grow with the interval length.
"""

from functools import lru_cache

import numpy as np

from phyclone.utils.bunch import Bunch

from phyclone.io.raw.filtering import default_margin, filter_windows, highpass

#: Channels filtered together: bounds the filter's float64 work buffer of wide intervals.
FILTER_BLOCK = 32


def interval_samples(interval, sample_rate):
    """Sample bounds ``[s0, s1)`` of an interval in seconds (rounded as phy)."""
    start, end = interval
    return int(round(float(sample_rate) * start)), int(round(float(sample_rate) * end))


def select_traces(traces, interval, sample_rate=None):
    """Samples of an interval (seconds) of an (n_samples, n_channels) array, each channel's
    median removed (phy 2.1's ``select_traces``)."""
    i, j = interval_samples(interval, sample_rate)
    arr = np.asarray(traces[max(i, 0):max(j, 0)])
    if not len(arr):
        return arr.astype(np.float32)
    return arr - np.median(arr, axis=0)


def _best_channels(get_best_channels, cluster_id):
    out = get_best_channels(cluster_id)
    if isinstance(out, tuple) and len(out) == 2:  # phy 2.1: (channel_ids, channel_amps)
        ch, amps = out
    else:
        ch, amps = out, None
    ch = np.asarray(ch, dtype=np.int64).reshape(-1)
    amps = np.ones(len(ch)) if amps is None else np.asarray(amps, dtype=np.float64)
    return ch, amps


def interval_spike_waveforms(traces_interval, interval, sample_rate, spike_samples,
                             spike_clusters, selected=(), get_best_channels=None,
                             n_samples_waveforms=None, show_all_spikes=False, max_spikes=None):
    """phy's spike waveform Bunches of the spikes in an interval.

    ``traces_interval``: the interval's (n_samples, n_channels) data; ``spike_samples``: every
    spike's sample index (sorted); ``spike_clusters``: every spike's cluster; ``selected``: the
    selected clusters (others are skipped unless ``show_all_spikes``); ``get_best_channels``:
    cluster id → channel ids (or phy 2.1's ``(channel_ids, channel_amps)``).
    ``max_spikes`` caps the number of spikes of non-selected clusters (regularly spaced).

    Returns a list of ``Bunch(data, channel_ids, start_time, spike_id, spike_time,
    spike_cluster, channel_amps, select_index)``: ``data`` is (n_samples_waveforms,
    n_channel_ids), ``select_index`` the cluster's position in ``selected`` (None for others);
    non-selected spikes come first so that selected ones are drawn on top. Spikes whose
    window is not fully inside the interval are left out (as phy).
    """
    sr = float(sample_rate)
    s0, s1 = interval_samples(interval, sr)
    ns = int(n_samples_waveforms)
    k = ns // 2
    samples = np.asarray(spike_samples)
    a, b = np.searchsorted(samples, [s0, s1])
    ids = np.arange(a, b, dtype=np.int64)
    s = samples[a:b].astype(np.int64) - s0
    keep = (s - k >= 0) & (s + k < len(traces_interval)) & (s - k + ns <= len(traces_interval))
    ids, s = ids[keep], s[keep]
    clusters = np.asarray(spike_clusters)[ids]
    selected = [int(c) for c in selected]
    is_sel = np.isin(clusters, selected)
    if not show_all_spikes:
        ids, s, clusters, is_sel = ids[is_sel], s[is_sel], clusters[is_sel], is_sel[is_sel]
    elif max_spikes is not None and (~is_sel).sum() > max_spikes:
        other = np.flatnonzero(~is_sel)
        drop = np.setdiff1d(other, other[np.linspace(0, len(other) - 1, int(max_spikes))
                                         .astype(np.int64)])
        mask = np.ones(len(ids), dtype=bool)
        mask[drop] = False
        ids, s, clusters, is_sel = ids[mask], s[mask], clusters[mask], is_sel[mask]
    out_other, out_sel = [], []
    win = np.arange(ns) - k
    for c in np.unique(clusters).tolist():
        m = clusters == c
        ch, amps = _best_channels(get_best_channels, c)
        rows = s[m][:, None, None] + win[None, :, None]
        data = traces_interval[rows, ch[None, None, :]]  # (n_spikes, ns, n_channel_ids)
        sel_index = selected.index(c) if c in selected else None
        dest = out_sel if sel_index is not None else out_other
        for sid, smp, w in zip(ids[m].tolist(), s[m].tolist(), data):
            dest.append(Bunch(
                data=w, channel_ids=ch, start_time=(smp + s0 - k) / sr, spike_id=sid,
                spike_time=(smp + s0) / sr, spike_cluster=c, channel_amps=amps,
                select_index=sel_index))
    return (sorted(out_other, key=lambda w: w.spike_id) +
            sorted(out_sel, key=lambda w: w.spike_id))


def filtered_interval(traces, start, stop, block=FILTER_BLOCK):
    """High-pass filtered samples ``[start, stop)`` of an ``EphysTraces``, float32 (as
    ``filtering.filtered_traces``, with its margins), read once and filtered ``block``
    channels at a time so that wide intervals need little memory beyond the output."""
    m = default_margin(traces.sample_rate)
    n = int(stop) - int(start)
    win = traces.read_windows([int(start) - m], n + 2 * m)
    nc = win.shape[2]
    out = np.empty((n, nc), dtype=np.float32)
    for b0 in range(0, nc, block):
        part = np.ascontiguousarray(win[:, :, b0:b0 + block])
        out[:, b0:b0 + block] = filter_windows(part, traces.sample_rate, m, m + n)[0]
    return out


def get_trace_interval(traces, interval, sample_rate=None, filtered=True, spike_samples=None,
                       spike_clusters=None, selected=(), get_best_channels=None,
                       n_samples_waveforms=None, show_all_spikes=False, max_spikes=None):
    """``Bunch(data, waveforms)`` of an interval (seconds), as phy's controller gives it to
    the trace view: ``data`` (n_samples, n_channels) float32, high-pass filtered (phy's
    default filter; raw data minus the median with ``filtered=False``), and the spike
    waveforms of ``interval_spike_waveforms`` when ``spike_samples`` is given.

    With an ``EphysTraces``, a margin is read on both sides so the filter transient falls
    outside the interval."""
    sr = float(sample_rate or traces.sample_rate)
    s0, s1 = interval_samples(interval, sr)
    if filtered and hasattr(traces, "read_windows"):
        data = filtered_interval(traces, s0, s1)
    elif filtered:
        data = highpass(select_traces(traces, interval, sr), sr, axis=0)
    else:
        data = np.asarray(select_traces(traces, interval, sr), dtype=np.float32)
    out = Bunch(data=data, waveforms=[])
    if spike_samples is not None:
        out.waveforms = interval_spike_waveforms(
            data, interval, sr, spike_samples, spike_clusters, selected=selected,
            get_best_channels=get_best_channels, n_samples_waveforms=n_samples_waveforms,
            show_all_spikes=show_all_spikes, max_spikes=max_spikes)
    return out


# Display decimation -------------------------------------------------------------------------

def _bin_minmax_kernel(data, edges, lo, hi):
    """Per bin ``[edges[k], edges[k + 1])`` and channel: min and max (one pass, row order)."""
    nc = data.shape[1]
    for k in range(len(edges) - 1):
        for c in range(nc):
            lo[k, c] = data[edges[k], c]
            hi[k, c] = data[edges[k], c]
        for i in range(edges[k] + 1, edges[k + 1]):
            for c in range(nc):
                v = data[i, c]
                if v < lo[k, c]:
                    lo[k, c] = v
                elif v > hi[k, c]:
                    hi[k, c] = v


@lru_cache(maxsize=1)
def _kernel():
    import numba  # compiled on first use (then cached on disk)
    return numba.njit(cache=True, nogil=True)(_bin_minmax_kernel)


def bin_minmax(data, n_bins):
    """(lo, hi): per-channel min and max of (n_samples, n_channels) data in ``n_bins`` bins of
    consecutive samples (bin k: samples ``edges[k]`` to ``edges[k + 1]``), each (n_bins,
    n_channels), and the bin ``edges``. A compiled single pass (no temporary copies)."""
    data = np.ascontiguousarray(data)
    n, nc = data.shape
    edges = np.linspace(0, n, n_bins + 1).astype(np.int64)
    lo = np.empty((n_bins, nc), dtype=data.dtype)
    hi = np.empty((n_bins, nc), dtype=data.dtype)
    if n_bins and nc:
        _kernel()(data, edges, lo, hi)
    return lo, hi, edges


def decimate_minmax(data, n_pairs):
    """Min/max envelope of (n_samples, n_channels) data in ``n_pairs`` bins of consecutive
    samples: returns ``(index, values)`` with ``index`` (2 n_pairs,) the sample index of each
    point (float, bin start for the minimum, bin middle for the maximum) and ``values``
    (n_channels, 2 n_pairs) alternating min and max. A line strip through these points covers
    every sample's value. Without decimation (n_samples <= 2 n_pairs) the data is returned."""
    data = np.asarray(data)
    n, nc = data.shape
    if n <= 2 * n_pairs:
        return np.arange(n, dtype=np.float64), np.ascontiguousarray(data.T)
    lo, hi, edges = bin_minmax(data, n_pairs)
    values = np.empty((nc, 2 * n_pairs), dtype=data.dtype)
    values[:, 0::2] = lo.T
    values[:, 1::2] = hi.T
    index = np.empty(2 * n_pairs)
    index[0::2] = edges[:-1]
    index[1::2] = (edges[:-1] + edges[1:] - 1) / 2.
    return index, values


def decimate_extreme(data, n_bins):
    """(n_channels, n_bins) signed value of largest magnitude of each channel in ``n_bins``
    bins of consecutive samples of (n_samples, n_channels) data (spikes survive, unlike with
    averaging); the transposed data when n_samples <= n_bins."""
    data = np.asarray(data)
    if data.shape[0] <= n_bins:
        return np.ascontiguousarray(data.T)
    lo, hi, _ = bin_minmax(data, n_bins)
    return np.ascontiguousarray(np.where(-lo.astype(np.float64) > hi, lo, hi).T)
