"""Templates from clusters: the mean filtered waveform of a sample of each cluster's spikes,
on the channels within a radius of its max channel, in a window centred on its peak (the
window compared with events), and the same mean over a longer window (the waveform
subtracted when peeling: a spike's repolarisation lasts several ms, and its tail left in
the residual spoils the match of the spikes that overlap it)."""

import hashlib
import logging
from collections import OrderedDict

import numpy as np

from phyclone.utils import Bunch

from .blocks import block_ranges, default_margin, read_filtered, read_filtered_windows

logger = logging.getLogger(__name__)

#: Defaults: window (ms), radius (µm) and spikes per cluster.
WINDOW_MS = 1.0
RADIUS_UM = 100.
N_SPIKES = 200
#: The waveform subtracted when peeling: from this long before the peak to this long after
#: it (ms); never shorter than the compared window.
SUBTRACT_MS = (1.0, 2.0)


class MeanCache:
    """The mean waveforms of the last ``size`` spike samples averaged (keyed by those
    samples and the filter: a cluster's template is computed once while it is unchanged)."""

    def __init__(self, size=128):
        self.size = int(size)
        self._d = OrderedDict()

    def get(self, key):
        if key in self._d:
            self._d.move_to_end(key)
            return self._d[key]
        return None

    def put(self, key, value):
        self._d[key] = value
        self._d.move_to_end(key)
        while len(self._d) > self.size:
            self._d.popitem(last=False)


def _sample(spikes, n):
    """At most ``n`` spikes, evenly spaced (deterministic)."""
    if len(spikes) <= n:
        return spikes
    return spikes[np.linspace(0, len(spikes) - 1, n).round().astype(np.int64)]


def _channels_within(positions, center, radius):
    """Channels within ``radius`` of channel ``center``, nearest first (the center first)."""
    d = np.linalg.norm(positions - positions[center], axis=1)
    d[center] = -1.
    order = np.argsort(d, kind="stable")
    return order[d[order] <= radius]


def _mean_windows(traces, spike_samples, owner, n_owners, half, filter, channel_ids=None):
    """Sum over the sampled spikes of each owner of the windows ``[t - half, t + half]`` on
    the channels ``channel_ids`` (default: all); returns (sums (n_owners, 2 half + 1,
    n_channels read), counts). A block of
    the recording is filtered whole, or only its windows when they are sparse (fewer
    samples to filter: e.g. the 200 spikes of one cluster over a long recording)."""
    n_ch = traces.n_channels if channel_ids is None else len(channel_ids)
    L = 2 * half + 1
    sums = np.zeros((n_owners, L, n_ch), dtype=np.float64)
    counts = np.bincount(owner, minlength=n_owners)
    order = np.argsort(spike_samples, kind="stable")
    t_sorted, o_sorted = spike_samples[order], owner[order]
    if not len(t_sorted):
        return sums, counts
    # Blocks that hold spikes only (sparse samples: do not filter the whole recording).
    lo = int(t_sorted[0])
    window_cost = L + 2 * default_margin(traces.sample_rate)
    for b0, b1 in block_ranges(lo, int(t_sorted[-1]) + 1):
        i0, i1 = np.searchsorted(t_sorted, [b0, b1])
        if i1 == i0:
            continue
        o = o_sorted[i0:i1]
        srt = np.argsort(o, kind="stable")
        owners, first = np.unique(o[srt], return_index=True)
        if filter != "bandpass" and (i1 - i0) * window_cost < b1 - b0:
            win = read_filtered_windows(traces, t_sorted[i0:i1][srt] - half, L, filter,
                                        channel_ids)
        else:
            block = read_filtered(traces, b0 - half, b1 + half, channel_ids, filter=filter)
            win = block[(t_sorted[i0:i1] - b0)[srt][:, None] + np.arange(L)[None, :]]
        sums[owners] += np.add.reduceat(win, first, axis=0)
    return sums, counts


