"""Every malformed Kwik dataset gives one DataError naming the file (never a traceback from
inside h5py or numpy), and a failed channel-group switch leaves the model as it was."""

import h5py
import numpy as np
import pytest

from phyclone.io.kwik.creator import synthetic_kwik
from phyclone.io.kwik.model import KwikModel
from phyclone.utils.errors import DataError


@pytest.fixture
def dataset(tmp_path):
    return synthetic_kwik(tmp_path / "bad.kwik", n_spikes=100, seed=4)


def _edit(path, func):
    with h5py.File(path, "a") as f:
        func(f)


def _replace(f, path, data):
    attrs = dict(f[path].attrs)
    del f[path]
    f[path] = data
    f[path].attrs.update(attrs)


KWIK_CASES = {
    "wrong version": (lambda f: f.attrs.__setitem__("kwik_version", 1), "kwik_version is 1"),
    "no version": (lambda f: f.attrs.__delitem__("kwik_version"), "kwik_version is None"),
    "no channel groups": (lambda f: f.__delitem__("channel_groups"), "no /channel_groups"),
    "clusters length": (lambda f: _replace(f, "channel_groups/0/spikes/clusters/main",
                                           np.zeros(99, np.uint32)), "has shape"),
    "clusters not integers": (lambda f: _replace(f, "channel_groups/0/spikes/clusters/main",
                                                 np.zeros(100, np.float32)), "integers"),
    "negative clusters": (lambda f: _replace(f, "channel_groups/0/spikes/clusters/main",
                                             -np.ones(100, np.int32)), "negative"),
    "recording length": (lambda f: _replace(f, "channel_groups/0/spikes/recording",
                                            np.zeros(3, np.uint16)), "recording has shape"),
    "2D time samples": (lambda f: _replace(f, "channel_groups/0/spikes/time_samples",
                                           np.zeros((100, 2), np.uint64)), "expected (n_spikes,)"),
    "unknown recording": (lambda f: _replace(f, "channel_groups/0/spikes/recording",
                                             np.full(100, 7, np.uint16)), "recording(s) [7]"),
    "no sample rate": (lambda f: [f["application_data/spikedetekt"].attrs.__delitem__(
        "sample_rate")] + [r.attrs.__delitem__("sample_rate") for r in f["recordings"].values()],
        "sample rate"),
    "decreasing starts": (lambda f: f["recordings/1"].attrs.__setitem__("start_sample", -5),
                          "decrease"),
    "no channels": (lambda f: [f["channel_groups/0"].attrs.__delitem__("channel_order"),
                               f.__delitem__("channel_groups/0/channels")], "no channels"),
    "raw columns": (lambda f: f["channel_groups/1"].attrs.__setitem__(
        "channel_order", np.array([4, 5, 6, 40])), "raw data have 9 channels"),
}


@pytest.mark.parametrize("case", sorted(KWIK_CASES))
def test_malformed_kwik(dataset, case):
    func, match = KWIK_CASES[case]
    _edit(dataset.kwik_path, func)
    with pytest.raises(DataError, match="bad.kwik") as e:
        m = KwikModel(dataset.kwik_path)
        m.channel_group = 1
    assert match in str(e.value)


def test_not_hdf5(tmp_path):
    path = tmp_path / "text.kwik"
    path.write_text("channel_groups = {}\n")
    with pytest.raises(DataError, match="text.kwik.*not an HDF5"):
        KwikModel(path)


