"""Synthetic raw data, streamed chunk by chunk: band-limited noise, spikes, slow LFP, sync channel.

The spike band (white noise through a 300–6000 Hz Butterworth band-pass, per-channel standard
deviation ``noise_std``, plus every spike: amplitude × template × noise_std on the template's
channels) is what KiloSort would see after filtering and what ``pc_features`` are projected from.
A slow, spatially smooth LFP (< 10 Hz) is added on top before rounding to int16, so the file is a
*raw* recording (``hp_filtered = False``) and viewers must high-pass it. Neuropixels-like datasets
get an extra last channel in the file with a 1 Hz square sync signal (not in ``channel_map``).
"""

import numpy as np
from numba import njit
from scipy.signal import butter, sosfilt

_SYNC_VALUE = 64  # SpikeGLX puts the sync bit on bit 6 of the last channel


def bandpass_sos(sample_rate, band=(300., 6000.)):
    """Second-order-section Butterworth band-pass of the spike band (upper edge ≤ 0.45 fs)."""
    return butter(2, [band[0], min(band[1], .45 * sample_rate)], btype="band", fs=sample_rate,
                  output="sos")


def noise_autocorrelation(sos, n_lags, n_impulse=1 << 14):
    """(gain, R): std of white noise of unit variance after ``sos``, and its autocorrelation
    ``R[0..n_lags-1]`` normalised to R[0] = 1."""
    impulse = np.zeros(n_impulse)
    impulse[0] = 1.
    h = sosfilt(sos, impulse)
    acf = np.fft.irfft(np.abs(np.fft.rfft(h, 2 * n_impulse)) ** 2)[:n_lags]
    return float(np.sqrt(acf[0])), acf / acf[0]


@njit(cache=True, nogil=True)
def _add_spikes(buf, start, times, templates, amplitudes, waves, channels):  # pragma: no cover
    """buf[c, s] += amplitude × waveform for each spike overlapping buf (times are window centres).

    ``waves`` is (n_templates, n_channels_loc, n_samples) in ADC units per unit amplitude.
    """
    n = buf.shape[1]
    n_loc, ns = waves.shape[1], waves.shape[2]
    pre = ns // 2
    for i in range(times.shape[0]):
        t = templates[i]
        a = amplitudes[i]
        s0 = times[i] - pre - start
        lo = max(0, -s0)
        hi = min(ns, n - s0)
        for k in range(n_loc):
            c = channels[t, k]
            for s in range(lo, hi):
                buf[c, s0 + s] += a * waves[t, k, s]


@njit(cache=True, nogil=True)
def _project_spikes(buf, start, times, templates, channels, pcs_t, scale, out):  # pragma: no cover
    """out[i, p, k] = Σ_s pcs_t[p, s] · buf[c, t_i - pre + s] · scale[c], c = channels[template, k]."""
    n_pcs, ns = pcs_t.shape
    n_loc = channels.shape[1]
    pre = ns // 2
    for i in range(times.shape[0]):
        t = templates[i]
        s0 = times[i] - pre - start
        for k in range(n_loc):
            c = channels[t, k]
            for p in range(n_pcs):
                acc = 0.
                for s in range(ns):
                    acc += pcs_t[p, s] * buf[c, s0 + s]
                out[i, p, k] = acc * scale[c]


class LFP:
    """A few slow (< 10 Hz) sources with Gaussian depth profiles, evaluated on any sample range."""

    def __init__(self, rng, positions, n_samples, sample_rate, std, n_sources=3, step_ms=10.):
        self.step = max(1, int(step_ms * sample_rate / 1000.))
        n_coarse = n_samples // self.step + 2
        lowpass = butter(2, 10., btype="low", fs=1000. / step_ms, output="sos")
        src = sosfilt(lowpass, rng.standard_normal((n_sources, n_coarse + 200)), axis=1)[:, 200:]
        self.sources = src / src.std(axis=1, keepdims=True)
        y = positions[:, 1]
        centre = rng.uniform(y.min(), y.max() + 1., size=n_sources)
        width = rng.uniform(200., 600., size=n_sources)
        w = np.exp(-.5 * ((y[None, :] - centre[:, None]) / width[:, None]) ** 2) + .5
        self.weights = (std * w / np.sqrt((w ** 2).sum(axis=0, keepdims=True))).astype(np.float32)

    def add_to(self, band, start):
        """Add the LFP of samples [start, start + n) to ``band`` (n_channels, n) in place."""
        x = np.arange(start, start + band.shape[1]) / self.step
        i = np.floor(x).astype(np.int64)
        f = (x - i)[None, :]
        s = (self.sources[:, i] * (1 - f) + self.sources[:, i + 1] * f).astype(np.float32)
        _add_outer(band, self.weights, s)


