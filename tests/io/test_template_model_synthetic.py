"""TemplateModel on folders written by the tests, checked against brute-force references."""

import logging

import numpy as np
import pytest

from phyclone.apps.template import TemplateModel, get_template_params, load_model
from phyclone.io.template.model import DEFAULT_WAVEFORM_DURATION


# Brute-force references -------------------------------------------------------------------

def ref_waveforms(b, spike_ids, channel_ids):
    out = np.zeros((len(spike_ids), b.nsw, len(channel_ids)))
    for i, s in enumerate(spike_ids):
        t0 = b.spike_samples[s] - b.nsw // 2
        for k in range(b.nsw):
            if 0 <= t0 + k < len(b.raw):
                for j, c in enumerate(channel_ids):
                    out[i, k, j] = b.raw[t0 + k, b.channel_map[c]]
    return out


def ref_dense_template(b, t, n_closest=12):
    """phy's best-channel rule, written naively."""
    nc = len(b.channel_map)
    w = b.templates[t].astype(np.float64) @ b.wmi
    amp = w.max(axis=0) - w.min(axis=0)
    best = int(np.argmax(amp))
    d = [((b.channel_positions[j] - b.channel_positions[best]) ** 2).sum() for j in range(nc)]
    close = sorted(range(nc), key=lambda j: (j != best, d[j], j))[:n_closest]
    chans = [j for j in close if b.channel_shanks[j] == b.channel_shanks[best]]
    chans = sorted(chans, key=lambda j: (-amp[j], j))
    return w, amp, best, chans


def ref_sparse_features(data, rows, cols_of_template, spike_templates, spike_ids, channel_ids):
    n_extra = data.shape[2:] if data.ndim == 3 else ()
    out = np.zeros((len(spike_ids), len(channel_ids)) + n_extra)
    for i, s in enumerate(spike_ids):
        if rows is not None and s not in rows:
            out[i] = np.nan
            continue
        r = list(rows).index(s) if rows is not None else s
        for j, c in enumerate(cols_of_template[spike_templates[s]]):
            if c in channel_ids:
                out[i, list(channel_ids).index(c)] = data[r, j]
    return out


# Tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("names", ["phy", "ks", "alf"])
def test_spike_arrays(tmp_dataset, names):
    b = tmp_dataset(names=names)
    m = load_model(b.params_path)
    assert m.n_spikes == len(b.spike_samples)
    assert m.spike_samples.dtype == np.int64
    np.testing.assert_array_equal(m.spike_samples, b.spike_samples)
    np.testing.assert_allclose(m.spike_times, b.spike_samples / b.sample_rate)
    np.testing.assert_array_equal(m.spike_templates, b.spike_templates)
    np.testing.assert_array_equal(m.spike_clusters, b.spike_clusters)
    assert m.spike_clusters.dtype == np.int32 and m.spike_clusters.flags.writeable
    np.testing.assert_array_equal(m.amplitudes, b.amplitudes)
    np.testing.assert_array_equal(m.channel_mapping, b.channel_map)
    np.testing.assert_array_equal(m.channel_positions, b.channel_positions)
    assert (m.n_templates, m.n_samples_waveforms, m.n_channels) == (6, b.nsw, 10)
    if names != "alf":  # a 64-bit integer file is memory-mapped, not copied
        assert isinstance(m.spike_samples, np.memmap)
        assert isinstance(m.spike_templates, np.memmap)
    assert m.templates_probes.tolist() == [0] * 6


def test_ks_templates_ind_means_dense(tmp_dataset):
    b = tmp_dataset(names="ks")
    m = load_model(b.params_path)
    assert m.sparse_templates.cols is None
    np.testing.assert_allclose(np.asarray(m.templates), b.templates)


