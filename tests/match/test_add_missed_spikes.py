"""Adding the missed spikes (mode B) to a cluster during curation: one undoable, journaled
clustering action that grows the model in memory; saved through io.add_spikes, reopened
identically; replayed from the crash journal; refused by Kwik datasets (headless)."""

import numpy as np
import pytest

from phyclone.controller import KwikControllerCore, TemplateControllerCore
from phyclone.io.template.model import load_model
from phyclone.match.matcher import Matcher
from phyclone.session import Session
from phyclone.utils.errors import DataError

UNIT = 1  # the unit whose spikes the sorter missed (conftest.missed_rec)


def _open(rec, config_dir, **kwargs):
    return TemplateControllerCore(model=load_model(rec.params), dir_path=rec.path,
                                  config_dir=config_dir, **kwargs)


def _find_missed(c):
    m = Matcher(c.model)
    res = m.match([UNIT], c.session.clustering.spike_clusters)
    return m, res, m.missed(res, UNIT)


def test_add_undo_redo_save_reopen(missed_rec, config_dir):
    rec = missed_rec
    c = _open(rec, config_dir, replay_journal=False)
    try:
        mt, res, missed = _find_missed(c)
        t = missed.spike_samples
        # the sliding template finds the spikes the sorter missed (within 2 samples)
        near = np.abs(t[:, None] - rec.absent[None, :]).min(axis=0) <= 2
        assert near.mean() >= 0.9 and len(t) <= 1.1 * len(rec.absent)
        own = c.session.clustering.spikes_per_cluster[UNIT].copy()
        up = c.add_missed_spikes(UNIT, mt, res, missed)
        new = up.added[0]
        k = len(t)
        new_ids = np.arange(rec.n0, rec.n0 + k)  # appended after every spike
        assert up.deleted == [UNIT] and c.session.selected == [new]
        assert np.array_equal(c.session.clustering.spikes_per_cluster[new], np.r_[own, new_ids])
        # the model grew with them: what the views read
        m = c.model
        assert m.n_spikes == rec.n0 + k and np.array_equal(m.spike_samples[new_ids], t)
        assert np.all(m.spike_templates[new_ids] == UNIT)
        assert np.all(m.spike_attributes["max_channels"][new_ids] == rec.centers[UNIT])
        amps = np.asarray(m.amplitudes[new_ids])  # the cluster's median times the scale
        assert np.all((amps > 0.5 * np.median(m.amplitudes[own]))
                      & (amps < 2 * np.median(m.amplitudes[own])))
        assert np.isin(new_ids, c.get_spike_ids(new)).all()
        w = m.get_waveforms(new_ids[:5], [rec.centers[UNIT]])
        assert np.all(w.min(axis=(1, 2)) < -50)  # the unit's spikes, read from the raw data
        assert c.get_mean_firing_rate(new) > c.get_mean_firing_rate(UNIT)
        assert np.isnan(m.get_features(new_ids[:3], [0, 1])).all()  # the sorter saw none
        assert not np.isnan(m.get_features(own[:3], [0, 1])).any()
        isi = c._get_isi(new).data  # in time order, added spikes among the others
        assert len(isi) == len(own) + k - 1 and np.all(isi >= 0)
        # journaled with its values (a replay never runs the detection again)
        entry = c.session.journal.read()[1][-1]
        assert entry["action"] == "add_spikes"
        assert np.array_equal(entry["args"]["spike_samples"], t)
        assert np.array_equal(entry["args"]["values"]["amplitudes"].astype(amps.dtype), amps)
        # undo removes them, redo adds them back
        c.session.undo()
        assert m.n_spikes == rec.n0 and c.session.clustering.n_spikes == rec.n0
        assert np.array_equal(c.session.clustering.spikes_per_cluster[UNIT], own)
        c.session.redo()
        assert m.n_spikes == rec.n0 + k and c.session.selected == [new]
        assert np.array_equal(m.spike_samples[new_ids], t)
        sc_mem = c.session.clustering.spike_clusters.copy()
        times_mem = np.asarray(m.spike_samples).copy()
        amps_mem = np.asarray(m.amplitudes).copy()
        c.save()
        # saved in time order, the session restarted from the saved folder
        assert c.session.clustering.n_spikes == rec.n0 + k and not c.session.can_undo
        assert np.all(np.diff(c.model.spike_samples) >= 0)
        assert not c.session.is_dirty
        assert any((rec.path / ".phy" / "backup").glob("add_spikes.*/spike_times.npy"))
    finally:
        c.close()
    # reopening gives the same spikes in the same clusters, with the same values
    order = np.argsort(times_mem, kind="stable")
    c = _open(rec, config_dir, replay_journal=False)
    try:
        m = c.model
        assert m.n_spikes == rec.n0 + k
        assert np.array_equal(m.spike_samples, times_mem[order])
        assert np.array_equal(c.session.clustering.spike_clusters, sc_mem[order])
        assert np.allclose(m.amplitudes, amps_mem[order])
        assert np.all(m.spike_attributes["max_channels"][np.isin(m.spike_samples, t)]
                      == rec.centers[UNIT])
        assert c.session.pending_actions() == []
        old = ~np.isin(m.spike_samples, t)  # the sorter's spikes keep their features
        f = m.get_features(np.flatnonzero(old), [0, 1, 2, 3])  # (n, channels, pcs)
        assert np.array_equal(f.transpose(0, 2, 1).reshape(-1),
                              np.arange(rec.n0 * 12, dtype=np.float32))
        assert np.isnan(m.get_features(np.flatnonzero(~old), [0])).all()
    finally:
        c.close()


