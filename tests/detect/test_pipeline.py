"""End-to-end detection: accuracy on synthetic ground truth, identical events whatever the
block size / threads / scheduler, search options, resume, inputs and bad input."""

import json
import threading

import numpy as np
import pytest

from phyclone.detect import detect
from phyclone.detect import pipeline
from phyclone.utils.errors import DataError

from _synth import make_recording, recall, write_recording

KW = dict(n_channels=16, sample_rate=30000.)


@pytest.fixture(scope="module")
def rec(tmp_path_factory):
    d = tmp_path_factory.mktemp("rec")
    dat, probe, data, times, units, peaks, pos = write_recording(d)
    return dict(dir=d, dat=dat, probe=probe, data=data, times=times, units=units,
                peaks=peaks, pos=pos)


@pytest.fixture(scope="module")
def ref(rec):
    return detect(rec["dat"], rec["probe"], **KW)


def _same(a, b):
    return (np.array_equal(a.times, b.times) and np.array_equal(a.channels, b.channels)
            and np.array_equal(a.amplitudes, b.amplitudes)
            and np.array_equal(a.features, b.features))


def test_finds_the_ground_truth(rec, ref):
    assert recall(ref.times, ref.channels, rec["times"], rec["units"], rec["peaks"],
                  rec["pos"]) > 0.98
    assert len(ref.times) < 1.03 * len(rec["times"])
    assert np.all(np.diff(ref.times) >= 0) and ref.times.dtype == np.int64
    # sub-sample times are within a sample of the integer peaks
    assert np.abs(ref.fine_times - ref.times).max() <= 1


@pytest.mark.parametrize("block, jobs", [(0.2, 1), (0.6, 2), (2.2, 3)])
def test_same_events_for_any_block_size_and_threads(rec, ref, block, jobs):
    ev = detect(rec["dat"], rec["probe"], block_duration=block, jobs=jobs, **KW)
    assert _same(ev, ref)


def test_common_reference_runs_give_the_same_events_for_any_split(rec):
    a = detect(rec["dat"], rec["probe"], reference="median", **KW)
    b = detect(rec["dat"], rec["probe"], reference="median", block_duration=0.4, jobs=2, **KW)
    assert _same(a, b) and len(a.times) > 400


def test_dask_local_cluster_gives_the_same_events(rec, ref):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        ev = detect(rec["dat"], rec["probe"], scheduler=cluster.scheduler_address,
                    block_duration=0.4, **KW)
    assert _same(ev, ref)


def test_time_range_and_max_events(rec, ref):
    ev = detect(rec["dat"], rec["probe"], time_range=(1.1, 3.7), **KW)
    keep = (ref.times >= 33000) & (ref.times < 111000)
    assert np.array_equal(ev.times, ref.times[keep])
    ev = detect(rec["dat"], rec["probe"], max_events=40, **KW)
    assert np.array_equal(ev.times, ref.times[:40])
    a = detect(rec["dat"], rec["probe"], max_events=40, random_order=True, seed=3, **KW)
    b = detect(rec["dat"], rec["probe"], max_events=40, random_order=True, seed=3, jobs=2,
               **KW)
    assert len(a.times) == 40 and np.array_equal(a.times, b.times)
    assert set(a.times.tolist()) <= set(ref.times.tolist())
    assert not np.array_equal(a.times, ref.times[:40])


def test_interrupted_run_resumes_from_finished_blocks(rec, ref, tmp_path, monkeypatch):
    out = tmp_path / "out"
    calls = []
    real = pipeline.run_block

    def flaky(ctx, k):
        calls.append(k)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real(ctx, k)
    monkeypatch.setattr(pipeline, "run_block", flaky)
    with pytest.raises(KeyboardInterrupt):
        detect(rec["dat"], rec["probe"], out_dir=out, block_duration=1., **KW)
    assert not (out / "spike_times.npy").exists()
    saved = list((out / ".phy/phyclone/detect/blocks").glob("*.npz"))
    assert [n for f in saved for n in np.load(f)["blocks"].tolist()] == [0, 1, 2]
    calls.clear()
    monkeypatch.setattr(pipeline, "run_block", lambda ctx, k: calls.append(k) or real(ctx, k))
    ev = detect(rec["dat"], rec["probe"], out_dir=out, block_duration=1., **KW)
    assert calls == list(range(3, 6))  # the 3 finished blocks were not run again
    assert _same(ev, ref)
    assert np.array_equal(np.load(out / "spike_times.npy"), ref.times)
    assert not (out / ".phy/phyclone/detect/blocks").exists()


