"""`phy detect` on datasets other programs wrote: klusta 3.0.16's files (a .prm, a two-shank
.prb with a dead channel, two .dat recordings: the settings read, never executed, and events
that agree with those SpikeDetekt2 found in the same recording), and a SpikeInterface
`export_to_phy` folder (its params.py; events against its ground truth)."""

import csv
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from phyclone.apps.cli import phycli
from phyclone.detect import detect
from phyclone.utils.errors import DataError

from _shared_data import require_shared

DATA = Path(__file__).parents[1] / "data"
TRIMMED = DATA / "klusta_16ch"  # 0.5 s of each recording
TOL = 8  # samples at 20 kHz: 0.4 ms


def _klusta_times(kwik, starts, length=None):
    """SpikeDetekt2's spike times on the recordings laid end to end (``starts``: the first
    sample of each; ``length``: the samples kept of each, when trimmed), read from the .kwik
    with h5py (not through phyclone)."""
    times = []
    with h5py.File(kwik, "r") as f:
        for g in f["channel_groups"]:
            t = f[f"channel_groups/{g}/spikes/time_samples"][:].astype(np.int64)
            rec = f[f"channel_groups/{g}/spikes/recording"][:]
            kept = t < length if length else np.ones(len(t), bool)
            times.append(t[kept] + np.asarray(starts)[rec[kept]])
    return np.sort(np.concatenate(times))


def _matched(a, b):
    """How many of the sorted times ``a`` have their own one of ``b`` within :data:`TOL`
    (closest first)."""
    used = np.zeros(len(b), bool)
    n = 0
    for t in a:
        k = np.searchsorted(b, t)
        near = [j for j in (k - 1, k, k + 1) if 0 <= j < len(b) and not used[j]
                and abs(b[j] - t) <= TOL]
        if near:
            used[min(near, key=lambda j: abs(b[j] - t))] = True
            n += 1
    return n


def _inside(times, ranges, edge=300):
    """The times at least ``edge`` samples inside one of ``ranges``."""
    return times[np.any([(times >= a + edge) & (times < b - edge) for a, b in ranges], axis=0)]


def test_the_prm_gives_the_raw_files_channels_rate_dtype_and_probe(tmp_path):
    ev = detect(TRIMMED / "synth.prm", out_dir=tmp_path / "out")
    assert ev.sample_rate == 20000.
    assert ev.channel_map.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 13, 9, 14, 8, 12, 10, 11]
    assert ev.positions[ev.channel_map.tolist().index(9)].tolist() == [208., 20.]
    from phyclone.io.template.params import get_template_params
    p = get_template_params(tmp_path / "out" / "params.py")
    assert [q.name for q in p["dat_path"]] == ["synth_rec0.dat", "synth_rec1.dat"]
    assert (p["n_channels_dat"], p["dtype"], p["sample_rate"]) == (16, "int16", 20000.)


def test_events_agree_with_spikedetekt_on_the_trimmed_recordings(tmp_path):
    ev = detect(TRIMMED / "synth.prm", out_dir=tmp_path / "out")
    n = 10_000  # samples kept of each recording
    ranges = [(0, n), (n, 2 * n)]
    theirs = _inside(_klusta_times(TRIMMED / "synth.kwik", [0, n], n), ranges)
    ours = _inside(ev.times, ranges)
    assert len(theirs) >= 30  # (36 when written)
    assert _matched(theirs, ours) >= .9 * len(theirs)
    assert _matched(ours, theirs) >= .9 * len(ours)


def test_events_agree_with_spikedetekt_on_the_whole_recordings(tmp_path):
    folder = require_shared("klusta_16ch")
    ev = detect(folder / "synth.prm", out_dir=tmp_path / "out")
    theirs = _klusta_times(folder / "synth.kwik", [0, 160_000])  # (the .kwik's start samples)
    assert len(theirs) == 613
    assert _matched(theirs, ev.times) >= .97 * len(theirs)  # 598 of 613 when written
    assert _matched(ev.times, theirs) >= .97 * len(ev.times)  # 598 of 604


