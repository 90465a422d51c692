"""Filtered raw data read block by block (phy's high-pass by default, with margins so that
the filtered samples do not depend on the block boundaries)."""

import numpy as np

from phyclone.io.filtering import default_margin, filter_windows

#: Samples per block (1 s at 30 kHz).
BLOCK_SAMPLES = 30000


def read_filtered(traces, start, stop, channel_ids=None, sos=None, filtered=True):
    """Filtered samples ``[start, stop)`` (zeros outside the recording), float32
    (n, n_channels). ``filtered=False``: the raw samples as float32 (already filtered data)."""
    start, stop = int(start), int(stop)
    if not filtered:
        return traces.read_windows([start], stop - start, channel_ids)[0].astype(np.float32)
    m = default_margin(traces.sample_rate)
    win = traces.read_windows([start - m], stop - start + 2 * m, channel_ids)
    return filter_windows(win, traces.sample_rate, m, m + stop - start, sos=sos)[0]


def block_ranges(start, stop, block_samples=BLOCK_SAMPLES):
    """[(b0, b1), ...] covering ``[start, stop)``."""
    edges = list(range(int(start), int(stop), int(block_samples))) + [int(stop)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]
