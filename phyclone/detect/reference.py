"""Common median or average reference: at every sample, the median or mean over a set of
channels subtracted from all of them (numba kernels that release the GIL)."""

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _reference(x, mode, keep):
    """Subtract, at every sample, the median (mode 1) or mean (mode 2) over channels
    ``keep`` from all channels of ``x`` (in place)."""
    n, nc = x.shape
    nk = len(keep)
    values = np.empty(nk, dtype=np.float32)
    spare = np.empty(nk, dtype=np.float32)
    buckets = np.empty(nk, dtype=np.int32)
    counts = np.empty(max(MIN_BUCKETS, nk), dtype=np.int32)
    for t in range(n):
        if mode == 2:
            s = np.float32(0.)
            for j in range(nk):
                s += x[t, keep[j]]
            ref = s / nk
        else:
            for j in range(nk):
                values[j] = x[t, keep[j]]
            ref = _median(values, spare, buckets, counts)
        for c in range(nc):
            x[t, c] -= ref


#: Values of a row sorted directly rather than bucketed again (:func:`_median`).
FEW = 8
#: Buckets of :func:`_median` at least.
MIN_BUCKETS = 16
#: Levels of buckets at most (then a quickselect of the values left).
MAX_LEVELS = 4


@numba.njit(cache=True, nogil=True)
def _median(v, spare, buckets, counts):
    """``np.median(v)`` of float32 values (the same value, as numba computes it), ``v``
    and the scratch arrays overwritten. The values are put in as many equal buckets
    between their min and max; the middle ones lie in one or two buckets, whose values
    are bucketed again until :data:`FEW` are left, sorted. These passes over the values
    have no data-dependent branches: ~4× faster than the quickselect of ``np.median`` on
    384 channels, whose comparisons mispredict. When the two middle values (even ``n``) fall
    in two buckets, they are the largest value of the first and the smallest of the second."""
    n = len(v)
    if not _finite(v):
        return np.median(v)  # (NaN or infinite values: its result, whatever it is)
    half = n >> 1
    lo_rank = half if n & 1 else half - 1  # the ranks of the middle value(s)
    hi_rank = half
    cur, other = v, spare
    m, levels = n, 0
    while m > FEW and levels < MAX_LEVELS:
        w = cur[:m]
        vmin, vmax = _range(w)
        if vmin == vmax:  # the middle values are vmin
            return np.float64(vmin) if n & 1 else (vmin + vmin) / 2
        nb = max(MIN_BUCKETS, m)
        scale = np.float32((nb - 1) / (np.float64(vmax) - np.float64(vmin)))
        if not (np.isfinite(vmax - vmin) and np.isfinite(scale)):
            break  # (range beyond float32, or tiny: a quickselect)
        for j in range(m):  # the bucket of each value: monotonic in the value
            buckets[j] = min(nb - 1, np.int32((w[j] - vmin) * scale))
        counts[:nb] = 0
        for j in range(m):
            counts[buckets[j]] += 1
        below, b0 = 0, 0  # the bucket of lo_rank, and the values below it
        while below + counts[b0] <= lo_rank:
            below += counts[b0]
            b0 += 1
        if below + counts[b0] <= hi_rank:  # (n even) lo_rank ends bucket b0: its max, and
            b1 = b0 + 1                    # hi_rank starts the next one: its min
            while counts[b1] == 0:
                b1 += 1
            a, c = np.float32(-np.inf), np.float32(np.inf)
            for j in range(m):
                if buckets[j] == b0:
                    a = max(a, w[j])
                elif buckets[j] == b1:
                    c = min(c, w[j])
            return (a + c) / 2
        k = 0
        for j in range(m):  # the values of bucket b0, kept (without branches)
            other[k] = w[j]
            k += buckets[j] == b0
        # (a level that keeps a quarter of the values or more: values spread over orders of
        # magnitude; the rest by a quickselect)
        levels = levels + 1 if 4 * k < m else MAX_LEVELS
        lo_rank -= below
        hi_rank -= below
        cur, other = other, cur
        m = k
    w = cur[:m]
    if m > FEW:  # (values bucketed poorly: a quickselect)
        part = np.partition(w, hi_rank)
        if n & 1:
            return np.float64(part[hi_rank])
        return (part[:hi_rank].max() + part[hi_rank]) / 2
    for i in range(1, m):  # insertion sort
        u = w[i]
        j = i - 1
        while j >= 0 and w[j] > u:
            w[j + 1] = w[j]
            j -= 1
        w[j + 1] = u
    if n & 1:
        return np.float64(w[lo_rank])
    return (w[lo_rank] + w[hi_rank]) / 2