@njit(cache=True, nogil=True)
def _add_outer(band, weights, sources):  # pragma: no cover
    """band[c, i] += Σ_k weights[k, c] · sources[k, i]."""
    n_sources = weights.shape[0]
    for c in range(band.shape[0]):
        for k in range(n_sources):
            w = weights[k, c]
            for i in range(band.shape[1]):
                band[c, i] += w * sources[k, i]


def synthesize_raw(rng, units, trains, n_samples, sample_rate, raw_writer, pc_writer, pcs,
                   lfp_std=30., sync_channel=False, positions=None, chunk_samples=None,
                   progress=None):
    """Write ``n_samples`` of raw int16 data to ``raw_writer`` (rows of n_channels[+1]) and the
    pc_features of every spike whose window lies inside the raw data to ``pc_writer``.

    Those spikes are the first ``n_in`` of the (time-sorted) trains; returns ``n_in``.
    ``pcs`` is (n_samples_waveforms, n_pcs); features are projections of the whitened spike band
    (noise and all overlapping spikes included) on the template's channels.
    """
    templates, channels, noise_std = units.templates, units.template_ind, units.noise_std
    n_channels = len(noise_std)
    ns = templates.shape[1]
    pre, post = ns // 2, ns - ns // 2
    times, spike_templates = trains.spike_times, trains.spike_templates.astype(np.int64)
    amplitudes = trains.amplitudes.astype(np.float32)
    # ADC waveform per unit of amplitude: whitened template × noise std (= unwhitening).
    waves = np.ascontiguousarray(
        (templates * noise_std[channels][:, None, :]).transpose(0, 2, 1), dtype=np.float32)
    pcs_t = np.ascontiguousarray(pcs.T, dtype=np.float32)
    scale = (1. / noise_std).astype(np.float32)
    sos = bandpass_sos(sample_rate)
    gain, _ = noise_autocorrelation(sos, 1)
    noise_scale = (noise_std / gain).astype(np.float32)[:, None]
    zi = np.zeros((sos.shape[0], n_channels, 2), dtype=np.float32)
    lfp = LFP(rng, positions, n_samples, sample_rate, lfp_std) if lfp_std > 0 else None
    chunk = chunk_samples or int(np.clip((1 << 23) // n_channels, 4096, 1 << 16))
    n_in = int(np.searchsorted(times, n_samples - post, side="right"))
    n_done = 0
    tail = np.zeros((n_channels, ns), dtype=np.float32)
    for start in range(0, n_samples, chunk):
        end = min(start + chunk, n_samples)
        white = rng.standard_normal((n_channels, end - start), dtype=np.float32)
        band, zi = sosfilt(sos.astype(np.float32), white, axis=1, zi=zi)
        band = np.asarray(band, dtype=np.float32)
        band *= noise_scale
        i0 = np.searchsorted(times, start - post, side="right")
        i1 = np.searchsorted(times, end + pre, side="left")
        _add_spikes(band, start, times[i0:i1], spike_templates[i0:i1], amplitudes[i0:i1],
                    waves, channels)
        buf = np.concatenate([tail, band], axis=1)
        j1 = min(int(np.searchsorted(times, end - post, side="right")), n_in)
        feats = np.empty((j1 - n_done, pcs.shape[1], channels.shape[1]), dtype=np.float32)
        _project_spikes(buf, start - ns, times[n_done:j1], spike_templates[n_done:j1], channels,
                        pcs_t, scale, feats)
        pc_writer.append(feats)
        n_done = j1
        tail = buf[:, -ns:]
        if lfp is not None:
            lfp.add_to(band, start)
        raw_writer.append(_to_int16(band, start, sample_rate, sync_channel))
        if progress is not None:
            progress.update(end - start)
    return n_in


@njit(cache=True, nogil=True)
def _quantize(band, out, block=256):  # pragma: no cover
    """out[i, c] = int16(clip(rint(band[c, i]))), transposing by blocks of rows (cache friendly)."""
    n_channels, n = band.shape
    for i0 in range(0, n, block):
        i1 = min(n, i0 + block)
        for c in range(n_channels):
            for i in range(i0, i1):
                v = np.rint(band[c, i])
                out[i, c] = np.int16(min(max(v, -32768.), 32767.))


def _to_int16(band, start, sample_rate, sync_channel):
    """(n_channels, n) float → (n, n_channels[+1]) int16 rows, rounded and clipped."""
    n_channels, n = band.shape
    out = np.empty((n, n_channels + int(sync_channel)), dtype=np.int16)
    _quantize(band, out)
    if sync_channel:  # 1 Hz square wave, 50 % duty cycle
        half = int(sample_rate // 2)
        out[:, -1] = _SYNC_VALUE * (((start + np.arange(n)) // half) % 2 == 0)
    return out
