"""Synthetic dataset generation (``phy synthetic``): wall time, peak RSS and output size.

Usage (from the repository root):

    PYTHONPATH=. python benchmarks/bench_synthetic.py [--only small|ref] [--ref-out DIR]
        [--ref-raw-duration 120]

Each configuration runs in a fresh process (peak RSS is that process's ``ru_maxrss``), after a
tiny warm-up run that fills the numba cache. Configurations:
- ``small``: 32 channels (linear), 1e5 spikes, 64 clusters, 300 s of spike trains and raw data;
- ``ref``: the DESIGN reference dataset: 384 channels (Neuropixels), 1e7 spikes, 500 clusters,
  3600 s of spike trains, ``--ref-raw-duration`` s of raw data (default 120).
Outputs go to a temporary folder and are deleted, except the reference dataset when
``--ref-out`` is given (kept there, e.g. ~/.cache/phyclone/bench/ref_384ch_1e7).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from phyclone.io.synthetic.dataset import make_dataset
t_import = time.perf_counter() - t0
kwargs = json.loads(sys.argv[2])
t0 = time.perf_counter()
make_dataset(sys.argv[1], **kwargs)
t = time.perf_counter() - t0
d = Path(sys.argv[1])
size = sum(p.stat().st_size for p in d.rglob("*") if p.is_file())
print(json.dumps(dict(time_s=t, import_s=t_import, size_gb=size / 1e9,
                      raw_gb=(d / "raw.dat").stat().st_size / 1e9,
                      pc_features_gb=(d / "pc_features.npy").stat().st_size / 1e9,
                      peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)))
"""

CONFIGS = {
    "small": dict(n_channels=32, n_spikes=100_000, n_clusters=64, duration=300., probe="linear"),
    "ref": dict(n_channels=384, n_spikes=10_000_000, n_clusters=500, duration=3600.,
                probe="neuropixels"),
}


def run(out, kwargs):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    res = subprocess.run([sys.executable, "-c", CHILD, str(out), json.dumps(kwargs)], env=env,
                         capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"generation failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", choices=sorted(CONFIGS))
    ap.add_argument("--ref-out", help="keep the reference dataset in this (new) folder")
    ap.add_argument("--ref-raw-duration", type=float, default=120.)
    args = ap.parse_args()
    CONFIGS["ref"]["raw_duration"] = args.ref_raw_duration
    tmp = Path(tempfile.mkdtemp(prefix="bench_synthetic_"))
    try:
        run(tmp / "warmup", dict(n_channels=8, duration=2., n_clusters=4, progress=False))
        rows = []
        for name in ([args.only] if args.only else ["small", "ref"]):
            kw = dict(CONFIGS[name], seed=0, progress=False)
            out = Path(args.ref_out) if (name == "ref" and args.ref_out) else tmp / name
            r = run(out, kw)
            raw_s = kw.get("raw_duration", kw["duration"])
            rows.append((name, kw, raw_s, r))
            print(json.dumps(dict(config=name, **kw, **r)), flush=True)
            if out.parent == tmp:
                shutil.rmtree(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print("| config | channels | spikes | clusters | spike trains / raw (s) | time (s) "
          "| peak RSS (MB) | output (GB) | raw data (GB) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, kw, raw_s, r in rows:
        print(f"| {name} | {kw['n_channels']} | {kw['n_spikes']:.0e} | {kw['n_clusters']} "
              f"| {kw['duration']:g} / {raw_s:g} | {r['time_s']:.1f} | {r['peak_rss_mb']:.0f} "
              f"| {r['size_gb']:.2f} | {r['raw_gb']:.2f} |")


if __name__ == "__main__":
    main()
