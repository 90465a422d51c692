"""A small ground-truth recording written as a template-gui folder: a linear probe, units with
known biphasic templates, Poisson trains, Gaussian noise, int16 raw data."""

import numpy as np

from phyclone.utils import Bunch

SR = 30000.


def unit_waveform(n_s, amp, center, n_channels, spread_ch, rng):
    """A biphasic waveform (n_s, n_channels) peaking negative at n_s // 2 on ``center``."""
    t = (np.arange(n_s) - n_s // 2) / SR * 1e3  # ms
    width = rng.uniform(0.12, 0.25)
    shape = -np.exp(-0.5 * (t / width) ** 2) + 0.4 * np.exp(-0.5 * ((t - 0.45) / 0.25) ** 2)
    d = np.arange(n_channels) - center
    space = np.exp(-0.5 * (d / spread_ch) ** 2)
    return (amp * shape[:, None] * space[None, :]).astype(np.float32)


def write_recording(path, n_channels=16, n_units=5, duration=10., rate=8., noise=8., seed=0,
                    amplitudes=None, centers=None):
    rng = np.random.default_rng(seed)
    n = int(duration * SR)
    n_s = 61
    if centers is None:
        centers = np.linspace(1, n_channels - 2, n_units).round().astype(int)
    if amplitudes is None:
        amplitudes = rng.uniform(100, 250, n_units)
    wfs = np.stack([unit_waveform(n_s, a, c, n_channels, 1.5, rng)
                    for a, c in zip(amplitudes, centers)])
    times, units = [], []
    for u in range(n_units):
        k = rng.poisson(rate * duration)
        t = np.sort(rng.integers(n_s, n - n_s, k))
        t = t[np.r_[True, np.diff(t) > 60]]  # 2 ms refractory
        times.append(t)
        units.append(np.full(len(t), u))
    times, units = np.concatenate(times), np.concatenate(units)
    o = np.argsort(times, kind="stable")
    times, units = times[o], units[o]
    x = rng.normal(0, noise, (n, n_channels)).astype(np.float32)
    for t, u in zip(times, units):
        x[t - n_s // 2:t - n_s // 2 + n_s] += wfs[u]
    path.mkdir(parents=True, exist_ok=True)
    x.round().clip(-32768, 32767).astype(np.int16).tofile(path / "recording.dat")
    (path / "params.py").write_text(
        f"dat_path = 'recording.dat'\nn_channels_dat = {n_channels}\ndtype = 'int16'\n"
        f"offset = 0\nsample_rate = {SR}\nhp_filtered = False\n")
    np.save(path / "spike_times.npy", times.astype(np.int64))
    np.save(path / "spike_templates.npy", units.astype(np.int32))
    np.save(path / "spike_clusters.npy", units.astype(np.int32))
    np.save(path / "amplitudes.npy", np.ones(len(times), dtype=np.float32))
    np.save(path / "templates.npy", wfs)
    np.save(path / "channel_map.npy", np.arange(n_channels, dtype=np.int32))
    pos = np.c_[np.zeros(n_channels), 20. * np.arange(n_channels)]
    np.save(path / "channel_positions.npy", pos)
    return Bunch(path=path, params=path / "params.py", times=times, units=units, wfs=wfs,
                 positions=pos, centers=np.asarray(centers), n_channels=n_channels, n_samples=n)
