"""Peri-event spike times (rasters) and histograms (PSTH), in integer samples.

Every spike within ``[event - before, event + after)`` of an event counts for that event (a
spike near two close events counts for both, as in a raster). Cost: two binary searches per
event plus the output size, O(n_events log n_spikes + n_out); nothing is O(n_events x n_spikes).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray


def _sorted(spike_samples: ArrayLike) -> NDArray[np.int64]:
    s = np.asarray(spike_samples, dtype=np.int64).reshape(-1)
    if len(s) > 1 and np.any(s[1:] < s[:-1]):
        s = np.sort(s)
    return s


def peri_event_spikes(spike_samples: ArrayLike, event_samples: ArrayLike, before: int, after: int
                      ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Spikes around each event: ``(trials, offsets)`` int64 arrays, one row per
    (event, spike) pair with ``-before <= spike - event < after``; ``trials`` is the event's
    index in ``event_samples``, ``offsets`` is ``spike - event`` (samples). Rows are ordered by
    event, then by time."""
    spikes = _sorted(spike_samples)
    events = np.asarray(event_samples, dtype=np.int64).reshape(-1)
    lo = np.searchsorted(spikes, events - int(before), side="left")
    hi = np.searchsorted(spikes, events + int(after), side="left")
    counts = np.maximum(hi - lo, 0)
    n = int(counts.sum())
    trials = np.repeat(np.arange(len(events), dtype=np.int64), counts)
    # Index of each output row in `spikes`: lo of its event + its rank within the event.
    first = np.cumsum(counts) - counts
    idx = np.arange(n, dtype=np.int64) - np.repeat(first - lo, counts)
    offsets = spikes[idx] - events[trials]
    return trials, offsets


def psth_bins(before: int, after: int, bin_size: int) -> NDArray[np.int64]:
    """Bin edges (samples, relative to the events) covering ``[-before, after)`` with bins of
    ``bin_size`` samples; the end is rounded up to a whole number of bins."""
    bin_size = max(1, int(bin_size))
    n_bins = max(1, -(-(int(before) + int(after)) // bin_size))
    return -int(before) + bin_size * np.arange(n_bins + 1, dtype=np.int64)


def psth(spike_samples: ArrayLike, event_samples: ArrayLike, before: int, after: int,
         bin_size: int) -> NDArray[np.int64]:
    """Spike counts summed over events in the bins of ``psth_bins(before, after, bin_size)``
    (int64, one value per bin). Divide by ``n_events * bin duration`` for a rate in Hz."""
    edges = psth_bins(before, after, bin_size)
    _, offsets = peri_event_spikes(spike_samples, event_samples, before, edges[-1])
    bins = (offsets - edges[0]) // (edges[1] - edges[0])
    return np.bincount(bins, minlength=len(edges) - 1).astype(np.int64)
