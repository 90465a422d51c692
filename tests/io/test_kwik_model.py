"""KwikModel on synthetic Kwik datasets written with h5py (known ground truth): several
channel groups, two clusterings, two recordings, .kwx, .raw.kwd or .dat raw data."""

import re
from pathlib import Path

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phyclone.io.kwik.creator import synthetic_kwik
from phyclone.io.kwik.model import KwikModel
from phyclone.io.kwik.recordings import concatenate_recordings

KLUSTA = Path(__file__).resolve().parents[1] / "data" / "klusta_16ch" / "synth.kwik"


@pytest.fixture(params=["kwd", "dat"])
def dataset(tmp_path, request):
    return synthetic_kwik(tmp_path / "data" / "syn.kwik", raw_format=request.param, seed=1)


def _layout(path):
    """Object paths and attribute names of an HDF5 file, numbers and clustering names
    generalized; klustaviewa colours, KlustaKwik and SpikeDetekt parameters left out."""
    out = set()
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            name = re.sub(r"/\d+", "/<n>", "/" + name)
            name = re.sub(r"/(main|original)\b", "/<clustering>", name)
            if re.search(r"<n>/application_data|klustakwik2", name):
                return
            out.add(name + ("" if isinstance(obj, h5py.Dataset) else "/"))
            if "application_data" not in name:
                out.update(f"{name}@{a}" for a in obj.attrs if not a.startswith("klustakwik2"))
        f.visititems(visit)
        out.update(f"/@{a}" for a in f.attrs)
    return out


def test_writer_follows_the_klusta_layout(tmp_path):
    d = synthetic_kwik(tmp_path / "syn.kwik", raw_format="dat")
    assert _layout(d.kwik_path) == _layout(KLUSTA)
    assert _layout(d.kwx_path) == _layout(KLUSTA.with_suffix(".kwx"))


def test_spikes_clusters_groups(dataset):
    m = KwikModel(dataset.kwik_path)
    assert m.channel_groups == [0, 1] and m.clusterings == ["main", "original"]
    assert m.warnings == []
    for g in (0, 1):
        m.channel_group = g
        t = dataset.groups[g]
        np.testing.assert_array_equal(m.spike_samples, t.spike_samples)
        np.testing.assert_array_equal(m.spike_recordings, t.spike_recordings)
        np.testing.assert_array_equal(m.spike_clusters, t.spike_clusters)
        np.testing.assert_array_equal(m.cluster_ids, t.cluster_ids)
        assert m.cluster_groups == {1: "good", 4: "mua", 7: "noise", 10: "unsorted"}
        assert m.cluster_metadata[1] == "good" and m.cluster_metadata[999] == "unsorted"
        np.testing.assert_array_equal(m.channel_order, t.channels)
        expected_pos = [dataset.probe["channel_groups"][g]["geometry"][c] for c in t.channels]
        np.testing.assert_array_equal(m.channel_positions, expected_pos)
        m.clustering = "original"
        np.testing.assert_array_equal(m.spike_clusters, t.original_clusters)
        assert m.cluster_groups == {0: "unsorted", 1: "unsorted"}
        m.clustering = "main"
    assert m.duration == pytest.approx(2 * dataset.recording_length / dataset.sample_rate)
    m.close()


def test_constructor_selects_group_and_clustering(dataset):
    m = KwikModel(dataset.kwik_path, channel_group=1, clustering="original")
    assert m.channel_group == 1 and m.clustering == "original"
    np.testing.assert_array_equal(m.spike_clusters, dataset.groups[1].original_clusters)
    assert "group 1" in repr(m)
    m.close()


