"""Correlograms of all pairs of clusters on Poisson spike trains.

Run: PYTHONPATH=. python benchmarks/bench_ccg.py [N_SPIKES N_CLUSTERS [REPS]] [--phylib [VENV]]

Without sizes: 1e6 spikes / 50 clusters and 1e7 / 200. Same trains as
shared/compare/phy_bench_ccg.py: 10 Hz per cluster (N sorted uniform integer samples over
N / (10 Hz × n_clusters) seconds at 30 kHz, uniform cluster labels, seed 0), bin 1 ms,
window 50 ms (51 bins). Each size runs in fresh processes: "compile" is the first call with an
empty numba cache, "cached" the first call of a new process once the cache exists, "warm" the
median of the next calls. "numpy" is the pure-numpy fallback (1e6 only).

``--phylib [VENV]`` also runs phylib's ``correlograms`` with the Python of that virtual
environment (or interpreter; default ``$PHYCLONE_PEER_PHY``, else
``~/.cache/phyclone/bench/phy-venv``) on the same trains and checks that the arrays are
identical.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

SR = 30000.

PHYLIB_CHECK = """
import sys, numpy as np
from phylib.stats.ccg import correlograms
d = np.load(sys.argv[1], allow_pickle=False)
# (s + 0.5) / sr: phylib truncates t * sr, this way it gets back exactly the integer sample s.
c = correlograms((d["t"] + 0.5) / d["sr"], d["sc"], cluster_ids=d["ids"], sample_rate=d["sr"],
                 bin_size=1e-3, window_size=50e-3)
np.save(sys.argv[2], c)
"""


def trains(n_spikes, n_clusters):
    rng = np.random.default_rng(0)
    duration = n_spikes / (10. * n_clusters)
    t = np.sort(rng.integers(0, int(duration * SR), n_spikes))
    sc = rng.integers(0, n_clusters, n_spikes).astype(np.int32)
    return t, sc


def run_one(n_spikes, n_clusters, reps, numpy_fallback=False):
    from phyclone.stats import _jit, correlograms
    if numpy_fallback:
        _jit.USE_NUMBA = False
    t, sc = trains(n_spikes, n_clusters)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        c = correlograms(t, sc, np.arange(n_clusters), SR, 1e-3, 50e-3)
        times.append(time.perf_counter() - t0)
    assert c.shape == (n_clusters, n_clusters, 51)
    return dict(times=times, total=int(c.sum()))


def child(args, env):
    out = subprocess.run([sys.executable, __file__, "--child"] + [str(a) for a in args],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def check_phylib(python, n_spikes, n_clusters):
    from phyclone.stats import correlograms
    t, sc = trains(n_spikes, n_clusters)
    ids = np.arange(n_clusters)
    with tempfile.TemporaryDirectory() as d:
        np.savez(os.path.join(d, "in.npz"), t=t, sc=sc, ids=ids, sr=SR)
        subprocess.run([python, "-c", PHYLIB_CHECK, os.path.join(d, "in.npz"),
                        os.path.join(d, "out.npy")], check=True)
        ref = np.load(os.path.join(d, "out.npy"), allow_pickle=False)
    ours = correlograms(t, sc, ids, SR, 1e-3, 50e-3)
    return ref.shape == ours.shape and np.array_equal(ref, ours)


def main():
    from _paths import default_phy_venv, phy_python
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    phylib = None
    if "--phylib" in sys.argv:
        i = sys.argv.index("--phylib")
        venv = sys.argv[i + 1] if i + 1 < len(sys.argv) else None
        if venv is not None and not venv.startswith("--") and os.path.exists(os.path.expanduser(venv)):
            args.remove(venv)
        else:
            venv = default_phy_venv()
        phylib = str(phy_python(venv))
    sizes = [(int(float(args[0])), int(args[1]))] if len(args) >= 2 else \
        [(1_000_000, 50), (10_000_000, 200)]
    reps = int(args[2]) if len(args) > 2 else 3
    rows = []
    for n, k in sizes:
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, NUMBA_CACHE_DIR=cache)
            compile_ = child([n, k, 1], env)["times"][0]
            res = child([n, k, reps + 1], env)
        warm = statistics.median(res["times"][1:])
        fallback = (statistics.median(child([n, k, 1, "numpy"], dict(os.environ))["times"])
                    if n <= 1_000_000 else None)
        same = check_phylib(phylib, n, k) if phylib else None
        rows.append((n, k, compile_, res["times"][0], warm, min(res["times"][1:]), fallback,
                     same, res["total"]))
        print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print("Correlograms, all pairs, bin 1 ms, window 50 ms (seconds)")
    print("| spikes / clusters | compile | cached | warm median | warm min | numpy | pairs "
          "| = phylib |")
    print("|---|---:|---:|---:|---:|---:|---:|:---:|")
    for n, k, c, f, w, m, fb, same, total in rows:
        fbs = f"{fb:.2f}" if fb is not None else "–"
        ss = {None: "–", True: "yes", False: "NO"}[same]
        print(f"| {n:.0e} / {k} | {c:.2f} | {f:.2f} | {w:.3f} | {m:.3f} | {fbs} | {total:,} "
              f"| {ss} |")
    print("loadavg:", " ".join(open("/proc/loadavg").read().split()[:3]))


if __name__ == "__main__":
    if "--child" in sys.argv:
        a = sys.argv[sys.argv.index("--child") + 1:]
        print(json.dumps(run_one(int(a[0]), int(a[1]), int(a[2]), len(a) > 3)))
    else:
        main()
