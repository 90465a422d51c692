"""Sinc (Nyquist) interpolation with sample-and-hold delay correction.

A band-limited signal is known between its samples: ``x(t + f) = Σ_j x[t + j] sinc(j - f)``.
The sum is truncated to ``2 * half_width + 1`` taps and tapered by a Hamming window; there is
one kernel per interpolated phase ``f = p / factor``. Multiplexed acquisition boards sample
their channels one after the other (sample and hold): channel ``c`` is late by
``delays[c]`` samples, and its kernels are shifted by ``-delays[c]`` so that every channel
is read at the same instant.
"""

from functools import lru_cache

import numba
import numpy as np

#: Taps on each side of the interpolated point (error < 1e-3 up to 0.3 × sample rate).
HALF_WIDTH = 48


def sample_and_hold_delays(n_channels, sample_rate, step_us=1.0, channels_per_board=32,
                           ad_channels=None):
    """Per-channel delays in samples: ``step_us`` µs × (AD channel % channels per board)."""
    ad = np.arange(n_channels) if ad_channels is None else np.asarray(ad_channels)
    return (ad % channels_per_board) * step_us * 1e-6 * float(sample_rate)


def sinc_kernels(factor, delays=None, half_width=HALF_WIDTH):
    """Kernels ``(n_channels, factor, 2 * half_width + 1)`` (one channel without ``delays``):
    kernel ``[c, p]`` applied to ``x[t - half_width: t + half_width + 1, c]`` gives
    ``x_c(t + p / factor - delays[c])``. Each kernel sums to 1."""
    delays = np.zeros(1) if delays is None else np.asarray(delays, dtype=np.float64)
    j = np.arange(-half_width, half_width + 1, dtype=np.float64)
    f = np.arange(factor) / factor
    shift = f[None, :, None] - delays[:, None, None]  # (n_channels, factor, 1)
    return _hamming_sinc(j[None, None, :] - shift, half_width)


def sinc_interpolate(x, factor=2, delays=None, half_width=HALF_WIDTH):
    """Upsample ``x`` (n_samples, n_channels) by ``factor`` and remove the channels'
    sample-and-hold ``delays`` (samples): ``out[t * factor + p, c] = x_c(t + p / factor -
    delays[c])``, shape (n_samples * factor, n_channels). The edges are padded by
    repeating the first/last sample."""
    x = np.asarray(x, dtype=np.float64)
    n, nc = x.shape
    kern = sinc_kernels(factor, delays, half_width)
    if kern.shape[0] == 1:
        kern = np.repeat(kern, nc, axis=0)
    xp = np.pad(x, ((half_width, half_width), (0, 0)), mode="edge")
    win = np.lib.stride_tricks.sliding_window_view(xp, 2 * half_width + 1, axis=0)
    out = np.einsum("tcj,cpj->tpc", win, kern)  # (n, factor, nc)
    return out.reshape(n * factor, nc)


def fractional_shift(w, shifts, half_width=8):
    """Waveforms ``w`` (n, n_samples, n_channels) resampled at ``t + shifts[i]`` (samples,
    |shift| <= 1), to align each waveform on its sub-sample peak; one kernel per distinct
    shift (the interpolated phases)."""
    w = np.asarray(w, dtype=np.float32)
    out = w.copy()
    if not len(w):
        return out
    shifts = np.round(np.asarray(shifts, dtype=np.float64), 9)
    j = np.arange(-half_width, half_width + 1, dtype=np.float64)
    wp = np.pad(w, ((0, 0), (half_width, half_width), (0, 0)), mode="edge")
    for s in np.unique(shifts):
        if s == 0:
            continue
        idx = np.flatnonzero(shifts == s)
        k = _hamming_sinc(j - s, half_width).astype(np.float32)
        win = np.lib.stride_tricks.sliding_window_view(wp[idx], 2 * half_width + 1, axis=1)
        out[idx] = win @ k
    return out


def _hamming_sinc(u, half_width):
    k = np.sinc(u) * (0.54 + 0.46 * np.cos(np.pi * np.clip(u / (half_width + 1), -1, 1)))
    return k / k.sum(axis=-1, keepdims=True)


def subsample_peaks(x, times, channels, factor, delays=None, half_width=8):
    """Sub-sample times (float samples, on the common clock: each channel's sample-and-hold
    delay added) of the extremum near each integer peak ``times[i]`` (a row of ``x``) on
    ``channels[i]``; the signal is interpolated at ``factor`` phases per sample within ±1
    sample. Peaks too close to the edges of ``x`` keep their integer time."""
    times = np.asarray(times, dtype=np.int64)
    channels = np.asarray(channels, dtype=np.int64)
    d = np.zeros(x.shape[1]) if delays is None else np.asarray(delays, dtype=np.float64)
    out = times + d[channels]
    if factor <= 1 or not len(times):
        return out
    k, f = _phase_kernels(factor, half_width)
    _subsample(np.ascontiguousarray(x, dtype=np.float32), times, channels, k, f, half_width,
               out)
    return out


@lru_cache(maxsize=8)
def _phase_kernels(factor, half_width):
    """The kernels (phases, taps) of the phases ``f = p / factor`` within ±1 sample, and
    ``f`` (made once per process: a block would spend a tenth of its Python time on them)."""
    f = np.arange(-factor + 1, factor) / factor
    j = np.arange(-half_width, half_width + 1)
    k = _hamming_sinc(j[None, :] - f[:, None], half_width)
    k.flags.writeable = f.flags.writeable = False
    return k, f


@numba.njit(cache=True, nogil=True)
def _subsample(x, times, channels, k, f, half_width, out):
    """``out[i] += f[p]`` for the phase ``p`` where the interpolated signal is most extreme
    (in the sign of the peak), for the peaks away from the edges (numba: GIL released)."""
    n_phases, n_taps = k.shape
    for i in range(len(times)):
        t, c = times[i], channels[i]
        if t - half_width < 0 or t + half_width >= x.shape[0]:
            continue
        sgn = -1. if x[t, c] < 0 else 1.
        best, arg = -np.inf, 0
        for p in range(n_phases):
            v = 0.
            for q in range(n_taps):
                v += np.float64(x[t - half_width + q, c]) * k[p, q]
            if sgn * v > best:
                best, arg = sgn * v, p
        out[i] += f[arg]


def phase_projections(basis, factor, half_width=8):
    """For every phase ``s = q / factor`` (q = -factor + 1 ... factor - 1), ``basis`` applied
    to the waveform resampled at ``t + s``: (2 factor - 1, n_pcs, n_samples + 2 half_width)
    matrices applied to the raw window, and the padding ``half_width``."""
    basis = np.asarray(basis, dtype=np.float64)
    n_pcs, ns = basis.shape
    j = np.arange(-half_width, half_width + 1, dtype=np.float64)
    out = np.zeros((2 * factor - 1, n_pcs, ns + 2 * half_width))
    for q in range(-factor + 1, factor):
        k = _hamming_sinc(j - q / factor, half_width) if q else (j == 0).astype(np.float64)
        for r in range(ns):  # resampled sample r = sum_j k[j] x[r + j]
            out[q + factor - 1, :, r:r + 2 * half_width + 1] += basis[:, r:r + 1] * k[None, :]
    return out.astype(np.float32), half_width
