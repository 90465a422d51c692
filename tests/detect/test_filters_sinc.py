"""Filtering on the segment grid, common reference, noise, sinc interpolation."""

import numpy as np
import pytest
from scipy.signal import sosfiltfilt

from phyclone.detect import (bandpass_sos, filtered_range, noise_levels, sinc_interpolate,
                             subsample_peaks)
from phyclone.detect.sinc import fractional_shift
from phyclone.io.raw.traces import get_ephys_reader


@pytest.fixture(scope="module")
def traces():
    rng = np.random.default_rng(1)
    x = (rng.normal(0, 30, (20000, 7)) + 300).astype(np.int16)
    return get_ephys_reader(x, sample_rate=20000.)


def test_matches_scipy_filtfilt_inside(traces):
    sos = bandpass_sos(20000., 300., 6000., 3)
    raw = traces.read(0, traces.n_samples).astype(np.float64)
    ref = sosfiltfilt(sos, raw - raw.mean(0), axis=0, padtype=None)
    out = filtered_range(traces, 0, traces.n_samples, np.arange(7), sos, segment=4000,
                         margin=400)
    inner = slice(2000, 18000)
    err = np.abs(out[inner] - ref[inner]).max() / ref[inner].std()
    assert err < 2e-3


def test_same_values_for_any_range(traces):
    sos = bandpass_sos(20000., 300., 6000., 3)
    full = filtered_range(traces, 0, traces.n_samples, np.arange(7), sos, 3000, 300)
    for lo, hi in [(0, 1), (2999, 3001), (4321, 9876), (17000, 20000), (-50, 100)]:
        part = filtered_range(traces, lo, hi, np.arange(7), sos, 3000, 300)
        a, b = max(lo, 0), min(hi, traces.n_samples)
        assert np.array_equal(part[a - lo:b - lo], full[a:b])
    # a column subset gives the same values as the columns of the full set
    sub = filtered_range(traces, 100, 5000, np.array([5, 2]), sos, 3000, 300)
    assert np.array_equal(sub, full[100:5000][:, [5, 2]])


@pytest.mark.parametrize("offset", [0, 6, 8192 + 14])
def test_raw_rows_of_a_file_inside_and_at_the_edges(tmp_path, offset):
    from phyclone.detect.filters import read_padded
    x = np.random.default_rng(2).integers(-500, 500, (5000, 7)).astype(np.int16)
    path = tmp_path / "raw.dat"
    path.write_bytes(b"h" * offset + x.tobytes())
    traces = get_ephys_reader(path, n_channels_dat=7, sample_rate=20000., dtype="int16",
                              offset=offset)
    for a, b in [(0, 5000), (1, 4097), (4000, 5000), (-3, 20), (4990, 5004), (-2, 5002)]:
        got = read_padded(traces, a, b, {})
        want = x[np.clip(np.arange(a, b), 0, 4999)]
        assert np.array_equal(got, want), (a, b)


def test_a_mapped_window_serves_the_next_ranges_and_moves(tmp_path, monkeypatch):
    from phyclone.detect import filters
    monkeypatch.setattr(filters, "WINDOW_BYTES", 14 * 700)  # 700 rows of 7 int16
    x = np.random.default_rng(3).integers(-500, 500, (5000, 7)).astype(np.int16)
    path = tmp_path / "raw.dat"
    path.write_bytes(b"h" * 10 + x.tobytes())
    traces = get_ephys_reader(path, n_channels_dat=7, sample_rate=20000., dtype="int16",
                              offset=10)
    scratch, windows = {}, set()
    for a, b in [(10, 300), (300, 700), (650, 1500), (2000, 2100), (100, 200), (4500, 4990)]:
        assert np.array_equal(filters.read_padded(traces, a, b, scratch), x[a:b]), (a, b)
        windows.add(scratch["window"][1])
    assert windows == {10, 650, 2000, 100, 4500}  # a new window only when out of the last
    sos = bandpass_sos(20000., 300., 6000., 3)
    full = filtered_range(traces, 0, 5000, np.arange(7), sos, 400, 100)
    scratch = {}
    for lo in range(-50, 5000, 600):  # blocks in order, each thread's way
        got = filtered_range(traces, lo, lo + 650, np.arange(7), sos, 400, 100,
                             scratch=scratch)
        a, b = max(lo, 0), min(lo + 650, 5000)
        assert np.array_equal(got[a - lo:b - lo], full[a:b]), lo


