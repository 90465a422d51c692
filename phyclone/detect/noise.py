"""Noise level per channel: median noise level (MAD / 0.6745) or standard deviation, over
chunks sampled across the whole recording or per sliding window."""

import numba
import numpy as np

#: MAD of a Gaussian / its standard deviation.
MAD_SCALE = 0.6744897501960817


@numba.njit(cache=True, nogil=True)
def _mad(x):
    """Median absolute deviation of every column of ``x`` (quickselect on a copy)."""
    n, nc = x.shape
    col = np.empty(n, dtype=np.float32)
    out = np.empty(nc, dtype=np.float32)
    for c in range(nc):
        for t in range(n):
            col[t] = x[t, c]
        med = np.median(col)
        for t in range(n):
            col[t] = abs(col[t] - med)
        out[c] = np.median(col)
    return out


def noise_levels(x, method="mad"):
    """Noise per column of ``x`` (n_samples, n_channels)."""
    x = np.asarray(x, dtype=np.float32)
    if not len(x):
        return np.zeros(x.shape[1], dtype=np.float32)
    if method == "std":
        return x.std(axis=0, dtype=np.float64).astype(np.float32)
    return (_mad(x) / MAD_SCALE).astype(np.float32)


def sample_starts(lo, hi, chunk, n_chunks):
    """Starts of ``n_chunks`` chunks of ``chunk`` samples spread evenly over ``[lo, hi)``."""
    span = hi - lo
    if span <= chunk * n_chunks:
        return np.arange(lo, hi, chunk, dtype=np.int64)
    return np.round(lo + (np.arange(n_chunks) + .5) * span / n_chunks - chunk / 2).astype(np.int64)