def test_truncated_kwik(dataset):
    data = dataset.kwik_path.read_bytes()
    dataset.kwik_path.write_bytes(data[:len(data) // 2])
    with pytest.raises(DataError, match="bad.kwik"):
        KwikModel(dataset.kwik_path)


@pytest.mark.parametrize("path", ["nope.kwik", "bad.kwx", "."])
def test_wrong_path(dataset, path):
    with pytest.raises(DataError):
        KwikModel(dataset.kwik_path.parent / path)


def test_unknown_channel_group_and_clustering(dataset):
    with pytest.raises(DataError, match=r"bad.kwik: unknown channel group 5.*\[0, 1\]"):
        KwikModel(dataset.kwik_path, channel_group=5)
    with pytest.raises(DataError, match="unknown channel group 'x'"):
        KwikModel(dataset.kwik_path, channel_group="x")
    with pytest.raises(DataError, match=r"unknown clustering 'nope'.*'main', 'original'"):
        KwikModel(dataset.kwik_path, clustering="nope")


def test_failed_switch_keeps_the_model_usable(dataset):
    _edit(dataset.kwik_path, lambda f: _replace(f, "channel_groups/1/spikes/clusters/main",
                                                np.zeros(3, np.uint32)))
    m = KwikModel(dataset.kwik_path)
    samples = m.spike_samples.copy()
    with pytest.raises(DataError):
        m.channel_group = 1
    with pytest.raises(DataError):
        m.clustering = "nope"
    assert m.channel_group == 0 and m.clustering == "main"
    assert m.probe.channel_group == 0 and m.channel_order.tolist() == [0, 1, 2, 3]
    np.testing.assert_array_equal(m.spike_samples, samples)
    assert m.waveforms[:2].shape == (2, 20, 4)
    m.close()


@pytest.mark.parametrize("shape, match", [((99, 12, 2), "has shape"), ((100, 13, 2), "has shape"),
                                          ((100, 12), "has shape"), ((100, 12, 3), "has shape")])
def test_features_do_not_match(dataset, shape, match):
    _edit(dataset.kwx_path, lambda f: _replace(f, "channel_groups/0/features_masks",
                                               np.zeros(shape, np.float32)))
    with pytest.raises(DataError, match=f"bad.kwx.*{match}"):
        KwikModel(dataset.kwik_path)


def test_corrupt_kwx_and_kwd(dataset):
    kwx = dataset.kwx_path.read_bytes()
    dataset.kwx_path.write_bytes(b"garbage" * 100)
    with pytest.raises(DataError, match="bad.kwx"):
        KwikModel(dataset.kwik_path)
    dataset.kwx_path.write_bytes(kwx)
    dataset.raw_paths[0].write_bytes(b"garbage" * 100)
    with pytest.raises(DataError, match="bad.raw.kwd"):
        KwikModel(dataset.kwik_path)


def test_raw_recordings_with_different_channels(dataset):
    _edit(dataset.raw_paths[0], lambda f: _replace(f, "recordings/1/data",
                                                   np.zeros((10, 5), np.int16)))
    with pytest.raises(DataError, match="different numbers of channels"):
        KwikModel(dataset.kwik_path)


def test_dat_size_not_a_multiple(tmp_path, caplog):
    d = synthetic_kwik(tmp_path / "d.kwik", raw_format="dat", n_spikes=50)
    with open(d.raw_paths[1], "ab") as f:
        f.write(b"\x00\x01\x02")
    with caplog.at_level("WARNING"):
        m = KwikModel(d.kwik_path)
    partial = [w for w in m.warnings if "not a whole frame" in w]
    assert len(partial) == 1
    assert partial[0].startswith(f"{d.raw_paths[1].name}: its last 3 bytes are not a whole frame")
    assert sum(partial[0] in r.getMessage() for r in caplog.records) == 1  # warned once
    assert m.traces is not None
    m.close()


def test_raw_data_shorter_than_the_spikes(tmp_path, caplog):
    """Spikes after the end of their recording's raw data: one warning per channel group, in
    the template model's words (the waveforms there read as zeros)."""
    rec_len, sr = 10000, 20000.
    d = synthetic_kwik(tmp_path / "d.kwik", raw_format="dat", n_spikes=200,
                       recording_duration=rec_len / sr, raw_duration=.2, sample_rate=sr)
    with caplog.at_level("WARNING"):
        m = KwikModel(d.kwik_path, channel_group=0)
    truth = d.groups[0]
    samples = np.asarray(truth.spike_samples)
    n_after = int(np.count_nonzero(samples % rec_len >= int(.2 * sr)))
    assert 0 < n_after < len(samples)
    expected = (f"channel group 0: {n_after}/{len(samples)} spikes are after the end of the raw "
                "data")
    found = [w for w in m.warnings if w.startswith(expected)]
    assert len(found) == 1 and found[0].endswith("their waveforms read as zeros")
    assert sum(found[0] in r.getMessage() for r in caplog.records) == 1
    m.close()
    full = synthetic_kwik(tmp_path / "full.kwik", raw_format="dat", n_spikes=200)
    m = KwikModel(full.kwik_path)
    assert not [w for w in m.warnings if "after the end" in w]
    m.close()


def test_file_warnings_logged_once_across_group_switches(tmp_path, caplog):
    d = synthetic_kwik(tmp_path / "d.kwik", raw_format="dat", n_spikes=50)
    with open(d.raw_paths[1], "ab") as f:
        f.write(b"\x00\x01\x02")
    with caplog.at_level("WARNING"):
        m = KwikModel(d.kwik_path, channel_group=0)
        m.channel_group = 1
        m.channel_group = 0
    partial = [r for r in caplog.records if "not a whole frame" in r.getMessage()]
    assert len(partial) == 1 and any("not a whole frame" in w for w in m.warnings)
    m.close()
