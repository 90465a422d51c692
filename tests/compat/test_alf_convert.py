"""``phy alf-convert``: the ALF files phylib writes (names, dtypes, shapes, values).

The committed table ``EXPECTED`` (what phylib 2.7.1's ``EphysAlfCreator`` writes for a dense
template-gui folder) is checked on every run; with phy's venv (``PHYCLONE_PEER_PHY``,
default ``../peers/phy`` beside the repository) phylib itself converts the same folder in a subprocess and every
file is compared, values included.
"""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from phyclone.apps.cli import phycli
from phyclone.io.alf import EphysAlfCreator, alf_convert
from phyclone.io.template.model import load_model
from phyclone.utils.errors import DataError
from _shared_data import peer_venv

DATA = Path(__file__).resolve().parents[1] / "data" / "si_export_16ch"
PEER_PHY = peer_venv("phy", "PHYCLONE_PEER_PHY")
PHY_PYTHON = PEER_PHY / "bin" / "python"

# file -> (dtype, shape in terms of S spikes, T templates, C clusters (max id + 1),
# N channels, W samples per waveform, K = min(12, N) channels kept, P pooled spikes).
EXPECTED = {
    "channels.localCoordinates.npy": ("float32", ("N", 2)),
    "channels.rawInd.npy": ("int64", ("N",)),
    "clusters.amps.npy": ("float64", ("C",)),
    "clusters.channels.npy": ("int64", ("C",)),
    "clusters.depths.npy": ("float32", ("C",)),
    "clusters.peakToTrough.npy": ("float64", ("C",)),
    "clusters.uuids.csv": (None, None),
    "clusters.waveforms.npy": ("float32", ("C", "W", "K")),
    "clusters.waveformsChannels.npy": ("int32", ("C", "K")),
    "params.py": (None, None),
    "spikes.amps.npy": ("float32", ("S",)),
    "spikes.clusters.npy": ("uint16", ("S",)),
    "spikes.depths.npy": ("float32", ("S",)),
    "spikes.samples.npy": ("int64", ("S",)),
    "spikes.templates.npy": ("uint16", ("S",)),
    "spikes.times.npy": ("float64", ("S",)),
    "templates.amps.npy": ("float64", ("T",)),
    "templates.waveforms.npy": ("float32", ("T", "W", "K")),
    "templates.waveformsChannels.npy": ("int32", ("T", "K")),
    "_phy_spikes_subset.channels.npy": ("int32", ("P", 12)),
    "_phy_spikes_subset.spikes.npy": ("int64", ("P",)),
    # phylib 2.7.1 writes a float64 header over int16 data (a truncated file): ours is float32.
    "_phy_spikes_subset.waveforms.npy": ("float32", ("P", "W", 12)),
}
#: Files phylib leaves in the output that are not ALF objects: it reopens the output folder
#: as a dataset, which writes the computed inverse whitening matrix there.
PHYLIB_SIDE_EFFECTS = {"whitening_mat_inv.npy"}
#: Files whose values are random (uuids) or depend on a random spike choice (the pool).
RANDOM = {"clusters.uuids.csv", "_phy_spikes_subset.channels.npy",
          "_phy_spikes_subset.spikes.npy", "_phy_spikes_subset.waveforms.npy"}


def _dense_folder(dst, merge=False):
    """A copy of the SpikeInterface export that phylib can convert: dense templates (phylib
    raises on sparse ones) and no pc features (phylib's depths fail on their -1 padding).
    With ``merge``, clusters 0 and 1 are merged into a new cluster (curated dataset)."""
    shutil.copytree(DATA, dst, ignore=shutil.ignore_patterns("groundtruth", "pc_feature*"))
    t = np.load(dst / "templates.npy")
    ind = np.load(dst / "template_ind.npy")
    dense = np.zeros((t.shape[0], t.shape[1], 16), dtype=t.dtype)
    for i in range(len(t)):
        ok = ind[i] >= 0
        dense[i][:, ind[i][ok]] = t[i][:, ok]
    np.save(dst / "templates.npy", dense)
    (dst / "template_ind.npy").unlink()
    for p in dst.glob("_phy_spikes_subset.*"):
        p.unlink()
    if merge:
        sc = np.load(dst / "spike_clusters.npy").ravel()
        sc[np.isin(sc, [0, 1])] = sc.max() + 1
        np.save(dst / "spike_clusters.npy", sc.astype(np.int32))
    return dst


def _snapshot(folder):
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def _check_table(out, model):
    S = len(model.spike_samples)
    sc = np.asarray(model.spike_clusters).ravel()
    sizes = dict(S=S, T=model.n_templates, C=int(sc.max()) + 1, N=model.n_channels,
                 W=model.n_samples_waveforms, K=min(12, model.n_channels),
                 P=len(np.load(out / "_phy_spikes_subset.spikes.npy")))
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED)
    for name, (dtype, shape) in EXPECTED.items():
        if dtype is None:
            continue
        arr = np.load(out / name, allow_pickle=False)
        assert arr.dtype == np.dtype(dtype), name
        assert arr.shape == tuple(sizes.get(s, s) for s in shape), name
    uuids = (out / "clusters.uuids.csv").read_text().splitlines()
    assert uuids[0] == "uuids" and len(uuids) == sizes["C"] + 1


