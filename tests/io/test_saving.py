"""Opening never writes into the dataset; saves round-trip, are atomic and keep backups; CLI."""

import numpy as np
import pytest
from click.testing import CliRunner

from phyclone.apps.cli import phycli
from phyclone.apps.template import load_model
from phyclone.io.template.model import N_BACKUPS
from phyclone.utils import Bunch


def _touch_everything(m):
    m.spike_times, m.templates[:], m.templates_channels, m.templates_amplitudes
    m.templates_waveforms_durations, m.template_ids, m.cluster_ids
    for t in range(m.n_templates):
        m.get_template(t)
        m.get_template_spike_waveforms(t)
    ids = np.arange(min(m.n_spikes, 30))
    m.get_waveforms(ids, filtered=True)
    m.get_features(ids, np.arange(m.n_channels))
    m.get_template_features(ids)
    m.get_cluster_spike_waveforms(int(m.spike_clusters[0]))
    m.describe()
    m.close()


@pytest.mark.parametrize("kind", ["si", "no_clusters_no_wmi", "alf_sparse"])
def test_open_never_writes(kind, si_copy, tmp_dataset, snapshot, capsys):
    if kind == "si":
        path = si_copy
    elif kind == "no_clusters_no_wmi":
        b = tmp_dataset(spike_clusters=None, whitening="wm")
        t = np.load(b.path / "templates.npy", allow_pickle=False)
        t[1] = np.nan
        np.save(b.path / "templates.npy", t)
        path = b.path
    else:
        path = tmp_dataset(names="alf", n_channels_loc=4).path
    before = snapshot(path)
    _touch_everything(load_model(path / "params.py"))
    assert snapshot(path) == before
    assert not (path / ".phy").exists()


def test_save_spike_clusters_roundtrip_and_backups(tmp_dataset):
    b = tmp_dataset()
    m = load_model(b.params_path)
    original = (b.path / "spike_clusters.npy").read_bytes()
    new = m.spike_clusters.copy()
    new[::2] = 1000
    assert m.save_spike_clusters(new) == b.path / "spike_clusters.npy"
    saved = np.load(b.path / "spike_clusters.npy", allow_pickle=False)
    assert saved.dtype == np.int32
    np.testing.assert_array_equal(load_model(b.params_path).spike_clusters, new)
    backups = sorted((b.path / ".phy" / "phyclone" / "backup").iterdir())
    assert len(backups) == 1 and backups[0].read_bytes() == original
    for i in range(N_BACKUPS + 3):
        new[:5] = 2000 + i
        m.save_spike_clusters(new)
    backups = sorted((b.path / ".phy" / "phyclone" / "backup").iterdir())
    assert len(backups) == N_BACKUPS
    np.testing.assert_array_equal(np.load(backups[-1], allow_pickle=False)[:5],
                                  2000 + N_BACKUPS + 1)
    assert not [p for p in b.path.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(ValueError):
        m.save_spike_clusters(new[:-1])
    with pytest.raises(ValueError):
        m.save_spike_clusters(new.astype(np.float64))


def test_save_spike_clusters_without_file_and_alf(tmp_dataset):
    b = tmp_dataset(spike_clusters=None)
    m = load_model(b.params_path)
    m.save_spike_clusters(m.spike_clusters + 1)
    assert not (b.path / ".phy").exists()  # nothing to back up
    np.testing.assert_array_equal(np.load(b.path / "spike_clusters.npy", allow_pickle=False),
                                  b.spike_templates + 1)
    np.testing.assert_array_equal(np.load(b.path / "spike_templates.npy", allow_pickle=False),
                                  b.spike_templates)
    b = tmp_dataset("alf", names="alf")
    m = load_model(b.params_path)
    assert m.save_spike_clusters(m.spike_clusters * 0 + 3) == b.path / "spikes.clusters.npy"
    assert not (b.path / "spike_clusters.npy").exists()
    assert (load_model(b.params_path).spike_clusters == 3).all()


def test_save_metadata_roundtrip(tmp_dataset):
    b = tmp_dataset()
    m = load_model(b.params_path)
    m.save_metadata("label", {102: "good", 100: "mua", 101: None, 7: 1.5})
    assert (b.path / "cluster_label.tsv").read_text() == \
        "cluster_id\tlabel\n7\t1.5\n100\tmua\n102\tgood\n"
    assert m.metadata["label"] == {7: 1.5, 100: "mua", 102: "good"}
    assert load_model(b.params_path).metadata["label"] == {7: 1.5, 100: "mua", 102: "good"}
    m.save_metadata("group", {})
    assert (b.path / "cluster_group.tsv").read_text() == "cluster_id\tgroup\n"


def test_save_mean_waveforms(tmp_dataset):
    b = tmp_dataset()
    m = load_model(b.params_path)
    data = np.random.default_rng(0).normal(size=(b.nsw, 2))
    m.save_mean_waveforms({12: Bunch(data=data[None], channel_ids=[3, 1]),
                           4: Bunch(data=data, channel_ids=[0, 9]), 5: Bunch(data=None)})
    out = np.load(b.path / "clusters.meanWaveforms.npy", allow_pickle=False)
    assert out.shape == (3, b.nsw, 10)
    np.testing.assert_allclose(out[0][:, [0, 9]], data, rtol=1e-6)
    assert not out[1].any()
    np.testing.assert_allclose(out[2][:, [3, 1]], data, rtol=1e-6)
    assert not np.delete(out[2], [3, 1], axis=1).any()


def test_cli_template_describe(si_copy):
    r = CliRunner().invoke(phycli, ["template-describe", str(si_copy / "params.py")])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == f"Data files              {si_copy / 'recording.dat'}"
    assert lines[1:] == [f"Directory               {si_copy}", "Duration                0.4s",
                         "Sample rate             30.0 kHz", "Data type               int16",
                         "# of channels           16", "# of channels (raw)     16",
                         "# of templates          10", "# of spikes             39"]


def test_cli_bad_dataset(si_copy):
    (si_copy / "spike_times.npy").write_bytes(b"junk")
    r = CliRunner().invoke(phycli, ["template-describe", str(si_copy / "params.py")])
    assert r.exit_code == 1
    assert "spike_times.npy: is not a valid .npy file" in r.output and "fix:" in r.output
    assert "Traceback" not in r.output


def test_cli_extract_waveforms(si_copy):
    r = CliRunner().invoke(phycli, ["extract-waveforms", str(si_copy / "params.py"), "3",
                                    "--nc", "14"])
    assert r.exit_code == 0, r.output
    m = load_model(si_copy / "params.py")
    pool = m.spike_waveforms
    assert pool.waveforms.shape[1:] == (90, 14) and pool.waveforms.dtype == np.float32
    counts = np.bincount(np.asarray(m.spike_templates)[pool.spike_ids], minlength=10)
    total = np.bincount(np.asarray(m.spike_templates), minlength=10)
    np.testing.assert_array_equal(counts, np.minimum(total, 3))
    # phy's convention now: the window starts n_samples // 2 before the spike, raw units.
    k, s = 0, pool.spike_ids[0]
    ch = pool.spike_channels[k]
    raw = np.fromfile(si_copy / "recording.dat", dtype=np.int16).reshape(-1, 16)
    smp = int(m.spike_samples[s])
    np.testing.assert_array_equal(pool.waveforms[k][:, ch >= 0],
                                  raw[smp - 45:smp + 45][:, ch[ch >= 0]])
    assert (si_copy / "_phy_spikes_subset.waveforms.npy").stat().st_mode & 0o777 == 0o644
