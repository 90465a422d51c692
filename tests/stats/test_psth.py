"""PSTH and peri-event rasters against brute-force double loops."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from phyclone.stats.psth import peri_event_spikes, psth, psth_bins


def brute_raster(spikes, events, before, after):
    rows = [(j, s - e) for j, e in enumerate(events) for s in sorted(spikes)
            if -before <= s - e < after]
    return [r[0] for r in rows], [r[1] for r in rows]


def brute_psth(spikes, events, before, after, bin_size):
    edges = psth_bins(before, after, bin_size)
    counts = np.zeros(len(edges) - 1, dtype=np.int64)
    for e in events:
        for s in spikes:
            for k in range(len(counts)):
                if edges[k] <= s - e < edges[k + 1]:
                    counts[k] += 1
    return counts


def test_bins():
    assert psth_bins(10, 20, 10).tolist() == [-10, 0, 10, 20]
    assert psth_bins(10, 21, 10).tolist() == [-10, 0, 10, 20, 30]  # rounded up
    assert psth_bins(0, 0, 0).tolist() == [0, 1]


def test_known_example():
    spikes = [5, 12, 18, 30, 31, 100]
    events = [10, 30]
    trials, offsets = peri_event_spikes(spikes, events, 5, 5)
    assert trials.tolist() == [0, 0, 1, 1]
    assert offsets.tolist() == [-5, 2, 0, 1]
    assert psth(spikes, events, 10, 10, 5).tolist() == [0, 1, 3, 1]  # -10..-5..0..5..10


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 300), max_size=60), st.lists(st.integers(-20, 320), max_size=12),
       st.integers(0, 40), st.integers(0, 40), st.integers(1, 15))
def test_against_brute_force(spikes, events, before, after, bin_size):
    trials, offsets = peri_event_spikes(np.array(spikes, dtype=np.int64), events, before, after)
    bt, bo = brute_raster(spikes, events, before, after)
    assert trials.tolist() == bt and offsets.tolist() == bo
    counts = psth(np.array(spikes), np.array(events, dtype=np.int64), before, after, bin_size)
    assert counts.tolist() == brute_psth(spikes, events, before, after, bin_size).tolist()