@pytest.mark.parametrize("merge", [False, True])
def test_expected_files_dtypes_and_values(tmp_path, merge):
    src = _dense_folder(tmp_path / "src", merge=merge)
    before = _snapshot(src)
    out = tmp_path / "alf"
    with load_model(src / "params.py") as model:
        EphysAlfCreator(model).convert(out)
        _check_table(out, model)
        # Values, computed independently here.
        np.testing.assert_array_equal(np.load(out / "spikes.samples.npy"),
                                      np.asarray(model.spike_samples).ravel())
        np.testing.assert_allclose(np.load(out / "spikes.times.npy"),
                                   np.asarray(model.spike_samples).ravel() / model.sample_rate)
        np.testing.assert_array_equal(np.load(out / "spikes.clusters.npy"),
                                      np.asarray(model.spike_clusters).ravel())
        tw = np.load(out / "templates.waveforms.npy")
        tc = np.load(out / "templates.waveformsChannels.npy")
        dense = np.load(src / "templates.npy") @ model.wmi
        # The first kept channel of each template is its peak channel (largest ptp).
        peak = np.argmax(np.ptp(dense, axis=1), axis=1)
        assert (tc[:, 0] == peak).all()
        # Each kept waveform is the unwhitened template scaled to its mean spike amplitude.
        ratio = np.ptp(tw[:, :, 0], axis=1) / np.ptp(dense[np.arange(len(peak)), :, peak], axis=1)
        amps = np.load(out / "templates.amps.npy")
        ptp = np.ptp(dense, axis=1).max(axis=1)
        ok = np.isfinite(amps)
        np.testing.assert_allclose(ratio[ok], np.abs(amps / ptp)[ok], rtol=1e-4)
        pool = np.load(out / "_phy_spikes_subset.waveforms.npy")
        spikes = np.load(out / "_phy_spikes_subset.spikes.npy")
        chans = np.load(out / "_phy_spikes_subset.channels.npy")
        raw = model.traces[int(model.spike_samples[spikes[0]]) - 30:
                           int(model.spike_samples[spikes[0]]) + 60]
        assert np.abs(pool).max() > 0 and pool.shape[0] == len(spikes) == len(chans)
        assert raw.shape[0] == 90
    assert _snapshot(src) == before  # the dataset is only read


def test_sparse_templates_are_converted(tmp_path):
    """SpikeInterface's sparse templates (phylib raises NotImplementedError): same ALF files
    as the dense copy of the same folder."""
    src = tmp_path / "sparse"
    shutil.copytree(DATA, src, ignore=shutil.ignore_patterns("groundtruth", "pc_feature*",
                                                             "_phy_spikes_subset*"))
    dense = _dense_folder(tmp_path / "dense")
    alf_convert([src], tmp_path / "a")
    alf_convert([dense], tmp_path / "b")
    for name in ("templates.waveforms.npy", "templates.waveformsChannels.npy",
                 "clusters.channels.npy", "spikes.amps.npy", "templates.amps.npy"):
        np.testing.assert_allclose(np.load(tmp_path / "a" / name),
                                   np.load(tmp_path / "b" / name), rtol=1e-5, err_msg=name)


def test_cli_and_errors(tmp_path):
    src = _dense_folder(tmp_path / "src")
    res = CliRunner().invoke(phycli, ["alf-convert", str(src), str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "ALF files" in res.output and (tmp_path / "out" / "spikes.times.npy").exists()
    res = CliRunner().invoke(phycli, ["alf-convert", str(src), str(src)])
    assert res.exit_code != 0 and "dataset folder" in res.output
    with pytest.raises(DataError, match="one folder at a time"):
        alf_convert([src, src], tmp_path / "x")
    # A label goes before the extension of the ALF objects.
    alf_convert([src], tmp_path / "lab", label="ks2")
    names = {p.name for p in (tmp_path / "lab").iterdir()}
    assert "spikes.times.ks2.npy" in names and "spikes.clusters.ks2.npy" in names
    assert np.load(tmp_path / "lab" / "spikes.clusters.ks2.npy").dtype == np.uint16


PHYLIB_CONVERT = r"""
import sys
from phylib.io.alf import EphysAlfCreator
from phylib.io.model import load_model
model = load_model(sys.argv[1])
EphysAlfCreator(model).convert(sys.argv[2])
"""


@pytest.mark.skipif(not PHY_PYTHON.exists(),
                    reason=f"phy's venv not found at {PEER_PHY} (PHYCLONE_PEER_PHY)")
@pytest.mark.parametrize("merge", [False, True])
def test_against_phylib(tmp_path, merge):
    theirs_src = _dense_folder(tmp_path / "theirs_src", merge=merge)
    ours_src = _dense_folder(tmp_path / "ours_src", merge=merge)
    res = subprocess.run([str(PHY_PYTHON), "-c", PHYLIB_CONVERT, str(theirs_src / "params.py"),
                          str(tmp_path / "theirs")], capture_output=True, text=True,
                         timeout=600, cwd=tmp_path)
    assert res.returncode == 0, res.stderr[-3000:]
    alf_convert([ours_src], tmp_path / "ours")
    theirs = {p.name for p in (tmp_path / "theirs").iterdir()} - PHYLIB_SIDE_EFFECTS
    ours = {p.name for p in (tmp_path / "ours").iterdir()}
    assert ours == theirs == set(EXPECTED)
    for name in sorted(ours):
        if not name.endswith(".npy") or name == "_phy_spikes_subset.waveforms.npy":
            continue
        a = np.load(tmp_path / "ours" / name)
        b = np.load(tmp_path / "theirs" / name)
        assert a.dtype == b.dtype, name
        if name in RANDOM:
            assert a.shape[1:] == b.shape[1:], name
            continue
        assert a.shape == b.shape, name
        np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=1e-5,
                                   atol=1e-6, equal_nan=True, err_msg=name)
