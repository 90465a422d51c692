"""Correlograms and baseline rates against a brute-force implementation of phylib's rules."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phyclone.stats import (
    bin_samples, cluster_index, correlograms, firing_rate, n_window_bins, spike_samples,
)


def brute_force(samples, clusters, cluster_ids, binsize, n_bins, symmetrize=True):
    """Every pair (i < j) at most half a window apart, by definition; then phylib's
    symmetrization (max over both orders at lag 0, mirrored negative lags)."""
    half = n_bins // 2
    index = {int(c): k for k, c in enumerate(cluster_ids)}
    k = len(cluster_ids)
    c = np.zeros((k, k, half + 1), dtype=np.int64)
    for i in range(len(samples)):
        for j in range(i + 1, len(samples)):
            a, b = index.get(int(clusters[i])), index.get(int(clusters[j]))
            d = (int(samples[j]) - int(samples[i])) // binsize
            if a is not None and b is not None and d <= half:
                c[a, b, d] += 1
    if not symmetrize:
        return c
    c[..., 0] = np.maximum(c[..., 0], c[..., 0].T)
    return np.dstack((np.transpose(c[..., 1:][..., ::-1], (1, 0, 2)), c))


def test_small_example(kernels):
    # Two clusters; cluster 0 at 0, 10, 25 samples, cluster 1 at 12 (bins of 10 samples).
    t = np.array([0, 10, 12, 25])
    sc = np.array([0, 0, 1, 0])
    c = correlograms(t, sc, [0, 1], sample_rate=1000., bin_size=0.01, window_size=0.05)
    assert c.shape == (2, 2, 5) and c.dtype == np.int32
    # Auto-correlogram of 0: pairs at +10, +25, +15 samples → bins 1, 2, 1 (and mirrored).
    assert c[0, 0].tolist() == [1, 2, 0, 2, 1]
    # Lags of cluster 1 relative to cluster 0: +12 (bin +1), +2 (bin 0), -13 (bin -1).
    assert c[0, 1].tolist() == [0, 1, 1, 1, 0]
    assert c[1, 0].tolist() == c[0, 1][::-1].tolist()
    assert c[1, 1].tolist() == [0, 0, 0, 0, 0]


def test_centre_bin_and_identical_times(kernels):
    # Spikes less than one bin apart count once in the centre bin of the autocorrelogram and
    # a spike never pairs with itself. For two clusters the centre bin is the max over both
    # orders (phylib): here 2→1 (+5 samples) and 1→2 (0 samples) give 1, not 2.
    t = np.array([100, 100, 105, 300])
    sc = np.array([1, 2, 1, 1])
    c = correlograms(t, sc, [1, 2], sample_rate=1000., bin_size=0.01, window_size=0.03)
    assert c.shape == (2, 2, 3)
    assert c[0, 0].tolist() == [0, 1, 0]
    assert c[0, 1].tolist() == [0, 1, 0]
    assert c[1, 0].tolist() == [0, 1, 0]
    assert c[1, 1].tolist() == [0, 0, 0]


@pytest.mark.parametrize("symmetrize", [True, False])
def test_against_brute_force(kernels, symmetrize):
    rng = np.random.default_rng(0)
    for _ in range(30):
        n = int(rng.integers(0, 200))
        t = np.sort(rng.integers(0, 5000, n))
        sc = rng.integers(0, 6, n) * 3
        ids = rng.permutation(np.arange(6) * 3)[:int(rng.integers(1, 7))]
        binsize = int(rng.integers(1, 40))
        n_bins = 2 * int(rng.integers(0, 6)) + 1
        sr = 20000.
        got = correlograms(t, sc, ids, sample_rate=sr, bin_size=binsize / sr,
                           window_size=n_bins * binsize / sr, symmetrize=symmetrize)
        exp = brute_force(t, sc, ids, binsize, n_bins, symmetrize)
        assert np.array_equal(got, exp)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_property_brute_force(data):
    n = data.draw(st.integers(0, 60))
    t = np.sort(np.array(data.draw(st.lists(st.integers(0, 400), min_size=n, max_size=n)),
                         dtype=np.int64))
    sc = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)),
                  dtype=np.int64)
    binsize = data.draw(st.integers(1, 20))
    n_bins = 2 * data.draw(st.integers(0, 5)) + 1
    got = correlograms(t, sc, [0, 1, 2, 3], sample_rate=1e4, bin_size=binsize / 1e4,
                       window_size=n_bins * binsize / 1e4)
    assert np.array_equal(got, brute_force(t, sc, [0, 1, 2, 3], binsize, n_bins))


@pytest.mark.parametrize("offset, binsize", [(2 ** 50, 7), (0, 20_000), (-10 ** 6, 5)])
def test_large_times_and_bins(kernels, offset, binsize):
    # Beyond the packed layout (huge or negative times, bins over 16,384 samples): same counts.
    rng = np.random.default_rng(3)
    t = offset + np.sort(rng.integers(0, 60 * binsize, 150))
    sc = rng.integers(0, 3, 150)
    got = correlograms(t, sc, [0, 1, 2], sample_rate=1e4, bin_size=binsize / 1e4,
                       window_size=7 * binsize / 1e4)
    assert np.array_equal(got, brute_force(t, sc, [0, 1, 2], binsize, 7))


def test_seconds_are_converted_exactly(kernels):
    rng = np.random.default_rng(1)
    sr = 30000.
    samples = np.sort(rng.integers(0, 30 * 30000, 3000))
    sc = rng.integers(0, 4, 3000)
    a = correlograms(samples, sc, sample_rate=sr, bin_size=1e-3, window_size=20e-3)
    b = correlograms(samples / sr, sc, sample_rate=sr, bin_size=1e-3, window_size=20e-3)
    assert np.array_equal(a, b)
    assert np.array_equal(spike_samples(samples / sr, sr), samples)
    assert spike_samples(np.array([3], dtype=np.uint64), sr).dtype == np.int64
    with pytest.raises(ValueError):
        spike_samples(np.array(["a"]), sr)


def test_subset_and_default_clusters(kernels):
    rng = np.random.default_rng(2)
    t = np.sort(rng.integers(0, 20000, 500))
    sc = rng.integers(0, 5, 500)
    full = correlograms(t, sc, sample_rate=1e4, bin_size=1e-3, window_size=11e-3)
    assert full.shape == (5, 5, 11)
    sub = correlograms(t, sc, [3, 1], sample_rate=1e4, bin_size=1e-3, window_size=11e-3)
    assert np.array_equal(sub, full[np.ix_([3, 1], [3, 1])])
    keep = np.isin(sc, [1, 3])
    only = correlograms(t[keep], sc[keep], [3, 1], sample_rate=1e4, bin_size=1e-3,
                        window_size=11e-3)
    assert np.array_equal(only, sub)
    assert correlograms(t, sc, [7], sample_rate=1e4, bin_size=1e-3,
                        window_size=11e-3).sum() == 0


def test_bins_and_errors():
    assert n_window_bins(1e-3, 50e-3) == 51
    assert n_window_bins(1e-3, 51e-3) == 51
    assert n_window_bins(1e-3, 0.5e-3) == 1
    assert bin_samples(1e-3, 30000.) == 30
    assert bin_samples(1e-4, 30000.) == 3
    with pytest.raises(ValueError):
        bin_samples(1e-5, 1000.)
    with pytest.raises(ValueError):
        correlograms([2, 1], [0, 0], sample_rate=1e3, bin_size=1e-3, window_size=1e-2)
    with pytest.raises(ValueError):
        correlograms([1, 2], [0], sample_rate=1e3, bin_size=1e-3, window_size=1e-2)
    with pytest.raises(ValueError):
        correlograms([1, 2], [0, 0], sample_rate=0, bin_size=1e-3, window_size=1e-2)
    with pytest.raises(ValueError):
        cluster_index([0, 1], [1, 1])
    empty = correlograms(np.array([], dtype=np.int64), np.array([], dtype=np.int64), [0, 1],
                         sample_rate=1e3, bin_size=1e-3, window_size=5e-3)
    assert empty.shape == (2, 2, 5) and empty.sum() == 0


def test_cluster_index_sparse_ids():
    sc = np.array([5, 10 ** 12, 5, 7])
    assert cluster_index(sc, [10 ** 12, 5]).tolist() == [1, 0, 1, -1]
    assert cluster_index(np.array([3, 4]), []).tolist() == [-1, -1]


def test_firing_rate():
    sc = np.array([0, 0, 2, 2, 2, 5])
    fr = firing_rate(sc, [2, 0, 9], bin_size=1e-3, duration=10.)
    counts = np.array([3, 2, 0])
    assert np.allclose(fr, np.outer(counts, counts) * 1e-3 / 10.)
    assert firing_rate(sc, bin_size=1.).shape == (3, 3)
    with pytest.raises(ValueError):
        firing_rate(sc, [0], bin_size=None)
