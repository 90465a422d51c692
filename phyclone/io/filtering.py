"""High-pass filtering of raw data, as phy: 3rd-order Butterworth at 150 Hz, zero-phase.

phy runs the filter forward then backward (``lfilter`` twice, zero initial state), which
gives a zero-phase response with the squared magnitude of the Butterworth filter. We do the
same with second-order sections (numerically safer, same response), and read a margin of
raw data on both sides of the requested interval so the start-up transient falls outside
it (phy filters the bare window and shows the transient).
"""

from functools import lru_cache

import numpy as np

#: phy's defaults.
HIGHPASS_CUTOFF = 150.0
HIGHPASS_ORDER = 3
#: Default margin read on both sides of a window before filtering, in seconds.
MARGIN_DURATION = 0.005


@lru_cache(maxsize=32)
def highpass_sos(sample_rate, cutoff=HIGHPASS_CUTOFF, order=HIGHPASS_ORDER):
    """Second-order sections of a Butterworth high-pass filter."""
    from scipy.signal import butter  # imported on first use: scipy.signal is slow to import
    return butter(order, cutoff / (0.5 * float(sample_rate)), btype="high", output="sos")


def highpass(arr, sample_rate, axis=0, cutoff=HIGHPASS_CUTOFF, order=HIGHPASS_ORDER):
    """Zero-phase (forward-backward) high-pass filter along ``axis``; returns float32."""
    arr = np.asarray(arr)
    return highpass_crop(arr, sample_rate, 0, arr.shape[axis], axis, cutoff, order)


def highpass_crop(arr, sample_rate, start, stop, axis=0, cutoff=HIGHPASS_CUTOFF,
                  order=HIGHPASS_ORDER):
    """``highpass(arr)[start:stop]`` along ``axis``, computed without the backward pass over
    ``[0, start)`` (its output there would be dropped). float32."""
    from scipy.signal import sosfilt
    arr = np.asarray(arr)
    if arr.shape[axis] == 0 or stop <= start:
        shape = list(arr.shape)
        shape[axis] = max(0, min(stop, shape[axis]) - start)
        return np.zeros(shape, dtype=np.float32)
    sos = highpass_sos(float(sample_rate), float(cutoff), int(order))
    x = np.ascontiguousarray(np.moveaxis(arr, axis, -1), dtype=np.float64)  # time last: fast
    x = sosfilt(sos, x, axis=-1)
    x = sosfilt(sos, x[..., :start - 1 if start else None:-1], axis=-1)[..., ::-1]
    return np.ascontiguousarray(np.moveaxis(x[..., :stop - start], -1, axis), dtype=np.float32)


def default_margin(sample_rate):
    """Samples read on each side of a window before filtering (5 ms)."""
    return int(np.ceil(MARGIN_DURATION * float(sample_rate)))


def filtered_traces(traces, start, stop, channel_ids=None, margin=None):
    """High-pass filtered samples ``[start, stop)`` of ``traces`` (an ``EphysTraces``).

    A margin of raw data is read on both sides (zeros beyond the recording) and cropped
    after filtering; the per-channel mean of the read data is removed first (a constant only
    changes the filter's start-up transient, which falls in the margin).
    """
    sr = traces.sample_rate
    m = default_margin(sr) if margin is None else int(margin)
    start, stop = int(start), int(stop)
    win = traces.read_windows([start - m], stop - start + 2 * m, channel_ids)[0]
    win = win.astype(np.float64)
    win -= win.mean(axis=0, keepdims=True)
    return highpass_crop(win, sr, m, m + stop - start, axis=0)
