"""Best channels of templates when ``templates.npy`` is missing (KiloSort 2 folders without
it): candidate channels from ``pc_feature_ind.npy`` / ``template_ind.npy`` (else every
channel), ranked by the peak-to-peak amplitude of the mean raw waveform of the template's
spikes, else by the energy of their PC features, else kept in stored order."""

import numpy as np

#: Spikes of a template read to rank its channels.
N_SPIKES = 100


def spike_sample(spike_ids, n=N_SPIKES):
    """Up to ``n`` spikes regularly spaced among ``spike_ids`` (sorted)."""
    if len(spike_ids) <= n:
        return spike_ids
    return spike_ids[np.linspace(0, len(spike_ids) - 1, n).astype(np.int64)]


def candidate_channels(template_id, pc_feature_ind=None, template_ind=None, n_channels=0):
    """Channels a template may be on: its row of ``pc_feature_ind`` (else ``template_ind``)
    without the -1 padding, in stored order; every channel when neither is known."""
    for ind in (pc_feature_ind, template_ind):
        if ind is not None and 0 <= template_id < len(ind):
            row = np.asarray(ind[template_id], dtype=np.int64)
            row = row[row >= 0]
            if len(row):
                return row[np.sort(np.unique(row, return_index=True)[1])]
    return np.arange(n_channels, dtype=np.int64)


def rank_by_waveforms(waveforms):
    """Peak-to-peak amplitude of the mean of ``waveforms`` (n, n_samples, n_channels) on each
    channel (the channels' median over time removed first)."""
    w = np.asarray(waveforms, dtype=np.float64)
    w = w - np.median(w, axis=1, keepdims=True)
    mean = w.mean(axis=0)
    return mean.max(axis=0) - mean.min(axis=0)


def rank_by_features(features):
    """Energy (sum of squares over spikes and PCs) of PC features (n, n_channels, n_pcs),
    NaN rows (spikes without stored features) ignored."""
    f = np.nan_to_num(np.asarray(features, dtype=np.float64))
    return (f ** 2).sum(axis=(0, 2))


def derive_best_channels(candidates, scores, n_max):
    """``candidates`` sorted by decreasing score (stable), at most ``n_max``; channels with
    a zero score are kept only when no channel scores above zero."""
    if scores is None:
        return candidates[:n_max]
    order = np.argsort(-np.asarray(scores), kind="stable")
    ranked = candidates[order]
    positive = np.asarray(scores)[order] > 0
    if positive.any():
        ranked = ranked[positive]
    return ranked[:n_max]
