"""Small template-gui folders written by the tests, with every array kept for brute-force checks."""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from phyclone.utils import Bunch

SI_EXPORT = Path(__file__).parent.parent / "data" / "si_export_16ch"


def _save(path, name, arr):
    np.save(path / name, arr)


def write_dataset(path, n_spikes=300, n_templates=6, n_channels=10, n_extra_dat=3, nsw=24,
                  n_channels_loc=None, n_pcs=3, n_loc_features=4, n_loc_tf=3, n_samples=4000,
                  names="phy", features_subset=False, tf_subset=False, whitening="both",
                  spike_clusters="curated", raw=True, seed=0):
    """Write a template-gui folder into ``path`` and return what was written.

    ``names``: "phy" (phy/SpikeInterface names, int64 (n,) arrays), "ks" (KiloSort: uint64 /
    uint32 (n, 1) arrays, ``templates_ind.npy`` next to dense templates), "alf" (ALF names, spike
    times in seconds). ``n_channels_loc``: sparse templates with that many columns (-1 padded).
    ``whitening``: "both", "wm" (inverse computed by the model) or "none".
    """
    rng = np.random.default_rng(seed)
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    nt, nc = n_templates, n_channels
    n_dat = nc + n_extra_dat
    b = Bunch(path=path, nsw=nsw, n_channels_dat=n_dat, sample_rate=20000.)

    b.spike_samples = np.sort(rng.integers(0, n_samples, n_spikes)).astype(np.int64)
    b.spike_samples[0], b.spike_samples[-1] = 3, n_samples - 2  # spikes at both edges
    b.spike_templates = rng.integers(0, nt, n_spikes).astype(np.int64)
    b.spike_templates[:nt] = np.arange(nt)
    if spike_clusters == "curated":  # merges and renumbering, as after a curation session
        b.spike_clusters = (b.spike_templates // 2 + 100).astype(np.int32)
    else:
        b.spike_clusters = b.spike_templates.astype(np.int32)
    b.amplitudes = rng.uniform(5, 50, n_spikes).astype(np.float32)
    b.channel_map = np.sort(rng.choice(n_dat, nc, replace=False)).astype(np.int32)
    b.channel_positions = np.c_[20. * (np.arange(nc) % 2), 20. * (np.arange(nc) // 2)]
    b.channel_shanks = (np.arange(nc) >= nc - 2).astype(np.int64)  # 2 channels on shank 1

    peak = rng.integers(0, nc, nt)
    if n_channels_loc:
        cols = np.full((nt, n_channels_loc), -1, dtype=np.int64)
        for t in range(nt):
            k = n_channels_loc - (t % 3)  # some rows padded with -1
            cols[t, :k] = np.sort(rng.choice(nc, k, replace=False))
        data = rng.normal(0, 1, (nt, nsw, n_channels_loc)).astype(np.float32)
        data[cols[:, None, :].repeat(nsw, 1) < 0] = 0
        b.template_ind = cols
    else:
        dist = np.abs(np.arange(nc)[None, :] - peak[:, None])
        shape = np.sin(np.linspace(0, 2 * np.pi, nsw))[None, :, None]
        data = (shape * np.exp(-dist / 2.)[:, None, :] * rng.uniform(1, 3, (nt, 1, 1))
                + rng.normal(0, .01, (nt, nsw, nc))).astype(np.float32)
        b.template_ind = None
    b.templates = data

    if whitening != "none":
        a = np.eye(nc) + 0.05 * rng.normal(size=(nc, nc))
        b.wm = a @ a.T
        b.wmi = np.linalg.inv(b.wm)
    else:
        b.wm = b.wmi = np.eye(nc)
    b.similar_templates = rng.uniform(0, 1, (nt, nt)).astype(np.float32)

    rows = np.sort(rng.choice(n_spikes, n_spikes // 2, replace=False)) if features_subset \
        else np.arange(n_spikes)
    b.pc_feature_ind = np.stack([np.r_[np.sort(rng.choice(nc, n_loc_features - (t % 2), False)),
                                       [-1] * (t % 2)] for t in range(nt)]).astype(np.int64)
    b.pc_features = rng.normal(0, 1, (len(rows), n_pcs, n_loc_features)).astype(np.float32)
    b.pc_features[:, :, -1][b.pc_feature_ind[b.spike_templates[rows], -1] < 0] = 0
    b.pc_feature_spike_ids = rows if features_subset else None
    rows_tf = np.sort(rng.choice(n_spikes, n_spikes // 3, replace=False)) if tf_subset \
        else np.arange(n_spikes)
    b.template_feature_ind = np.stack([np.sort(rng.choice(nt, n_loc_tf, False))
                                       for _ in range(nt)]).astype(np.int64)
    b.template_features = rng.normal(0, 1, (len(rows_tf), n_loc_tf)).astype(np.float32)
    b.template_feature_spike_ids = rows_tf if tf_subset else None

    b.raw = rng.integers(-200, 200, (n_samples, n_dat)).astype(np.int16)
    b.spike_depth = rng.uniform(0, 100, n_spikes).astype(np.float32)

    # Write the files ----------------------------------------------------------------------
    col = (lambda a: a.reshape(-1, 1)) if names == "ks" else (lambda a: a)
    if names == "alf":
        _save(path, "spikes.times.npy", b.spike_samples / b.sample_rate)
        _save(path, "spikes.templates.npy", b.spike_templates)
        _save(path, "spikes.clusters.npy", b.spike_clusters)
        _save(path, "spikes.amps.npy", b.amplitudes)
        _save(path, "channels.rawInd.npy", b.channel_map)
        _save(path, "channels.localCoordinates.npy", b.channel_positions)
        _save(path, "templates.waveforms.npy", data)
        if b.template_ind is not None:
            _save(path, "templates.waveformsChannels.npy", b.template_ind)
    else:
        st = b.spike_samples.astype(np.uint64) if names == "ks" else b.spike_samples
        _save(path, "spike_times.npy", col(st))
        tt = b.spike_templates.astype(np.uint32) if names == "ks" else b.spike_templates
        _save(path, "spike_templates.npy", col(tt))
        if spike_clusters:
            _save(path, "spike_clusters.npy", col(b.spike_clusters))
        _save(path, "amplitudes.npy", col(b.amplitudes))
        _save(path, "channel_map.npy", b.channel_map)
        _save(path, "channel_positions.npy", b.channel_positions)
        _save(path, "templates.npy", data)
        if b.template_ind is not None:
            _save(path, "template_ind.npy", b.template_ind)
        elif names == "ks":  # KiloSort's templates_ind.npy: templates.npy is dense anyway
            _save(path, "templates_ind.npy", np.tile(np.arange(nc), (nt, 1)).astype(np.float64))
    _save(path, "channel_shanks.npy", b.channel_shanks)
    if whitening in ("both", "wm"):
        _save(path, "whitening_mat.npy", b.wm)
    if whitening == "both":
        _save(path, "whitening_mat_inv.npy", b.wmi)
    _save(path, "similar_templates.npy", b.similar_templates)
    _save(path, "pc_features.npy", b.pc_features)
    _save(path, "pc_feature_ind.npy", b.pc_feature_ind)
    if features_subset:
        _save(path, "pc_feature_spike_ids.npy", rows)
    _save(path, "template_features.npy", b.template_features)
    _save(path, "template_feature_ind.npy", b.template_feature_ind)
    if tf_subset:
        _save(path, "template_feature_spike_ids.npy", rows_tf)
    _save(path, "spike_depth.npy", b.spike_depth)
    (path / "cluster_group.tsv").write_text("cluster_id\tgroup\n100\tgood\n101\tnoise\n")
    (path / "cluster_quality.csv").write_text("cluster_id,quality,comment\n100,0.5,\n102,1,ok\n")
    (path / "cluster_info.tsv").write_text("cluster_id\tshould_not_load\n100\t1\n")
    if raw:
        b.raw.tofile(path / "recording.dat")
    (path / "params.py").write_text(
        f"dat_path = {'recording.dat' if raw else ''!r}\nn_channels_dat = {n_dat}\n"
        f"dtype = 'int16'\noffset = 0\nsample_rate = {b.sample_rate}\nhp_filtered = False\n")
    b.params_path = path / "params.py"
    return b


@pytest.fixture
def tmp_dataset(tmp_path):
    """``tmp_dataset(name='ds', **options)`` writes a folder under tmp_path (see write_dataset)."""
    def _make(name="ds", **kwargs):
        return write_dataset(tmp_path / name, **kwargs)
    return _make


@pytest.fixture
def si_copy(tmp_path):
    """A writable copy of the trimmed SpikeInterface export (tests never write in tests/data)."""
    dst = tmp_path / "si_export_16ch"
    shutil.copytree(SI_EXPORT, dst, ignore=shutil.ignore_patterns("groundtruth", "README.md"))
    for p in dst.iterdir():
        os.chmod(p, 0o644)
    return dst


def _snapshot(path):
    out = {}
    for root, dirs, files in os.walk(path):
        for n in dirs + files:
            p = Path(root) / n
            st = p.stat()
            out[str(p.relative_to(path))] = (st.st_size, st.st_mtime_ns, st.st_mode)
    return out


@pytest.fixture
def snapshot():
    """``snapshot(path)``: names, sizes, mtimes and modes of everything under ``path``."""
    return _snapshot