def test_features_masks_match_what_was_written(dataset):
    m = KwikModel(dataset.kwik_path, channel_group=1)
    fm = dataset.groups[1].features_masks(0, m.n_spikes)
    np.testing.assert_array_equal(m.features_masks[:], fm)
    assert m.features.shape == (m.n_spikes, 4, 3)
    np.testing.assert_array_equal(m.features[:], fm[:, :, 0].reshape(-1, 4, 3))
    np.testing.assert_array_equal(m.masks[:], fm[:, ::3, 1])
    ids = np.array([7, 3, 3, 100])
    np.testing.assert_array_equal(m.get_features(ids, [3, 1]),
                                  fm[ids, :, 0].reshape(-1, 4, 3)[:, [3, 1]])
    # Amplitude: |first feature| on the main channel (largest mask), ~ the template's peak.
    t = dataset.groups[1]
    k = np.searchsorted(t.cluster_ids, m.spike_clusters)
    expected = np.abs(t.templates.min(axis=1))[k, t.main_channels[k]]
    np.testing.assert_allclose(m.amplitudes[:], expected, atol=12)
    assert m.amplitudes[3] == m.get_amplitudes([3])[0]
    m.close()


def test_traces_are_the_raw_recordings_end_to_end(dataset):
    m = KwikModel(dataset.kwik_path, channel_group=1)
    n = dataset.recording_length
    order = dataset.groups[1].channels
    assert m.traces.shape == (2 * n, 4) and m.all_traces.shape == (2 * n, dataset.n_raw_channels)
    np.testing.assert_array_equal(m.traces[:n], dataset.raw[0][:, order])
    np.testing.assert_array_equal(m.traces[n:], dataset.raw[1][:, order])
    np.testing.assert_array_equal(m.traces[n - 2:n + 2, 1], np.r_[dataset.raw[0][-2:, order[1]],
                                                                 dataset.raw[1][:2, order[1]]])
    assert m.traces[5].shape == (4,)
    assert m.traces.chunk_bounds.tolist() == [0, n, 2 * n]
    m.close()


def test_waveforms_peak_on_the_main_channel(dataset):
    m = KwikModel(dataset.kwik_path)
    t = dataset.groups[0]
    local = m.spike_samples - m.recording_offsets[m.spike_recordings]
    gap = np.diff(m.spike_samples)
    isolated = np.r_[True, gap > 25] & np.r_[gap > 25, True]  # no overlapping spike
    ids = np.nonzero(isolated & (local > 200) & (local < dataset.recording_length - 200))[0]
    assert len(ids) > 30
    w = m.waveforms[ids]
    assert w.shape == (len(ids), m.n_samples_waveforms, m.n_channels)
    k = np.searchsorted(t.cluster_ids, m.spike_clusters[ids])
    np.testing.assert_array_equal(np.abs(w).max(axis=1).argmax(axis=1), t.main_channels[k])
    assert np.all(np.abs(np.abs(w).max(axis=2).argmax(axis=1) - 10) <= 1)
    # Indexing forms of the virtual array agree.
    np.testing.assert_array_equal(m.waveforms[int(ids[0])], w[0])
    np.testing.assert_array_equal(m.waveforms[ids[0]:ids[0] + 1][0], w[0])
    np.testing.assert_array_equal(m.waveforms[ids[:3], :, [2, 0]], w[:3][:, :, [2, 0]])
    np.testing.assert_array_equal(m.get_waveforms(ids[:3], [1]), w[:3][:, :, [1]])
    m.close()


def test_waveforms_at_the_edges_are_zero_padded(tmp_path):
    d = synthetic_kwik(tmp_path / "e.kwik", n_spikes=2000, n_recordings=1, seed=3)
    m = KwikModel(d.kwik_path)
    edge = [0, m.n_spikes - 1]
    w = m.get_waveforms(edge)
    assert w.shape == (2, 20, 4) and np.all(np.isfinite(w))
    m2 = KwikModel(d.kwik_path, waveform_filter=False)
    raw = m2.get_waveforms(edge)
    s0 = m2.spike_samples[0]
    if s0 < 10:
        assert not raw[0, :10 - s0].any()
    np.testing.assert_array_equal(raw[0, 10 - min(s0, 10):], m2.traces[max(0, s0 - 10):s0 + 10])
    m.close()
    m2.close()