@numba.njit(cache=True, nogil=True)
def _finite(v):
    """No NaN or infinite value in ``v``."""
    bad = 0
    for j in range(len(v)):
        bad += not (np.abs(v[j]) < np.inf)
    return bad == 0


@numba.njit(cache=True, nogil=True)
def _range(v):
    """``(min, max)`` of finite values (four running pairs: no dependency chain)."""
    a0 = a1 = a2 = a3 = b0 = b1 = b2 = b3 = v[0]
    n4 = len(v) // 4 * 4
    for j in range(0, n4, 4):
        a0 = min(a0, v[j])
        a1 = min(a1, v[j + 1])
        a2 = min(a2, v[j + 2])
        a3 = min(a3, v[j + 3])
        b0 = max(b0, v[j])
        b1 = max(b1, v[j + 1])
        b2 = max(b2, v[j + 2])
        b3 = max(b3, v[j + 3])
    for j in range(n4, len(v)):
        a0 = min(a0, v[j])
        b0 = max(b0, v[j])
    return min(min(a0, a1), min(a2, a3)), max(max(b0, b1), max(b2, b3))


REFERENCES = {"none": 0, "median": 1, "mean": 2}


def common_reference(x, reference="none", ref_channels=None, flat=None):
    """Subtract from every channel of ``x`` (n_samples, n_channels; in place) the median or
    mean over the columns ``ref_channels`` (all when None) at each sample; ``x`` returned.
    Columns ``flat`` (booleans: constant raw samples) are left out of it and set to 0
    (their filtered value, as without a reference). Not applied over fewer than 2
    channels (over one, it would cancel it)."""
    mode = REFERENCES[reference]
    if mode:
        flat = np.zeros(x.shape[1], np.bool_) if flat is None else np.asarray(flat, np.bool_)
        keep = segment_channels(mode, reference_columns(ref_channels, x.shape[1]), flat)
        segment_reference(x, mode, keep, flat)
    return x


def reference_columns(ref_channels, n_columns):
    """The columns a reference is taken over (``ref_channels``, all when None), as int64."""
    if ref_channels is None:
        return np.arange(n_columns, dtype=np.int64)
    return np.ascontiguousarray(ref_channels, dtype=np.int64)


@numba.njit(cache=True, nogil=True)
def segment_channels(mode, ref, flat):
    """The columns ``ref`` that are not ``flat`` (none without a reference, ``mode`` 0)."""
    keep = np.empty(len(ref), dtype=np.int64)
    m = 0
    if mode:
        for j in range(len(ref)):
            if not flat[ref[j]]:
                keep[m] = ref[j]
                m += 1
    return keep[:m]


@numba.njit(cache=True, nogil=True)
def segment_reference(x, mode, keep, flat):
    """The reference (``mode``: 1 median, 2 mean) over the columns ``keep`` of the rows
    ``x`` of a segment (none over fewer than 2), and its ``flat`` columns set to 0."""
    if len(keep) >= 2:
        _reference(x, mode, keep)
    for c in range(x.shape[1]):
        if flat[c]:
            for t in range(x.shape[0]):
                x[t, c] = 0.
