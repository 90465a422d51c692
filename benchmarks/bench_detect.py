"""`phy detect` against SpikeInterface on ground truth, side by side in one run.

Ground truth: SpikeInterface's ``generate_ground_truth_recording`` (run in the peer venv,
``si_detect_peer.py``), 384 channels (Neuropixels-like, 30 s) and 32 channels (60 s), saved
as int16 ``.dat`` under ``--cache`` (default ``~/.cache/phyclone/bench``) once.

Both pipelines read the int16 .dat, band-pass 300-6000 Hz, estimate MAD noise, detect
negative peaks at 5 × noise and write the events, on one core (SpikeInterface: + common
median reference, ``detect_peaks(method="locally_exclusive")``, ``n_jobs=1``). A detection
matches a ground-truth spike when it is within 0.4 ms and its channel within 50 µm of the
unit's peak channel (one-to-one, closest times first). Prints recall (units with SNR ≥ 5),
precision, × real time, ratio, the share of our stages, the bare read speed of the file
(IO bound), 1 vs 2 threads (in this process, and in fresh processes as `phy detect` runs;
for ≤ 64 channels also on the recording ``--long`` times end to end, where the fixed costs of
a 0.2-s run weigh less), and whether a dask LocalCluster of 2 processes gives identical
events.

    python benchmarks/bench_detect.py [--datasets 384,32] [--si-venv DIR]
"""

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _paths import peer_venv  # noqa: E402

import numpy as np

HERE = Path(__file__).resolve().parent
SPECS = {384: 30., 32: 60.}
TOL_MS, TOL_UM, SNR_MIN = 0.4, 50., 5.


def si_python(venv):
    p = Path(venv) / "bin" / "python"
    return p if p.exists() else None


def ensure_ground_truth(cache, n_channels, si_py, seed=42):
    folder = Path(cache) / (f"gt{n_channels}" + (f"s{seed}" if seed != 42 else ""))
    if (folder / "meta.json").exists():
        return folder
    if si_py is None:
        raise SystemExit(f"no ground truth in {folder} and no SpikeInterface venv to make it")
    print(f"generating ground truth {folder} ...", flush=True)
    subprocess.run([str(si_py), str(HERE / "si_detect_peer.py"), "generate", str(folder),
                    str(n_channels), str(SPECS.get(n_channels, 30.)), str(seed)], check=True)
    return folder


def score(folder, times, channels, positions):
    """(recall on SNR >= 5 units, precision, n_detected) of detections ``(times, channels)``
    (channel = index into ``positions``)."""
    gt_t = np.load(folder / "gt_times.npy")
    gt_u = np.load(folder / "gt_units.npy")
    peak = np.load(folder / "unit_peak_channels.npy")
    snr = np.load(folder / "unit_snr.npy")
    pos = np.load(folder / "channel_positions.npy")
    sr = json.loads((folder / "meta.json").read_text())["sample_rate"]
    tol = int(round(TOL_MS * 1e-3 * sr))
    order = np.argsort(gt_t, kind="stable")
    gt_t, gt_u = gt_t[order], gt_u[order]
    det_pos = positions[channels]
    lo = np.searchsorted(gt_t, times - tol, side="left")
    hi = np.searchsorted(gt_t, times + tol, side="right")
    di, gj, dt = [], [], []
    for i in range(len(times)):
        for j in range(lo[i], hi[i]):
            if np.linalg.norm(det_pos[i] - pos[peak[gt_u[j]]]) <= TOL_UM:
                di.append(i)
                gj.append(j)
                dt.append(abs(int(times[i]) - int(gt_t[j])))
    used_d = np.zeros(len(times), bool)
    used_g = np.zeros(len(gt_t), bool)
    for k in np.argsort(dt, kind="stable"):
        if not used_d[di[k]] and not used_g[gj[k]]:
            used_d[di[k]] = used_g[gj[k]] = True
    good = snr[gt_u] >= SNR_MIN
    recall = used_g[good].mean() if good.any() else float("nan")
    precision = used_d.mean() if len(times) else float("nan")
    return recall, precision


