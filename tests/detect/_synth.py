"""A small synthetic recording for the detection tests: units with negative spikes decaying
with distance, on a two-column probe, in Gaussian noise with per-channel DC offsets."""

import numpy as np


def probe_positions(n_channels):
    return np.c_[(np.arange(n_channels) % 2) * 20., (np.arange(n_channels) // 2) * 20.]


def make_recording(n_channels=16, duration=6., sample_rate=30000., n_units=6, rate=15.,
                   noise=10., seed=0, dtype=np.int16):
    """(data (n_samples, n_channels), spike times, units, unit peak channels, positions)."""
    rng = np.random.default_rng(seed)
    n = int(duration * sample_rate)
    pos = probe_positions(n_channels)
    data = rng.normal(0, noise, (n, n_channels))
    data += rng.integers(-500, 500, n_channels)[None, :]  # DC offsets
    t = np.arange(-30, 60) / sample_rate * 1e3  # ms
    wave = -np.exp(-(t / .15) ** 2) + .35 * np.exp(-((t - .45) / .25) ** 2)
    times, units = [], []
    peaks = rng.choice(n_channels, n_units, replace=False)
    for u, pc in enumerate(peaks):
        d = np.linalg.norm(pos - pos[pc], axis=1)
        amp = rng.uniform(12, 25) * noise * np.exp(-d / 25.)
        isi = rng.exponential(1. / rate, int(3 * rate * duration)) + 3e-3
        st = (np.cumsum(isi) * sample_rate).astype(np.int64)
        st = st[(st > 100) & (st < n - 100)]
        for s in st:
            data[s - 30:s + 60] += wave[:, None] * amp[None, :]
        times.append(st)
        units.append(np.full(len(st), u))
    times, units = np.concatenate(times), np.concatenate(units)
    o = np.argsort(times, kind="stable")
    return data.round().astype(dtype), times[o], units[o], peaks, pos


def write_recording(folder, **kwargs):
    """Write ``rec.dat`` + ``channel_positions.npy`` into ``folder``; return the paths and
    the ground truth."""
    data, times, units, peaks, pos = make_recording(**kwargs)
    dat = folder / "rec.dat"
    data.tofile(dat)
    np.save(folder / "channel_positions.npy", pos)
    return dat, folder / "channel_positions.npy", data, times, units, peaks, pos


def recall(det_times, det_channels, times, units, peaks, pos, tol=12, radius=50.):
    """Fraction of ground-truth spikes with a detection within ``tol`` samples and
    ``radius`` µm of their unit's peak channel."""
    hit = 0
    for t, u in zip(times, units):
        k = np.flatnonzero(np.abs(det_times - t) <= tol)
        if any(np.linalg.norm(pos[det_channels[i]] - pos[peaks[u]]) <= radius for i in k):
            hit += 1
    return hit / len(times)
