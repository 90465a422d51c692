"""Numpy side of the waveform view (worker thread): the channels to show, the cluster
offsets when waveforms do not overlap, and every waveform packed into flat arrays ready for
one batched line-strip visual (one row per (spike, channel) signal)."""

from collections import defaultdict

import numpy as np

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError

# The width of a waveform is this many times the gap between clusters side by side (phy).
_OVERLAP_K = 8


def cluster_offsets(channel_ids_list):
    """Horizontal slot of every cluster when waveforms do not overlap: one more than the
    largest slot already taken on any of its channels (phy's rule)."""
    taken = defaultdict(int)
    offsets = []
    for channels in channel_ids_list:
        offset = max((taken[c] for c in channels), default=0)
        offsets.append(offset)
        for c in channels:
            taken[c] += 1
    return offsets


def overlap_transform(t, offset=0, n=1, overlap=False):
    """x in [-1, 1] -> x in the ``offset``-th of ``n`` slots side by side (identity when
    ``overlap``)."""
    if overlap:
        return t
    k = _OVERLAP_K
    return -1 + (2 * offset * (k + 1) + (np.asarray(t) + 1) * k) / (n * (k + 1) - 1)


def channel_layout(bunchs):
    """(sorted channel ids, their positions (n, 2), {channel id: label}) of all bunchs."""
    positions, labels = {}, {}
    for b in bunchs:
        ids = [int(c) for c in b.channel_ids]
        pos = np.asarray(b.get("channel_positions", np.c_[np.zeros(len(ids)), -np.arange(
            len(ids))]), dtype=np.float64).reshape(len(ids), 2)
        lab = b.get("channel_labels")
        for i, c in enumerate(ids):
            positions[c] = pos[i]
            labels[c] = str(lab[i]) if lab is not None else str(c)
    channel_ids = sorted(positions)
    box_pos = np.array([positions[c] for c in channel_ids]).reshape(-1, 2)
    return channel_ids, box_pos, labels


def max_abs(arrays):
    """Largest absolute value over arrays (1 when there is none or all are zero)."""
    m = max((float(np.abs(a).max()) for a in arrays if a is not None and a.size), default=0.)
    return m if m > 0 and np.isfinite(m) else 1.


def pack_signals(items, channel_ids, scale):
    """Flatten waveforms into one batch.

    ``items``: (cluster index, data (n_spikes, n_samples, n_ch), channel ids, masks
    (n_spikes, n_ch) or None). Returns Bunch(y (flat float32, divided by ``scale``),
    box (per vertex, float32: position of the channel in ``channel_ids``), n_samples,
    signal_cluster, signal_masks, lengths) or None when there is nothing.
    """
    items = [it for it in items if it[1] is not None and it[1].size]
    if not items:
        return None
    n_samples = items[0][1].shape[1]
    if any(it[1].shape[1] != n_samples for it in items):
        raise DataError(None, "waveforms of the selected clusters have different lengths",
                        "return the same number of samples for every cluster")
    lookup = {c: i for i, c in enumerate(channel_ids)}
    ys, boxes, clusters, masks = [], [], [], []
    for idx, data, ch, m in items:
        n_spikes, _, n_ch = data.shape
        # (spike, channel) rows of n_samples values: one line strip each.
        ys.append(np.transpose(data, (0, 2, 1)).reshape(n_spikes * n_ch, n_samples))
        box = np.array([lookup[int(c)] for c in ch], dtype=np.float32)
        boxes.append(np.tile(box, n_spikes))
        clusters.append(np.full(n_spikes * n_ch, idx, dtype=np.int64))
        masks.append(np.ones(n_spikes * n_ch, dtype=np.float32) if m is None else
                     np.asarray(m, dtype=np.float32).reshape(n_spikes * n_ch))
    y = np.concatenate(ys, axis=0).astype(np.float32, copy=False).ravel()
    y = np.multiply(y, np.float32(1. / scale), dtype=np.float32)
    signal_box = np.concatenate(boxes)
    return Bunch(y=y, box=np.repeat(signal_box, n_samples), signal_box=signal_box,
                 n_samples=n_samples, signal_cluster=np.concatenate(clusters),
                 signal_masks=np.concatenate(masks),
                 lengths=np.full(len(signal_box), n_samples, dtype=np.int64))


def resample(data, n_samples):
    """Linear resampling of (n, n_samples_in, n_ch) waveforms to ``n_samples``."""
    if data.shape[1] == n_samples:
        return data
    t_in = np.linspace(0., 1., data.shape[1])
    t_out = np.linspace(0., 1., n_samples)
    j = np.clip(np.searchsorted(t_in, t_out, side="right") - 1, 0, data.shape[1] - 2)
    w = ((t_out - t_in[j]) / (t_in[j + 1] - t_in[j]))[None, :, None]
    return data[:, j] * (1 - w) + data[:, j + 1] * w


def restrict_channels(data, channel_ids, keep):
    """(data, channel ids) on the channels of ``channel_ids`` that are in ``keep``."""
    keep = set(int(c) for c in keep)
    cols = [i for i, c in enumerate(channel_ids) if int(c) in keep]
    return data[..., cols], [int(channel_ids[i]) for i in cols]


def fit_scale(reference, data):
    """Least-squares factor ``s`` minimizing |reference - s data|^2 (1 if undefined)."""
    d = float((data * data).sum())
    return float((reference * data).sum()) / d if d > 0 else 1.
