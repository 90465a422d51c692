"""The journaled, undoable ``assign_matched`` action and ``phy match``."""

import numpy as np
from click.testing import CliRunner

from phyclone.apps.cli import phycli
from phyclone.io.template.model import load_model
from phyclone.session import Session

from _match_recording import write_recording


def test_assign_matched_undo_journal(tmp_path):
    sc = np.array([0, 0, 1, 1, 2, 2, 2])
    j = tmp_path / "journal.jsonl"
    s = Session(sc, journal_path=j)
    s.start_journal()
    up = s.assign_matched(0, [2, 4])
    new = up.added[0]
    assert sorted(s.clustering.spikes_per_cluster[new]) == [0, 1, 2, 4]
    assert s.selected == [new]
    assert s.assign_matched(new, [0, 1]) is None  # nothing new: no action
    after = s.clustering.spike_clusters.copy()
    s.undo()
    assert np.array_equal(s.clustering.spike_clusters, sc)
    s.redo()
    assert np.array_equal(s.clustering.spike_clusters, after)
    s.close()
    # the journal replays to the same state after a crash
    s2 = Session(sc, journal_path=j)
    assert s2.start_journal(replay=True) == 3
    assert np.array_equal(s2.clustering.spike_clusters, after)


def test_phy_match_cli(tmp_path):
    rec = write_recording(tmp_path / "rec", n_units=4, duration=8.)
    # the sorter missed 20 % of unit 1's spikes (left in another cluster) and 10 % altogether
    rng = np.random.default_rng(3)
    sc = rec.units.copy()
    lost = np.nonzero((rec.units == 1) & (rng.random(len(sc)) < 0.2))[0]
    sc[lost] = 3
    absent = np.nonzero((rec.units == 2) & (rng.random(len(sc)) < 0.2))[0]
    keep = np.setdiff1d(np.arange(len(sc)), absent)
    np.save(rec.path / "spike_clusters.npy", sc[keep].astype(np.int32))
    for name in ("spike_times", "spike_templates", "amplitudes"):
        a = np.load(rec.path / f"{name}.npy")
        np.save(rec.path / f"{name}.npy", a[keep])
    r = CliRunner().invoke(phycli, ["match", str(rec.params), "--clusters", "1,2", "--slide"])
    assert r.exit_code == 0, r.output
    assert "recovered" in r.output
    with load_model(rec.params) as m:
        t, c = m.spike_samples, m.spike_clusters
        assert m.n_spikes > len(keep)
        # unit 1's lost spikes are back in one cluster with unit 1's spikes
        ones = np.isin(t, rec.times[rec.units == 1])
        ids, n = np.unique(c[ones], return_counts=True)
        assert n.max() >= 0.95 * ones.sum()
        # unit 2's absent spikes were recovered into unit 2's cluster
        back = np.isin(t, rec.times[absent]) | np.isin(t + 1, rec.times[absent]) \
            | np.isin(t - 1, rec.times[absent])
        assert back.sum() >= 0.9 * len(absent)
    r = CliRunner().invoke(phycli, ["match", str(rec.params), "--clusters", "99"])
    assert r.exit_code != 0 and "no cluster 99" in r.output


def test_phy_match_kwik_offers_new_folder(tmp_path):
    from phyclone.io.kwik.creator import synthetic_kwik
    from phyclone.io.kwik.model import KwikModel
    kwik = tmp_path / "syn.kwik"
    synthetic_kwik(kwik, n_spikes=600, n_clusters=3, n_channels=6, recording_duration=1.,
                   seed=2)
    r = CliRunner().invoke(phycli, ["match", str(kwik)])
    assert r.exit_code != 0 and "cannot take new spikes" in r.output and "--out" in r.output
    out = tmp_path / "new"
    r = CliRunner().invoke(phycli, ["match", str(kwik), "--out", str(out), "--clusters", "all"])
    assert r.exit_code == 0, r.output
    k = KwikModel(kwik)
    with load_model(out / "params.py") as m:
        assert np.array_equal(m.spike_samples, k.spike_samples)
        assert np.array_equal(np.asarray(m.traces[:100]), np.asarray(k.traces[:100]))
        assert m.n_spikes == k.n_spikes
    k.close()