def test_unfiltered_waveforms_are_the_raw_windows(dataset):
    m = KwikModel(dataset.kwik_path, channel_group=1)
    with h5py.File(dataset.kwik_path, "r") as f:
        before = int(f["application_data/spikedetekt"].attrs.get("extract_s_before", 10))
    ids = np.array([5, 70, 3, m.n_spikes - 1])
    w = m.get_waveforms(ids, [2, 0], filtered=False)
    for i, s in zip(ids, m.spike_samples[ids]):
        ref = np.zeros((m.n_samples_waveforms, 2), dtype=np.float32)
        lo, hi = s - before, s - before + m.n_samples_waveforms
        a, b = max(lo, 0), min(hi, m.n_samples)
        ref[a - lo:b - lo] = m.traces[a:b][:, [2, 0]]
        np.testing.assert_array_equal(w[list(ids).index(i)], ref)
    assert not np.array_equal(m.get_waveforms(ids, [2, 0]), w)  # filtered by default
    m.close()
    m = KwikModel(dataset.kwik_path, channel_group=1, waveform_filter=False)
    np.testing.assert_array_equal(m.get_waveforms(ids, [2, 0]), w)
    assert m.get_waveforms(ids[:1], filtered=True).dtype == np.float32
    m.close()


def test_raw_data_intervals(tmp_path):
    d = synthetic_kwik(tmp_path / "i.kwik", raw_duration=.1, recording_duration=.5)
    m = KwikModel(d.kwik_path)
    n, raw = d.recording_length, len(d.raw[0])
    assert m.raw_data_intervals.tolist() == [[0, raw], [n, n + raw]]
    m.close()
    for p in d.raw_paths:
        p.unlink()
    m = KwikModel(d.kwik_path)
    assert m.raw_data_intervals.shape == (0, 2)
    m.close()


def test_chunked_overlapping_raw_kwd(tmp_path):
    """Recordings stored chunked (read through h5py) and longer than the room before the
    next recording: cut where the next one starts."""
    d = synthetic_kwik(tmp_path / "c.kwik", raw_format="kwd", n_spikes=100)
    n = d.recording_length
    with h5py.File(d.raw_paths[0], "a") as f:
        for r in (0, 1):
            data = f[f"recordings/{r}/data"][:]
            del f[f"recordings/{r}/data"]
            f.create_dataset(f"recordings/{r}/data", data=data, chunks=(64, data.shape[1]),
                             compression="gzip")
    with h5py.File(d.kwik_path, "a") as f:
        f["recordings/1"].attrs["start_sample"] = n - 100  # the first one is 100 too long
    m = KwikModel(d.kwik_path)
    assert any("not shown" in w for w in m.warnings)
    tr = m.all_traces
    np.testing.assert_array_equal(tr[:n - 100], d.raw[0][:n - 100])
    np.testing.assert_array_equal(tr[n - 100:n - 50], d.raw[1][:50])
    assert m.raw_data_intervals.tolist() == [[0, n - 100], [n - 100, 2 * n - 100]]
    m.close()


def test_without_kwx(dataset):
    dataset.kwx_path.unlink()
    m = KwikModel(dataset.kwik_path)
    assert m.features is None and m.masks is None and m.features_masks is None
    assert m.get_features([0]) is None
    assert m.get_masks([0, 1]).tolist() == [[1] * 4] * 2
    assert any(".kwx not found" in w for w in m.warnings)
    amps = m.amplitudes[:50]  # from the waveforms' peak-to-peak
    assert amps.shape == (50,) and np.all(amps > 0)
    assert m.traces is not None
    m.close()


def test_without_raw_data(dataset):
    for p in dataset.raw_paths:
        p.unlink()
    m = KwikModel(dataset.kwik_path)
    assert m.traces is None and m.waveforms is None and m.get_waveforms([0]) is None
    assert any("no raw data" in w for w in m.warnings)
    assert m.amplitudes is not None and m.features is not None
    assert "none" in m.describe()
    dataset.kwx_path.unlink()
    m.close()
    m = KwikModel(dataset.kwik_path)
    assert m.amplitudes is None
    m.close()


def test_raw_data_shorter_than_recordings(tmp_path):
    d = synthetic_kwik(tmp_path / "s.kwik", raw_duration=.1, recording_duration=.5)
    m = KwikModel(d.kwik_path)
    n, raw = d.recording_length, len(d.raw[0])
    assert any("reads as zeros" in w for w in m.warnings)
    # The file does not store recording lengths: the axis ends at the last spike.
    assert m.traces.shape[0] == m.n_samples == m.spike_samples.max() + 1
    np.testing.assert_array_equal(m.traces[n:n + raw], d.raw[1][:, d.groups[0].channels])
    assert not m.traces[raw:n].any()
    m.close()