def io_bound(path, n_channels, sr, block_s=1.):
    """× real time of reading the file in 1-s blocks (warm page cache)."""
    row = n_channels * 2
    step = int(sr * block_s) * row
    buf = bytearray(step)
    size = Path(path).stat().st_size
    for _ in range(2):
        t0 = time.perf_counter()
        with open(path, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass
        dt = time.perf_counter() - t0
    return size / row / sr / dt


def stage_shares(folder, meta, kwargs):
    """Seconds per stage of our pipeline over all blocks (thread CPU time)."""
    from phyclone.detect.config import DetectParams
    from phyclone.detect.detectors import detect_events
    from phyclone.detect.features import event_features
    from phyclone.detect.prepare import prepare
    from phyclone.detect.sinc import subsample_peaks
    T = {}
    t0 = time.thread_time()
    ctx, _ = prepare(folder / "recording.dat", folder / "channel_positions.npy", None,
                     DetectParams(**kwargs), meta["n_channels"], meta["sample_rate"], "int16")
    T["noise + PCA basis"] = time.thread_time() - t0

    def tm(name, f, *a):
        t = time.thread_time()
        r = f(*a)
        T[name] = T.get(name, 0) + time.thread_time() - t
        return r
    for k in range(-(-ctx.hi // ctx.block)):
        a, b = ctx.bounds(k)
        m = ctx.det_margin
        x = tm("read + filter", ctx.filtered, a - m, b + m)
        t, c, _ = tm("detect + lockout", detect_events, x, a - m, m, m + b - a, ctx.thresholds,
                     ctx.thr_len, ctx.neighbours, ctx.lockout, ctx.sign, ctx.method,
                     ctx.phase_window, ctx.phase_ratio, ctx.thr_start, ctx.near,
                     ctx.prominence, ctx.ahead)
        rows = t - (a - m)
        fine = tm("sinc times + features", subsample_peaks, x, rows, c, ctx.interpolate,
                  ctx.delays)
        tm("sinc times + features", event_features, x, rows, c, fine - rows - ctx.delays[c],
           ctx.local, ctx.basis, ctx.n_before, ctx.interpolate)
    return T


def peak_rss(folder, meta, out, jobs):
    """Peak RSS (MB) of a fresh process running ``detect`` end to end with ``jobs`` threads."""
    # VmHWM (not ru_maxrss, which keeps the parent's high-water mark across fork + exec)
    code = ("import sys; from phyclone.detect import detect; "
            "detect(sys.argv[1], probe=sys.argv[2], n_channels=int(sys.argv[3]), "
            "sample_rate=float(sys.argv[4]), out_dir=sys.argv[5], jobs=int(sys.argv[6]), "
            "force=True); print([l.split()[1] for l in open('/proc/self/status') "
            "if l.startswith('VmHWM')][0])")
    r = subprocess.run([sys.executable, "-c", code, str(folder / "recording.dat"),
                        str(folder / "channel_positions.npy"), str(meta["n_channels"]),
                        str(meta["sample_rate"]), str(out), str(jobs)],
                       capture_output=True, text=True, check=True, env=_one_core_env())
    return int(r.stdout.split()[-1]) / 1024


_FRESH = """
import json, shutil, sys, tempfile, time
from pathlib import Path
import numpy as np
from phyclone.detect import detect
raw, probe, n, sr, out, jobs = sys.argv[1:7]
# warm-up on 4 channels with 1,000 spikes (every kernel loaded, the clustering's too), no
# large buffer used before the run
w = Path(tempfile.mkdtemp())
x = np.random.default_rng(0).normal(0, 20, (60000, 4))
x[np.arange(30, 60000, 60)[:, None] + np.arange(-2, 3), np.arange(1000)[:, None] % 4] -= 400
x.astype(np.int16).tofile(w / "w.dat")
np.save(w / "p.npy", np.c_[np.zeros(4), np.arange(4) * 20.])
detect(w / "w.dat", probe=w / "p.npy", n_channels=4, sample_rate=30000., dtype="int16",
       out_dir=w / "o", jobs=int(jobs))
shutil.rmtree(w)
t = time.perf_counter()
ev = detect(raw, probe=probe, n_channels=int(n), sample_rate=float(sr), dtype="int16",
            out_dir=out, jobs=int(jobs), force=True)
print(json.dumps(dict(total=time.perf_counter() - t, blocks=ev.timings["blocks"])))
"""


def fresh(folder, meta, out, jobs, raw=None):
    """(wall time, blocks time) of one run in a fresh process, as a ``phy detect`` command
    runs (its start-up and the loading of the compiled kernels excluded); ``raw``: another
    recording of the same probe."""
    r = subprocess.run([sys.executable, "-c", _FRESH, str(raw or folder / "recording.dat"),
                        str(folder / "channel_positions.npy"), str(meta["n_channels"]),
                        str(meta["sample_rate"]), str(out), str(jobs)],
                       capture_output=True, text=True, check=True, env=_one_core_env())
    d = json.loads(r.stdout.strip().splitlines()[-1])
    return d["total"], d["blocks"]


def fresh_threads(folder, meta, tmp, repeat, raw=None):
    """Best of ``repeat`` fresh runs with 1 and with 2 threads, alternated (the machine's
    load varies): ((wall, blocks) with 1, (wall, blocks) with 2)."""
    runs = {1: [], 2: []}
    for _ in range(repeat):
        for jobs in (1, 2):
            runs[jobs].append(fresh(folder, meta, tmp / f"f{jobs}", jobs, raw))
    return tuple(tuple(min(r[i] for r in runs[jobs]) for i in (0, 1)) for jobs in (1, 2))


def repeated(folder, reps):
    """The recording ``reps`` times end to end: a longer recording of the same probe (a file
    made once beside it)."""
    src, dst = folder / "recording.dat", folder / f"recording_x{reps}.dat"
    if not dst.exists() or dst.stat().st_size != reps * src.stat().st_size:
        tmp = dst.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            for _ in range(reps):
                with open(src, "rb") as g:
                    shutil.copyfileobj(g, f, 1 << 24)
        os.replace(tmp, dst)
    return dst


def machine_ceiling(seconds, repeat):
    """What two threads give on this machine for work that shares perfectly (a numba loop
    of arithmetic, no memory traffic, no I/O) lasting ``seconds`` in one thread: best of
    ``repeat`` alternated (1 thread, 2 threads) ratios, like the lines above."""
    import numba

    @numba.njit(nogil=True)
    def spin(n):
        s = 0.
        for i in range(n):
            s += np.sqrt(i * 1.0001)
        return s
    spin(1000)
    t = time.perf_counter()
    spin(1 << 22)
    n = int((1 << 22) * seconds / (time.perf_counter() - t))
    return _one_vs_two(lambda: spin(n), [lambda: spin(n // 2)] * 2, repeat)


def memory_ceiling(seconds, repeat, mb=46):
    """The same for work bound by memory traffic: a numba loop streaming three arrays of
    ``mb`` MB per thread (a 384-channel block's buffers are 46 MB), ``a = b + 1.5 c``."""
    import numba

    @numba.njit(nogil=True)
    def triad(a, b, c, reps):
        for _ in range(reps):
            for i in range(len(a)):
                a[i] = b[i] + np.float32(1.5) * c[i]
    n = mb * (1 << 20) // 4
    arrays = [[np.ones(n, np.float32) for _ in range(3)] for _ in range(2)]
    triad(*arrays[0], 1)
    triad(*arrays[1], 1)
    t = time.perf_counter()
    triad(*arrays[0], 2)
    reps = max(2, int(2 * seconds / (time.perf_counter() - t)))
    return _one_vs_two(lambda: triad(*arrays[0], reps),
                       [lambda k=k: triad(*arrays[k], reps // 2) for k in range(2)], repeat)


def _one_vs_two(one, halves, repeat):
    """Best time of ``one()`` over best time of the two ``halves`` run in two threads at
    once, alternated ``repeat`` times."""
    import threading
    t1, t2 = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        one()
        t1.append(time.perf_counter() - t)
        ths = [threading.Thread(target=h) for h in halves]
        t = time.perf_counter()
        for th in ths:
            th.start()
        for th in ths:
            th.join()
        t2.append(time.perf_counter() - t)
    return min(t1) / min(t2)


def ours(folder, meta, out, jobs=1, scheduler=None, **kwargs):
    """(events, wall time, process CPU time) of one end-to-end run."""
    from phyclone.detect import detect
    c0, t0 = time.process_time(), time.perf_counter()
    ev = detect(folder / "recording.dat", probe=folder / "channel_positions.npy",
                n_channels=meta["n_channels"], sample_rate=meta["sample_rate"], dtype="int16",
                out_dir=out, jobs=jobs, scheduler=scheduler, force=True, **kwargs)
    return ev, time.perf_counter() - t0, time.process_time() - c0


def run_dataset(n_channels, args, si_py):
    folder = ensure_ground_truth(args.cache, n_channels, si_py, args.seed)
    meta = json.loads((folder / "meta.json").read_text())
    dur = meta["duration"]
    pos = np.load(folder / "channel_positions.npy")
    kwargs = {}  # the defaults
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ours(folder, meta, tmp / "warm", **kwargs)  # compile / page cache
        runs = [ours(folder, meta, tmp / f"o{i}", **kwargs) for i in range(args.repeat)]
        ev = runs[0][0]
        t_ours, c_ours = min(r[1] for r in runs), min(r[2] for r in runs)
        rec, prec = score(folder, ev.times, ev.channels, pos)
        rows["phyclone"] = dict(time=t_ours, cpu=c_ours, recall=rec, precision=prec,
                                n=len(ev.times))
        # with SpikeInterface's preprocessing: its common median reference
        med = [ours(folder, meta, tmp / f"m{i}", reference="median")
               for i in range(args.repeat)]
        rec_m, prec_m = score(folder, med[0][0].times, med[0][0].channels, pos)
        rows["phyclone --reference median"] = dict(
            time=min(r[1] for r in med), cpu=min(r[2] for r in med), recall=rec_m,
            precision=prec_m, n=len(med[0][0].times))
        del med
        if si_py is not None and not args.skip_si:
            js = tmp / "si.json"
            subprocess.run([str(si_py), str(HERE / "si_detect_peer.py"), "detect",
                            str(folder), str(js)], check=True, env=_one_core_env())
            si = json.loads(js.read_text())
            st = np.load(folder / "si_peaks_times.npy")
            sc = np.load(folder / "si_peaks_channels.npy")
            rec, prec = score(folder, st, sc, pos)
            rows["SpikeInterface"] = dict(time=si["total"], cpu=si["cpu"], recall=rec,
                                          precision=prec, n=len(st), stages=si)
        shares = stage_shares(folder, meta, kwargs)
        io = io_bound(folder / "recording.dat", n_channels, meta["sample_rate"])
        t1, t2, b1, b2 = [], [], [], []
        for _ in range(args.repeat):  # alternated, best of each (the machine's load varies)
            ev1, t, _ = ours(folder, meta, tmp / "t1", jobs=1, **kwargs)
            t1.append(t)
            b1.append(ev1.timings["blocks"])
            ev2, t, _ = ours(folder, meta, tmp / "t2", jobs=2, **kwargs)
            t2.append(t)
            b2.append(ev2.timings["blocks"])
        t1, t2, b1, b2 = min(t1), min(t2), min(b1), min(b2)
        f1, f2 = fresh_threads(folder, meta, tmp, args.repeat)
        ceiling = machine_ceiling(f1[0], args.repeat)
        memory = memory_ceiling(f1[0], args.repeat)
        rss = peak_rss(folder, meta, tmp / "rss", 2)
        longer = None
        if args.long and n_channels <= 64:  # a short run: the same recording, longer
            raw = repeated(folder, args.long)
            fresh(folder, meta, tmp / "l1", 1, raw)  # page cache
            longer = fresh_threads(folder, meta, tmp, args.repeat, raw)
        same_threads = np.array_equal(ev2.times, ev.times) and \
            np.array_equal(ev2.channels, ev.channels)
        dask_same = None
        if not args.skip_dask:
            from distributed import Client, LocalCluster
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              dashboard_address=None, silence_logs=logging.CRITICAL) as cl, \
                    Client(cl) as client:  # (no worker's heartbeat error at the close)
                evd, _, _ = ours(folder, meta, tmp / "dask", scheduler=client, **kwargs)
            dask_same = np.array_equal(evd.times, ev.times) and \
                np.array_equal(evd.channels, ev.channels) and \
                np.array_equal(evd.amplitudes, ev.amplitudes)
    print(f"\n## {n_channels} channels, {dur:g} s, {meta['n_units']} units, seed {meta['seed']} "
          f"({len(np.load(folder / 'gt_times.npy'))} GT spikes)")
    print("| pipeline | end to end (s) | × real time | CPU (s) | CPU × real time | "
          "recall (SNR≥5) | precision | events |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['time']:.2f} | {dur / r['time']:.1f} | {r['cpu']:.2f} | "
              f"{dur / r['cpu']:.1f} | {r['recall']:.4f} | {r['precision']:.4f} | {r['n']} |")
    if "SpikeInterface" in rows:
        si = rows["SpikeInterface"]
        print(f"\nspeed-up vs SpikeInterface: ×{si['time'] / t_ours:.1f} wall, "
              f"×{si['cpu'] / c_ours:.1f} CPU"
              f"  (SI stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in
                                            rows['SpikeInterface']['stages'].items()
                                            if k not in ('n_peaks', 'total', 'cpu')) + ")")
        med = rows["phyclone --reference median"]
        print(f"with the same common median reference as SpikeInterface: "
              f"×{si['time'] / med['time']:.1f} wall, ×{si['cpu'] / med['cpu']:.1f} CPU")
    tot = sum(shares.values())
    print("our stages (thread CPU time): " + ", ".join(
        f"{k} {100 * v / tot:.0f}%" for k, v in shares.items()) + f" (sum {tot:.2f} s)")
    print(f"IO bound (bare read of the .dat, warm): ×{io:.0f} real time")
    print(f"peak RSS of a run with 2 threads (fresh process): {rss:.0f} MB")
    print(f"threads (best of {args.repeat}): 1 → {t1:.2f} s, 2 → {t2:.2f} s (×{t1 / t2:.2f}), "
          f"identical events: {same_threads}; the blocks alone (filter, detect, features): "
          f"{b1:.2f} → {b2:.2f} s (×{b1 / b2:.2f})")
    print(f"threads, fresh processes (best of {args.repeat}, as `phy detect` runs): "
          f"1 → {f1[0]:.2f} s, 2 → {f2[0]:.2f} s (×{f1[0] / f2[0]:.2f}); the blocks alone "
          f"{f1[1]:.2f} → {f2[1]:.2f} s (×{f1[1] / f2[1]:.2f}); outside the blocks "
          f"{f1[0] - f1[1]:.3f} → {f2[0] - f2[1]:.3f} s")
    print(f"this machine's ceiling (best of {args.repeat}, arithmetic alone, {f1[0]:.2f} s in "
          f"one thread): ×{ceiling:.2f}; streaming 3 × 46 MB per thread: ×{memory:.2f}")
    if longer is not None:
        (l1, lb1), (l2, lb2) = longer
        print(f"threads on a {args.long * dur:g}-s recording (this one {args.long} times end "
              f"to end), fresh processes (best of {args.repeat}): 1 → {l1:.2f} s, 2 → "
              f"{l2:.2f} s (×{l1 / l2:.2f}); the blocks alone {lb1:.2f} → {lb2:.2f} s "
              f"(×{lb1 / lb2:.2f})")
    if dask_same is not None:
        print(f"dask LocalCluster (2 processes): identical events: {dask_same}")


def _one_core_env():
    env = dict(os.environ)
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
              "NUMBA_NUM_THREADS"):
        env[k] = "1"
    return env


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default=Path.home() / ".cache" / "phyclone" / "bench", type=Path)
    ap.add_argument("--si-venv", default=str(peer_venv("si", "PHYCLONE_PEER_SI")))
    ap.add_argument("--datasets", default="384,32")
    ap.add_argument("--seed", type=int, default=42,
                    help="seed of the ground truth (42: gt<N>, else gt<N>s<seed>)")
    ap.add_argument("--skip-si", action="store_true")
    ap.add_argument("--skip-dask", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs of ours (best is reported)")
    ap.add_argument("--long", type=int, default=10,
                    help="threads also on the recording this many times end to end (datasets "
                         "of ≤ 64 channels; 0: not)")
    args = ap.parse_args()
    for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(k, "1")
    si_py = si_python(args.si_venv)
    print(f"# bench_detect ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.1f})")
    for n in [int(s) for s in args.datasets.split(",")]:
        run_dataset(n, args, si_py)


if __name__ == "__main__":
    sys.exit(main())