def test_journal_replay_adds_the_same_spikes(missed_rec, config_dir):
    rec = missed_rec
    c = _open(rec, config_dir, replay_journal=False)
    try:
        mt, res, missed = _find_missed(c)
        up = c.add_missed_spikes(UNIT, mt, res, missed)
        c.session.merge([up.added[0], 0])
        sc = c.session.clustering.spike_clusters.copy()
        times = np.asarray(c.model.spike_samples).copy()
        amps = np.asarray(c.model.amplitudes).copy()
    finally:
        c.close()  # a crash: nothing saved
    assert len(np.load(rec.path / "spike_times.npy")) == rec.n0
    c = _open(rec, config_dir, replay_journal=True)
    try:
        assert c.session.replayed == 2
        assert np.array_equal(c.session.clustering.spike_clusters, sc)
        assert np.array_equal(c.model.spike_samples, times)
        assert np.array_equal(c.model.amplitudes, amps)
        # saved, then one more action: the journal now starts from the saved folder
        c.save()
        c.session.merge(c.session.cluster_ids[:2])
        sc = c.session.clustering.spike_clusters.copy()
    finally:
        c.close()
    c = _open(rec, config_dir, replay_journal=True)
    try:
        assert c.session.replayed == 1
        assert np.array_equal(c.session.clustering.spike_clusters, sc)
    finally:
        c.close()


def test_session_add_spikes_undo_redo_replay(tmp_path):
    sc = np.array([0, 0, 1, 1, 2])
    j = tmp_path / "journal.jsonl"
    s = Session(sc, journal_path=j)
    s.start_journal()
    vals = dict(amplitudes=np.array([0.1, 1 / 3]), spike_pos=np.array([[1, 2], [3, 4]]))
    up = s.add_spikes(1, [40, 10], values=vals)
    assert up.added == [3] and up.deleted == [1] and up.descendants == [(1, 3)]
    assert sorted(up.spike_ids) == [2, 3, 5, 6]
    assert list(s.clustering.spike_clusters) == [0, 0, 3, 3, 2, 3, 3]
    assert np.array_equal(s.added_spikes.spike_pos, [[1, 2], [3, 4]])
    s.undo()
    assert s.clustering.n_spikes == 5 and len(s.added_spikes) == 0
    s.redo()
    assert s.added_spikes.amplitudes[1] == 1 / 3
    s.undo()
    s.add_spikes(0, [7], values=dict(amplitudes=[2.], spike_pos=[[5, 6]]))  # redo dropped
    assert np.array_equal(s.added_spikes.spike_samples, [7])
    with pytest.raises(ValueError):
        s.add_spikes(0, [8], values=dict(amplitudes=[1.]))  # not the same values as before
    after = s.clustering.spike_clusters.copy()
    s.close()
    s2 = Session(sc, journal_path=j)
    assert s2.start_journal(replay=True) == 5
    assert np.array_equal(s2.clustering.spike_clusters, after)
    assert np.array_equal(s2.added_spikes.spike_pos, [[5, 6]])
    assert s2.added_spikes.amplitudes.tolist() == [2.]


