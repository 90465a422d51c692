"""Per-cluster statistics computed from a cluster's spike ids (views pass only the selected
clusters' spikes): template counts and best template, amplitudes, depths."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray


def template_counts(spike_templates: ArrayLike, spike_ids: ArrayLike, n_templates: int
                    ) -> NDArray[np.intp]:
    """Number of spikes of each template among ``spike_ids`` (length ``n_templates``)."""
    st = np.asarray(spike_templates)[np.asarray(spike_ids, dtype=np.int64)]
    return np.bincount(st, minlength=n_templates)


def cluster_templates(spike_templates: ArrayLike, spike_ids: ArrayLike) -> NDArray[np.integer]:
    """Sorted ids of the templates the spikes come from."""
    return np.unique(np.asarray(spike_templates)[np.asarray(spike_ids, dtype=np.int64)])


def best_template(spike_templates: ArrayLike, spike_ids: ArrayLike) -> int:
    """Template with the most spikes among ``spike_ids`` (smallest id on ties, as phy)."""
    st = np.asarray(spike_templates)[np.asarray(spike_ids, dtype=np.int64)]
    if not len(st):
        raise ValueError("No spikes: a cluster has at least one spike.")
    ids, counts = np.unique(st, return_counts=True)
    return int(ids[np.argmax(counts)])


def cluster_amplitude(spike_templates: ArrayLike, spike_ids: ArrayLike,
                      template_amplitudes: ArrayLike) -> float:
    """phy's cluster amplitude: the amplitude of the cluster's best template."""
    return float(np.asarray(template_amplitudes)[best_template(spike_templates, spike_ids)])


def mean_spike_amplitudes(amplitudes: ArrayLike,
                          spikes_per_cluster: Mapping[int, NDArray[np.integer]],
                          cluster_ids: Iterable[int]) -> NDArray[np.float64]:
    """Mean of ``amplitudes`` (one value per spike, e.g. amplitudes.npy) over each cluster's
    spikes, for the given clusters."""
    amplitudes = np.asarray(amplitudes)
    return np.array([amplitudes[spikes_per_cluster[c]].mean() if len(spikes_per_cluster[c])
                     else np.nan for c in cluster_ids], dtype=np.float64)


def cluster_depth(best_channel: int, channel_positions: ArrayLike) -> float:
    """Depth of a cluster: the y coordinate of its best channel (phy's probe depth)."""
    return float(np.asarray(channel_positions)[best_channel, 1])


def spike_depths(pc_features: NDArray[np.floating], pc_feature_ind: ArrayLike,
                 spike_templates: ArrayLike, channel_positions: ArrayLike,
                 spike_ids: ArrayLike | None = None, batch_size: int = 50_000
                 ) -> NDArray[np.float64]:
    """Depth of each spike (phylib): the mean y position of the template's channels, weighted
    by the squared positive part of the spike's first PC on each channel (NaN if all zero).

    ``pc_features`` is ``(n_spikes, n_pcs, n_channels_loc)`` (memory-mapped is fine),
    ``pc_feature_ind`` ``(n_templates, n_channels_loc)``. Only ``spike_ids`` (default: all)
    are read, in batches.
    """
    n = len(pc_features)
    spike_ids = np.arange(n) if spike_ids is None else np.asarray(spike_ids, dtype=np.int64)
    ypos = np.asarray(channel_positions, dtype=np.float64)[:, 1]
    ind = np.asarray(pc_feature_ind)
    st = np.asarray(spike_templates)
    out = np.empty(len(spike_ids), dtype=np.float64)
    for a in range(0, len(spike_ids), batch_size):
        ids = spike_ids[a:a + batch_size]
        f = np.asarray(pc_features[ids, 0, :], dtype=np.float64)
        w = np.maximum(f, 0.) ** 2
        y = ypos[ind[st[ids]]]
        with np.errstate(divide="ignore", invalid="ignore"):
            out[a:a + batch_size] = (w * y).sum(axis=1) / w.sum(axis=1)
    return out