def test_a_range_outside_the_recording_is_zeros(traces):
    sos = bandpass_sos(20000., 300., 6000., 3)
    n = traces.n_samples
    for lo, hi in ((n + 10, n + 100), (n, n + 5), (-500, -20)):
        for scratch in (None, {}):
            if scratch is not None:  # the last segment kept whole by a call ending in it
                filtered_range(traces, n - 3900, n - 1500, np.arange(7), sos, 3000, 300,
                               scratch=scratch)
            out = filtered_range(traces, lo, hi, np.arange(7), sos, 3000, 300, scratch=scratch)
            assert out.shape == (hi - lo, 7) and not out.any()


@pytest.mark.parametrize("mode", ["median", "mean"])
def test_common_reference(traces, mode):
    sos = bandpass_sos(20000., 300., 6000., 3)
    plain = filtered_range(traces, 0, 5000, np.arange(7), sos, 3000, 300)
    keep = np.array([0, 1, 2, 4, 6])
    out = filtered_range(traces, 0, 5000, np.arange(7), sos, 3000, 300, mode, keep)
    ref = getattr(np, mode)(plain[:, keep], axis=1)
    np.testing.assert_allclose(out, plain - ref[:, None], atol=1e-3)


def test_a_scratch_reused_with_another_reference_filters_again(traces):
    # the rows a call keeps for the next one are referenced: not reused for another reference
    sos = bandpass_sos(20000., 300., 6000., 3)
    scratch = {}
    for lo, reference, ref in ((0, "median", None), (900, "none", None), (1800, "mean", None),
                               (2700, "mean", [0, 1, 2]), (3600, "median", [1, 2, 3])):
        got = filtered_range(traces, lo, lo + 1000, np.arange(7), sos, 3000, 300, reference,
                             ref, scratch=scratch).copy()
        want = filtered_range(traces, lo, lo + 1000, np.arange(7), sos, 3000, 300, reference,
                              ref)
        assert np.array_equal(got, want), (lo, reference, ref)


@pytest.mark.parametrize("mode", ["median", "mean"])
def test_common_reference_leaves_out_channels_flat_in_a_segment(mode):
    rng = np.random.default_rng(2)
    x = (rng.normal(0, 30, (9000, 5)) + 300).astype(np.int16)
    x[3000:6000, 1] = 77  # flat over the second segment only
    x[:, 4] = -5  # flat everywhere
    tr = get_ephys_reader(x, sample_rate=20000.)
    sos = bandpass_sos(20000., 300., 6000., 3)
    plain = filtered_range(tr, 0, 9000, np.arange(5), sos, 3000, 300)
    out = filtered_range(tr, 0, 9000, np.arange(5), sos, 3000, 300, mode, [0, 1, 2, 3])
    for seg, keep in ((slice(0, 3000), [0, 1, 2, 3]), (slice(3000, 6000), [0, 2, 3]),
                      (slice(6000, 9000), [0, 1, 2, 3])):
        ref = getattr(np, mode)(plain[seg][:, keep], axis=1)
        live = [c for c in range(4) if c in keep]
        np.testing.assert_allclose(out[seg][:, live], plain[seg][:, live] - ref[:, None],
                                   atol=1e-3)
    assert np.all(out[3000:6000, 1] == 0) and np.all(out[:, 4] == 0)
    # in blocks of any size (the flags of a segment kept for the next block), and with an
    # empty reference list (nothing subtracted; flat channels still 0)
    scratch = {}
    parts = [filtered_range(tr, a, a + 1000, np.arange(5), sos, 3000, 300, mode,
                            [0, 1, 2, 3], scratch).copy() for a in range(0, 9000, 1000)]
    np.testing.assert_array_equal(np.concatenate(parts), out)
    none = filtered_range(tr, 0, 9000, np.arange(5), sos, 3000, 300, mode, [])
    np.testing.assert_array_equal(none[:, 0], plain[:, 0])
    assert np.all(none[3000:6000, 1] == 0)


