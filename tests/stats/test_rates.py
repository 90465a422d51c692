"""Histograms, ISI, firing rates."""

import numpy as np
import pytest

from phyclone.stats import (
    firing_rate_histogram, histogram, isi, isi_histogram, mean_firing_rate,
)


def test_histogram_matches_numpy(kernels):
    rng = np.random.default_rng(0)
    for _ in range(20):
        lo, hi = sorted(rng.uniform(-5, 5, 2))
        n_bins = int(rng.integers(1, 60))
        x = rng.uniform(lo - 1, hi + 1, 1000)
        edges = np.linspace(lo, hi, n_bins + 1)
        x[:n_bins + 1] = edges  # values exactly on every edge, including both ends
        x[-1] = np.nan
        assert np.array_equal(histogram(x, lo, hi, n_bins),
                              np.histogram(x[:-1], n_bins, (lo, hi))[0])


def test_histogram_normalize_and_errors():
    x = np.array([0.1, 0.2, 0.6])
    h = histogram(x, 0, 1, 2, normalize=True)
    assert np.allclose(h, [2 / 1.5, 1 / 1.5])
    assert np.allclose((h * 0.5).sum(), 1.)
    assert histogram([], 0, 1, 3, normalize=True).tolist() == [0, 0, 0]
    with pytest.raises(ValueError):
        histogram(x, 1, 1, 3)
    with pytest.raises(ValueError):
        histogram(x, 0, 1, 0)


def test_isi(kernels):
    t = np.array([0, 30, 90, 1590])
    assert np.allclose(isi(t, 30000.), [1e-3, 2e-3, 50e-3])
    assert np.allclose(isi(t / 30000., 30000.), [1e-3, 2e-3, 50e-3])
    counts, edges = isi_histogram(t, 30000., bin_size=1e-3, window_size=50e-3)
    assert len(counts) == 50 and np.allclose(edges[[0, -1]], [0, 0.05])
    assert counts[1] == 1 and counts[2] == 1 and counts[49] == 1 and counts.sum() == 3


def test_firing_rate_histogram(kernels):
    sr = 1000.
    t = np.r_[np.arange(0, 1000, 10), np.arange(1000, 2000, 5)]  # 100 Hz, then 200 Hz
    rates, edges = firing_rate_histogram(t, sr, duration=2., n_bins=2)
    assert np.allclose(rates, [100, 200]) and np.allclose(edges, [0, 1, 2])
    with pytest.raises(ValueError):
        firing_rate_histogram(t, sr, duration=0)


def test_mean_firing_rate():
    assert mean_firing_rate(100, 50.) == 2.
    assert mean_firing_rate(3, 0.5) == 3.  # phy divides by max(1, duration)
    assert np.allclose(mean_firing_rate([10, 20], 10.), [1, 2])
