"""The real SpikeInterface export (trimmed copy in tests/data) and its ground truth."""

from pathlib import Path

import numpy as np
import pytest

from phyclone.apps.template import load_model

SI_EXPORT = Path(__file__).parent.parent / "data" / "si_export_16ch"
GT = SI_EXPORT / "groundtruth"


@pytest.fixture(scope="module")
def model():
    m = load_model(SI_EXPORT / "params.py")
    yield m
    m.close()


def test_spikes_agree_with_ground_truth(model):
    frames = np.load(GT / "gt_spike_frames.npy", allow_pickle=False)
    units = np.load(GT / "gt_spike_cluster_ids.npy", allow_pickle=False)
    assert model.n_spikes == len(frames) == 39
    np.testing.assert_array_equal(model.spike_samples, frames)
    np.testing.assert_array_equal(model.spike_clusters, units)
    np.testing.assert_array_equal(model.spike_templates, units)
    np.testing.assert_allclose(model.spike_times, frames / 30000.)
    assert model.spike_samples.dtype == np.int64 and model.spike_samples.ndim == 1
    # Unit ids of the export = the ground-truth unit ids, also as cluster metadata.
    gt_units = np.load(GT / "gt_unit_ids.npy", allow_pickle=False).astype(int)
    assert model.metadata["si_unit_id"] == {int(u): int(u) for u in gt_units}


def test_channels(model):
    np.testing.assert_allclose(model.channel_positions,
                               np.load(GT / "gt_channel_locations.npy", allow_pickle=False))
    np.testing.assert_array_equal(model.channel_mapping, np.arange(16))
    np.testing.assert_array_equal(model.channel_shanks, np.zeros(16))  # from channel_groups.npy
    np.testing.assert_array_equal(model.channel_probes, np.zeros(16))
    assert (model.n_channels, model.n_channels_dat, model.n_channels_loc) == (16, 16, 16)


def test_params_and_summary(model, capsys):
    assert model.sample_rate == 30000. and model.dtype == np.int16 and model.hp_filtered
    assert model.duration == pytest.approx(0.4)
    assert (model.n_templates, model.n_samples_waveforms, model.n_pcs) == (10, 90, 5)
    model.describe()
    out = capsys.readouterr().out
    assert "# of templates          10\n" in out and "# of spikes             39\n" in out


def test_sparse_templates_with_padding(model):
    ind = np.load(SI_EXPORT / "template_ind.npy", allow_pickle=False)
    data = np.load(SI_EXPORT / "templates.npy", allow_pickle=False)
    assert model.sparse_templates.cols is not None
    np.testing.assert_array_equal(model.wm, np.eye(16))  # no whitening files in SI exports
    for t in range(10):
        b = model.get_template(t)
        valid = ind[t] >= 0
        assert set(b.channel_ids) <= set(ind[t][valid])
        amp = data[t].max(0) - data[t].min(0)
        assert b.best_channel == ind[t][valid][np.argmax(amp[valid])]
        assert np.all(np.diff(b.amplitude) <= 0)
        dense = model.templates[t]
        np.testing.assert_allclose(dense[:, ind[t][valid]], data[t][:, valid])
        assert not dense[:, np.setdiff1d(np.arange(16), ind[t][valid])].any()
    # peak channel = largest amplitude (phylib takes the first listed channel instead)
    assert model.templates_channels[3] == 13


def test_pc_features_with_padding(model):
    pcf = np.load(SI_EXPORT / "pc_features.npy", allow_pickle=False)
    ind = np.load(SI_EXPORT / "pc_feature_ind.npy", allow_pickle=False)
    st = model.spike_templates
    f = model.get_features(np.arange(39), np.arange(16))
    for i in range(39):
        cols = ind[st[i]]
        for j, c in enumerate(cols):
            if c >= 0:
                np.testing.assert_array_equal(f[i, c], pcf[i, :, j])
        assert not f[i, np.setdiff1d(np.arange(16), cols)].any()
    assert model.get_template_features([0, 1]) is None


def test_waveform_pool_and_raw(model):
    pool = model.spike_waveforms
    np.testing.assert_array_equal(pool.spike_ids, np.arange(0, 39, 2))
    # Pooled spikes come from the pool, the others from recording.dat.
    w = model.get_waveforms([2, 3], [0, 5])
    ch = list(pool.spike_channels[1])
    for j, c in enumerate([0, 5]):
        ref = pool.waveforms[1][:, ch.index(c)] if c in ch else np.zeros(90)
        np.testing.assert_array_equal(w[0][:, j], ref)
    s = int(model.spike_samples[3])
    raw = np.fromfile(SI_EXPORT / "recording.dat", dtype=np.int16).reshape(-1, 16)
    np.testing.assert_array_equal(w[1], raw[s - 45:s + 45][:, [0, 5]])
    # SpikeInterface quirk: pool waveforms start 30 samples before the spike, in µV (0.195/bit).
    for k, sid in enumerate(pool.spike_ids):
        ch = pool.spike_channels[k]
        s = int(model.spike_samples[sid])
        ref = raw[s - 30:s + 60][:, ch[ch >= 0]] * 0.195
        np.testing.assert_allclose(pool.waveforms[k][:, ch >= 0], ref, rtol=1e-5, atol=1e-3)


def test_cluster_metadata_tsvs(model):
    assert model.metadata["group"] == {i: "unsorted" for i in range(10)}
    assert set(model.metadata["snr"]) == set(range(10))
    assert "presence_ratio" not in model.metadata  # every value empty in that file
    expected = {}
    for path in SI_EXPORT.glob("cluster_*.tsv"):
        lines = path.read_text().splitlines()
        field = lines[0].split("\t")[1]
        values = {int(a): b for a, b in (line.split("\t") for line in lines[1:]) if b}
        if values:
            expected[field] = values
    assert set(model.metadata) == set(expected)
    for field, values in expected.items():
        assert {c: str(v) for c, v in model.metadata[field].items()} == values or \
            {c: float(v) for c, v in values.items()} == model.metadata[field]
