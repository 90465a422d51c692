"""High-pass filter, waveform extraction with margins, and the _phy_spikes_subset pool."""

import numpy as np
import pytest
from scipy.signal import butter, lfilter

from phyclone.apps.template import load_model
from phyclone.io.raw.filtering import default_margin, filter_windows, filtered_traces, highpass
from phyclone.io.raw.traces import get_ephys_reader
from phyclone.io.template.waveforms import (
    POOL_SPIKES, POOL_WAVEFORMS, extract_waveforms, load_waveform_pool, pool_waveforms,
    select_pool_spikes, write_waveform_pool)

SR = 30000.


def phy_filter(arr, sample_rate, axis=0):
    """phy's RawDataFilter 'high_pass', written from its definition."""
    b, a = butter(3, 150.0 / sample_rate * 2.0, "high")
    arr = lfilter(b, a, arr, axis=axis)
    arr = np.flip(lfilter(b, a, np.flip(arr, axis=axis), axis=axis), axis=axis)
    return arr


@pytest.fixture(scope="module")
def recording():
    rng = np.random.default_rng(1)
    n, nc = 60000, 8
    t = np.arange(n) / SR
    raw = 300 + 400 * np.sin(2 * np.pi * 3 * t)[:, None] + rng.normal(0, 20, (n, nc))
    spikes = np.sort(rng.choice(np.arange(100, n - 100), 200, replace=False))
    shape = -200 * np.exp(-0.5 * ((np.arange(-20, 20)) / 4.) ** 2)
    for s in spikes:
        raw[s - 20:s + 20] += shape[:, None] * rng.uniform(0.2, 1, nc)
    return get_ephys_reader(raw.astype(np.int16), sample_rate=SR), raw.astype(np.int16), spikes


def test_highpass_is_phys_filter():
    x = np.random.default_rng(0).normal(size=(3000, 4)).cumsum(axis=0)
    np.testing.assert_allclose(highpass(x, SR, axis=0), phy_filter(x, SR, axis=0),
                               rtol=1e-4, atol=1e-4 * np.abs(x).max())
    assert highpass(x.T, SR, axis=1).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_filter_windows_kernel(dtype):
    """The numba kernel = mean removal + phy's filter, cropped."""
    w = np.random.default_rng(2).integers(-500, 500, (7, 200, 5)).astype(dtype)
    x = w.astype(np.float64) - w.mean(axis=1, keepdims=True)
    ref = phy_filter(x, SR, axis=1)
    for start, stop in [(0, 200), (60, 140), (199, 200), (10, 10)]:
        got = filter_windows(w, SR, start, stop)
        assert got.dtype == np.float32 and got.shape == (7, stop - start, 5)
        np.testing.assert_allclose(got, ref[:, start:stop], rtol=1e-4, atol=1e-3)
    assert filter_windows(np.zeros((0, 20, 3)), SR).shape == (0, 20, 3)


def test_unfiltered_extraction(recording):
    traces, raw, spikes = recording
    samples = np.r_[3, spikes[:5], len(raw) - 2, len(raw) + 1000]
    w = extract_waveforms(traces, samples, [0, 7], 41)
    padded = np.zeros((len(raw) + 2000, 2), dtype=np.int16)
    padded[100:100 + len(raw)] = raw[:, [0, 7]]
    for i, s in enumerate(samples):
        np.testing.assert_array_equal(w[i], padded[100 + s - 20:100 + s + 21])
    assert w.dtype == np.int16 and not w[-1].any()  # beyond the end of the file: zeros
    assert extract_waveforms(traces, [], [0], 41).shape == (0, 41, 1)
    with pytest.raises(ValueError):
        extract_waveforms(traces, [10], [0], 0)


def test_filtered_extraction_with_margins(recording):
    """Filtering a window read with margins ≈ filtering the whole recording, then cutting."""
    traces, raw, spikes = recording
    full = phy_filter(raw.astype(np.float64), SR, axis=0)
    ids = spikes[10:60]
    ref = np.stack([full[s - 41:s + 41] for s in ids])
    scale = np.abs(ref).max()
    err = {}
    for margin in (0, None):
        w = extract_waveforms(traces, ids, None, 82, filter=True, margin=margin)
        assert w.dtype == np.float32 and w.shape == (50, 82, 8)
        err[margin] = np.abs(w - ref).max() / scale
    assert err[None] < 0.02 < err[0]  # the margin removes the filter's start-up transient
    assert default_margin(SR) == 150
    # Spikes beyond the end of the file: zeros, never an exception.
    assert not extract_waveforms(traces, [len(raw) + 500], [1, 2], 82, filter=True).any()
    seg = filtered_traces(traces, 1000, 4000, channel_ids=[3, 4])
    np.testing.assert_allclose(seg, full[1000:4000, [3, 4]], atol=0.02 * np.abs(full).max())