def test_recordings_without_start_samples(dataset):
    with h5py.File(dataset.kwik_path, "a") as f:
        for r in f["recordings"].values():
            del r.attrs["start_sample"]
    m = KwikModel(dataset.kwik_path)
    # Placed end to end from the raw data lengths: same axis as before.
    np.testing.assert_array_equal(m.spike_samples, dataset.groups[0].spike_samples)
    assert any("placed end to end" in w for w in m.warnings)
    m.close()
    for p in dataset.raw_paths:
        p.unlink()
    m = KwikModel(dataset.kwik_path)  # then from the last spikes of every group
    last0 = max(dataset.groups[g].time_samples[dataset.groups[g].spike_recordings == 0].max()
                for g in (0, 1))
    assert m.recording_offsets.tolist() == [0, last0 + 1]
    m.close()


def test_chunked_kwx_is_read_through_h5py(dataset):
    with h5py.File(dataset.kwx_path, "a") as f:
        data = f["channel_groups/0/features_masks"][:]
        del f["channel_groups/0/features_masks"]
        f.create_dataset("channel_groups/0/features_masks", data=data, chunks=(16, 12, 2),
                         compression="gzip")
    m = KwikModel(dataset.kwik_path)
    assert not isinstance(m.features_masks, np.ndarray)
    ids = np.array([9, 2, 2, 300, 0])
    np.testing.assert_array_equal(m.features[ids], data[ids, :, 0].reshape(-1, 4, 3))
    np.testing.assert_array_equal(m.masks[ids], data[ids, ::3, 1])
    np.testing.assert_array_equal(m.features[3], data[3, :, 0].reshape(4, 3))
    np.testing.assert_array_equal(m.features[10:20, 1], data[10:20, 3:6, 0])
    np.testing.assert_array_equal(np.asarray(m.masks), data[:, ::3, 1])
    m.close()


def test_base_controller_interface(dataset):
    m = KwikModel(dataset.kwik_path)
    assert m.spike_waveforms is None and m.spike_attributes == {}
    assert m.channel_mapping.tolist() == m.channel_order.tolist()
    assert m.channel_positions.shape == (m.n_channels, 2)
    assert set(m.cluster_labels) == {"group"}
    assert m.n_samples_waveforms == 20 and m.sample_rate == dataset.sample_rate
    m.close()


@settings(max_examples=60, deadline=None)
@given(lengths=st.lists(st.integers(0, 30), min_size=1, max_size=4),
       gaps=st.lists(st.integers(-5, 10), min_size=4, max_size=4),
       missing=st.lists(st.booleans(), min_size=4, max_size=4),
       a=st.integers(-5, 150), b=st.integers(-5, 150), step=st.integers(1, 3),
       rows=st.lists(st.integers(0, 149), max_size=10))
def test_concatenated_traces_match_a_dense_reference(lengths, gaps, missing, a, b, step, rows):
    rng = np.random.default_rng(len(lengths))
    arrays = [rng.integers(-99, 99, (n, 3)).astype(np.int16) for n in lengths]
    starts, t = [], 0
    for n, gap in zip(lengths, gaps):
        starts.append(t)
        t = max(t, t + n + gap)
    arrays = [None if m else x for x, m in zip(arrays, missing)]
    n_total = max([s + n for s, n in zip(starts, lengths)] + [0]) + 2
    dense = np.zeros((n_total, 3), dtype=np.int16)
    for i, (x, s) in enumerate(zip(arrays, starts)):
        if x is None:
            continue
        stop = min(s + len(x), starts[i + 1] if i + 1 < len(starts) else n_total)
        dense[s:stop] = x[:stop - s]
    tr = concatenate_recordings(arrays, starts, n_total, 1000.)
    if all(x is None for x in arrays):
        assert tr is None
        return
    tr = tr.select_channels([2, 0])
    assert tr.shape == (n_total, 2) and tr.dtype == np.int16
    np.testing.assert_array_equal(tr[a:b:step], dense[:, [2, 0]][a:b:step])
    rows = [r for r in rows if r < n_total]
    np.testing.assert_array_equal(tr[np.array(rows, dtype=np.int64)], dense[rows][:, [2, 0]])
    # Windows are padded with zeros outside the data (waveforms at the edges).
    ref = np.array([dense[i, 0] if 0 <= i < n_total else 0 for i in range(a, max(a, b))])
    np.testing.assert_array_equal(tr.read_windows([a], max(a, b) - a, [1])[0, :, 0], ref)


