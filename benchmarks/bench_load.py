"""Open a template-gui folder: time and peak RSS of ``load_model``, phyclone vs phy 2.1.

Usage (from the repository root):

    PYTHONPATH=. python benchmarks/bench_load.py DATASET_DIR [DATASET_DIR ...] [--runs 3]
        [--phy-venv DIR] [--curate]
    PYTHONPATH=. python benchmarks/bench_load.py --generate ~/.cache/phyclone/bench/ref_384ch_1e7

Each run is a fresh process (as shared/compare/phy_bench_load.py, whose child we
mirror: import time, load time, RSS after import / load, peak RSS, and the same first touch
``amplitudes.sum(); spike_times.sum()``), plus the first accesses the GUI makes.
phy runs on a mirror of the folder made of symbolic links, because phylib writes into the
folder it opens (spike_clusters.npy, whitening_mat_inv.npy). ``--curate`` also benchmarks a
curated copy (symbolic links + a spike_clusters.npy with merges of most templates), which
must open as fast as the uncurated folder. phy runs with the Python of ``--phy-venv``
(default ``$PHYCLONE_PEER_PHY``, see ``_paths.py``; skipped when absent). ``--generate`` writes the DESIGN reference dataset
(384 channels, 1e7 spikes over 3600 s, 500 clusters, 120 s of raw data) with ``phy synthetic``'s generator.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from _paths import add_phy_venv_option, compare_script, phy_python

REPO = Path(__file__).resolve().parent.parent
PHY_SCRIPT = compare_script("phy_bench_load.py")
KEYS = ["import_s", "load_s", "touch_s", "rss_after_import_mb", "rss_after_load_mb", "peak_rss_mb"]

CHILD = r'''
import json, resource, sys, time
def peak_mb():
    # VmHWM: peak RSS of this process image. ru_maxrss would include the RSS of the (large)
    # benchmark parent at fork time, which Linux carries across execve.
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t0 = time.perf_counter()
from phyclone.apps.template import load_model
t_imp = time.perf_counter() - t0
import numpy as np
rss0 = peak_mb()
t0 = time.perf_counter()
m = load_model(sys.argv[1])
t_load = time.perf_counter() - t0
rss1 = peak_mb()
t0 = time.perf_counter()
amp = m.amplitudes.sum(); st = m.spike_times.sum()
t_touch = time.perf_counter() - t0
peak = peak_mb()
first = {}
t0 = time.perf_counter(); tids = m.template_ids; first["template_index_s"] = time.perf_counter() - t0
t0 = time.perf_counter(); m.get_template(int(tids[0])); first["get_template_s"] = time.perf_counter() - t0
c = int(m.spike_clusters[0])
t0 = time.perf_counter(); sp = m.get_cluster_spikes(c); first["get_cluster_spikes_s"] = time.perf_counter() - t0
if m.traces is not None:
    inside = np.flatnonzero(np.asarray(m.spike_samples[:200000]) < m.traces.n_samples)[:100]
    ch = m.get_template_channels(int(tids[0]))
    for k in ("get_waveforms_100_first_s", "get_waveforms_100_warm_s"):
        t0 = time.perf_counter(); m.get_waveforms(inside, ch, filtered=True)
        first[k] = time.perf_counter() - t0
print(json.dumps(dict(import_s=t_imp, load_s=t_load, touch_s=t_touch,
    rss_after_import_mb=rss0, peak_rss_mb=peak, rss_after_load_mb=rss1, peak_rss_first_mb=peak_mb(),
    n_spikes=int(m.n_spikes), n_templates=int(m.n_templates),
    n_channels=int(m.n_channels), first=first)))
'''


def run_phyclone(dataset, runs):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = []
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-c", CHILD, str(Path(dataset) / "params.py")],
                           capture_output=True, text=True, env=env)
        if r.returncode:
            raise SystemExit(f"phyclone run failed on {dataset}:\n{r.stderr}")
        out.append(json.loads(r.stdout.strip().splitlines()[-1]))
    summ = {k: dict(min=round(min(r[k] for r in out), 3),
                    median=round(statistics.median(r[k] for r in out), 3))
            for k in KEYS + ["peak_rss_first_mb"]}
    summ["first"] = {k: round(statistics.median(r["first"][k] for r in out), 4)
                     for k in out[0]["first"]}
    summ.update({k: out[0][k] for k in ("n_spikes", "n_templates", "n_channels")})
    return summ


def symlink_mirror(src, dst, replace=None):
    """``dst`` with a symbolic link to every file of ``src`` (except ``replace``'s keys, which
    get the given arrays); params.py is copied."""
    dst.mkdir(parents=True, exist_ok=True)
    for p in Path(src).iterdir():
        if p.is_file() and p.name not in (replace or {}):
            if p.name == "params.py":
                shutil.copy(p, dst / p.name)
            else:
                os.symlink(p.resolve(), dst / p.name)
    for name, arr in (replace or {}).items():
        np.save(dst / name, arr)
    return dst


def run_phy(dataset, python):
    """phy's own script (3 fresh-process runs, min and median) on a symlink mirror, because
    phylib writes into the folder it opens."""
    with tempfile.TemporaryDirectory(prefix="phy-bench-") as tmp:
        mirror = symlink_mirror(dataset, Path(tmp) / Path(dataset).name)
        r = subprocess.run([str(python), str(PHY_SCRIPT), str(mirror)], capture_output=True,
                           text=True)
        if r.returncode:
            print(f"phy failed on {dataset}:\n{r.stderr[-2000:]}", file=sys.stderr)
            return None
        return json.loads(r.stdout.strip().splitlines()[-1])


def curate(dataset):
    """A curated sibling: most templates merged by pairs/triplets into new cluster ids."""
    dataset = Path(dataset)
    parent = dataset.parent if os.access(dataset.parent, os.W_OK) else \
        Path(tempfile.gettempdir()) / "phyclone-bench"
    dst = parent / (dataset.name + "_curated")
    if (dst / "params.py").exists():
        return dst
    st = np.load(dataset / "spike_templates.npy", mmap_mode="r", allow_pickle=False).reshape(-1)
    nt = int(st.max()) + 1
    rng = np.random.default_rng(0)
    mapping = np.arange(nt) + 0
    merged = rng.permutation(nt)[: 2 * nt // 3]
    mapping[merged] = nt + np.arange(len(merged)) // 3  # merges of 3 templates, new ids
    clusters = mapping[np.asarray(st)].astype(np.int32)
    clusters[::1000] = nt + len(merged)  # a split-off cluster spread over the whole recording
    symlink_mirror(dataset, dst, replace={"spike_clusters.npy": clusters})
    return dst


def generate(out):
    from phyclone.io.synthetic.dataset import make_dataset
    out = Path(out)
    if (out / "params.py").exists():
        print(f"{out} exists: reusing it")
        return out
    make_dataset(out, n_channels=384, n_clusters=500, n_spikes=10_000_000, duration=3600.,
                 raw_duration=120., probe="neuropixels", seed=0)
    return out


def _fmt(r, key):
    return "-" if r is None else f"{r[key]['median']:.3f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="*")
    ap.add_argument("--runs", type=int, default=3)
    add_phy_venv_option(ap)
    ap.add_argument("--curate", action="store_true", help="also benchmark a curated copy")
    ap.add_argument("--generate", metavar="OUT_DIR", help="write the reference dataset")
    args = ap.parse_args()
    datasets = list(args.datasets)
    if args.generate:
        datasets.append(str(generate(args.generate)))
    if args.curate:
        datasets += [str(curate(d)) for d in list(datasets)]
    phy_exe = phy_python(args.phy_venv)
    has_phy = phy_exe.exists() and PHY_SCRIPT.exists()
    rows = []
    for d in datasets:
        ours = run_phyclone(d, args.runs)
        phy = run_phy(d, phy_exe) if has_phy else None
        rows.append((d, ours, phy))
        print(json.dumps(dict(dataset=d, phyclone=ours, phy=phy)), file=sys.stderr)
    print("\n| dataset | spikes | ch | load phyclone (s) | load phy (s) | phy/phyclone | "
          "peak RSS phyclone (MB) | peak RSS phy (MB) | touch phyclone / phy (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for d, ours, phy in rows:
        ratio = "-" if phy is None else f"{phy['load_s']['median'] / ours['load_s']['median']:.1f}×"
        print(f"| {Path(d).name} | {ours['n_spikes']:.2g} | {ours['n_channels']} | "
              f"{_fmt(ours, 'load_s')} | {_fmt(phy, 'load_s')} | {ratio} | "
              f"{_fmt(ours, 'peak_rss_mb')} | {_fmt(phy, 'peak_rss_mb')} | "
              f"{_fmt(ours, 'touch_s')} / {_fmt(phy, 'touch_s')} |")
    print("\nFirst accesses (phyclone, median s; peak RSS after them): ")
    for d, ours, _ in rows:
        print(f"  {Path(d).name}: " + ", ".join(f"{k}={v}" for k, v in ours["first"].items())
              + f", peak RSS {ours['peak_rss_first_mb']['median']:.0f} MB")


if __name__ == "__main__":
    main()
