"""The folder `phy detect` writes: consistent arrays, read back by phyclone's TemplateModel
and the Template GUI, by phylib and by SpikeInterface's read_phy (peer venvs, through a
subprocess; skipped when absent), and the command line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from phyclone.apps.cli import phycli
from phyclone.io.template.model import load_model
from phyclone.utils.fileio import read_tsv

from _synth import write_recording
from _shared_data import peer_venv

PEER_PHY = peer_venv("phy", "PHYCLONE_PEER_PHY")
PEER_SI = peer_venv("si", "PHYCLONE_PEER_SI")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("det")
    dat, probe, data, times, units, peaks, pos = write_recording(d, n_units=5, duration=5.)
    out = d / "out"
    res = CliRunner().invoke(phycli, [
        "detect", str(dat), "--probe", str(probe), "--n-channels", "16", "--sample-rate",
        "30000", "--out", str(out), "--quiet", "--jobs", "2"])
    assert res.exit_code == 0, res.output
    assert "events" in res.output
    return out, times


def test_arrays_are_consistent(folder):
    out, gt = folder
    st = np.load(out / "spike_times.npy")
    n = len(st)
    assert st.dtype == np.int64 and np.all(np.diff(st) >= 0) and abs(n - len(gt)) < 0.05 * len(gt)
    fine = np.load(out / "spike_fine_times.npy")
    assert fine.dtype == np.float64 and len(fine) == n and np.abs(fine - st).max() <= 1
    assert np.any(fine != st)  # sub-sample (×2 by default)
    mc = np.load(out / "spike_max_channels.npy")
    cl = np.load(out / "spike_clusters.npy")
    assert np.array_equal(cl, np.load(out / "spike_templates.npy"))
    tmp = np.load(out / "templates.npy")
    ind = np.load(out / "template_ind.npy")
    pcf = np.load(out / "pc_features.npy")
    assert len(mc) == len(cl) == len(np.load(out / "amplitudes.npy")) == len(pcf) == n
    assert tmp.shape[0] == ind.shape[0] == cl.max() + 1 and tmp.shape[2] == ind.shape[1]
    assert np.array_equal(np.load(out / "pc_feature_ind.npy"), ind)
    assert np.all(ind[cl, 0] == mc)  # the first local channel of a spike's template = its max
    # the template of a (big) cluster peaks (negative) on its max channel
    for k in np.flatnonzero(np.bincount(cl) >= 20):
        assert np.unravel_index(np.argmin(tmp[k]), tmp[k].shape)[1] == 0
    sim = np.load(out / "similar_templates.npy")
    assert sim.shape == (len(tmp),) * 2 and np.allclose(np.diag(sim), 1, atol=1e-5)
    groups = read_tsv(out / "cluster_group.tsv")
    assert len(groups) == len(tmp)


def test_template_model_reads_it(folder):
    out, _ = folder
    m = load_model(out / "params.py")
    try:
        assert m.n_channels == 16 and len(m.spike_times) == len(np.load(out / "spike_times.npy"))
        w = m.get_waveforms(np.arange(5), np.arange(4))
        assert w.shape[0] == 5
        cid = m.cluster_ids[0]
        assert m.get_cluster_channels(cid)[0] == np.load(out / "template_ind.npy")[cid, 0]
    finally:
        m.close()


@pytest.mark.gl
def test_template_gui_opens_it(folder, qapp, qtbot, tmp_path):
    import shutil
    sys.path.insert(0, str(Path(__file__).parents[1] / "apps"))
    from _controller_fixtures import close_gui, open_controller, show_gui
    out, _ = folder
    d = tmp_path / "copy"
    shutil.copytree(out, d)
    c = open_controller(d, tmp_path / "config")
    gui = show_gui(qtbot, c)
    try:
        c.supervisor.select([int(c.supervisor.clustering.cluster_ids[0])])
        c.supervisor.block()
        assert c.supervisor.selected == [int(c.supervisor.clustering.cluster_ids[0])]
    finally:
        close_gui(gui, c)


def _peer(venv, code, folder):
    py = venv / "bin" / "python"
    if not py.exists():
        pytest.skip(f"peer venv {venv} absent (set its path in the environment)")
    r = subprocess.run([str(py), "-c", code, str(folder)], capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout.split()


def test_phylib_reads_it(folder):
    out, _ = folder
    code = ("import sys; from phylib.io.model import load_model\n"
            "m = load_model(sys.argv[1] + '/params.py')\n"
            "import numpy as np\n"
            "print(len(m.spike_times), m.n_channels, m.n_templates,\n"
            "      len(np.unique(m.spike_clusters)), m.get_template(0).channel_ids[0],\n"
            "      m.features.shape[2])\n"  # phylib: (n, n_channels_loc, n_pcs)
            "m.close()")
    n, nc, nt, ncl, ch0, npc = map(int, _peer(PEER_PHY, code, out))
    assert n == len(np.load(out / "spike_times.npy")) and nc == 16
    assert nt == ncl == len(np.load(out / "templates.npy"))
    assert ch0 == np.load(out / "template_ind.npy")[0, 0] and npc == 3


def test_spikeinterface_read_phy_reads_it(folder):
    out, _ = folder
    code = ("import sys; from spikeinterface.extractors import read_phy\n"
            "s = read_phy(sys.argv[1])\n"
            "print(s.get_num_units(), sum(len(s.get_unit_spike_train(u)) for u in s.unit_ids))")
    nu, n = map(int, _peer(PEER_SI, code, out))
    assert n == len(np.load(out / "spike_times.npy"))
    assert nu == len(np.load(out / "templates.npy"))


def test_cli_refuses_another_programs_dataset(folder, tmp_path):
    out = tmp_path / "ks"
    out.mkdir()
    (out / "spike_times.npy").write_bytes(b"x")
    out0, _ = folder
    res = CliRunner().invoke(phycli, ["detect", str(out0 / "params.py"), "--out", str(out),
                                      "--quiet"])
    assert res.exit_code != 0 and "not written by `phy detect`" in res.output
    assert (out / "spike_times.npy").read_bytes() == b"x"
    # and the input dataset is never overwritten, even with --force
    before = (out0 / "spike_times.npy").read_bytes()
    res = CliRunner().invoke(phycli, ["detect", str(out0 / "params.py"), "--out", str(out0),
                                      "--quiet", "--force"])
    assert res.exit_code != 0 and "holds the input dataset" in res.output
    assert (out0 / "spike_times.npy").read_bytes() == before


def test_trace_gui_data_shows_events_and_thresholds(folder):
    from phyclone.apps.trace.gui import DETECTION, EVENT_COLOR, TraceData, _open_traces
    from phyclone.detect import load_detection
    out, _ = folder
    traces, _ = _open_traces(out / "params.py")
    det = load_detection(out)
    data = TraceData(traces, det)
    assert data.raw_data_filter.current == DETECTION
    b = data((1., 1.5))
    st = np.load(out / "spike_times.npy")
    inside = st[(st >= 30000 + 15) & (st < 45000 - 15)]
    assert [w.spike_id for w in b.waveforms] == np.flatnonzero(np.isin(st, inside)).tolist()
    for w in b.waveforms:
        assert w.color == EVENT_COLOR
        # the snippet is drawn on the event's channel, centred on its (negative) peak
        assert np.argmin(w.data) == len(w.data) // 2
        assert w.data.min() <= -b.thresholds[w.channel_ids[0]]
    info = json.loads((out / ".phy/phyclone/detect/detection.json").read_text())
    assert np.allclose(b.thresholds, info["thresholds"][0])
    traces.close()
    assert load_detection(out.parent) is None


def test_trace_gui_shows_the_data_as_detected_with_channels_and_reference(tmp_path):
    from phyclone.apps.trace.gui import TraceData, _open_traces
    from phyclone.detect import DetectParams, detect, load_detection
    from phyclone.detect.prepare import prepare
    dat, probe, data, *_ = write_recording(tmp_path, n_units=3, duration=2.)
    data[:, 2] = 0  # a dead channel, left out of the reference
    data.tofile(dat)
    kw = dict(n_channels=16, sample_rate=30000.)
    detect(dat, probe, out_dir=tmp_path / "out", channels=list(range(8)),
           reference="median", **kw)
    traces, _ = _open_traces(tmp_path / "out" / "params.py")
    shown = TraceData(traces, load_detection(tmp_path / "out"))((0.5, 1.5)).data
    traces.close()
    # what the blocks of the detector filtered
    ctx, _ = prepare(dat, probe, list(range(8)), DetectParams(reference="median"), **kw)
    seen = ctx.filtered(15000, 45000).copy()
    ctx.traces.close()
    assert ctx.ref_channels.tolist() == [0, 1, 3, 4, 5, 6, 7]
    np.testing.assert_array_equal(shown[:, :8], seen)


@pytest.mark.gl
def test_trace_gui_draws_thresholds(folder, qapp, qtbot, tmp_path):
    from phyclone.apps.trace.gui import create_trace_gui
    out, _ = folder
    gui = create_trace_gui(out / "params.py", config_dir=tmp_path / "cfg")
    qtbot.addWidget(gui)
    gui.show()
    view = gui.views[0]
    qtbot.waitUntil(lambda: view.data is not None and view.data.get("thresholds") is not None
                    and view.n_plots_done > 0, timeout=20000)
    th = view.data.thresholds
    assert len(th.lengths) == 16 and np.allclose(th.y[::2], -gui.trace_data((0, .1)).thresholds)
    # drawn: the traces, and a horizontal line per channel (the lowest may fall below the
    # canvas) in the thresholds' red; an error in plot() used to leave the view black
    img = view.canvas.grab_image().astype(int)
    red = img[..., 0] - np.maximum(img[..., 1], img[..., 2]) > 40
    rows = np.flatnonzero(red.mean(axis=1) > .5)  # rows mostly red: the lines
    assert len(np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)) >= 14
    assert (img[..., :3].max(axis=2) > 30).mean() > .2
    gui.close()


def test_cli_help_and_bad_options(tmp_path):
    res = CliRunner().invoke(phycli, ["--help"])
    assert "detect" in res.output
    res = CliRunner().invoke(phycli, ["detect", "--help"])
    for opt in ("--probe", "--n-channels", "--method", "--lockout-um", "--interpolate",
                "--time-range", "--max-events", "--random", "--channels", "--jobs",
                "--scheduler", "--noise-window", "--near-um", "--prominence"):
        assert opt in res.output
    raw = tmp_path / "r.dat"
    np.zeros((100, 4), np.int16).tofile(raw)
    res = CliRunner().invoke(phycli, ["detect", str(raw), "--n-channels", "3",
                                      "--sample-rate", "1000", "--out", str(tmp_path / "o")])
    assert res.exit_code != 0 and "check --n-channels" in res.output
    assert not (tmp_path / "o").exists()


def _files(d):
    """Bytes of the files of a folder (but the resume store, and the modification times of
    the files written)."""
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file() and "blocks" not in p.parts and p.name != "written_stats.json"}


def test_files_written_in_threads_equal_one_thread(folder, tmp_path):
    from phyclone.detect import detect, write_folder
    out, _ = folder
    ev = detect(out / "params.py")
    write_folder(tmp_path / "j1", ev, ev.params, jobs=1)
    write_folder(tmp_path / "j3", ev, ev.params, jobs=3)
    one = _files(tmp_path / "j1")
    assert len(one) == 17 and one == _files(tmp_path / "j3")
    assert one["spike_times.npy"] == (out / "spike_times.npy").read_bytes()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failed_write_leaves_no_params_py(folder, tmp_path, monkeypatch, jobs):
    from phyclone.detect import detect, output, write_folder
    out, _ = folder
    ev = detect(out / "params.py")
    save = output.save_npy

    def failing(path, arr):
        if path.name == "templates.npy":
            raise OSError("disk full")
        save(path, arr)
    monkeypatch.setattr(output, "save_npy", failing)
    with pytest.raises(OSError, match="disk full"):
        write_folder(tmp_path / "o", ev, ev.params, jobs=jobs)
    assert not (tmp_path / "o" / "params.py").exists()
    assert not (tmp_path / "o" / "templates.npy").exists()
    assert (tmp_path / "o" / "spike_times.npy").exists()


def test_a_failed_rewrite_leaves_no_params_py_but_others_are_kept(folder, tmp_path,
                                                                   monkeypatch):
    from phyclone.detect import detect, output, write_folder
    out, _ = folder
    ev = detect(out / "params.py")
    write_folder(tmp_path / "o", ev, ev.params, jobs=2)

    def full(path, arr):
        raise OSError("disk full")
    monkeypatch.setattr(output, "save_npy", full)
    with pytest.raises(OSError, match="disk full"):
        write_folder(tmp_path / "o", ev, ev.params, jobs=2)
    # the earlier run's files stay, but the folder no longer looks complete, and a new run
    # may replace it (its half-replaced files are not taken for a curation's)
    assert not (tmp_path / "o" / "params.py").exists()
    assert (tmp_path / "o" / "spike_times.npy").exists()
    output.check_out_dir(tmp_path / "o", ev.spec, force=False)
    # a template-gui folder of another program, replaced with --force, keeps its params.py
    other = tmp_path / "ks"
    other.mkdir()
    (other / "params.py").write_text("dat_path = 'x.dat'\n")
    with pytest.raises(OSError, match="disk full"):
        write_folder(other, ev, ev.params, jobs=1)
    assert (other / "params.py").read_text() == "dat_path = 'x.dat'\n"


def test_curation_saved_since_is_never_overwritten(folder, tmp_path):
    from phyclone.detect import detect
    from phyclone.utils.errors import DataError
    out, _ = folder
    o = tmp_path / "o"
    detect(out / "params.py", out_dir=o)
    detect(out / "params.py", out_dir=o)  # our own folder, untouched: replaced
    clusters = np.load(o / "spike_clusters.npy")
    clusters[:10] = clusters.max() + 1  # a split saved by the GUI
    np.save(o / "spike_clusters.npy", clusters)
    with pytest.raises(DataError, match=r"curation saved since .*spike_clusters\.npy"):
        detect(out / "params.py", out_dir=o)
    assert np.array_equal(np.load(o / "spike_clusters.npy"), clusters)
    assert (o / "params.py").exists()
    res = CliRunner().invoke(phycli, ["detect", str(out / "params.py"), "--out", str(o),
                                      "--quiet"])
    assert res.exit_code != 0 and "--force" in res.output
    detect(out / "params.py", out_dir=o, force=True)
    assert not np.array_equal(np.load(o / "spike_clusters.npy"), clusters)
    (o / "cluster_group.tsv").write_text("cluster_id\tgroup\n0\tgood\n")
    with pytest.raises(DataError, match=r"cluster_group\.tsv"):
        detect(out / "params.py", out_dir=o)


@pytest.mark.parametrize("kw", [dict(jobs=1), dict(jobs=2, split=True),
                                dict(jobs=2, max_events=700, random_order=True, seed=3)])
def test_runs_larger_than_memory_write_the_same_folder(tmp_path, monkeypatch, kw):
    """With a memory budget of a few blocks, the events go through the block store and the
    per-spike files are streamed, the clusters read the features back in several passes:
    the folder and the returned events are those of a run held in memory."""
    from phyclone.detect import detect, spill
    dat, probe, data, times, units, *_ = write_recording(tmp_path, n_units=6, duration=6.)
    d = data.astype(np.float32)  # a bigger unit on unit 0's channel: its cluster splits
    for t in times[(units == 0) & (times > 100) & (times < len(d) - 600)]:
        d[t + 380:t + 440] += 1.5 * data[t - 20:t + 40]
    d.round().astype(np.int16).tofile(dat)
    run = dict(n_channels=16, sample_rate=30000., block_duration=0.4, **kw)
    held = detect(dat, probe, out_dir=tmp_path / "held", **run)
    monkeypatch.setattr(spill, "MEMORY_BUDGET", 20_000)  # ~110 events; the clusters: 4 passes
    monkeypatch.setattr(spill, "CHUNK_BYTES", 10_000)
    streamed = detect(dat, probe, out_dir=tmp_path / "streamed", **run)
    assert isinstance(streamed.features, np.memmap)  # (in memory: plain arrays)
    assert not isinstance(held.features, np.memmap)
    assert _files(tmp_path / "held") == _files(tmp_path / "streamed")
    clusters = np.load(tmp_path / "held" / "spike_clusters.npy")
    channels = np.load(tmp_path / "held" / "spike_max_channels.npy")
    assert "max_events" in kw or len(np.unique(clusters)) > len(np.unique(channels))  # split
    for f in ("times", "fine_times", "channels", "amplitudes", "features"):
        np.testing.assert_array_equal(np.asarray(held[f]), np.asarray(streamed[f]))
    assert not (tmp_path / "streamed" / ".phy/phyclone/detect/blocks").exists()


def test_npy_files_written_and_read_in_pieces(tmp_path, monkeypatch):
    from phyclone.detect import spill
    from phyclone.io.npy_stream import NpyWriter
    a = np.random.default_rng(0).normal(size=(1000, 3, 4)).astype(np.float32)
    pieces = np.array_split(np.arange(1000), 7)
    with NpyWriter(tmp_path / "a.npy", np.float32, a.shape) as w:
        for rows in pieces[::-1]:  # at their place, in any order
            w.write_at(rows[0], a[rows])
        with pytest.raises(ValueError, match="beyond"):
            w.append(a[:1])
    assert (tmp_path / "a.npy").read_bytes() == _npy_bytes(a)
    monkeypatch.setattr(spill, "CHUNK_BYTES", 1000)  # 20 rows per chunk
    f = spill.NpyFile(tmp_path / "a.npy")
    assert len(f) == 1000 and f.shape == a.shape and f.dtype == np.float32
    np.testing.assert_array_equal(np.concatenate([c for _, c in f.chunks()]), a)
    idx = np.random.default_rng(1).permutation(1000)[:77]
    np.testing.assert_array_equal(f.rows(idx), a[idx])
    with pytest.raises(ValueError, match="3 rows written, 5 announced"):
        with NpyWriter(tmp_path / "b.npy", np.int64, (5,)) as w:
            w.append(np.arange(3))
    assert not (tmp_path / "b.npy").exists()


def _npy_bytes(a):
    import io
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()