def test_pool_roundtrip(tmp_path, recording):
    traces, raw, spikes = recording
    spike_samples = spikes.astype(np.int64)
    spt = {0: np.arange(0, 120), 1: np.arange(120, 200)}
    chunk_bounds = np.arange(0, 60001, 3000)  # 20 chunks: all kept
    ids = select_pool_spikes(spt, spike_samples, chunk_bounds, 30, seed=3)
    assert len(ids) == 60 and np.all(np.diff(ids) > 0)
    assert np.array_equal(ids, select_pool_spikes(spt, spike_samples, chunk_bounds, 30, seed=3))
    assert (ids < 120).sum() == 30
    channels = np.where((ids < 120)[:, None], [[0, 3, 5, -1]], [[7, 6, -1, -1]]).astype(np.int32)
    write_waveform_pool(tmp_path, traces, ids, spike_samples, channels, 40)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "_phy_spikes_subset.channels.npy", "_phy_spikes_subset.spikes.npy",
        "_phy_spikes_subset.waveforms.npy"]
    pool = load_waveform_pool(tmp_path, n_spikes=200, n_samples_waveforms=40)
    assert pool.waveforms.dtype == np.float32 and pool.waveforms.shape == (60, 40, 4)
    np.testing.assert_array_equal(pool.spike_ids, ids)
    query = np.r_[ids[[5, 0]], 199 if 199 not in ids else 1000, ids[-1]]
    w, found = pool_waveforms(pool, query, [5, 7, 0])
    assert found.tolist() == [True, True, False, True]
    for i, s in enumerate(query):
        if not found[i]:
            assert not w[i].any()
            continue
        ch = list(channels[list(ids).index(s)])
        smp = spike_samples[s]
        for j, c in enumerate([5, 7, 0]):
            ref = raw[smp - 20:smp + 20, c] if c in ch else np.zeros(40)
            np.testing.assert_array_equal(w[i, :, j], ref)


def test_pool_chunk_subset():
    """With more than 20 chunks, only spikes in every k-th chunk are candidates (as phy)."""
    samples = np.arange(0, 100000, 10).astype(np.int64)
    bounds = np.arange(0, 100001, 1000)  # 100 chunks -> every 5th chunk kept
    ids = select_pool_spikes({0: np.arange(len(samples))}, samples, bounds, None)
    assert set((samples[ids] // 1000) % 5) == {0} and len(ids) == 20 * 100


def test_pool_write_is_atomic(tmp_path, recording):
    traces, raw, spikes = recording
    ids = np.arange(10)
    write_waveform_pool(tmp_path, traces, ids, spikes, np.zeros((10, 2), np.int32), 20)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    class Broken:
        sample_rate, n_channels = SR, 8

        def read_windows(self, *args):
            raise RuntimeError("disk error")

    with pytest.raises(RuntimeError):
        write_waveform_pool(tmp_path, Broken(), np.arange(20), spikes,
                            np.zeros((20, 2), np.int32), 20)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no temp files left


def test_model_filtered_waveforms(tmp_dataset):
    b = tmp_dataset()
    m = load_model(b.params_path)
    ids = np.array([3, 50, 200])
    w = m.get_waveforms(ids, [1, 2], filtered=True)
    samples = b.spike_samples[ids]
    np.testing.assert_array_equal(
        w, extract_waveforms(m.traces, samples, [1, 2], b.nsw, filter=True))
    m.hp_filtered = True  # already filtered data is never filtered again
    np.testing.assert_array_equal(m.get_waveforms(ids, [1, 2], filtered=True),
                                  m.get_waveforms(ids, [1, 2]))


def test_model_extract_pool(tmp_dataset, snapshot):
    b = tmp_dataset()
    m = load_model(b.params_path)
    paths = m.save_spikes_subset_waveforms(max_n_spikes_per_template=10, max_n_channels=4)
    assert [p.name for p in paths][0] == POOL_WAVEFORMS and (b.path / POOL_SPIKES).exists()
    pool = m.spike_waveforms
    assert pool.spike_channels.shape[1] == 12  # at least n_closest_channels, as phy
    counts = np.bincount(b.spike_templates[pool.spike_ids], minlength=6)
    assert counts.tolist() == [min(10, (b.spike_templates == t).sum()) for t in range(6)]
    for k, s in enumerate(pool.spike_ids):
        best = m.get_template_channels(b.spike_templates[s])[:12]
        assert pool.spike_channels[k][:len(best)].tolist() == best.tolist()
        assert np.all(pool.spike_channels[k][len(best):] == -1)
    # Waveforms from the pool equal those read from the raw data on the pooled channels.
    ids = pool.spike_ids[::7]
    ch = m.get_template_channels(b.spike_templates[ids[0]])[:3]
    from_pool = m.get_waveforms(ids[:1], ch)
    m.spike_waveforms = None
    np.testing.assert_array_equal(from_pool, m.get_waveforms(ids[:1], ch).astype(np.float32))
    # A fresh model picks the pool up.
    assert load_model(b.params_path).spike_waveforms.waveforms.shape == (len(pool.spike_ids),
                                                                          b.nsw, 12)