@pytest.mark.parametrize("value", ["syn.raw.kwd", "syn.raw.kwd/recordings/{r}",
                                   "/old/machine/data/syn.raw.kwd", "{{raw.kwd}}/recordings/{r}",
                                   "elsewhere.raw.kwd"])
def test_raw_kwd_paths_are_resolved(tmp_path, value):
    """Absolute paths from another machine, internal paths and placeholders are accepted;
    the raw data are then found next to the .kwik."""
    d = synthetic_kwik(tmp_path / "syn.kwik", raw_format="kwd", n_spikes=50)
    with h5py.File(d.kwik_path, "a") as f:
        for r in (0, 1):
            f[f"recordings/{r}/raw"].attrs["hdf5_path"] = value.format(r=r)
    m = KwikModel(d.kwik_path)
    assert m.warnings == [] and [Path(p).name for p in m.raw_data_files] == ["syn.raw.kwd"] * 2
    np.testing.assert_array_equal(m.all_traces[d.recording_length:], d.raw[1])
    m.close()


def test_dat_paths_from_another_machine(tmp_path):
    d = synthetic_kwik(tmp_path / "syn.kwik", raw_format="dat", n_spikes=50)
    with h5py.File(d.kwik_path, "a") as f:
        for r in (0, 1):
            f[f"recordings/{r}/raw"].attrs["dat_path"] = f"/home/someone/syn_rec{r}.dat"
    m = KwikModel(d.kwik_path)
    assert m.warnings == []
    np.testing.assert_array_equal(m.all_traces[:d.recording_length], d.raw[0])
    m.close()
    with h5py.File(d.kwik_path, "a") as f:  # no raw attributes: the PRM's raw_data_files
        for r in (0, 1):
            del f[f"recordings/{r}/raw"]
    m = KwikModel(d.kwik_path)
    assert m.warnings == [] and m.traces is not None
    m.close()


def test_recordings_with_another_sample_rate(dataset):
    with h5py.File(dataset.kwik_path, "a") as f:
        f["recordings/1"].attrs["sample_rate"] = 25000.
    m = KwikModel(dataset.kwik_path)
    assert m.sample_rate == dataset.sample_rate
    assert any("another sample rate ([25000.0])" in w for w in m.warnings)
    m.close()


def test_shared_reader_concatenates_arrays(tmp_path):
    """``get_ephys_reader`` (the one raw-data reader) takes the Kwik recordings as a list of
    arrays: memmaps, h5py datasets, zero blocks."""
    from phyclone.io.raw.traces import get_ephys_reader
    a = np.arange(12, dtype=np.int16).reshape(4, 3)
    with h5py.File(tmp_path / "r.h5", "w") as f:
        f["d"] = a + 100
    with h5py.File(tmp_path / "r.h5", "r") as f:
        tr = get_ephys_reader([a, f["d"], np.zeros((2, 3), np.int16)], sample_rate=10.)
        assert tr.shape == (10, 3) and tr.sample_rate == 10.
        np.testing.assert_array_equal(tr[:], np.r_[a, a + 100, np.zeros((2, 3))])
        np.testing.assert_array_equal(tr.read_windows([2], 4, [1])[0, :, 0], [7, 10, 101, 104])
    with pytest.raises(ValueError, match="same number of channels"):
        get_ephys_reader([a, np.zeros((2, 4), np.int16)])
    with pytest.raises(ValueError, match="n_samples, n_channels"):
        get_ephys_reader([a, np.zeros(3, np.int16)])
