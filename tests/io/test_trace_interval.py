"""Interval data of the trace views: phy's select_traces / spike waveform Bunches (against a
brute-force per-spike loop), filtering, and display decimation."""

import numpy as np
import pytest

from phyclone.io.raw.filtering import filtered_traces, highpass
from phyclone.io.raw.trace_interval import (
    decimate_extreme, decimate_minmax, filtered_interval, get_trace_interval, interval_samples,
    interval_spike_waveforms, select_traces,
)
from phyclone.io.raw.traces import get_ephys_reader

SR = 1000.


@pytest.fixture
def recording():
    rng = np.random.default_rng(3)
    raw = rng.integers(-100, 100, size=(5000, 6)).astype(np.int16)
    spike_samples = np.sort(rng.choice(5000, 400, replace=False))
    spike_clusters = rng.integers(0, 4, 400)
    return raw, spike_samples, spike_clusters


def best_channels(c):
    return np.array([c, (c + 2) % 6]), np.array([1., .5])


def brute_waveforms(tr, interval, samples, clusters, selected, ns, show_all):
    """phy 2.1's per-spike loop (spike times given in samples)."""
    s0, s1 = interval_samples(interval, SR)
    k = ns // 2
    out = []
    for show_selected in (False, True):
        for i in range(len(samples)):
            if not s0 <= samples[i] < s1:
                continue
            c = clusters[i]
            if (c in selected) is not show_selected or (not show_all and c not in selected):
                continue
            s = samples[i] - s0
            if s - k < 0 or s + k >= s1 - s0:
                continue
            ch = best_channels(c)[0]
            out.append((i, c, tr[s - k:s + ns - k][:, ch], (s + s0 - k) / SR,
                        selected.index(c) if c in selected else None))
    return out


def test_select_traces(recording):
    raw = recording[0]
    out = select_traces(raw, (1.0004, 2.0), SR)
    ref = raw[1000:2000] - np.median(raw[1000:2000], axis=0)
    np.testing.assert_array_equal(out, ref)
    assert select_traces(raw, (10, 11), SR).shape == (0, 6)


@pytest.mark.parametrize("show_all, ns", [(False, 20), (True, 21), (True, 4)])
def test_waveforms_match_phy_loop(recording, show_all, ns):
    raw, samples, clusters = recording
    interval = (1.2, 3.7)
    tr = select_traces(raw, interval, SR)
    selected = [2, 0]
    got = interval_spike_waveforms(tr, interval, SR, samples, clusters, selected=selected,
                                   get_best_channels=best_channels, n_samples_waveforms=ns,
                                   show_all_spikes=show_all)
    ref = brute_waveforms(tr, interval, samples, clusters, selected, ns, show_all)
    assert len(got) == len(ref) > 10
    for w, (i, c, data, start, sel) in zip(got, ref):
        assert (w.spike_id, w.spike_cluster, w.select_index) == (i, c, sel)
        np.testing.assert_array_equal(w.data, data)
        assert w.start_time == pytest.approx(start)
        assert w.spike_time == pytest.approx(samples[i] / SR)
        assert list(w.channel_ids) == list(best_channels(c)[0])
        assert list(w.channel_amps) == [1., .5]


def test_waveforms_cap_and_plain_channels(recording):
    raw, samples, clusters = recording
    tr = select_traces(raw, (0, 5), SR)
    got = interval_spike_waveforms(tr, (0, 5), SR, samples, clusters, selected=[1],
                                   get_best_channels=lambda c: [c], n_samples_waveforms=10,
                                   show_all_spikes=True, max_spikes=7)
    others = [w for w in got if w.select_index is None]
    assert len(others) == 7
    assert len(got) - 7 == sum(1 for w in got if w.spike_cluster == 1) == \
        np.sum((clusters == 1) & (samples >= 5) & (samples + 5 < 5000))
    assert all(w.data.shape == (10, 1) for w in got)


def test_get_trace_interval(recording):
    raw, samples, clusters = recording
    tr = get_ephys_reader(raw, sample_rate=SR)
    b = get_trace_interval(tr, (1, 2), spike_samples=samples, spike_clusters=clusters,
                           selected=[3], get_best_channels=best_channels, n_samples_waveforms=8)
    np.testing.assert_array_equal(b.data, filtered_traces(tr, 1000, 2000))
    assert b.data.dtype == np.float32 and b.waveforms
    assert all(w.spike_cluster == 3 for w in b.waveforms)
    np.testing.assert_allclose(b.waveforms[0].data,
                               b.data[int(round(b.waveforms[0].start_time * SR)) - 1000:][:8]
                               [:, best_channels(3)[0]])
    plain = get_trace_interval(raw, (1, 2), SR)
    np.testing.assert_allclose(plain.data, highpass(select_traces(raw, (1, 2), SR), SR),
                               rtol=1e-5, atol=1e-3)
    unfiltered = get_trace_interval(tr, (1, 2), filtered=False)
    np.testing.assert_allclose(unfiltered.data, select_traces(raw, (1, 2), SR))
    assert unfiltered.waveforms == []


def test_filtered_interval_by_blocks(recording):
    tr = get_ephys_reader(recording[0], sample_rate=SR)
    for block in (1, 4, 32):
        np.testing.assert_array_equal(filtered_interval(tr, 10, 4990, block=block),
                                      filtered_traces(tr, 10, 4990))


def test_decimate_minmax():
    rng = np.random.default_rng(0)
    data = rng.normal(size=(1003, 3)).astype(np.float32)
    index, values = decimate_minmax(data, 100)
    assert index.shape == (200,) and values.shape == (3, 200)
    edges = np.linspace(0, 1003, 101).astype(int)
    for k in range(100):
        chunk = data[edges[k]:edges[k + 1]]
        np.testing.assert_array_equal(values[:, 2 * k], chunk.min(axis=0))
        np.testing.assert_array_equal(values[:, 2 * k + 1], chunk.max(axis=0))
        assert index[2 * k] == edges[k] <= index[2 * k + 1] < edges[k + 1]
    assert np.all(np.diff(index) >= 0)
    index, values = decimate_minmax(data[:150], 100)  # no decimation
    np.testing.assert_array_equal(values, data[:150].T)
    np.testing.assert_array_equal(index, np.arange(150))


def test_decimate_extreme():
    data = np.zeros((10, 2))
    data[1, 0], data[2, 0] = -5, 3
    data[7, 1], data[8, 1] = 2, 4
    out = decimate_extreme(data, 2)
    assert out.tolist() == [[-5, 0], [0, 4]]
    np.testing.assert_array_equal(decimate_extreme(data, 20), data.T)
