"""Template and cluster statistics against direct computations."""

import numpy as np
import pytest

from phyclone.stats import (
    best_channels, best_template, channel_amplitudes, closest_channels, cluster_amplitude,
    cluster_depth, cluster_templates, mean_spike_amplitudes, peak_channels, similar_templates,
    spike_depths, template_amplitudes, template_counts, template_similarity,
    waveform_durations,
)


@pytest.fixture
def templates():
    rng = np.random.default_rng(0)
    w = rng.normal(0, 0.1, (4, 20, 6))
    for i, ch in enumerate([1, 4, 4, 0]):
        w[i, 8, ch] = -5. - i   # trough
        w[i, 12, ch] = 2.        # peak after the trough
    return w


def test_amplitudes_peaks_durations(templates):
    amp = channel_amplitudes(templates)
    assert amp.shape == (4, 6)
    assert np.allclose(amp[2], templates[2].max(0) - templates[2].min(0))
    assert np.allclose(channel_amplitudes(templates[1]), amp[1])
    assert np.allclose(template_amplitudes(templates), [7, 8, 9, 10])
    assert peak_channels(templates).tolist() == [1, 4, 4, 0]
    ind = np.array([[10, 11, 12, 13, 14, 15]] * 4)
    assert peak_channels(templates, ind).tolist() == [11, 14, 14, 10]
    assert np.allclose(waveform_durations(templates, 20000.), (12 - 8) / 20.)


def test_closest_and_best_channels():
    pos = np.c_[np.zeros(6), np.arange(6) * 20.]
    assert closest_channels(pos, 2).tolist()[:3] == [2, 1, 3]
    assert closest_channels(pos, 0, n=2).tolist() == [0, 1]
    dup = np.zeros((3, 2))  # duplicated positions: the channel itself still comes first
    assert closest_channels(dup, 2)[0] == 2

    t = np.zeros((10, 6))
    t[5] = [-1, -4, -10, -6, -3, -0.5]
    ch, amp, best = best_channels(t, pos, amplitude_threshold=0.35)
    assert best == 2 and ch.tolist() == [2, 3, 1] and np.allclose(amp, [10, 6, 4])
    ch, _, _ = best_channels(t, pos, amplitude_threshold=0., n_closest_channels=3)
    assert ch.tolist() == [2, 3, 1]
    shanks = np.array([0, 0, 0, 1, 1, 1])
    ch, _, _ = best_channels(t, pos, channel_shanks=shanks)
    assert ch.tolist() == [2, 1, 0]
    # Sparse template: columns are probe channels 5, 3, 0, -1 (unused).
    ts = np.zeros((10, 4))
    ts[5] = [-2, -7, -1, -100]
    ch, amp, best = best_channels(ts, pos, channel_ids=np.array([5, 3, 0, -1]))
    assert best == 3 and ch.tolist() == [3, 5, 0] and np.allclose(amp, [7, 2, 1])
    with pytest.raises(ValueError):
        best_channels(np.full((3, 2), np.nan), pos[:2])


def test_similar_templates(templates):
    sim = similar_templates(templates)
    flat = templates.reshape(4, -1)
    cos = flat @ flat.T / np.outer(np.linalg.norm(flat, axis=1), np.linalg.norm(flat, axis=1))
    assert np.allclose(sim, cos) and np.allclose(np.diag(sim), 1)
    shifted = np.roll(templates[:1], 2, axis=1)
    both = np.concatenate((templates[:1], shifted))
    assert similar_templates(both)[0, 1] < 0.5
    assert np.isclose(similar_templates(both, max_lag=2)[0, 1], 1., atol=0.02)


def test_template_similarity_matches_phy_rule():
    rng = np.random.default_rng(3)
    sim = rng.uniform(0, 1, (8, 8))
    cluster_templates_ = {10: np.array([0, 3]), 11: np.array([1]), 12: np.array([2, 5, 7]),
                          13: np.array([4, 6])}
    out = template_similarity(sim, cluster_templates_, 12)
    row = sim[[2, 5, 7]].max(axis=0)
    expected = sorted(((c, float(row[t].max())) for c, t in cluster_templates_.items()),
                      key=lambda x: -x[1])
    assert out == expected
    assert len(template_similarity(sim, cluster_templates_, 12, n_max=2)) == 2
    assert [c for c, _ in template_similarity(sim, cluster_templates_, 12, [11, 13])] \
        == sorted([11, 13], key=lambda c: -row[cluster_templates_[c]].max())


def test_cluster_statistics():
    spike_templates = np.array([0, 2, 2, 1, 1, 0, 2])
    spikes = np.array([0, 1, 3, 4, 5])
    assert template_counts(spike_templates, spikes, 4).tolist() == [2, 2, 1, 0]
    assert cluster_templates(spike_templates, spikes).tolist() == [0, 1, 2]
    assert best_template(spike_templates, spikes) == 0  # tie 0/1: smallest id
    assert best_template(spike_templates, [1, 2, 6]) == 2
    with pytest.raises(ValueError):
        best_template(spike_templates, [])
    assert cluster_amplitude(spike_templates, [1, 2], [5., 6., 7.]) == 7.
    amplitudes = np.arange(7.)
    spc = {3: np.array([0, 1]), 4: np.array([2, 3, 6]), 5: np.array([], dtype=int)}
    m = mean_spike_amplitudes(amplitudes, spc, [4, 3, 5])
    assert np.allclose(m[:2], [11 / 3, 0.5]) and np.isnan(m[2])
    assert cluster_depth(2, np.array([[0, 0], [0, 20], [16, 40]])) == 40.


def test_spike_depths():
    rng = np.random.default_rng(1)
    n, n_loc = 13, 3
    pc = rng.normal(0, 1, (n, 2, n_loc))
    pc[4, 0] = -1  # no positive feature: NaN
    ind = np.array([[0, 1, 2], [2, 3, 4]])
    st = rng.integers(0, 2, n)
    pos = np.c_[np.zeros(5), np.arange(5) * 10.]
    d = spike_depths(pc, ind, st, pos, batch_size=4)
    for i in range(n):
        w = np.maximum(pc[i, 0], 0) ** 2
        y = pos[ind[st[i]], 1]
        if w.sum():
            assert np.isclose(d[i], (w * y).sum() / w.sum())
        else:
            assert np.isnan(d[i])
    assert np.allclose(spike_depths(pc, ind, st, pos, spike_ids=[3, 5]), d[[3, 5]])
