"""High-pass filtering of raw data, as phy: 3rd-order Butterworth at 150 Hz, zero-phase.

phy runs the filter forward then backward (``lfilter`` twice, zero initial state), which
gives a zero-phase response with the squared magnitude of the Butterworth filter. We do the
same with second-order sections (numerically safer, same response), and read a margin of
raw data on both sides of the requested interval so the start-up transient falls outside
it (phy filters the bare window and shows the transient).

Windows of spikes are filtered by a numba kernel (compiled once, cached on disk, releases
the GIL) that vectorizes across channels: ~20× faster than ``scipy.signal.sosfilt`` on
(100 spikes, 382 samples, 32 channels), with identical results.
"""

from functools import lru_cache

import numpy as np

from phyclone.utils.butterworth import band_sos

#: phy's defaults.
HIGHPASS_CUTOFF = 150.0
HIGHPASS_ORDER = 3
#: Default margin read on both sides of a window before filtering, in seconds.
MARGIN_DURATION = 0.005


@lru_cache(maxsize=32)
def highpass_sos(sample_rate, cutoff=HIGHPASS_CUTOFF, order=HIGHPASS_ORDER):
    """Second-order sections (rows ``b0 b1 b2 1 a1 a2``) of a Butterworth high-pass filter."""
    return band_sos(sample_rate, cutoff, None, order)


def highpass(arr, sample_rate, axis=0, cutoff=HIGHPASS_CUTOFF, order=HIGHPASS_ORDER):
    """Zero-phase (forward-backward) high-pass filter of any array along ``axis``; float32."""
    from scipy.signal import sosfilt
    arr = np.asarray(arr)
    if arr.shape[axis] == 0:
        return arr.astype(np.float32)
    sos = highpass_sos(float(sample_rate), float(cutoff), int(order))
    x = np.ascontiguousarray(np.moveaxis(arr, axis, -1), dtype=np.float64)  # time last: fast
    x = sosfilt(sos, x, axis=-1)
    x = sosfilt(sos, x[..., ::-1], axis=-1)[..., ::-1]
    return np.ascontiguousarray(np.moveaxis(x, -1, axis), dtype=np.float32)


def _filtfilt_windows(w, sos, start, stop, out):
    """Per window and channel: remove the mean, filter forward over the whole window, then
    backward from the end down to ``start``; write samples ``[start, stop)`` into ``out``.
    Direct form II transposed biquads; the channel loop is innermost (vectorized)."""
    n, length, nc = w.shape
    ns = sos.shape[0]
    buf = np.empty((length, nc))
    z1 = np.empty((ns, nc))
    z2 = np.empty((ns, nc))
    xs = np.empty(nc)
    mean = np.empty(nc)
    for i in range(n):
        mean[:] = 0.
        for t in range(length):
            for c in range(nc):
                mean[c] += w[i, t, c]
        for c in range(nc):
            mean[c] /= length
        for backward in (False, True):
            z1[:] = 0.
            z2[:] = 0.
            t_first, t_stop, step = (length - 1, start - 1, -1) if backward else (0, length, 1)
            for t in range(t_first, t_stop, step):
                for c in range(nc):
                    xs[c] = buf[t, c] if backward else w[i, t, c] - mean[c]
                for k in range(ns):
                    b0, b1, b2, a1, a2 = sos[k, 0], sos[k, 1], sos[k, 2], sos[k, 4], sos[k, 5]
                    for c in range(nc):
                        x = xs[c]
                        y = b0 * x + z1[k, c]
                        z1[k, c] = b1 * x - a1 * y + z2[k, c]
                        z2[k, c] = b2 * x - a2 * y
                        xs[c] = y
                if not backward:
                    for c in range(nc):
                        buf[t, c] = xs[c]
                elif t < stop:
                    for c in range(nc):
                        out[i, t - start, c] = xs[c]


@lru_cache(maxsize=1)
def _kernel():
    import numba  # imported and compiled on first use (then cached on disk)
    return numba.njit(cache=True, nogil=True)(_filtfilt_windows)


def filter_windows(windows, sample_rate, start=0, stop=None, sos=None):
    """High-pass windows (n, length, n_channels) of raw data along their time axis, each
    channel's mean removed first; return samples ``[start, stop)`` as float32. ``sos``:
    another filter (second-order sections, as ``scipy.signal.butter(..., output='sos')``)."""
    windows = np.ascontiguousarray(windows)
    n, length, nc = windows.shape
    stop = length if stop is None else stop
    out = np.zeros((n, max(0, stop - start), nc), dtype=np.float32)
    if n and nc and stop > start:
        sos = highpass_sos(float(sample_rate)) if sos is None else sos
        sos = np.ascontiguousarray(sos, dtype=np.float64)
        _kernel()(windows, sos, int(start), int(stop), out)
    return out


def default_margin(sample_rate):
    """Samples read on each side of a window before filtering (5 ms)."""
    return int(np.ceil(MARGIN_DURATION * float(sample_rate)))


def filtered_traces(traces, start, stop, channel_ids=None, margin=None):
    """High-pass filtered samples ``[start, stop)`` of ``traces`` (an ``EphysTraces``).

    A margin of raw data is read on both sides (zeros beyond the recording) and cropped
    after filtering; the per-channel mean of the read data is removed first (a constant only
    changes the filter's start-up transient, which falls in the margin).
    """
    m = default_margin(traces.sample_rate) if margin is None else int(margin)
    start, stop = int(start), int(stop)
    win = traces.read_windows([start - m], stop - start + 2 * m, channel_ids)
    return filter_windows(win, traces.sample_rate, m, m + stop - start)[0]