def test_interrupted_threads_keep_their_finished_blocks(rec, ref, tmp_path, monkeypatch):
    out, calls, done = tmp_path / "out", [], []
    real = pipeline.run_block
    lock = threading.Lock()

    def flaky(ctx, k):
        with lock:
            calls.append(k)
            if len(calls) == 4:
                raise KeyboardInterrupt
        res = real(ctx, k)
        done.append(k)
        return res
    monkeypatch.setattr(pipeline, "run_block", flaky)
    kw = dict(out_dir=out, block_duration=0.4, jobs=2, **KW)  # 2 runs of 0.4-s blocks
    with pytest.raises(KeyboardInterrupt):
        detect(rec["dat"], rec["probe"], **kw)
    # the threads stopped after their current block, and every finished block was kept
    assert len(calls) <= 5 and len(done) >= 3
    saved = list((out / ".phy/phyclone/detect/blocks").glob("*.npz"))
    assert sorted(n for f in saved for n in np.load(f)["blocks"].tolist()) == sorted(done)
    calls.clear()
    monkeypatch.setattr(pipeline, "run_block", lambda ctx, k: calls.append(k) or real(ctx, k))
    ev = detect(rec["dat"], rec["probe"], **kw)
    assert sorted(calls) == sorted(set(range(-(-len(rec["data"]) // 12000))) - set(done))
    assert _same(ev, ref)


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_resumed_run_with_enough_events_stored_runs_no_block(rec, tmp_path, monkeypatch,
                                                               jobs):
    from phyclone.detect import blocks
    monkeypatch.setattr(blocks, "PENDING_BYTES", 1)  # every block written at once
    out, calls = tmp_path / "out", []
    real = pipeline.run_block
    monkeypatch.setattr(pipeline, "run_block", lambda ctx, k: calls.append(k) or real(ctx, k))

    def failing(*args):
        raise OSError("disk full")
    kw = dict(out_dir=out, max_events=100, jobs=jobs, block_duration=0.2, **KW)
    with monkeypatch.context() as m:
        m.setattr(pipeline, "gather_events", failing)
        with pytest.raises(OSError, match="disk full"):
            detect(rec["dat"], rec["probe"], **kw)
    assert calls
    calls.clear()
    ev = detect(rec["dat"], rec["probe"], **kw)
    assert calls == [] and len(ev.times) == 100
    # the blocks read back are copies, not views of their whole batch file
    store = blocks.BlockStore(tmp_path / "s", "key")
    store.save(0, {f: v[:3] for f, v in ev.items() if f in blocks.FIELDS}, 10)
    store.save(1, {f: v[3:9] for f, v in ev.items() if f in blocks.FIELDS}, 10)
    store.flush()
    again = dict(blocks.BlockStore(tmp_path / "s", "key").cached([0, 1]))
    assert again[1][0]["times"].tolist() == ev.times[3:9].tolist()
    assert all(v.base is None or v.base.size == v.size for v in again[1][0].values())


def _block_threads():
    """Block threads alive (other tests' may still be ending)."""
    return {t for t in threading.enumerate() if t.name.startswith("phy-detect_")}


def test_a_failing_block_in_a_thread_stops_the_run(rec, ref, tmp_path, monkeypatch):
    real = pipeline.run_block

    def failing(ctx, k):
        if k == 4:
            raise ValueError("bad block")
        return real(ctx, k)
    monkeypatch.setattr(pipeline, "run_block", failing)
    before = _block_threads()
    with pytest.raises(ValueError, match="bad block"):
        detect(rec["dat"], rec["probe"], out_dir=tmp_path / "o", block_duration=1., jobs=2,
               **KW)
    assert not _block_threads() - before  # waited for before the recording was closed
    assert not (tmp_path / "o" / "params.py").exists()
    # stopped early by --max-events: the running blocks are waited for too
    monkeypatch.setattr(pipeline, "run_block", real)
    before = _block_threads()
    ev = detect(rec["dat"], rec["probe"], max_events=10, block_duration=1., jobs=2, **KW)
    assert not _block_threads() - before and np.array_equal(ev.times, ref.times[:10])


def test_several_files_end_to_end_and_cbin(rec, ref, tmp_path):
    data = rec["data"]
    data[:70000].tofile(tmp_path / "a.dat")
    data[70000:].tofile(tmp_path / "b.dat")
    ev = detect([tmp_path / "a.dat", tmp_path / "b.dat"], rec["probe"], **KW)
    assert _same(ev, ref)
    mtscomp = pytest.importorskip("mtscomp")
    mtscomp.compress(rec["dat"], tmp_path / "r.cbin", tmp_path / "r.ch", sample_rate=30000.,
                     n_channels=16, dtype=np.int16, chunk_duration=0.5)
    ev = detect(tmp_path / "r.cbin", rec["probe"])
    assert _same(ev, ref)


@pytest.mark.parametrize("option, match", [
    (dict(dtype="float32"), r"r.cbin: stores int16, not float32 \(--dtype\)"),
    (dict(offset=64), "--offset does not apply"),
    (dict(sample_rate=20000.), "says 30000 Hz, --sample-rate says 20000 Hz")])
def test_options_that_disagree_with_a_cbin_are_refused(rec, tmp_path, option, match):
    mtscomp = pytest.importorskip("mtscomp")
    mtscomp.compress(rec["dat"], tmp_path / "r.cbin", tmp_path / "r.ch", sample_rate=30000.,
                     n_channels=16, dtype=np.int16)
    with pytest.raises(DataError, match=match):
        detect(tmp_path / "r.cbin", rec["probe"], out_dir=tmp_path / "out", **option)
    assert not (tmp_path / "out").exists()
    ev = detect(tmp_path / "r.cbin", rec["probe"], dtype="int16", sample_rate=30000.)
    assert len(ev.times) > 400  # agreeing options are fine
    # through a params.py, the command line's options are checked too
    (tmp_path / "params.py").write_text("dat_path = 'r.cbin'\nn_channels_dat = 16\n"
                                        "dtype = 'int16'\noffset = 0\nsample_rate = 30000.\n")
    with pytest.raises(DataError, match=match):
        detect(tmp_path / "params.py", rec["probe"], **option)


def test_other_dtypes_and_offset(rec, ref, tmp_path):
    p = tmp_path / "f.bin"
    with open(p, "wb") as f:
        f.write(b"H" * 24)
        rec["data"].astype(np.float32).tofile(f)
    ev = detect(p, rec["probe"], dtype="float32", offset=24, **KW)
    assert np.array_equal(ev.times, ref.times)


def test_probe_files_and_channels(rec, ref, tmp_path):
    pos = rec["pos"]
    prb = tmp_path / "p.prb"
    geom = {i: tuple(p) for i, p in enumerate(pos.tolist())}
    prb.write_text(f"channel_groups = {{0: {{'channels': list(range(16)), 'geometry': {geom}}}}}")
    assert np.array_equal(detect(rec["dat"], prb, **KW).times, ref.times)
    js = tmp_path / "p.json"
    js.write_text(json.dumps({"probes": [{"contact_positions": pos.tolist(),
                                          "device_channel_indices": list(range(16))}]}))
    assert np.array_equal(detect(rec["dat"], js, **KW).times, ref.times)
    ev = detect(rec["dat"], rec["probe"], channels=list(range(8)), **KW)
    assert np.array_equal(ev.channel_map, np.arange(8))
    assert set(ev.channels.tolist()) <= set(range(8))


def test_a_probe_covering_part_of_the_file_is_warned_about(rec, tmp_path, caplog):
    np.save(tmp_path / "half.npy", rec["pos"][:12])
    with caplog.at_level("WARNING"):
        ev = detect(rec["dat"], tmp_path / "half.npy", **KW)
    assert "half.npy places 12 of the 16 channels of the raw data: channels 12-15 unused" \
        in caplog.text
    assert ev.channels.max() < 12
    caplog.clear()
    with caplog.at_level("WARNING"):
        detect(rec["dat"], rec["probe"], channels=range(4), **KW)  # chosen: no warning
    assert "unused" not in caplog.text


def test_params_py_input(rec, ref, tmp_path):
    (tmp_path / "params.py").write_text(
        f"dat_path = {str(rec['dat'])!r}\nn_channels_dat = 16\ndtype = 'int16'\n"
        "offset = 0\nsample_rate = 30000.\nhp_filtered = False\n")
    np.save(tmp_path / "channel_positions.npy", rec["pos"])
    np.save(tmp_path / "channel_map.npy", np.arange(16, dtype=np.int32))
    ev = detect(tmp_path / "params.py")
    assert np.array_equal(ev.times, ref.times)


def test_multiphasic_detector_rejects_monophasic_artifacts(tmp_path):
    data, times, units, peaks, pos = make_recording(n_channels=8, duration=3., n_units=3)
    data = data.astype(np.float32)
    rng = np.random.default_rng(5)
    art = rng.choice(np.arange(1000, len(data) - 1000), 20, replace=False)
    for t in art:  # slow negative bumps with no other phase
        data[t - 60:t + 60, 3] -= 600 * np.hanning(120)
    data.astype(np.int16).tofile(tmp_path / "r.dat")
    np.save(tmp_path / "pos.npy", pos)
    kw = dict(n_channels=8, sample_rate=30000., probe=tmp_path / "pos.npy", lockout_us=1000,
              lockout_before_us=1000)
    bi = detect(tmp_path / "r.dat", **kw)
    multi = detect(tmp_path / "r.dat", method="multiphasic", **kw)
    near = lambda ev: sum(np.any(np.abs(ev.times - t) < 60) for t in art)  # noqa: E731
    assert near(bi) >= 15 and near(multi) <= 2
    assert recall(multi.times, multi.channels, times, units, peaks, pos) > 0.95


@pytest.mark.parametrize("what", ["channels", "dtype", "probe", "empty", "dup", "missing",
                                  "rate", "scheduler"])
def test_bad_input_is_one_clear_error_and_nothing_written(rec, tmp_path, what):
    out = tmp_path / "out"
    kw = dict(probe=rec["probe"], n_channels=16, sample_rate=30000., out_dir=out)
    raw, match = rec["dat"], None
    if what == "channels":
        kw["n_channels"], match = 17, "not a multiple"
    elif what == "dtype":
        kw["dtype"], match = "complex64", "unknown sample data type"
    elif what == "probe":
        kw["probe"], match = None, "no probe"
    elif what == "empty":
        raw = tmp_path / "e.dat"
        raw.write_bytes(b"")
        match = "is empty"
    elif what == "dup":
        pos = rec["pos"].copy()
        pos[3] = pos[4]
        np.save(tmp_path / "dup.npy", pos)
        kw["probe"], match = tmp_path / "dup.npy", r"channels 3, 4 the same position \(0, 40\) µm"
    elif what == "missing":
        raw, match = tmp_path / "nope.dat", "not found"
    elif what == "rate":
        kw["sample_rate"], match = None, "sample rate of this file is unknown"
    elif what == "scheduler":  # reached before anything is written
        kw["scheduler"], match = "nowhere", "cannot reach a dask scheduler at 'nowhere'"
    with pytest.raises(DataError, match=match):
        detect(raw, **kw)
    assert not out.exists()


@pytest.mark.parametrize("reference", ["none", "median", "mean"])
def test_flat_channels_are_dead_with_any_reference(rec, tmp_path, reference):
    data = rec["data"].copy()
    data[:, 5], data[:, 6] = 0, 1234  # a disconnected channel, a stuck one
    data.tofile(tmp_path / "dead.dat")
    ev = detect(tmp_path / "dead.dat", rec["probe"], reference=reference, **KW)
    assert np.all(ev.thresholds[:, [5, 6]] == 0) and np.all(ev.noise[:, [5, 6]] == 0)
    assert not np.isin(ev.channels, [5, 6]).any() and len(ev.times) > 400
    assert (reference == "none") or ev.ref_channels.tolist() == [
        c for c in range(16) if c not in (5, 6)]
    if reference != "none":  # the reference is the one of the live channels alone
        live = np.delete(data, [5, 6], axis=1)
        live.tofile(tmp_path / "live.dat")
        np.save(tmp_path / "live.npy", np.delete(np.load(rec["probe"]), [5, 6], axis=0))
        ref = detect(tmp_path / "live.dat", tmp_path / "live.npy", reference=reference,
                     n_channels=14, sample_rate=30000.)
        np.testing.assert_array_equal(np.delete(ev.thresholds, [5, 6], axis=1), ref.thresholds)
        np.testing.assert_array_equal(ev.times, ref.times)


def test_sample_and_hold_delays_are_removed_from_times_and_waveforms(rec):
    """Channels sampled 25 µs apart in turn (2 channels per AD board, delays of 0 and 0.75
    samples made exactly in the Fourier domain): with the delays given, the sub-sample times
    and the features come back to those of the recording sampled without delays."""
    data, step = rec["data"].astype(np.float64), 25.
    d = (np.arange(16) % 2) * step * 1e-6 * 30000.
    w = 2 * np.pi * np.fft.rfftfreq(len(data))
    delayed = np.fft.irfft(np.fft.rfft(data, axis=0) * np.exp(1j * w[:, None] * d),
                           n=len(data), axis=0)
    path = rec["dir"] / "delayed.dat"
    delayed.round().astype(np.int16).tofile(path)
    kw = dict(interpolate=8, **KW)
    ref = detect(rec["dat"], rec["probe"], **kw)

    def errors(ev):
        i = np.clip(np.searchsorted(ev.fine_times, ref.fine_times), 1, len(ev.times) - 1)
        i = np.where(np.abs(ev.fine_times[i] - ref.fine_times) <
                     np.abs(ev.fine_times[i - 1] - ref.fine_times), i, i - 1)
        ok = ev.channels[i] == ref.channels
        assert ok.mean() > 0.98
        dt = np.abs(ev.fine_times[i] - ref.fine_times)[ok]
        f, g = ref.features[ok].reshape(ok.sum(), -1), ev.features[i[ok]].reshape(ok.sum(), -1)
        return np.percentile(dt, 90), np.median(np.linalg.norm(g - f, axis=1) /
                                                np.linalg.norm(f, axis=1))
    t_cor, f_cor = errors(detect(path, rec["probe"], sh_delay_us=step, channels_per_board=2,
                                 **kw))
    t_unc, f_unc = errors(detect(path, rec["probe"], **kw))
    assert t_cor < 0.1 < 0.5 < t_unc  # samples
    assert f_cor < 0.6 * f_unc


@pytest.mark.parametrize("reference", ["none", "median", "mean"])
def test_channels_flat_at_any_value_or_for_a_while_are_dead_there(rec, tmp_path, reference):
    data = rec["data"].astype(np.float32)
    half = len(data) // 2
    stuck = next(int(c) for c in rec["peaks"] if c != 5)  # a unit's peak channel
    data[:, 5] = 0.1  # flat at a value that removing the mean does not bring to 0 exactly
    data[half:, stuck] = data[half, stuck]  # stuck halfway through
    data.tofile(tmp_path / "f.dat")
    ev = detect(tmp_path / "f.dat", rec["probe"], reference=reference, dtype="float32", **KW)
    assert np.all(ev.thresholds[:, 5] == 0) and not np.any(ev.channels == 5)
    # the stuck channel: thresholds from its live half, no events once stuck
    ok = detect(rec["dat"], rec["probe"], reference=reference, **KW)
    assert abs(ev.thresholds[0, stuck] / ok.thresholds[0, stuck] - 1) < 0.15
    on = ev.channels == stuck
    assert np.sum(on & (ev.times > half + 300)) == 0
    assert np.sum(on & (ev.times < half - 300)) > 0.8 * np.sum(
        (ok.channels == stuck) & (ok.times < half - 300)) > 10


@pytest.mark.parametrize("reference", ["median", "mean"])
def test_a_reference_is_not_taken_over_fewer_than_two_live_channels(rec, tmp_path,
                                                                    reference):
    data = np.zeros_like(rec["data"])
    data[:, 3] = rec["data"][:, 3]
    data.tofile(tmp_path / "one.dat")
    ev = detect(tmp_path / "one.dat", rec["probe"], reference=reference, **KW)
    alone = detect(tmp_path / "one.dat", rec["probe"], **KW)
    assert len(ev.times) > 20 and np.array_equal(ev.times, alone.times)
    data[:, 3] = 0
    data.tofile(tmp_path / "none.dat")
    assert len(detect(tmp_path / "none.dat", rec["probe"], reference=reference, **KW).times) == 0


def test_blocks_filter_enough_samples_for_any_sample_and_hold_delay(rec):
    from phyclone.detect import DetectParams, prepare
    margins = []
    for us in (0., 1., 600.):  # 600 µs x (channel % 32): delays up to 270 samples apart
        ctx, _ = prepare(rec["dat"], rec["probe"], None, DetectParams(sh_delay_us=us), **KW)
        ctx.traces.close()
        margins.append(ctx.det_margin)
        spread = np.ptp(ctx.delays)
        assert ctx.det_margin >= max(ctx.n_before, ctx.n_after) + spread + 2
    assert margins[0] < margins[1] < margins[2]


def test_sliding_noise_window_and_fixed_threshold(tmp_path):
    data, times, units, peaks, pos = make_recording(n_channels=8, duration=4., n_units=2)
    data = data.astype(np.float32)
    rng = np.random.default_rng(2)
    data[60000:] += rng.normal(0, 30, data[60000:].shape)  # noisier second half
    data.astype(np.int16).tofile(tmp_path / "r.dat")
    np.save(tmp_path / "pos.npy", pos)
    kw = dict(n_channels=8, sample_rate=30000., probe=tmp_path / "pos.npy")
    ev = detect(tmp_path / "r.dat", noise_window=1., **kw)
    thr = ev.thresholds
    assert thr.shape == (4, 8)
    assert (thr[2:].min(axis=0) > 2 * thr[:2].max(axis=0)).all()
    glob = detect(tmp_path / "r.dat", **kw)
    assert glob.thresholds.shape == (1, 8)
    # per-window thresholds: fewer noise events in the noisy half than one global threshold
    assert (ev.times >= 60000).sum() < (glob.times >= 60000).sum()
    fixed = detect(tmp_path / "r.dat", fixed_threshold=150., **kw)
    assert np.all(fixed.thresholds == 150.)
    assert np.all(np.abs(fixed.amplitudes) >= 150.)


def test_noise_windows_start_at_the_searched_range(rec, ref):
    ev = detect(rec["dat"], rec["probe"], noise_window=1., time_range=(2.5, 5.), **KW)
    assert ev.thresholds.shape == (3, 16)  # 2.5-3.5, 3.5-4.5, 4.5-5 s
    assert len(ev.times) and ev.times.min() >= 75000
    keep = (ref.times >= 75000) & (ref.times < 150000)
    assert abs(len(ev.times) - keep.sum()) <= 0.05 * keep.sum()


def test_typical_noise_is_the_median_over_the_windows_where_a_channel_is_live():
    from phyclone.detect.prepare import _typical
    rng = np.random.default_rng(4)
    for _ in range(200):
        noise = rng.uniform(1, 50, (rng.integers(1, 6), rng.integers(1, 20))).astype(np.float32)
        noise[rng.random(noise.shape) < rng.random()] = 0  # dead windows
        expected = [np.median(c[c > 0]) if (c > 0).any() else 0. for c in noise.T]
        np.testing.assert_array_equal(_typical(noise), np.array(expected, dtype=np.float32))
