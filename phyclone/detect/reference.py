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
    if mode == 1:
        medians = np.empty(n, dtype=np.float64)
        _row_medians(x, keep, medians)
        for t in range(n):
            ref = medians[t]
            for c in range(nc):
                x[t, c] -= ref
        return
    for t in range(n):
        s = np.float32(0.)
        for j in range(nk):
            s += x[t, keep[j]]
        ref = s / nk
        for c in range(nc):
            x[t, c] -= ref


#: Rows of at most this many values are bucketed (:func:`_median`), not pivoted.
BUCKETED = 64
#: Counting passes over a row to find its middle values, at most (then :func:`_median`).
PASSES = 6


@numba.njit(cache=True, nogil=True)
def _row_medians(x, keep, out):
    """``out[t] = np.median(x[t, keep])`` for every row (``keep``: one column or more; the
    same value, as numba computes it; a zero median as +0). Rows of more than
    :data:`BUCKETED` values are split by pivots, the first at the previous row's median
    (:func:`_pivoted`: vectorised counting passes, no data-dependent branch per value); the
    others, and those the pivots do not settle, are bucketed (:func:`_median`). Rows with a
    NaN or infinite value: numba's ``np.median``."""
    n = x.shape[0]
    nk = len(keep)
    values = np.empty(nk, dtype=np.float32)
    spare = np.empty(nk, dtype=np.float32)
    buckets = np.empty(nk, dtype=np.int32)
    counts = np.empty(max(MIN_BUCKETS, nk), dtype=np.int32)
    keys = np.empty(nk, dtype=np.int32)
    bits = values.view(np.int32)
    word = np.empty(1, dtype=np.int32)  # (a value and its key converted through it)
    half = nk >> 1
    r_lo = half if nk & 1 else half - 1  # the ranks of the middle value(s)
    r_hi = half
    center, gap = np.float32(0.), 0.  # the previous median; values' spacing per rank there
    k0 = keep[0]
    contiguous = True
    for j in range(nk):
        contiguous = contiguous and keep[j] == k0 + j
    for t in range(n):
        if contiguous:  # a plain (vectorised) copy
            row = x[t, k0:k0 + nk]
            for j in range(nk):
                values[j] = row[j]
        else:
            for j in range(nk):
                values[j] = x[t, keep[j]]
        bad = 0
        for j in range(nk):
            bad += not (np.abs(values[j]) < np.inf)
        if nk > BUCKETED:
            for j in range(nk):
                keys[j] = _key(bits[j])
        if bad:
            out[t] = np.median(values)
            gap = 0.
            continue
        found = False
        if nk > BUCKETED and gap > 0:
            found, a, c, gap = _pivoted(keys, center, gap, r_lo, r_hi, word)
        if found:
            out[t] = np.float64(a) if nk & 1 else (a + c) / 2
        elif nk > BUCKETED:
            vmin, vmax = _range(values)  # (a spacing to start from: a quarter of the mean)
            gap = (np.float64(vmax) - np.float64(vmin)) / nk / 4
            out[t] = _median(values, spare, buckets, counts)
        else:
            out[t] = _median(values, spare, buckets, counts)
        center = np.float32(out[t])


@numba.njit(cache=True, nogil=True)
def _pivoted(keys, center, gap, r_lo, r_hi, word):
    """The values of ranks ``r_lo`` and ``r_hi`` of a row of finite values (their ``keys``,
    :func:`_key`): a pivot ``p`` tells the values of ranks ``#(< p) - 1`` to ``#(<= p)``
    (:func:`_split`). The first pivot is ``center``; the next ones are interpolated between
    the nearest values known below and above the middle, or stepped from one of them by
    ``gap`` per rank. ``(found, a, c, gap)``, the gap updated; not found after
    :data:`PASSES` passes."""
    n = len(keys)
    p = _key_of(center, word)
    a = c = np.int32(0)
    have_a = have_c = False
    lv, lr = -np.inf, -1  # a value below the middle ranks and its rank
    hv, hr = np.inf, n    # and above
    mid = (r_lo + r_hi) / 2
    for _ in range(PASSES):
        lt, le, below, above = _split(keys, p)
        if not have_a:
            have_a, a = _known(r_lo, lt, le, below, p, above)
        if not have_c:
            have_c, c = _known(r_hi, lt, le, below, p, above)
        if have_a and have_c:
            if lr >= 0 and hr < n:
                gap = .8 * gap + .2 * (hv - lv) / (hr - lr)
            return True, _value_of(a, word), _value_of(c, word), gap
        if have_a:  # the value of the next rank: the smallest above a (or a, tied)
            p = a
            continue
        if have_c:  # and of the rank before: the largest below c (or c, tied)
            p = c
            continue
        if le <= r_lo:
            lv, lr = np.float64(_value_of(above, word)), le
        if lt > r_hi:
            hv, hr = np.float64(_value_of(below, word)), lt - 1
        if lr >= 0 and hr < n:
            q = lv + (mid - lr) / (hr - lr) * (hv - lv)
        elif lr >= 0:
            q = lv + (mid - lr + 1) * 1.5 * gap
        else:
            q = hv - (hr - mid + 1) * 1.5 * gap
        if not np.isfinite(q):
            break
        p = _key_of(np.float32(q), word)
    return False, np.float32(0.), np.float32(0.), gap


@numba.njit(cache=True, nogil=True)
def _known(r, lt, le, below, p, above):
    """``(True, key)`` of rank ``r`` when a pivot ``p`` tells it (see :func:`_split`)."""
    if r == lt - 1:
        return True, below
    if lt <= r < le:
        return True, p
    if r == le:
        return True, above
    return False, p


_LOWEST, _HIGHEST = np.int32(-2 ** 31), np.int32(2 ** 31 - 1)


@numba.njit(cache=True, nogil=True)
def _split(keys, p):
    """``(#(keys < p), #(keys <= p), the largest key < p, the smallest > p)``: one pass,
    vectorised (integer keys: float min/max reductions are not)."""
    lt = np.int32(0)
    le = np.int32(0)
    below, above = _LOWEST, _HIGHEST
    for j in range(len(keys)):
        u = keys[j]
        lt += np.int32(u < p)
        le += np.int32(u <= p)
        below = max(below, u if u < p else _LOWEST)
        above = min(above, u if u > p else _HIGHEST)
    return lt, le, below, above


@numba.njit(cache=True, nogil=True, inline="always")
def _key(bits):
    """An int32 key ordered as the float32 of ``bits`` (-0 as +0)."""
    k = bits ^ ((bits >> 31) & np.int32(0x7FFFFFFF))
    return k + np.int32(k == np.int32(-1))


@numba.njit(cache=True, nogil=True)
def _key_of(v, word):
    """:func:`_key` of the float32 ``v`` (``word``: one int32 of scratch)."""
    word.view(np.float32)[0] = v
    return _key(word[0])


@numba.njit(cache=True, nogil=True)
def _value_of(k, word):
    """The float32 of key ``k`` (the inverse of :func:`_key`)."""
    word[0] = k ^ ((k >> 31) & np.int32(0x7FFFFFFF))
    return word.view(np.float32)[0]


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
