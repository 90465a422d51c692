"""KwikModel on real klusta 3.0.16 output (tests/data/klusta_16ch: two shanks, two recordings,
raw data in two .dat files trimmed to their first 10,000 samples, no .raw.kwd)."""

import hashlib
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from scipy import signal

from phyclone.electrode import load_probe
from phyclone.io.kwik.model import KwikModel

DATA = Path(__file__).resolve().parents[1] / "data" / "klusta_16ch"
KWIK = DATA / "synth.kwik"
N_RAW = 10_000  # samples kept in each trimmed .dat file
REC1_START = 160_000


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def model():
    before = _digest(DATA)
    m = KwikModel(KWIK)
    yield m
    m.close()
    assert _digest(DATA) == before, "opening and reading must never write into the dataset"


def _dat(i):
    return np.fromfile(DATA / f"synth_rec{i}.dat", dtype=np.int16).reshape(-1, 16)


def test_dataset_summary(model):
    assert model.channel_groups == [0, 1] and model.channel_group == 0
    assert model.recordings == [0, 1] and model.n_recordings == 2
    assert model.recording_offsets.tolist() == [0, REC1_START]
    assert model.clusterings == ["main", "original"] and model.clustering == "main"
    assert model.sample_rate == 20000.
    assert model.metadata["n_channels"] == 16 and model.metadata["dtype"] == "int16"
    assert model.metadata["raw_data_files"] == ["synth_rec0.dat", "synth_rec1.dat"]
    assert model.metadata["extract_s_before"] == 10 and model.n_samples_waveforms == 20
    assert model.kk2_metadata["num_starting_clusters"] == 50
    assert model.clustering_metadata["klustakwik2_version"] == "0.2.6"
    assert model.n_features_per_channel == 3
    assert [Path(p).name for p in model.raw_data_files] == ["synth_rec0.dat", "synth_rec1.dat"]
    # The trimmed first recording ends long before the second starts.
    assert any("recording 0" in w for w in model.warnings)


@pytest.mark.parametrize("group, n_spikes, per_rec, clusters, counts", [
    (0, 326, [207, 119], [0, 2, 3, 4], [9, 157, 77, 83]),
    (1, 287, [187, 100], [0, 2, 3], [13, 126, 148]),
])
def test_spikes_and_clusters(model, group, n_spikes, per_rec, clusters, counts):
    model.channel_group = group
    try:
        assert model.n_spikes == n_spikes
        assert np.bincount(model.spike_recordings).tolist() == per_rec
        assert model.cluster_ids.tolist() == clusters and model.n_clusters == len(clusters)
        assert np.bincount(model.spike_clusters)[clusters].tolist() == counts
        assert model.cluster_groups == {c: "unsorted" for c in clusters}
        assert model.cluster_group_names == {0: "Noise", 1: "MUA", 2: "Good", 3: "Unsorted"}
        assert model.cluster_labels == {"group": model.cluster_groups}
        # Spike samples: time samples relative to each recording + the recording start.
        with h5py.File(KWIK, "r") as f:
            ts = f[f"channel_groups/{group}/spikes/time_samples"][:].astype(np.int64)
            rec = f[f"channel_groups/{group}/spikes/recording"][:]
        np.testing.assert_array_equal(model.spike_samples, ts + np.where(rec == 1, REC1_START, 0))
        assert model.spike_samples.dtype == np.int64
        assert np.all(np.diff(model.spike_samples) >= 0)
        np.testing.assert_allclose(model.spike_times, model.spike_samples / 20000.)
        assert model.duration == pytest.approx((model.spike_samples[-1] + 1) / 20000.)
    finally:
        model.channel_group = 0


def test_original_clustering(model):
    model.clustering = "original"
    try:
        assert model.cluster_ids.tolist() == [0, 2, 3, 4]
    finally:
        model.clustering = "main"


def test_probe_matches_prb(model):
    prb = load_probe(DATA / "synth.prb")
    for group in (0, 1):
        model.channel_group = group
        prb.change_channel_group(group)
        np.testing.assert_array_equal(model.channel_order, prb.channels)
        np.testing.assert_array_equal(model.channel_mapping, prb.channels)
        np.testing.assert_array_equal(model.channels, np.sort(prb.channels))
        np.testing.assert_array_equal(model.channel_positions, prb.positions)
        assert model.channel_positions.shape == (model.n_channels, 2)
        np.testing.assert_array_equal(model.probe.adjacency_graph, prb.adjacency_graph)
        assert model.channel_shanks.tolist() == [group] * model.n_channels
    model.channel_group = 0
    assert model.n_channels == 8