def test_kwik_refuses_and_exports(tmp_path, config_dir):
    from phyclone.io.kwik.creator import synthetic_kwik
    kwik = tmp_path / "syn.kwik"
    synthetic_kwik(kwik, n_spikes=300, n_clusters=3, n_channels=6, recording_duration=1.,
                   seed=1)
    c = KwikControllerCore(kwik_path=kwik, config_dir=config_dir, replay_journal=False)
    try:
        why = c.add_spikes_refusal()
        assert "Kwik dataset cannot take new spikes" in why and "template-gui" in why
        cid = int(c.session.cluster_ids[0])
        n = c.session.clustering.n_spikes
        with pytest.raises(DataError, match="cannot take new spikes"):
            c.add_spikes(cid, [100, 200])
        assert c.session.clustering.n_spikes == n and not c.session.can_undo
        c.session.merge(c.session.cluster_ids[:2])
        sc = c.session.clustering.spike_clusters.copy()
        params = c.export_template_folder(tmp_path / "out")
    finally:
        c.close()
    c = TemplateControllerCore(model=load_model(params), dir_path=params.parent,
                               config_dir=config_dir, replay_journal=False)
    try:
        assert c.add_spikes_refusal() == ""
        assert np.array_equal(c.session.clustering.spike_clusters, sc)  # current clusters
        cid = int(c.session.cluster_ids[0])
        c.add_spikes(cid, [100, 200])
        assert c.model.n_spikes == n + 2
    finally:
        c.close()


def test_peers_read_the_saved_folder(missed_rec, config_dir):
    """phylib and SpikeInterface (peer venvs, skipped when absent) read the folder saved
    after adding spikes in a session."""
    import json
    import subprocess

    from _shared_data import peer_venv
    rec = missed_rec
    c = _open(rec, config_dir, replay_journal=False)
    try:
        mt, res, missed = _find_missed(c)
        c.add_missed_spikes(UNIT, mt, res, missed)
        c.save()
        sc = np.asarray(c.session.clustering.spike_clusters).copy()
    finally:
        c.close()
    counts = {str(u): int((sc == u).sum()) for u in np.unique(sc)}
    code = {"phy": """
import sys, json
from phylib.io.model import load_model
m = load_model(sys.argv[1] + '/params.py')
c = m.spike_clusters
print(json.dumps({str(u): int((c == u).sum()) for u in sorted(set(c.tolist()))}))
""", "si": """
import sys, json
from spikeinterface.extractors import read_phy
s = read_phy(sys.argv[1])
print(json.dumps({str(u): int(len(s.get_unit_spike_train(u))) for u in s.unit_ids}))
"""}
    ran = 0
    for name, env in (("phy", "PHYCLONE_PEER_PHY"), ("si", "PHYCLONE_PEER_SI")):
        python = peer_venv(name, env) / "bin" / "python"
        if not python.exists():
            continue
        r = subprocess.run([str(python), "-c", code[name], str(rec.path)],
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        assert json.loads(r.stdout.strip().splitlines()[-1]) == counts, name
        ran += 1
    if not ran:
        pytest.skip("peer venvs absent (PHYCLONE_PEER_PHY, PHYCLONE_PEER_SI)")
