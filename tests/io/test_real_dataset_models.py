"""Every real dataset of ``../shared/data`` opens with the models, read in place (nothing is
written into it), with the warnings phy users need (phy's own test data included: float64
index arrays, (n, 1) uint32 spike arrays, a raw file with a partial last frame)."""

import hashlib
import logging
import os
import shutil

import numpy as np
import pytest

from phyclone.apps.template import load_model
from phyclone.io.kwik.model import KwikModel
from phyclone.io.template.model import TemplateModel
from phyclone.io.raw.traces import get_ephys_reader

from _shared_data import require_shared

NO_RAW_KWIK = ("no raw data found (.raw.kwd or .dat files): the trace view and the waveforms "
               "are not available")


def _tree(path):
    """``{relative path: (mode, sha1)}`` of everything under ``path`` (directories too)."""
    out = {}
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            p = os.path.join(root, name)
            digest = None
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    digest = hashlib.sha1(f.read()).hexdigest()
            out[os.path.relpath(p, path)] = (os.stat(p).st_mode, digest)
    return out


@pytest.fixture
def unchanged():
    """``unchanged(path)`` before opening; checked unchanged at the end of the test."""
    seen = []

    def _watch(path):
        seen.append((path, _tree(path)))
        return path
    yield _watch
    for path, before in seen:
        assert _tree(path) == before, f"{path} was modified"


