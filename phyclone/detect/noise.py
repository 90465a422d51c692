"""Noise level per channel: median noise level (MAD / 0.6745) or standard deviation, over
chunks sampled across the whole recording or per sliding window."""

import numba
import numpy as np

from .threads import thread_map

#: MAD of a Gaussian / its standard deviation.
MAD_SCALE = 0.6744897501960817


#: Channels transposed and reduced together (a small buffer, reused: no fresh memory).
GROUP = 16


@numba.njit(cache=True, nogil=True)
def _transpose_into(x, c0, out, t0):
    """``out[j, t0 + t] = x[t, c0 + j]`` for the ``len(out)`` columns from ``c0``, one cache
    line of each row of ``x`` at a time."""
    for t in range(x.shape[0]):
        for j in range(out.shape[0]):
            out[j, t0 + t] = x[t, c0 + j]


def _rows_median(a):
    """Median of every row of ``a`` (reordered in place by np.partition)."""
    n = a.shape[1]
    a.partition(n // 2, axis=1)
    upper = a[:, n // 2].astype(np.float64)
    if n % 2:
        return upper.astype(np.float32)
    return (0.5 * (upper + a[:, :n // 2].max(axis=1))).astype(np.float32)


def _mad(xs, c0, c1):
    """Median absolute deviation from the median of the columns ``[c0, c1)`` of the rows of
    the arrays ``xs``, :data:`GROUP` columns at a time."""
    n = sum(len(x) for x in xs)
    buf = np.empty((GROUP, n), dtype=np.float32)
    out = np.empty(c1 - c0, dtype=np.float32)
    for a in range(c0, c1, GROUP):
        g = buf[:min(GROUP, c1 - a)]
        t0 = 0
        for x in xs:
            _transpose_into(x, a, g, t0)
            t0 += len(x)
        med = _rows_median(g)
        np.subtract(g, med[:, None], out=g)
        np.abs(g, out=g)
        out[a - c0:a - c0 + len(g)] = _rows_median(g)
    return out


def noise_levels(x, method="mad", jobs=1):
    """Noise per column of ``x`` (n_samples, n_channels), or of the rows of a list of such
    arrays; the MAD of groups of columns in ``jobs`` threads."""
    xs = [np.ascontiguousarray(a, dtype=np.float32) for a in
          (x if isinstance(x, (list, tuple)) else [x])]
    nc = xs[0].shape[1]
    if not sum(len(a) for a in xs):
        return np.zeros(nc, dtype=np.float32)
    if method == "std":
        return np.concatenate(xs).std(axis=0, dtype=np.float64).astype(np.float32)
    jobs = max(1, min(int(jobs), nc // GROUP))  # whole groups per thread
    bounds = (np.linspace(0, nc // GROUP, jobs + 1).astype(int) * GROUP).tolist()
    bounds[-1] = nc
    mad = np.concatenate(thread_map(lambda ab: _mad(xs, *ab), zip(bounds[:-1], bounds[1:]),
                                    jobs))
    return (mad / MAD_SCALE).astype(np.float32)


def sample_starts(lo, hi, chunk, n_chunks):
    """Starts of ``n_chunks`` chunks of ``chunk`` samples spread evenly over ``[lo, hi)``."""
    span = hi - lo
    if span <= chunk * n_chunks:
        return np.arange(lo, hi, chunk, dtype=np.int64)
    return np.round(lo + (np.arange(n_chunks) + .5) * span / n_chunks - chunk / 2).astype(np.int64)
