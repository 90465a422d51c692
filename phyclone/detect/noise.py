"""Noise level per channel: median noise level (MAD / 0.6745) or standard deviation, over
chunks sampled across the whole recording or per sliding window."""

import numba
import numpy as np

#: MAD of a Gaussian / its standard deviation.
MAD_SCALE = 0.6744897501960817


@numba.njit(cache=True, nogil=True)
def _transpose(x):
    """``x.T`` as a contiguous array, copied 16 columns at a time (one cache line per row)."""
    n, nc = x.shape
    out = np.empty((nc, n), dtype=np.float32)
    for c0 in range(0, nc, 16):
        for t in range(n):
            for j in range(c0, min(c0 + 16, nc)):
                out[j, t] = x[t, j]
    return out


def _rows_median(a):
    """Median of every row of ``a`` (reordered in place by np.partition)."""
    n = a.shape[1]
    a.partition(n // 2, axis=1)
    upper = a[:, n // 2].astype(np.float64)
    if n % 2:
        return upper.astype(np.float32)
    return (0.5 * (upper + a[:, :n // 2].max(axis=1))).astype(np.float32)


def _mad(x):
    """Median absolute deviation from the median of every column of ``x``."""
    xt = _transpose(np.ascontiguousarray(x, dtype=np.float32))
    med = _rows_median(xt)
    np.subtract(xt, med[:, None], out=xt)
    np.abs(xt, out=xt)
    return _rows_median(xt)


def noise_levels(x, method="mad", jobs=1):
    """Noise per column of ``x`` (n_samples, n_channels); the MAD of groups of columns in
    ``jobs`` threads."""
    x = np.asarray(x, dtype=np.float32)
    if not len(x):
        return np.zeros(x.shape[1], dtype=np.float32)
    if method == "std":
        return x.std(axis=0, dtype=np.float64).astype(np.float32)
    if jobs > 1 and x.shape[1] >= 32:
        from concurrent.futures import ThreadPoolExecutor
        bounds = np.linspace(0, x.shape[1], jobs + 1).astype(int)
        with ThreadPoolExecutor(jobs) as ex:
            mad = np.concatenate(list(ex.map(lambda ab: _mad(x[:, ab[0]:ab[1]]),
                                             zip(bounds[:-1], bounds[1:]))))
    else:
        mad = _mad(x)
    return (mad / MAD_SCALE).astype(np.float32)


def sample_starts(lo, hi, chunk, n_chunks):
    """Starts of ``n_chunks`` chunks of ``chunk`` samples spread evenly over ``[lo, hi)``."""
    span = hi - lo
    if span <= chunk * n_chunks:
        return np.arange(lo, hi, chunk, dtype=np.int64)
    return np.round(lo + (np.arange(n_chunks) + .5) * span / n_chunks - chunk / 2).astype(np.int64)
