"""Histograms of one cluster's spike train: inter-spike intervals, firing rate over time,
mean firing rate. Times are integer samples or float seconds (see ``ccg.spike_samples``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _jit
from ._jit import jit
from .ccg import spike_samples


@jit
def _histogram_kernel(x: NDArray[np.float64], x_min: float, x_max: float, n_bins: int,
                      out: NDArray[np.int64]) -> None:  # pragma: no cover - compiled
    step = (x_max - x_min) / n_bins
    norm = n_bins / (x_max - x_min)
    for v in x:
        if not (v >= x_min and v <= x_max):  # also skips NaN
            continue
        k = min(int((v - x_min) * norm), n_bins - 1)
        # Same edges as np.linspace(x_min, x_max, n_bins + 1), as np.histogram corrects.
        if v < x_min + k * step:
            k -= 1
        elif k + 1 < n_bins and v >= x_min + (k + 1) * step:
            k += 1
        out[k] += 1


def _histogram_numpy(x: NDArray[np.float64], x_min: float, x_max: float, n_bins: int
                     ) -> NDArray[np.int64]:
    return np.histogram(x, bins=n_bins, range=(x_min, x_max))[0].astype(np.int64)


def histogram(data: ArrayLike, x_min: float, x_max: float, n_bins: int, normalize: bool = False
              ) -> NDArray[np.int64] | NDArray[np.float64]:
    """Counts of ``data`` in ``n_bins`` equal bins spanning [x_min, x_max]: exactly
    ``np.histogram(data, n_bins, (x_min, x_max))`` (the last bin includes x_max, values outside
    and NaN are ignored), in one O(n) pass.

    With ``normalize`` the counts are divided by their integral (sum * bin width), as the
    histogram views of phy show them.
    """
    n_bins = int(n_bins)
    if n_bins < 1 or not x_max > x_min:
        raise ValueError("histogram needs n_bins >= 1 and x_max > x_min.")
    x = np.asarray(data, dtype=np.float64).ravel()
    x_min, x_max = float(x_min), float(x_max)
    if _jit.use_numba():
        counts = np.zeros(n_bins, dtype=np.int64)
        _histogram_kernel(x, x_min, x_max, n_bins, counts)
    else:
        counts = _histogram_numpy(x, x_min, x_max, n_bins)
    if not normalize:
        return counts
    total = counts.sum() * (x_max - x_min) / n_bins
    return counts / (total or 1.)


def isi(spike_times: ArrayLike, sample_rate: float) -> NDArray[np.float64]:
    """Inter-spike intervals of a sorted spike train, in seconds (computed on integer samples,
    so exact up to the final division)."""
    t = spike_samples(spike_times, sample_rate)
    return np.diff(t) / float(sample_rate)


def isi_histogram(spike_times: ArrayLike, sample_rate: float, bin_size: float = 1e-3,
                  window_size: float = 50e-3, normalize: bool = False
                  ) -> tuple[NDArray[np.int64] | NDArray[np.float64], NDArray[np.float64]]:
    """Histogram of the inter-spike intervals in [0, window_size], bins of ``bin_size`` seconds
    (phy's ISI view defaults: 1 ms bins up to 50 ms). Returns ``(counts, bin_edges)``."""
    n_bins = max(1, int(round(window_size / bin_size)))
    edges = np.linspace(0., n_bins * bin_size, n_bins + 1)
    return histogram(isi(spike_times, sample_rate), 0., edges[-1], n_bins, normalize), edges


def firing_rate_histogram(spike_times: ArrayLike, sample_rate: float, duration: float,
                          n_bins: int = 200) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Firing rate over time (spikes per second) in ``n_bins`` bins over [0, duration]
    (phy's firing rate view: 200 bins). Returns ``(rates, bin_edges)`` in seconds."""
    if not duration or duration <= 0:
        raise ValueError("duration must be positive.")
    t = spike_samples(spike_times, sample_rate) / float(sample_rate)
    counts = histogram(t, 0., duration, n_bins)
    return counts / (duration / n_bins), np.linspace(0., duration, n_bins + 1)


def mean_firing_rate(n_spikes: float | Sequence[float] | NDArray[np.number], duration: float | None
                     ) -> float | NDArray[np.float64]:
    """Mean firing rate in Hz as phy: ``n_spikes / max(1, duration)`` (scalar or array)."""
    d = max(1., float(duration or 0.))
    # (typed: np.isscalar(n_spikes) means a number)
    return n_spikes / d if np.isscalar(n_spikes) else np.asarray(n_spikes) / d  # type: ignore[operator,return-value]
