"""Template statistics: amplitudes, peak/best channels, durations, similarity.

``templates`` are ``(n_templates, n_samples, n_channels_loc)`` arrays; with sparse templates
``channel_ind`` (``(n_templates, n_channels_loc)``, -1 = unused) gives the channel of every
local column. A single template is ``(n_samples, n_channels)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray


def channel_amplitudes(templates: ArrayLike) -> NDArray[np.number]:
    """Peak-to-peak amplitude on every channel: ``max - min`` over time.

    ``(n_samples, n_channels)`` → ``(n_channels,)``; a stack of templates → one row each.
    """
    w = np.asarray(templates)
    return w.max(axis=-2) - w.min(axis=-2)


def template_amplitudes(templates: ArrayLike) -> NDArray[np.number]:
    """Amplitude of every template: its largest channel amplitude (phy's template amplitude)."""
    return channel_amplitudes(templates).max(axis=-1)


def peak_channels(templates: ArrayLike, channel_ind: ArrayLike | None = None
                  ) -> NDArray[np.integer]:
    """Channel with the largest amplitude for every template (mapped through ``channel_ind``
    for sparse templates)."""
    local = np.argmax(channel_amplitudes(templates), axis=-1)
    if channel_ind is None:
        return local
    return np.asarray(channel_ind)[np.arange(len(local)), local]


def waveform_durations(templates: ArrayLike, sample_rate: float) -> NDArray[np.float64]:
    """Peak-to-trough time of every template on its peak channel, in ms (phylib: time of
    the maximum minus time of the minimum, so negative for a trough-first spike)."""
    w = np.asarray(templates)
    peak = np.argmax(channel_amplitudes(w), axis=-1)
    rows = np.arange(len(w))
    trace = w[rows, :, peak]
    return (trace.argmax(axis=1) - trace.argmin(axis=1)).astype(np.float64) / sample_rate * 1e3


def closest_channels(channel_positions: ArrayLike, channel_index: int, n: int | None = None
                     ) -> NDArray[np.intp]:
    """Channels sorted by distance to ``channel_index`` (itself first), the first ``n``."""
    pos = np.asarray(channel_positions, dtype=np.float64)
    d = ((pos - pos[channel_index]) ** 2).sum(axis=1)
    d[channel_index] = -1.
    out = np.argsort(d, kind="stable")
    return out[:n] if n else out


def best_channels(template: ArrayLike, channel_positions: ArrayLike,
                  amplitude_threshold: float = 0., n_closest_channels: int | None = None,
                  channel_shanks: ArrayLike | None = None, channel_ids: ArrayLike | None = None
                  ) -> tuple[NDArray[np.integer], NDArray[np.float64], int]:
    """Relevant channels of one template, phylib's rule: channels whose amplitude is at least
    ``amplitude_threshold`` × the peak amplitude, among the ``n_closest_channels`` nearest to
    the peak channel and on its shank, by decreasing amplitude.

    ``template`` is ``(n_samples, n_channels_loc)``; ``channel_ids`` maps its columns to probe
    channels (sparse templates; default: column i is channel i). Returns
    ``(channel_ids, amplitudes, best_channel)`` — the amplitudes of the returned channels.
    """
    amp = channel_amplitudes(template).astype(np.float64)
    cols = np.arange(len(amp)) if channel_ids is None else np.asarray(channel_ids)
    valid = cols >= 0
    if not valid.any() or np.all(np.isnan(amp[valid])):
        raise ValueError("The template has no valid channel.")
    amp_v = np.where(valid, np.nan_to_num(amp, nan=-np.inf), -np.inf)
    best_col = int(np.argmax(amp_v))
    best = int(cols[best_col])
    keep = valid & (amp_v >= amplitude_threshold * amp_v[best_col])
    if n_closest_channels or channel_shanks is not None:
        near = closest_channels(channel_positions, best, n_closest_channels)
        if channel_shanks is not None:
            shanks = np.asarray(channel_shanks)
            near = near[shanks[near] == shanks[best]]
        keep &= np.isin(cols, near)
    sel = np.flatnonzero(keep)
    sel = sel[np.argsort(-amp_v[sel], kind="stable")]
    return cols[sel], amp[sel], best


def similar_templates(templates: ArrayLike, max_lag: int = 0) -> NDArray[np.float64]:
    """Similarity of every pair of templates: the cosine of the flattened templates, maximized
    over time shifts of up to ``max_lag`` samples (KiloSort's ``similar_templates.npy``
    definition with lags), for datasets without that file. Dense templates only."""
    w = np.asarray(templates, dtype=np.float64)
    n, ns, _ = w.shape
    norms = np.sqrt((w ** 2).sum(axis=(1, 2)))
    norms[norms == 0] = 1.
    flat = w.reshape(n, -1)
    sim = flat @ flat.T
    for lag in range(1, min(max_lag, ns - 1) + 1):
        a = w[:, lag:, :].reshape(n, -1)
        b = w[:, :ns - lag, :].reshape(n, -1)
        s = a @ b.T
        sim = np.maximum(sim, np.maximum(s, s.T))
    return sim / norms[:, None] / norms[None, :]


def template_similarity(similar: ArrayLike, cluster_templates: Mapping[int, ArrayLike],
                        cluster_id: int, cluster_ids: Iterable[int] | None = None,
                        n_max: int = 100) -> list[tuple[int, float]]:
    """Clusters most similar to ``cluster_id`` through their templates (phy's template
    similarity): the similarity of clusters a and b is the largest ``similar[ta, tb]`` over
    the templates ta of a and tb of b.

    ``cluster_templates`` maps a cluster id to the array of its template ids (e.g.
    ``np.unique(spike_templates[spike_ids])``). Returns up to ``n_max`` pairs
    ``(cluster, similarity)`` by decreasing similarity (the cluster itself included, as phy).
    """
    similar = np.asarray(similar)
    ids = list(cluster_templates) if cluster_ids is None else [int(c) for c in cluster_ids]
    if not ids:
        return []
    row = similar[np.asarray(cluster_templates[cluster_id], dtype=np.int64)].max(axis=0)
    temps = [np.asarray(cluster_templates[c], dtype=np.int64) for c in ids]
    lengths = np.array([len(t) for t in temps])
    if np.any(lengths == 0):
        raise ValueError("Every cluster needs at least one template.")
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    sims = np.maximum.reduceat(row[np.concatenate(temps)], starts)
    order = np.argsort(-sims, kind="stable")[:n_max]
    return [(ids[i], float(sims[i])) for i in order]
