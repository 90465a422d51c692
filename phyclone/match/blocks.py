"""Filtered raw data read block by block, with margins so that the filtered samples do not
depend on the block boundaries. Filters: ``highpass`` (phy's 150 Hz high-pass of the
waveform views, the default), ``bandpass`` (``phy detect``'s 300-6000 Hz band-pass on its
segment grid) and ``none`` (data already filtered)."""

import numpy as np

from phyclone.io.raw.filtering import default_margin, filter_windows

#: Samples per block (1 s at 30 kHz).
BLOCK_SAMPLES = 30000
FILTERS = ("highpass", "bandpass", "none")


def check_filter(name):
    if name not in FILTERS:
        raise ValueError(f"unknown filter {name!r}: use one of {', '.join(FILTERS)}")
    return name


def read_filtered(traces, start, stop, channel_ids=None, filter="highpass"):
    """Filtered samples ``[start, stop)`` (zeros outside the recording), float32
    (n, n_channels)."""
    start, stop = int(start), int(stop)
    check_filter(filter)
    if filter == "none":
        return traces.read_windows([start], stop - start, channel_ids)[0].astype(np.float32)
    if filter == "bandpass":
        from phyclone.detect.filters import bandpass_sos, filtered_range
        sr = float(traces.sample_rate)
        cols = traces.channel_map if channel_ids is None else traces.channel_map[channel_ids]
        out = filtered_range(traces, max(start, 0), min(stop, traces.n_samples), cols,
                             bandpass_sos(sr), int(round(0.2 * sr)), int(round(0.015 * sr)))
        if start < 0 or stop > traces.n_samples:  # zeros outside the recording
            full = np.zeros((stop - start, len(cols)), dtype=np.float32)
            a = max(start, 0) - start
            full[a:a + len(out)] = out
            out = full
        return out
    m = default_margin(traces.sample_rate)
    win = traces.read_windows([start - m], stop - start + 2 * m, channel_ids)
    return filter_windows(win, traces.sample_rate, m, m + stop - start)[0]


def read_filtered_windows(traces, starts, length, filter="highpass", channel_ids=None):
    """Filtered windows ``[s, s + length)`` for every start ``s`` (zeros outside the
    recording), float32 (n, length, n_channels), each filtered on its own with a margin:
    cheaper than whole blocks for sparse windows. ``bandpass`` is not offered (its values
    follow the detection's segment grid: read blocks)."""
    starts = np.asarray(starts, dtype=np.int64)
    if check_filter(filter) == "none":
        return traces.read_windows(starts, length, channel_ids).astype(np.float32)
    if filter == "bandpass":
        raise ValueError("band-passed windows are read as blocks (read_filtered)")
    m = default_margin(traces.sample_rate)
    win = traces.read_windows(starts - m, length + 2 * m, channel_ids)
    return filter_windows(win, traces.sample_rate, m, m + length)


def block_ranges(start, stop, block_samples=None):
    """[(b0, b1), ...] covering ``[start, stop)``."""
    block_samples = block_samples or BLOCK_SAMPLES
    edges = list(range(int(start), int(stop), int(block_samples))) + [int(stop)]
    return [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]


def noise_levels(traces, channel_ids=None, filter="highpass", n_blocks=3, duration=0.5):
    """Per-channel noise (MAD / 0.6745) of the filtered data, from ``n_blocks`` blocks of
    ``duration`` seconds spread over the recording."""
    n = int(duration * traces.sample_rate)
    starts = np.linspace(0, max(0, traces.n_samples - n), n_blocks).astype(np.int64)
    x = np.concatenate([read_filtered(traces, s, s + n, channel_ids, filter=filter)
                        for s in starts]).T.copy()  # channels contiguous: a fast median
    x -= np.median(x, axis=1)[:, None]
    return np.median(np.abs(x, out=x), axis=1) / 0.6745