def test_traces_concatenate_the_two_dat_files(model):
    for group in (0, 1):
        model.channel_group = group
        order = model.channel_order
        tr = model.traces
        assert tr.shape[1] == len(order) and tr.dtype == np.int16
        np.testing.assert_array_equal(tr[:N_RAW], _dat(0)[:, order])
        np.testing.assert_array_equal(tr[REC1_START:REC1_START + N_RAW], _dat(1)[:, order])
        assert not np.any(tr[N_RAW:REC1_START])  # trimmed away: zeros
        # Reads across the junction and with steps and index arrays.
        block = tr[N_RAW - 5:N_RAW + 5]
        np.testing.assert_array_equal(block[:5], _dat(0)[-5:, order])
        assert not block[5:].any()
        np.testing.assert_array_equal(tr[REC1_START - 3:REC1_START + 3:2],
                                      np.r_[np.zeros((2, len(order))), _dat(1)[1:2, order]])
        rows = np.array([REC1_START + 7, 3, REC1_START + 2, 3])
        np.testing.assert_array_equal(tr[rows], np.r_[_dat(1)[[7]], _dat(0)[[3]],
                                                      _dat(1)[[2]], _dat(0)[[3]]][:, order])
    model.channel_group = 0
    np.testing.assert_array_equal(model.all_traces[:N_RAW], _dat(0))


def _spikes_in_raw(model, margin=200):
    ts = model.spike_samples - model.recording_offsets[model.spike_recordings]
    return np.nonzero((ts > margin) & (ts < N_RAW - margin))[0]


@pytest.mark.parametrize("group", [0, 1])
def test_waveforms_show_the_spikes(model, group):
    model.channel_group = group
    try:
        ids = _spikes_in_raw(model)
        assert len(ids) >= 15
        w = model.waveforms[ids]
        assert w.shape == (len(ids), 20, model.n_channels) and w.dtype == np.float32
        peak_channel = np.abs(w).max(axis=1).argmax(axis=1)
        peak_time = np.abs(w).max(axis=2).argmax(axis=1)
        # SpikeDetekt detected negative spikes, aligned on sample 10 (extract_s_before), on
        # channels where the mask is 1.
        masks = model.get_masks(ids)
        assert np.all(masks[np.arange(len(ids)), peak_channel] == 1)
        assert np.all(np.abs(peak_time - 10) <= 1)
        assert np.all(w[np.arange(len(ids)), peak_time, peak_channel] < 0)
        # Same as filtering the whole recording (3rd-order Butterworth 500 Hz - 0.475 * rate).
        b, a = signal.butter(3, (500 / 10000, 9500 / 10000), "bandpass")
        for r in (0, 1):
            full = signal.filtfilt(b, a, _dat(r)[:, model.channel_order].astype(np.float64),
                                   axis=0)
            for i in ids[model.spike_recordings[ids] == r]:
                s = model.spike_samples[i] - model.recording_offsets[r]
                ref = full[s - 10:s + 10]
                np.testing.assert_allclose(model.waveforms[i], ref, atol=.01 * np.abs(ref).max())
        sub = model.get_waveforms(ids[:4], [2, 0])
        np.testing.assert_allclose(sub, w[:4][:, :, [2, 0]], rtol=1e-5, atol=1e-3)
    finally:
        model.channel_group = 0


def test_features_and_masks(model):
    with h5py.File(DATA / "synth.kwx", "r") as f:
        fm = f["channel_groups/0/features_masks"][:]
    assert model.features_masks.shape == (326, 24, 2)
    assert model.features.shape == (326, 8, 3) and model.masks.shape == (326, 8)
    np.testing.assert_array_equal(model.features[:], fm[:, :, 0].reshape(326, 8, 3))
    np.testing.assert_array_equal(model.masks[:], fm[:, ::3, 1])
    assert model.masks[:].min() >= 0 and model.masks[:].max() <= 1
    ids = [5, 1, 300]
    np.testing.assert_array_equal(model.get_features(ids, [7, 0]),
                                  fm[ids, :, 0].reshape(3, 8, 3)[:, [7, 0]])
    np.testing.assert_array_equal(model.get_masks(ids, [1]), fm[ids][:, [3], 1])
    amps = model.amplitudes[:]
    assert amps.shape == (326,) and np.all(amps >= 0)
    # |first feature| on the channel with the largest mask.
    f0 = np.abs(fm[:, ::3, 0])
    m = fm[:, ::3, 1]
    best = np.where(m >= m.max(axis=1, keepdims=True), f0, -1).argmax(axis=1)
    np.testing.assert_allclose(amps, f0[np.arange(326), best])
    model.channel_group = 1
    assert model.features.shape == (287, 7, 3)
    model.channel_group = 0


def test_copy_of_the_dataset_saves_and_reopens(tmp_path):
    for p in DATA.iterdir():
        shutil.copy(p, tmp_path / p.name)
    m = KwikModel(tmp_path / "synth.kwik", channel_group=1)
    sc = m.spike_clusters.copy()
    sc[sc == 3] = 10  # a "merge" into a new cluster id
    m.save(sc, {0: "noise", 2: "good", 10: "mua"}, ("comment", {10: "merged"}))
    m.close()
    m = KwikModel(tmp_path / "synth.kwik", channel_group=1)
    assert m.cluster_ids.tolist() == [0, 2, 10]
    assert m.cluster_groups == {0: "noise", 2: "good", 10: "mua"}
    assert m.cluster_labels["comment"] == {10: "merged"}
    m.channel_group = 0  # the other shank is untouched
    assert m.cluster_ids.tolist() == [0, 2, 3, 4]
    m.close()