def test_noise_levels():
    x = np.random.default_rng(0).normal(0, 7., (200000, 3)).astype(np.float32)
    x[::100] += 500  # outliers barely move the MAD estimate, but the std a lot
    assert np.allclose(noise_levels(x, "mad"), 7., rtol=0.03)
    assert (noise_levels(x, "std") > 20).all()


def test_noise_levels_of_chunks_in_threads_are_the_exact_mad():
    rng = np.random.default_rng(1)
    x = (rng.normal(0, 1, (3001, 50)) * rng.uniform(1, 9, 50)).astype(np.float32)
    med = np.median(x, axis=0)
    want = (np.median(np.abs(x - med), axis=0) / 0.6744897501960817).astype(np.float32)
    chunks = np.array_split(x, [1000, 1001, 2500])
    for jobs in (1, 2, 3):
        assert np.allclose(noise_levels(x, "mad", jobs), want, rtol=1e-6)
        assert np.array_equal(noise_levels(chunks, "mad", jobs), noise_levels(x, "mad", jobs))
        assert np.array_equal(noise_levels(chunks, "std", jobs), noise_levels(x, "std"))


def _signal(t, freqs, phases):
    return sum(np.sin(2 * np.pi * f * t + p) for f, p in zip(freqs, phases))


@pytest.mark.parametrize("factor", [2, 4])
def test_sinc_reconstructs_band_limited_sinusoids(factor):
    sr = 30000.
    freqs, phases = [900., 3100., 7700.], [0.3, 1.1, 2.0]  # up to 0.26 × sample rate
    n = 3000
    t = np.arange(n) / sr
    x = _signal(t, freqs, phases)[:, None]
    up = sinc_interpolate(x, factor)[:, 0]
    tt = np.arange(n * factor) / (sr * factor)
    true = _signal(tt, freqs, phases)
    inner = slice(200 * factor, (n - 200) * factor)
    rel = np.abs(up[inner] - true[inner]).max() / np.abs(true[inner]).max()
    assert rel < 1e-3


def test_sinc_removes_sample_and_hold_delays():
    sr = 25000.
    freqs, phases = [700., 2500.], [0.2, 0.9]
    n, nc = 2000, 5
    delays = np.array([0., .1, .25, .4, .55])  # samples: channel c sampled delays[c] late
    x = np.stack([_signal((np.arange(n) + d) / sr, freqs, phases) for d in delays], axis=1)
    up = sinc_interpolate(x, 2, delays)
    true = _signal(np.arange(2 * n) / (2 * sr), freqs, phases)
    inner = slice(400, 2 * n - 400)
    for c in range(nc):
        assert np.abs(up[inner, c] - true[inner]).max() / np.abs(true).max() < 1e-3
    # without the correction the channels disagree
    raw = sinc_interpolate(x, 2)
    assert np.abs(raw[inner, 4] - true[inner]).max() > 1e-2


def test_subsample_peaks_and_shift():
    sr = 30000.
    t = np.arange(200)
    true_peak = 100.5  # between two samples
    x = -np.exp(-((t - true_peak) / 3.) ** 2)[:, None]
    x = np.c_[x, x]
    fine = subsample_peaks(x, [100, 101], [0, 1], 2)
    assert np.allclose(fine, true_peak)
    # a delay on channel 1 moves its time on the common clock
    fine = subsample_peaks(x, [100, 101], [0, 1], 2, delays=np.array([0., .25]))
    assert np.allclose(fine, [100.5, 100.75])
    w = x[None, 80:121, :1].astype(np.float32)
    al = fractional_shift(w, [0.5])[0, :, 0]
    assert np.argmin(al) == 20 and abs(al[20] + 1) < 1e-2
    del sr