@pytest.mark.parametrize("whitening", ["both", "wm", "none"])
def test_dense_templates(tmp_dataset, whitening):
    b = tmp_dataset(whitening=whitening)
    m = load_model(b.params_path)
    np.testing.assert_allclose(m.wmi, b.wmi, rtol=1e-10, atol=1e-12)
    for t in range(m.n_templates):
        w, amp, best, chans = ref_dense_template(b, t)
        tb = m.get_template(t)
        assert tb.best_channel == best
        assert tb.channel_ids.tolist() == chans
        np.testing.assert_allclose(tb.template, w[:, chans], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(tb.amplitude, amp[chans], rtol=1e-4, atol=1e-5)
        assert m.get_template_channels(t).tolist() == chans
        raw = m.get_template(t, unwhiten=False, channel_ids=[0, 3])
        np.testing.assert_allclose(raw.template, b.templates[t][:, [0, 3]])
    # templates_channels / durations on the stored (whitened) templates, as phy
    ptp = b.templates.max(axis=1) - b.templates.min(axis=1)
    np.testing.assert_array_equal(m.templates_channels, ptp.argmax(axis=1))
    wpk = b.templates[np.arange(6), :, ptp.argmax(axis=1)]
    np.testing.assert_allclose(m.templates_waveforms_durations,
                               (wpk.argmax(1) - wpk.argmin(1)) / b.sample_rate * 1e3)


def test_sparse_templates(tmp_dataset):
    b = tmp_dataset(n_channels_loc=5)
    m = load_model(b.params_path)
    assert m.n_channels_loc == 5 and m.sparse_templates.cols is not None
    dense = np.asarray(m.templates)
    assert dense.shape == (6, b.nsw, 10)
    for t in range(6):
        cols = b.template_ind[t]
        ref = np.zeros((b.nsw, 10))
        ref[:, cols[cols >= 0]] = b.templates[t][:, cols >= 0]
        np.testing.assert_allclose(dense[t], ref)
        np.testing.assert_allclose(m.templates[t], ref)
        ch = cols[cols >= 0]
        w = b.templates[t][:, cols >= 0].astype(np.float64) @ b.wmi[np.ix_(ch, ch)]
        amp = w.max(0) - w.min(0)
        order = np.argsort(-amp, kind="stable")
        tb = m.get_template(t)
        assert tb.channel_ids.tolist() == ch[order].tolist()
        assert tb.best_channel == ch[order[0]]
        np.testing.assert_allclose(tb.template, w[:, order], rtol=1e-4, atol=1e-5)
    peak_loc = np.argmax(b.templates.max(1) - b.templates.min(1), axis=1)
    np.testing.assert_array_equal(m.templates_channels, b.template_ind[np.arange(6), peak_loc])


@pytest.mark.parametrize("subset", [False, True])
def test_features(tmp_dataset, subset):
    b = tmp_dataset(features_subset=subset, tf_subset=subset)
    m = load_model(b.params_path)
    assert m.n_pcs == 3
    spike_ids = np.array([0, 5, 17, 18, 120, 299])
    channel_ids = np.array([7, 0, 3, 9])
    got = m.get_features(spike_ids, channel_ids)
    ref = ref_sparse_features(b.pc_features.transpose(0, 2, 1), b.pc_feature_spike_ids,
                              b.pc_feature_ind, b.spike_templates, spike_ids, channel_ids)
    assert got.shape == (6, 4, 3)
    np.testing.assert_allclose(got, ref)
    got = m.get_template_features(spike_ids)
    ref = ref_sparse_features(b.template_features, b.template_feature_spike_ids,
                              b.template_feature_ind, b.spike_templates, spike_ids, np.arange(6))
    np.testing.assert_allclose(got, ref)
    if subset:
        np.testing.assert_array_equal(m.features_spike_ids, b.pc_feature_spike_ids)
        np.testing.assert_array_equal(m.template_features_spike_ids, b.template_feature_spike_ids)


def test_waveforms_from_raw(tmp_dataset):
    b = tmp_dataset()
    m = load_model(b.params_path)
    assert m.spike_waveforms is None and m.traces.shape == (4000, 10)
    spike_ids = np.array([0, 1, 150, 298, 299])  # first and last are within nsw/2 of the edges
    channel_ids = np.array([4, 1, 8])
    np.testing.assert_array_equal(m.get_waveforms(spike_ids, channel_ids),
                                  ref_waveforms(b, spike_ids, channel_ids))
    np.testing.assert_array_equal(m.get_waveforms(spike_ids[::-1], channel_ids),
                                  ref_waveforms(b, spike_ids[::-1], channel_ids))
    assert m.get_waveforms(spike_ids).shape == (5, b.nsw, 10)
    t = 2
    sw = m.get_template_spike_waveforms(t)
    ids = np.flatnonzero(b.spike_templates == t)
    np.testing.assert_array_equal(sw, ref_waveforms(b, ids, m.get_template_channels(t)))


def test_clusters_and_templates_spikes(tmp_dataset):
    b = tmp_dataset()
    m = load_model(b.params_path)
    for t in range(6):
        np.testing.assert_array_equal(m.get_template_spikes(t), np.flatnonzero(b.spike_templates == t))
    for c in (100, 101, 102):
        np.testing.assert_array_equal(m.get_cluster_spikes(c), np.flatnonzero(b.spike_clusters == c))
        counts = np.bincount(b.spike_templates[b.spike_clusters == c], minlength=6)
        np.testing.assert_array_equal(m.get_template_counts(c), counts)
        assert m.get_cluster_channels(c).tolist() == \
            m.get_template_channels(int(np.argmax(counts))).tolist()
    np.testing.assert_array_equal(m.template_ids, np.arange(6))
    np.testing.assert_array_equal(m.cluster_ids, [100, 101, 102])
    other = np.zeros(m.n_spikes, dtype=np.int32)
    other[::3] = 7
    np.testing.assert_array_equal(m.get_cluster_spikes(7, spike_clusters=other),
                                  np.arange(0, m.n_spikes, 3))
    amps = [b.amplitudes[b.spike_templates == t].mean() for t in range(6)]
    np.testing.assert_allclose(m.templates_amplitudes, amps, rtol=1e-6)
    mw = m.get_cluster_mean_waveforms(100)
    counts = np.bincount(b.spike_templates[b.spike_clusters == 100], minlength=6)
    ref = sum(counts[t] * m.get_template(t, channel_ids=mw.channel_ids).template
              for t in range(6)) / counts.sum()
    np.testing.assert_allclose(mw.mean_waveforms, ref, rtol=1e-5, atol=1e-6)
    # In-place updates of spike_clusters (as a Clustering does) are seen at once.
    m.spike_clusters[:10] = 555
    np.testing.assert_array_equal(m.get_cluster_spikes(555), np.arange(10))


def test_no_spike_clusters_starts_from_templates(tmp_dataset, snapshot):
    b = tmp_dataset(spike_clusters=None)
    before = snapshot(b.path)
    m = load_model(b.params_path)
    np.testing.assert_array_equal(m.spike_clusters, b.spike_templates)
    assert snapshot(b.path) == before  # phylib would write spike_clusters.npy here
    assert m.spike_clusters_path == b.path / "spike_clusters.npy"


def test_attributes_metadata_params(tmp_dataset):
    b = tmp_dataset()
    m = load_model(b.params_path)
    assert set(m.spike_attributes) == {"depth"}
    np.testing.assert_array_equal(m.spike_attributes.depth, b.spike_depth)
    assert m.metadata["group"] == {100: "good", 101: "noise"}
    assert m.metadata["quality"] == {100: 0.5, 102: 1}
    assert m.metadata["comment"] == {102: "ok"}
    assert "should_not_load" not in m.metadata
    np.testing.assert_array_equal(m.similar_templates, b.similar_templates)
    np.testing.assert_array_equal(m.channel_shanks, b.channel_shanks)
    assert m.sample_rate == b.sample_rate and m.dtype == np.int16
    assert m.n_channels_dat == b.n_channels_dat and m.hp_filtered is False
    assert m.duration == pytest.approx(4000 / b.sample_rate)
    p = get_template_params(b.params_path)
    assert p["dat_path"] == [b.path / "recording.dat"] and p["dir_path"] == b.path


def test_no_raw_data(tmp_dataset, caplog):
    b = tmp_dataset(raw=False)
    m = load_model(b.params_path)
    assert m.traces is None and m.get_waveforms([0, 1]) is None
    assert m.duration == pytest.approx(b.spike_samples[-1] / b.sample_rate)
    (b.path / "params.py").write_text((b.path / "params.py").read_text().replace(
        "dat_path = ''", "dat_path = 'gone.dat'"))
    with caplog.at_level(logging.WARNING, logger="phyclone"):
        m = load_model(b.params_path)
    assert m.traces is None and "gone.dat" in caplog.text


def test_raw_data_list_and_constructor(tmp_dataset):
    b = tmp_dataset()
    raw = np.fromfile(b.path / "recording.dat", dtype=np.int16)
    half = (len(raw) // b.n_channels_dat // 2) * b.n_channels_dat
    raw[:half].tofile(b.path / "a.dat")
    raw[half:].tofile(b.path / "b.dat")
    m = TemplateModel(dir_path=b.path, dat_path=["a.dat", "b.dat"], sample_rate=b.sample_rate,
                      dtype="int16", n_channels_dat=b.n_channels_dat, custom_key=3)
    assert m.custom_key == 3 and m.params == {"custom_key": 3}
    spike_ids = np.arange(0, 300, 7)
    np.testing.assert_array_equal(m.get_waveforms(spike_ids, [0, 5]),
                                  ref_waveforms(b, spike_ids, [0, 5]))


def test_spikes_beyond_raw_data_read_as_zeros(tmp_dataset, caplog):
    b = tmp_dataset()
    np.fromfile(b.path / "recording.dat", dtype=np.int16)[:2000 * b.n_channels_dat].tofile(
        b.path / "recording.dat")
    with caplog.at_level(logging.WARNING, logger="phyclone"):
        m = load_model(b.params_path)
    assert "after the end of the raw data" in caplog.text
    b.raw = b.raw[:2000]
    spike_ids = np.arange(m.n_spikes)
    np.testing.assert_array_equal(m.get_waveforms(spike_ids, [1, 2]),
                                  ref_waveforms(b, spike_ids, [1, 2]))
    assert not m.get_waveforms([m.n_spikes - 1]).any()


def test_no_templates(tmp_dataset):
    b = tmp_dataset()
    (b.path / "templates.npy").unlink()
    m = load_model(b.params_path)
    assert m.get_template(0) is None and m.templates is None
    assert m.n_templates == 6
    assert m.n_samples_waveforms == round(DEFAULT_WAVEFORM_DURATION * b.sample_rate)


def test_context_manager_and_describe(tmp_dataset, capsys):
    b = tmp_dataset()
    with load_model(b.params_path) as m:
        m.describe()
    assert m.traces is None and m.spike_samples is None
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Data files") and str(b.path / "recording.dat") in out[0]
    assert out[2] == "Duration                0.2s"
    assert out[3] == "Sample rate             20.0 kHz"
    assert out[-1] == "# of spikes             300"


def test_aliases_and_optional_files(tmp_dataset):
    """channel_probe.npy (singular), channel_groups.npy (SpikeInterface shanks),
    spike_times_reordered.npy, legacy cluster_groups.csv (tab-separated despite its name)."""
    b = tmp_dataset()
    (b.path / "channel_shanks.npy").unlink()
    groups = np.arange(10) // 5
    np.save(b.path / "channel_groups.npy", groups)
    np.save(b.path / "channel_probe.npy", (np.arange(10) >= 8).astype(np.int32))
    np.save(b.path / "channel_probes.npy", np.ones(10))  # plural: not a phy file, ignored
    reordered = b.spike_samples[::-1].copy()
    np.save(b.path / "spike_times_reordered.npy", reordered.reshape(-1, 1))
    (b.path / "cluster_group.tsv").unlink()
    (b.path / "cluster_groups.csv").write_text("cluster_id\tgroup\n100\tgood\n102\tmua\n")
    m = load_model(b.params_path)
    np.testing.assert_array_equal(m.channel_shanks, groups)
    np.testing.assert_array_equal(m.channel_probes, np.arange(10) >= 8)
    assert m.n_probes == 2
    np.testing.assert_array_equal(m.spike_samples_reordered, reordered)
    np.testing.assert_allclose(m.spike_times_reordered, reordered / b.sample_rate)
    assert m.metadata["group"] == {100: "good", 102: "mua"}
    assert "probes" not in m.spike_attributes and "times_reordered" not in m.spike_attributes
    np.testing.assert_array_equal(m.templates_probes, m.channel_probes[m.templates_channels])


def test_duplicate_positions_fall_back_to_linear(tmp_dataset, caplog):
    b = tmp_dataset()
    np.save(b.path / "channel_positions.npy", np.zeros((10, 2)))
    m = load_model(b.params_path)
    np.testing.assert_allclose(m.channel_positions, np.c_[np.zeros(10), np.linspace(0, 1, 10)])
    assert "same position" in caplog.text


def test_phy_synthetic_dataset(tmp_path, snapshot):
    """A `phy synthetic` folder: spikes read from the raw data, filtered, average to their
    (unwhitened) template on its best channels, at the same alignment."""
    from phyclone.io.synthetic.dataset import make_dataset
    params = make_dataset(tmp_path / "synth", n_channels=16, duration=6., n_clusters=5, seed=1,
                          progress=False)
    before = snapshot(tmp_path / "synth")
    m = load_model(params)
    assert snapshot(tmp_path / "synth") == before
    assert m.n_channels == 16 and m.sparse_templates.cols is not None
    for t in np.argsort(-np.bincount(m.spike_templates))[:3]:
        ids = m.get_template_spikes(t)[:150]
        tb = m.get_template(t)
        ch = tb.channel_ids[:3]
        mean = m.get_waveforms(ids, ch, filtered=True).mean(axis=0)
        tpl = m.get_template(t, channel_ids=ch).template
        for j in range(len(ch)):
            assert np.corrcoef(mean[:, j], tpl[:, j])[0, 1] > 0.9
        assert np.argmin(mean[:, 0]) == np.argmin(tpl[:, 0])
