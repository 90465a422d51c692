"""Noise level per channel: median noise level (MAD / 0.6745) or standard deviation, over
chunks sampled across the whole recording or per sliding window."""

import numpy as np

#: MAD of a Gaussian / its standard deviation.
MAD_SCALE = 0.6744897501960817


def noise_levels(x, method="mad"):
    """Noise per column of ``x`` (n_samples, n_channels)."""
    x = np.asarray(x, dtype=np.float32)
    if not len(x):
        return np.zeros(x.shape[1], dtype=np.float32)
    if method == "std":
        return x.std(axis=0).astype(np.float32)
    med = np.median(x, axis=0)
    return (np.median(np.abs(x - med), axis=0) / MAD_SCALE).astype(np.float32)


def sample_starts(lo, hi, chunk, n_chunks):
    """Starts of ``n_chunks`` chunks of ``chunk`` samples spread evenly over ``[lo, hi)``."""
    span = hi - lo
    if span <= chunk * n_chunks:
        return np.arange(lo, hi, chunk, dtype=np.int64)
    return np.round(lo + (np.arange(n_chunks) + .5) * span / n_chunks - chunk / 2).astype(np.int64)