def _messages(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_si_export_16ch(unchanged, caplog):
    d = unchanged(require_shared("si_export_16ch"))
    with caplog.at_level(logging.WARNING):
        m = load_model(d / "params.py")
    try:
        assert (m.n_spikes, m.n_templates, m.n_channels) == (520, 10, 16)
        assert m.warnings == [] and _messages(caplog) == []
        assert m.traces is not None and m.features.shape == (520, 16, 5)
        assert m.metadata["si_unit_id"] == {i: i for i in range(10)}
        assert m.metadata_sources["si_unit_id"] == [d / "cluster_si_unit_ids.tsv"]
        assert m.get_waveforms([0, 519], [0, 1]).shape == (2, m.n_samples_waveforms, 2)
    finally:
        m.close()


def test_phy_template_test_folder(unchanged, caplog):
    """phylib's own template-gui fixture: (n, 1) uint32 spike arrays and whole-valued
    float64 pc_feature_ind / template_feature_ind (accepted with one log warning each)."""
    d = unchanged(require_shared("phy_data", "template"))
    assert np.load(d / "spike_templates.npy").shape == (314, 1)
    assert np.load(d / "pc_feature_ind.npy").dtype == np.float64
    with caplog.at_level(logging.WARNING):
        m = load_model(d / "params.py")
    try:
        assert (m.n_spikes, m.n_templates, m.n_channels) == (314, 64, 32)
        assert m.spike_templates.dtype.kind in "iu" and m.spike_templates.shape == (314,)
        np.testing.assert_array_equal(m.sparse_features.cols,
                                      np.load(d / "pc_feature_ind.npy").astype(np.int64))
        np.testing.assert_array_equal(m.sparse_template_features.cols,
                                      np.load(d / "template_feature_ind.npy").astype(np.int64))
        np.testing.assert_array_equal(m.features_spike_ids,
                                      np.load(d / "pc_feature_spike_ids.npy").reshape(-1))
        msgs = _messages(caplog)
        for name in ("pc_feature_ind.npy", "template_feature_ind.npy"):
            assert sum(x.startswith(f"{name} stores column indices as float64") for x in msgs) == 1
        assert m.warnings == ["raw data file sim_binary.dat not found: the trace view and the "
                              "spike waveforms are not available"]
        assert m.traces is None and m.get_waveforms([0], [0]) is None
        f = m.get_features(np.arange(10), m.get_template_channels(m.spike_templates[0]))
        assert f.shape[0] == 10 and np.isfinite(f).any()
    finally:
        m.close()


def test_phy_template_with_the_real_raw_file(unchanged, caplog):
    """phy's 4-channel raw test file read as the template folder's 34-channel raw data: its
    size is not a whole number of frames (ignored, one warning) and most spikes lie after its
    end (one warning), as phylib opens it."""
    d = unchanged(require_shared("phy_data", "template"))
    raw = unchanged(require_shared("phy_data", "test")) / "test-4ch-1s.dat"
    with caplog.at_level(logging.WARNING):
        m = TemplateModel(dir_path=d, dat_path=raw, n_channels_dat=34, dtype="int16",
                          sample_rate=25000.)
    try:
        assert m.traces.n_samples == 160000 // 68
        partial = ("test-4ch-1s.dat: its last 64 bytes are not a whole frame of 34 channels x "
                   "2 bytes and are ignored (a truncated file, or wrong n_channels_dat / dtype / "
                   "offset)")
        n_in = int(np.searchsorted(m.spike_samples, 2352))
        after = (f"{314 - n_in}/314 spikes are after the end of the raw data (0.094 s); their "
                 "waveforms read as zeros")
        assert m.warnings == [partial, after]
        msgs = _messages(caplog)
        assert msgs.count(partial + ".") == 1 and msgs.count(after + ".") == 1
        w = m.get_waveforms(np.arange(n_in), [0, 1])
        assert w.shape[0] == n_in and np.abs(w).sum() > 0
    finally:
        m.close()


def test_phy_raw_test_file(unchanged):
    d = unchanged(require_shared("phy_data", "test"))
    t = get_ephys_reader(d / "test-4ch-1s.dat", n_channels_dat=4, dtype="int16",
                         sample_rate=20000.)
    assert t.n_samples == 20000 and t.warnings == []
    ref = np.fromfile(d / "test-4ch-1s.dat", dtype=np.int16).reshape(-1, 4)
    np.testing.assert_array_equal(t[100:200], ref[100:200])
    t.close()
    t = get_ephys_reader(d / "test-4ch-1s.dat", n_channels_dat=3, dtype="int16",
                         sample_rate=20000.)
    assert t.n_samples == 26666 and len(t.warnings) == 1
    np.testing.assert_array_equal(t[-1], ref.reshape(-1)[-(3 + 2):-2])
    t.close()


@pytest.mark.parametrize("group, n_spikes, clusters", [(0, 326, [0, 2, 3, 4]),
                                                       (1, 287, [0, 2, 3])])
def test_klusta_16ch(unchanged, caplog, group, n_spikes, clusters):
    d = unchanged(require_shared("klusta_16ch"))
    with caplog.at_level(logging.WARNING):
        m = KwikModel(d / "synth.kwik", channel_group=group)
    try:
        assert m.n_spikes == n_spikes and list(m.cluster_ids) == clusters
        assert m.warnings == [] and _messages(caplog) == []
        assert m.traces is not None and m.features is not None
        assert m.all_waveforms[:3].shape[0] == 3
    finally:
        m.close()


def test_phy_kwik_hybrid_10sec(unchanged, caplog):
    d = unchanged(require_shared("phy_data", "kwik"))
    with caplog.at_level(logging.WARNING):
        m = KwikModel(d / "hybrid_10sec.kwik")
    try:
        assert (m.n_spikes, len(m.cluster_ids), m.n_channels) == (1653, 17, 32)
        assert m.warnings == [NO_RAW_KWIK]
        assert _messages(caplog) == [f"hybrid_10sec.kwik: {NO_RAW_KWIK}"]
        assert m.features is not None and m.traces is None
    finally:
        m.close()


def test_phy_kwik_with_short_raw_data(tmp_path, caplog):
    """The Kwik dataset with phy's real raw test file as its (much shorter, truncated) raw
    data: the partial frame and the spikes after the end are warned about, in the template
    model's words."""
    src = require_shared("phy_data")
    for name in ("hybrid_10sec.kwik", "hybrid_10sec.kwx", "hybrid_10sec.prm"):
        shutil.copy(src / "kwik" / name, tmp_path / name)
        os.chmod(tmp_path / name, 0o644)
    raw = (src / "test" / "test-4ch-1s.dat").read_bytes()
    (tmp_path / "hybrid_10sec.dat").write_bytes(raw[:-6])  # 32 int16 channels: 2499 frames
    with caplog.at_level(logging.WARNING):
        m = KwikModel(tmp_path / "hybrid_10sec.kwik")
    try:
        assert m.traces is not None and m.traces.n_samples >= 2499
        n_after = int(np.count_nonzero(np.asarray(m.spike_samples) >= 2499))
        assert n_after > 0
        after = (f"channel group 0: {n_after}/1653 spikes are after the end of the raw data "
                 f"({2499 / m.sample_rate:.3f} s); their waveforms read as zeros")
        partial = [w for w in m.warnings if "not a whole frame" in w]
        assert after in m.warnings and len(partial) == 1
        assert partial[0].startswith("hybrid_10sec.dat: its last 58 bytes")
        assert _messages(caplog).count(f"hybrid_10sec.kwik: {after}") == 1
    finally:
        m.close()
