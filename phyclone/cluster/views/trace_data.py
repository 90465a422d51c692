"""NumPy helpers of the trace views (worker-thread data preparation, no Qt, no GL)."""

import numpy as np

from phyclone.utils.bunch import Bunch
from phyclone.utils.colors import selected_cluster_color

#: Vertex-shader snippet of the channel labels: when the boxes are closer than a label's
#: height (many channels, zoomed out), only every k-th label is drawn (the middle one of each
#: group of k, so that no label is cut by the edges).
LABEL_DISCARD_GLSL = (
    "float label_step = max(1.0, ceil(12.0 * N_BOXES / max(u_window_size.y * u_zoom.y, 1.0)));\n"
    "float label_rank = floor(a_box_index + 0.5) + label_step - floor(label_step / 2.0);\n"
    "v_discard = float(mod(label_rank, label_step) > 0.5);")


def channel_y_ranks(channel_positions, n_channels):
    """Row of each channel in the stacked layout: the rank of its y position (ties: by id)."""
    pos = np.asarray(channel_positions, dtype=np.float64)
    if pos.shape != (n_channels, 2):
        raise ValueError(f"channel_positions has shape {pos.shape}, expected ({n_channels}, 2)")
    return np.argsort(np.argsort(pos[:, 1], kind="stable"), kind="stable").astype(np.int64)


def gradient_colors(ranks, color_0, color_1):
    """(n, 4) colours from ``color_0`` (lowest channel) to ``color_1`` (highest)."""
    ranks = np.asarray(ranks, dtype=np.float64)
    t = (ranks / max(len(ranks) - 1, 1))[:, None]
    rgb = (1 - t) * np.asarray(color_0[:3]) + t * np.asarray(color_1[:3])
    return np.c_[rgb, np.ones(len(ranks))]


def quantile_bounds(data, q, max_values=1_000_000):
    """(low, high) quantiles ``q`` and ``1 - q`` of the data (on a regular subsample of at
    most ``max_values`` values); (-1, 1) for empty or flat data."""
    data = np.asarray(data)
    if not data.size:
        return -1., 1.
    step = max(1, -(-data.size // max_values))
    sub = data[::step] if data.ndim == 1 or step <= data.shape[0] else data.ravel()[::step]
    lo, hi = np.quantile(sub, [q, 1. - q])
    lo, hi = float(lo), float(hi)
    if not np.isfinite(lo) or not np.isfinite(hi) or hi <= lo:
        c = lo if np.isfinite(lo) else 0.
        return c - 1., c + 1.
    return lo, hi


def noise_std(data, max_values=1_000_000):
    """Robust standard deviation of the noise (median absolute deviation / 0.6745) of the
    data around its median, on a regular subsample; 1 for empty or flat data."""
    data = np.asarray(data)
    if not data.size:
        return 1.
    sub = data.ravel()[::max(1, -(-data.size // max_values))].astype(np.float64)
    sigma = float(np.median(np.abs(sub - np.median(sub)))) / 0.6745
    return sigma if sigma > 0 and np.isfinite(sigma) else 1.


def _spike_color(w, cluster_ids, unselected_color):
    if w.get("color") is not None:
        return w.color
    i = w.get("select_index")
    if i is None and w.get("spike_cluster") in cluster_ids:
        i = cluster_ids.index(w.spike_cluster)
    return selected_cluster_color(i, 1.) if i is not None else unselected_color


def waveform_arrays(waveforms, cluster_ids, ranks, dt, unselected_color, max_points):
    """Flat PlotVisual arrays of the spike waveforms of a ``traces()`` Bunch.

    One signal per (spike, channel). Returns None without waveforms, else
    ``Bunch(x, y, lengths, color, box, click)`` where ``click`` is ``(times, spike_ids,
    clusters, signal_channels, signal_spikes)`` for the spike-click lookup. Above
    ``max_points`` vertices each signal becomes its min and max (the waveforms are then far
    narrower than a pixel)."""
    if not waveforms:
        return None
    n = len(waveforms)
    cluster_ids = [int(c) for c in cluster_ids]
    datas, chans = [], []
    starts = np.empty(n)
    spike_ids = np.empty(n, dtype=np.int64)
    clusters = np.empty(n, dtype=np.int64)
    colors = np.empty((n, 4))
    for i, w in enumerate(waveforms):
        d = np.asarray(w.data, dtype=np.float32)
        d = d[:, None] if d.ndim == 1 else d
        datas.append(d.T)
        chans.append(np.asarray(w.channel_ids, dtype=np.int64).reshape(-1))
        starts[i] = w.start_time
        spike_ids[i] = w.spike_id
        clusters[i] = w.spike_cluster
        colors[i] = _spike_color(w, cluster_ids, unselected_color)
    n_samples = np.array([d.shape[1] for d in datas])
    n_sig = np.array([d.shape[0] for d in datas])
    sig_spikes = np.repeat(np.arange(n), n_sig)
    sig_channels = np.concatenate(chans)
    lengths = n_samples[sig_spikes]
    y = np.concatenate([d.ravel() for d in datas])
    firsts = np.cumsum(lengths) - lengths
    if int(lengths.sum()) > max_points:
        lo = np.minimum.reduceat(y, firsts)
        hi = np.maximum.reduceat(y, firsts)
        y = np.c_[lo, hi].ravel()
        t0 = starts[sig_spikes]
        x = np.c_[t0, t0 + (lengths - 1) * dt].ravel()
        lengths = np.full(len(sig_spikes), 2)
    else:
        offset = np.arange(int(lengths.sum())) - np.repeat(firsts, lengths)
        x = np.repeat(starts[sig_spikes], lengths) + offset * dt
    times = starts + (n_samples - 1) / 2. * dt  # the centre of each waveform
    return Bunch(
        x=x, y=y, lengths=lengths, color=colors[sig_spikes],
        box=np.repeat(ranks[sig_channels].astype(np.float32), lengths),
        click=(times, spike_ids, clusters, sig_channels, sig_spikes))