def test_phy_detect_takes_a_prm_on_the_command_line(tmp_path, monkeypatch):
    res = CliRunner().invoke(phycli, ["detect", str(TRIMMED / "synth.prm"), "--out",
                                      str(tmp_path / "out"), "-q"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "params.py").exists()
    assert "Compiling" not in res.output
    # kernels not compiled yet (a first run): said before the wait
    monkeypatch.setattr("phyclone.utils.kernel_cache.is_cached", lambda *a: False)
    res = CliRunner().invoke(phycli, ["detect", str(TRIMMED / "synth.prm"), "--out",
                                      str(tmp_path / "o2")])
    assert res.exit_code == 0 and res.output.startswith("Compiling the detection kernels")


def _prm(tmp_path, text, files=("synth_rec0.dat", "synth.prb")):
    for f in files:
        shutil.copy(TRIMMED / f, tmp_path / f)
    (tmp_path / "x.prm").write_text(text)
    return tmp_path / "x.prm"


TRACES = "traces = dict(raw_data_files=['synth_rec0.dat'], n_channels=16, sample_rate=20000)\n"


@pytest.mark.parametrize("text, problem", [
    ("prb_file = 'synth.prb'\n", "has no `traces"),
    ("prb_file = 'synth.prb'\ntraces = dict(raw_data_files=[], n_channels=16)\n",
     "names no raw data file"),
    ("prb_file = 'synth.prb'\ntraces = dict(raw_data_files=[3], n_channels=16)\n",
     "must list path strings"),
    ("prb_file = '1x32_buzsaki'\n" + TRACES, "klusta's built-in probes"),
    ("prb_file = 'synth.prb'\n"
     "traces = dict(raw_data_files=['gone.dat'], n_channels=16, sample_rate=20000)\n",
     "raw data file not found"),
    ("prb_file = 'synth.prb'\n"
     "traces = dict(raw_data_files=['synth_rec0.dat'], n_channels=15, sample_rate=20000)\n",
     "not a multiple of 15 channels"),
])
def test_a_bad_prm_is_one_clear_error_and_nothing_is_written(tmp_path, text, problem):
    prm = _prm(tmp_path, text)
    with pytest.raises(DataError, match=problem) as e:
        detect(prm, out_dir=tmp_path / "out")
    assert e.value.fix
    assert not (tmp_path / "out").exists()


def test_a_prm_is_never_executed(tmp_path):
    prm = _prm(tmp_path, "import os\nos.system('touch pwned')\n" + TRACES)
    with pytest.raises(DataError, match="line 2: os.system is not allowed"):
        detect(prm, out_dir=tmp_path / "out")
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_a_prm_without_a_probe_asks_for_one_and_probe_overrides_its_prb(tmp_path):
    prm = _prm(tmp_path, TRACES)
    with pytest.raises(DataError, match="no probe"):
        detect(prm, out_dir=tmp_path / "out")
    ev = detect(prm, probe=tmp_path / "synth.prb", sample_rate=20000., out_dir=tmp_path / "o")
    assert len(ev.channel_map) == 15


def _si_recall(folder, truth, ev):
    """Recall on the units of SNR >= 5 (SpikeInterface's own ``cluster_snr.tsv``; the
    export's clusters are the ground-truth units) and precision, within :data:`TOL`."""
    with open(folder / "cluster_snr.tsv", newline="") as f:
        strong = [int(r["cluster_id"]) for r in csv.DictReader(f, delimiter="\t")
                  if float(r["snr"]) >= 5]
    frames = np.load(truth / "gt_spike_frames.npy").astype(np.int64).ravel()
    units = np.load(truth / "gt_spike_unit_ids.npy").astype(np.int64).ravel()
    order = np.argsort(frames, kind="stable")
    frames, units = frames[order], units[order]
    found = np.array([_matched([t], ev.times) for t in frames], bool)
    return found[np.isin(units, strong)].mean(), _matched(ev.times, frames) / len(ev.times)


def test_events_of_a_spikeinterface_export_find_its_ground_truth(tmp_path):
    folder = DATA / "si_export_16ch"  # (0.4 s, 39 spikes)
    ev = detect(folder / "params.py", out_dir=tmp_path / "out")
    recall, precision = _si_recall(folder, folder / "groundtruth", ev)
    assert recall == 1 and precision >= .9


def test_events_of_the_whole_spikeinterface_export_find_its_ground_truth(tmp_path):
    folder = require_shared("si_export_16ch")
    ev = detect(folder / "params.py", out_dir=tmp_path / "out")
    recall, precision = _si_recall(folder, require_shared("si_export_16ch_groundtruth"), ev)
    assert recall >= .99 and precision >= .97  # 428 of the 428 spikes of 8 units, 0.98


def test_the_trace_gui_reads_the_raw_data_of_a_prm():
    from phyclone.apps.trace.gui import _open_traces
    traces, _ = _open_traces(TRIMMED / "synth.prm")
    try:
        want = np.concatenate([np.fromfile(TRIMMED / f, np.int16).reshape(-1, 16)
                               for f in ("synth_rec0.dat", "synth_rec1.dat")])
        assert traces.sample_rate == 20000. and traces.n_channels == 16
        np.testing.assert_array_equal(traces.read(0, traces.n_samples), want)
    finally:
        traces.close()


def test_a_kwik_gives_the_recording_and_the_probe_klusta_ran_on(tmp_path):
    a = detect(TRIMMED / "synth.kwik")
    b = detect(TRIMMED / "synth.prm")
    assert np.array_equal(a.times, b.times) and np.array_equal(a.channel_map, b.channel_map)
    assert np.array_equal(a.positions, b.positions)
    res = CliRunner().invoke(phycli, ["detect", str(TRIMMED / "synth.kwik"), "--out",
                                      str(tmp_path / "out"), "-q"])
    assert res.exit_code == 0, res.output


def test_a_prm_naming_a_built_in_probe_takes_it_from_the_kwik_klusta_wrote(tmp_path):
    src = require_shared("phy_data", "kwik")  # phy's example: prb_file = '1x32_buzsaki'
    for f in ("hybrid_10sec.prm", "hybrid_10sec.kwik"):
        shutil.copy(src / f, tmp_path / f)
    noise = np.random.default_rng(0).normal(0, 30, (20_000, 32))  # (no .dat in the copy)
    noise.astype(np.int16).tofile(tmp_path / "hybrid_10sec.dat")
    ev = detect(tmp_path / "hybrid_10sec.prm")
    with h5py.File(tmp_path / "hybrid_10sec.kwik", "r") as f:
        want = np.array([f[f"channel_groups/0/channels/{c}"].attrs["position"]
                         for c in ev.channel_map])
    assert ev.channel_map.tolist() == list(range(32)) and np.array_equal(ev.positions, want)
    (tmp_path / "hybrid_10sec.kwik").unlink()
    with pytest.raises(DataError, match="built-in probes") as e:
        detect(tmp_path / "hybrid_10sec.prm")
    assert ".kwik" in e.value.fix
