"""Adding spikes to a folder: every per-spike array extended together, atomic with backups,
reopened identically, and read by phylib / SpikeInterface (peer venvs, skipped when absent)."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from phyclone.io import add_spikes as add_mod
from phyclone.io.add_spikes import add_spikes
from phyclone.io.template.model import load_model
from phyclone.utils.errors import DataError

from _match_recording import write_recording
from _shared_data import peer_venv

PEER_PHY = peer_venv("phy", "PHYCLONE_PEER_PHY") / "bin" / "python"
PEER_SI = peer_venv("si", "PHYCLONE_PEER_SI") / "bin" / "python"


@pytest.fixture
def folder(tmp_path):
    rec = write_recording(tmp_path / "rec", n_units=3, duration=2.)
    n = len(rec.times)
    np.save(rec.path / "spike_max_channels.npy", rec.centers[rec.units].astype(np.int64))
    np.save(rec.path / "pc_features.npy", np.arange(n * 3 * 4, dtype=np.float32).reshape(n, 3, 4))
    np.save(rec.path / "pc_feature_ind.npy", np.tile(np.arange(4), (3, 1)).astype(np.int32))
    return rec


def test_add_spikes_extends_everything(folder):
    d = folder.path
    old_t = np.load(d / "spike_times.npy")
    old_c = np.load(d / "spike_clusters.npy")
    new_t = np.array([5, int(old_t[10]) + 1, int(old_t[-1]) + 100])
    new_c = np.array([1, 2, 1])
    old_to_new, new_ids = add_spikes(d, new_t, new_c)
    t = np.load(d / "spike_times.npy")
    c = np.load(d / "spike_clusters.npy")
    assert len(t) == len(old_t) + 3 and np.all(np.diff(t) >= 0)
    assert np.array_equal(t[old_to_new], old_t) and np.array_equal(t[new_ids], new_t)
    assert np.array_equal(c[old_to_new], old_c) and np.array_equal(c[new_ids], new_c)
    # per-spike arrays follow; new values = the cluster's most common value
    mc = np.load(d / "spike_max_channels.npy")
    assert np.array_equal(mc[new_ids], folder.centers[new_c])
    assert len(np.load(d / "amplitudes.npy")) == len(t)
    assert np.array_equal(np.load(d / "spike_templates.npy")[new_ids], new_c)
    # features are not invented: their spike ids now point to the previous spikes' new ids
    ids = np.load(d / "pc_feature_spike_ids.npy")
    assert np.array_equal(ids, old_to_new)
    # previous arrays backed up
    backups = list((d / ".phy" / "backup").glob("add_spikes.*"))
    assert len(backups) == 1
    assert np.array_equal(np.load(backups[0] / "spike_times.npy"), old_t)
    assert not (d / ".phy" / add_mod.PENDING).exists()
    # reopening gives the same result
    with load_model(d / "params.py") as m:
        assert m.n_spikes == len(t)
        assert np.array_equal(m.spike_clusters, c)
        assert np.array_equal(m.spike_attributes["max_channels"], mc)
        assert np.array_equal(m.features_spike_ids, old_to_new)


def test_interrupted_add_completes_on_open(folder, monkeypatch):
    d = folder.path
    n = len(folder.times)
    real = add_mod.finish_pending
    calls = []

    def crash(dir_path):
        calls.append(1)
        if len(calls) == 2:  # the commit's own call: simulate a crash before the moves
            raise KeyboardInterrupt
        return real(dir_path)
    monkeypatch.setattr(add_mod, "finish_pending", crash)
    with pytest.raises(KeyboardInterrupt):
        add_spikes(d, [100], [0])
    assert (d / ".phy" / add_mod.PENDING).exists()
    assert len(np.load(d / "spike_times.npy")) == n  # nothing moved yet
    monkeypatch.setattr(add_mod, "finish_pending", real)
    with load_model(d / "params.py") as m:  # opening completes it
        assert m.n_spikes == n + 1
        assert len(m.amplitudes) == n + 1
    assert not (d / ".phy" / add_mod.PENDING).exists()


def test_alf_folder_refused(tmp_path):
    d = tmp_path / "alf"
    d.mkdir()
    np.save(d / "spikes.times.npy", np.arange(5) / 30000.)
    with pytest.raises(DataError, match="cannot take new spikes"):
        add_spikes(d, [3], [0])


def _peer(python, code, folder):
    if not python.exists():
        pytest.skip(f"peer venv absent: {python}")
    r = subprocess.run([str(python), "-c", code, str(folder)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_phylib_reads_added(folder):
    d = folder.path
    _, new_ids = add_spikes(d, [7, 9000], [0, 2])
    out = _peer(PEER_PHY, """
import sys, json
from phylib.io.model import load_model
m = load_model(sys.argv[1] + '/params.py')
print(json.dumps(dict(n=int(m.n_spikes), c=[int(x) for x in m.spike_clusters[[%d, %d]]])))
""" % tuple(new_ids), d)
    assert out == dict(n=len(np.load(d / "spike_times.npy")), c=[0, 2])


def test_spikeinterface_reads_added(folder):
    d = folder.path
    add_spikes(d, [7, 9000], [0, 2])
    out = _peer(PEER_SI, """
import sys, json
from spikeinterface.extractors import read_phy
s = read_phy(sys.argv[1])
print(json.dumps({str(u): int(len(s.get_unit_spike_train(u))) for u in s.unit_ids}))
""", d)
    c = np.load(d / "spike_clusters.npy")
    assert out == {str(u): int((c == u).sum()) for u in np.unique(c)}