def cluster_templates(traces, spike_samples, spike_clusters, channel_positions,
                      cluster_ids=None, radius_um=RADIUS_UM, window_ms=WINDOW_MS,
                      n_spikes=N_SPIKES, filter="highpass", subtract_ms=SUBTRACT_MS,
                      cache=None, read_channels=None):
    """Templates of clusters for matching (``cache``: a :class:`MeanCache` of the mean
    waveforms already computed; ``read_channels``: the only channels read, which must hold
    those within the radius of each cluster's max channel: the means are zero elsewhere).

    Returns ``Bunch(ids, data (n_t, n_s, n_c) float32, channels (n_t, n_c) int64 (-1 pads,
    max channel first, then by distance), max_channels, offsets, n_spikes, window_ms,
    radius_um, sub_data (n_t, n_sub, n_c), sub_offsets)``: an event at spike sample ``t`` is
    compared with the filtered samples ``[t + offsets[j], t + offsets[j] + n_s)``; the
    template's peak is at ``n_s // 2``. ``sub_data`` is the mean waveform from
    ``subtract_ms[0]`` before the peak to ``subtract_ms[1]`` after it, starting at
    ``t + sub_offsets[j]``: what peeling subtracts.
    """
    spike_samples = np.asarray(spike_samples, dtype=np.int64)
    spike_clusters = np.asarray(spike_clusters)
    positions = np.asarray(channel_positions, dtype=np.float64)
    if cluster_ids is None:
        cluster_ids = np.unique(spike_clusters)
    cluster_ids = np.asarray(cluster_ids, dtype=np.int64).reshape(-1)
    sr = float(traces.sample_rate)
    n_s = max(3, int(round(window_ms * 1e-3 * sr)) | 1)  # odd: the peak in the middle
    half = n_s // 2
    wide = 2 * half  # search the peak within +-1 window
    before = max(half, int(round(subtract_ms[0] * 1e-3 * sr)))
    after = max(half, int(round(subtract_ms[1] * 1e-3 * sr)))
    R = wide + max(half, before, after)  # read +-R around the spike times

    order = np.argsort(spike_clusters, kind="stable")
    sc_sorted = spike_clusters[order]
    picked, keys = [], []
    for c in cluster_ids:
        a, b = np.searchsorted(sc_sorted, [c, c + 1])
        if b == a:
            raise ValueError(f"cluster {c} has no spikes")
        picked.append(spike_samples[_sample(order[a:b], n_spikes)])
        # (a mean read on fewer channels is kept: those around the cluster were read)
        keys.append((hashlib.sha1(picked[-1].tobytes()).hexdigest(), filter, R))
    counts = np.array([len(p) for p in picked])
    means = np.zeros((len(cluster_ids), 2 * R + 1, traces.n_channels))
    todo = [i for i, k in enumerate(keys) if cache is None or cache.get(k) is None]
    for i in set(range(len(keys))) - set(todo):
        means[i] = cache.get(keys[i])
    if todo:
        rc = None if read_channels is None else np.asarray(read_channels, dtype=np.int64)
        sums, _ = _mean_windows(traces, np.concatenate([picked[i] for i in todo]),
                                np.concatenate([np.full(len(picked[i]), q)
                                                for q, i in enumerate(todo)]),
                                len(todo), R, filter, rc)
        for q, i in enumerate(todo):
            if rc is None:
                means[i] = sums[q] / max(counts[i], 1)
            else:
                means[i][:, rc] = sums[q] / max(counts[i], 1)
            if cache is not None:
                cache.put(keys[i], means[i].copy())

    n_t = len(cluster_ids)
    chans = [None] * n_t
    max_ch = np.zeros(n_t, dtype=np.int64)
    offsets = np.zeros(n_t, dtype=np.int64)
    for j in range(n_t):
        m = means[j]
        core = m[R - half:R + half + 1]  # the window centred on the spike times
        max_ch[j] = int(np.abs(core).max(axis=0).argmax())
        # the peak within +-1 window around it
        peak = R - half - wide + int(np.abs(m[R - half - wide:R + half + wide + 1,
                                              max_ch[j]]).argmax())
        peak = min(max(peak, max(half, before)), len(m) - 1 - max(half, after))
        offsets[j] = peak - R - half  # window start relative to the spike time
        chans[j] = _channels_within(positions, max_ch[j], radius_um)
    n_c = max(len(c) for c in chans)
    data = np.zeros((n_t, n_s, n_c), dtype=np.float32)
    sub = np.zeros((n_t, before + after + 1, n_c), dtype=np.float32)
    channels = np.full((n_t, n_c), -1, dtype=np.int64)
    for j in range(n_t):
        start = offsets[j] + R  # index in the read window
        data[j, :, :len(chans[j])] = means[j, start:start + n_s][:, chans[j]]
        p = start + half
        sub[j, :, :len(chans[j])] = means[j, p - before:p + after + 1][:, chans[j]]
        channels[j, :len(chans[j])] = chans[j]
    return Bunch(ids=cluster_ids, data=data, channels=channels, max_channels=max_ch,
                 offsets=offsets, n_spikes=counts, window_ms=float(window_ms),
                 radius_um=float(radius_um), sub_data=sub, sub_offsets=offsets + half - before)


def subtracted_waveforms(templates):
    """(data (n_t, n_sub, n_c), offsets) of the waveforms peeling subtracts: ``sub_data``
    when the templates have it, else the compared window itself."""
    if templates.get("sub_data") is not None:
        return templates.sub_data, np.asarray(templates.sub_offsets, dtype=np.int64)
    return templates.data, np.asarray(templates.offsets, dtype=np.int64)


def subset(templates, indices):
    """The templates ``indices`` (same Bunch layout)."""
    i = np.asarray(indices, dtype=np.int64)
    out = Bunch(templates, ids=templates.ids[i], data=templates.data[i],
                channels=templates.channels[i], max_channels=templates.max_channels[i],
                offsets=templates.offsets[i])
    if templates.get("n_spikes") is not None:
        out.n_spikes = np.asarray(templates.n_spikes)[i]
    if templates.get("sub_data") is not None:
        out.sub_data = templates.sub_data[i]
        out.sub_offsets = np.asarray(templates.sub_offsets)[i]
    return out
