"""Numpy side of the waveform view: cluster slots, overlap transform, packing."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from phyclone.cluster.views.waveform_data import (
    channel_layout, cluster_offsets, fit_scale, max_abs, overlap_transform, pack_signals,
    resample, restrict_channels,
)
from phyclone.utils import Bunch


def test_cluster_offsets_brute_force():
    channels = [[0, 1, 2], [2, 3], [5], [1, 3], [0, 5, 9]]
    # Brute force: a cluster takes the first slot above every slot used on its channels.
    used = {}
    expected = []
    for chs in channels:
        slot = max((used.get(c, 0) for c in chs), default=0)
        expected.append(slot)
        for c in chs:
            used[c] = used.get(c, 0) + 1
    assert cluster_offsets(channels) == expected == [0, 1, 0, 1, 1]


@given(st.integers(1, 6), st.data())
@settings(max_examples=30, deadline=None)
def test_overlap_transform_slots(n, data):
    offset = data.draw(st.integers(0, n - 1))
    t = np.linspace(-1, 1, 11)
    x = overlap_transform(t, offset, n, overlap=False)
    assert np.all(np.diff(x) > 0)
    assert x[0] >= -1 - 1e-12 and x[-1] <= 1 + 1e-12
    if offset + 1 < n:  # slots do not overlap
        assert x[-1] < overlap_transform(-1., offset + 1, n, False)
    assert np.array_equal(overlap_transform(t, offset, n, overlap=True), t)


def test_pack_signals_round_trip():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(3, 5, 2))  # 3 spikes, 5 samples, channels 7, 4
    b = rng.normal(size=(2, 5, 3))  # channels 4, 9, 1
    p = pack_signals([(0, a, [7, 4], None), (1, b, [4, 9, 1], np.ones((2, 3)) * .5)],
                     [1, 4, 7, 9], scale=2.)
    assert p.n_samples == 5 and len(p.lengths) == 3 * 2 + 2 * 3
    y = p.y.reshape(-1, 5)
    # Signal order: spike-major, then channel, cluster by cluster.
    assert np.allclose(y[0], a[0, :, 0] / 2) and np.allclose(y[1], a[0, :, 1] / 2)
    assert np.allclose(y[6 + 4], b[1, :, 1] / 2)
    assert list(p.signal_box[:2]) == [2, 1] and list(p.signal_box[6:9]) == [1, 3, 0]
    assert np.array_equal(p.box, np.repeat(p.signal_box, 5))
    assert list(p.signal_cluster) == [0] * 6 + [1] * 6
    assert list(p.signal_masks) == [1.] * 6 + [.5] * 6
    assert pack_signals([(0, None, [1], None)], [1], 1.) is None


def test_layout_resample_fit():
    b0 = Bunch(channel_ids=[3, 1], channel_positions=[[0, 30], [0, 10]],
               channel_labels=["c3", "c1"])
    b1 = Bunch(channel_ids=[2], channel_positions=[[5, 20]])
    ids, pos, labels = channel_layout([b0, b1])
    assert ids == [1, 2, 3] and pos.tolist() == [[0, 10], [5, 20], [0, 30]]
    assert labels == {1: "c1", 2: "2", 3: "c3"}
    x = np.sin(np.linspace(0, 3, 21))[None, :, None]
    r = resample(x, 41)
    assert r.shape == (1, 41, 1) and np.allclose(r[0, ::2, 0], x[0, :, 0])
    data, ch = restrict_channels(np.arange(12.).reshape(1, 4, 3), [5, 6, 7], [7, 5])
    assert ch == [5, 7] and data[0, :, 1].tolist() == [2, 5, 8, 11]
    assert abs(fit_scale(3 * x, x) - 3.) < 1e-12
    assert max_abs([np.array([-4., 2.]), None]) == 4. and max_abs([np.zeros(3)]) == 1.
