"""Band-pass filtering and common reference of raw blocks, on a fixed grid of segments.

The recording is cut into segments of ``segment`` samples, the same whatever the block size,
thread count or scheduler. Each segment is filtered forward then backward (zero phase, the
squared Butterworth magnitude) over itself plus ``margin`` samples of raw data on both sides,
so a filtered sample depends only on its segment: any block that covers it computes the same
value, bit for bit. The numba kernel loops time → section → channel, the channel loop
innermost (vectorised), and releases the GIL so blocks run in threads.
"""

from functools import lru_cache

import numba
import numpy as np


@lru_cache(maxsize=16)
def bandpass_sos(sample_rate, low=300., high=6000., order=3):
    """Second-order sections of a Butterworth band-pass (high-pass when ``high`` is None or
    at/above Nyquist)."""
    from scipy.signal import butter
    nyq = 0.5 * float(sample_rate)
    if high is None or high >= nyq * 0.999:
        return butter(order, low / nyq, btype="high", output="sos")
    return butter(order, [low / nyq, high / nyq], btype="band", output="sos")


@numba.njit(cache=True, nogil=True)
def _biquads(buf, t0, t1, step, c32, z1, z2):
    """Run the cascade over rows ``t0, t0 + step, ... (excluding t1)`` of ``buf`` in place:
    section by section over this tile of rows, the channel loop innermost (vectorised)."""
    nc = buf.shape[1]
    for k in range(c32.shape[0]):
        b0, b1, b2, a1, a2 = c32[k, 0], c32[k, 1], c32[k, 2], c32[k, 4], c32[k, 5]
        zz1 = z1[k]
        zz2 = z2[k]
        for t in range(t0, t1, step):
            row = buf[t]
            for c in range(nc):
                x = row[c]
                y = b0 * x + zz1[c]
                zz1[c] = b1 * x - a1 * y + zz2[c]
                zz2[c] = b2 * x - a2 * y
                row[c] = y


@numba.njit(cache=True, nogil=True)
def _filter_segments(raw, raw_start, cols, seg_starts, seg_stops, margin, lo, hi, sos, out):
    """Filter the segments ``[seg_starts[i], seg_stops[i])`` (absolute samples) of ``raw``
    (covering ``[raw_start, raw_start + len(raw))``, columns ``cols``) forward-backward with
    ``margin`` raw samples on both sides; write the samples in ``[lo, hi)`` into ``out``
    (row 0 = sample ``lo``). Each segment starts from a zero state after removing the mean of
    its first 32 raw samples. Time is processed in tiles of 128 samples (time tile →
    section → time → channel)."""
    nc = len(cols)
    ns = sos.shape[0]
    tile = 128
    z1 = np.zeros((ns, nc), dtype=np.float32)
    z2 = np.zeros((ns, nc), dtype=np.float32)
    dc = np.empty(nc, dtype=np.float32)
    c32 = sos.astype(np.float32)
    max_len = 0
    for i in range(len(seg_starts)):
        max_len = max(max_len, seg_stops[i] - seg_starts[i] + 2 * margin)
    buf = np.empty((max_len, nc), dtype=np.float32)
    for i in range(len(seg_starts)):
        a = seg_starts[i] - margin
        b = seg_stops[i] + margin
        keep_lo = max(seg_starts[i], lo)
        keep_hi = min(seg_stops[i], hi)
        if keep_hi <= keep_lo:
            continue
        n0 = min(32, b - a)
        dc[:] = 0.
        for t in range(n0):
            for c in range(nc):
                dc[c] += np.float32(raw[a - raw_start + t, cols[c]])
        for c in range(nc):
            dc[c] /= n0
        for t in range(b - a):
            r = a - raw_start + t
            for c in range(nc):
                buf[t, c] = np.float32(raw[r, cols[c]]) - dc[c]
        z1[:] = 0.
        z2[:] = 0.
        for t0 in range(0, b - a, tile):
            _biquads(buf, t0, min(b - a, t0 + tile), 1, c32, z1, z2)
        z1[:] = 0.
        z2[:] = 0.
        stop = keep_lo - a - 1
        for t0 in range(b - a - 1, stop, -tile):
            t1 = max(stop, t0 - tile)
            _biquads(buf, t0, t1, -1, c32, z1, z2)
        for t in range(keep_lo, keep_hi):
            for c in range(nc):
                out[t - lo, c] = buf[t - a, c]


@numba.njit(cache=True, nogil=True)
def _reference(x, mode, keep):
    """Subtract, at every sample, the median (mode 1) or mean (mode 2) over channels
    ``keep`` from all channels of ``x`` (in place)."""
    n, nc = x.shape
    nk = len(keep)
    tmp = np.empty(nk, dtype=np.float32)
    for t in range(n):
        if mode == 2:
            s = np.float32(0.)
            for j in range(nk):
                s += x[t, keep[j]]
            ref = s / nk
        else:
            for j in range(nk):
                tmp[j] = x[t, keep[j]]
            ref = np.median(tmp)
        for c in range(nc):
            x[t, c] -= ref


REFERENCES = {"none": 0, "median": 1, "mean": 2}


def segment_bounds(n_samples, segment, lo, hi):
    """Start and stop samples of the grid segments that intersect ``[lo, hi)``."""
    k0 = max(0, lo // segment)
    k1 = min(-(-n_samples // segment), -(-hi // segment))
    starts = np.arange(k0, k1, dtype=np.int64) * segment
    return starts, np.minimum(starts + segment, n_samples)


def read_padded(traces, a, b):
    """Raw samples ``[a, b)`` (all file channels) as an array; beyond the recording the
    first/last sample is repeated."""
    n = traces.n_samples
    a0, b0 = max(0, a), min(n, b)
    arr = traces.read(a0, b0, np.arange(traces.n_channels_raw)) if (
        len(traces._parts) > 1 or traces._parts[0].array is None) else \
        np.asarray(traces._parts[0].array[a0:b0])
    if a0 == a and b0 == b:
        return arr
    return np.pad(arr, ((a0 - a, b - b0), (0, 0)), mode="edge")


def filtered_range(traces, lo, hi, cols, sos, segment, margin, reference="none",
                   ref_channels=None):
    """Filtered (and referenced) samples ``[lo, hi)`` on raw columns ``cols``: float32
    (hi - lo, len(cols)), identical for any ``lo``/``hi`` (the segment grid)."""
    lo, hi = int(lo), int(hi)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    out = np.zeros((max(0, hi - lo), len(cols)), dtype=np.float32)
    starts, stops = segment_bounds(traces.n_samples, segment, max(lo, 0),
                                   min(hi, traces.n_samples))
    if not len(starts) or not len(cols):
        return out
    a, b = int(starts[0]) - margin, int(stops[-1]) + margin
    raw = read_padded(traces, a, b)
    _filter_segments(raw, a, cols, starts, stops, int(margin), lo, hi,
         np.ascontiguousarray(sos, dtype=np.float64), out)
    mode = REFERENCES[reference]
    if mode:
        keep = np.arange(len(cols)) if ref_channels is None else np.asarray(ref_channels)
        _reference(out, mode, np.ascontiguousarray(keep, dtype=np.int64))
    return out
