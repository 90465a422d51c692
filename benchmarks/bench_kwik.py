"""Benchmark: open a 1e6-spike Kwik dataset and do the first accesses the GUI needs.

The dataset (32 channels, 100 clusters, 3 features per channel in the .kwx, 5 s of raw data
in a .raw.kwd, spikes over 1000 s at 30 kHz) is written once into /work/bench_data/kwik_1e6/
(or --data DIR) and reused. Goal: the Kwik GUI opens in < 3 s, so opening the model must take
well under 1 s.

    PYTHONPATH=. python benchmarks/bench_kwik.py [--data DIR] [--repeat N]
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from phyclone.io.kwik_creator import synthetic_kwik
from phyclone.io.kwik_model import KwikModel

N_SPIKES, N_CHANNELS, N_CLUSTERS = 1_000_000, 32, 100


def ensure_dataset(folder):
    kwik = folder / "bench.kwik"
    done = folder / "COMPLETE"
    if done.exists():
        return kwik
    folder.mkdir(parents=True, exist_ok=True)
    for p in folder.iterdir():
        p.unlink()
    t = time.perf_counter()
    print(f"Writing the dataset into {folder} (once)...", flush=True)
    synthetic_kwik(kwik, n_spikes=N_SPIKES, n_clusters=N_CLUSTERS, n_channels=N_CHANNELS,
                   n_groups=1, n_recordings=1, recording_duration=1000., raw_duration=5.,
                   sample_rate=30000., raw_format="kwd", seed=0)
    done.write_text("ok\n")
    print(f"  done in {time.perf_counter() - t:.1f} s", flush=True)
    return kwik


def best(func, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        func()
        times.append(time.perf_counter() - t)
    return min(times)


def fresh_process_open(kwik, repeat):
    """Import + open + the arrays the GUI reads first, in a new Python process."""
    code = ("import time; t = time.perf_counter(); "
            "from phyclone.io.kwik_model import KwikModel; "
            f"m = KwikModel({str(kwik)!r}); m.spike_clusters; m.cluster_ids; m.cluster_groups; "
            "m.spike_times; m.channel_positions; print(time.perf_counter() - t)")
    root = Path(__file__).resolve().parents[1]
    out = []
    for _ in range(repeat):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                             check=True)
        out.append(float(res.stdout.strip().splitlines()[-1]))
    return statistics.median(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/work/bench_data/kwik_1e6")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kwik = ensure_dataset(Path(args.data))
    r = args.repeat
    rows = []

    rows.append(("fresh process: import + open + first arrays", fresh_process_open(kwik, r)))
    rows.append(("KwikModel(path) (warm)", best(lambda: KwikModel(kwik).close(), r)))
    m = KwikModel(kwik)
    assert m.n_spikes == N_SPIKES and m.n_channels == N_CHANNELS
    rows.append(("cluster_ids + cluster_groups",
                 best(lambda: (setattr(m, "_cluster_ids", None), m.cluster_ids,
                               m.cluster_groups), r)))
    rows.append(("spike_times (1e6)", best(lambda: m.spike_times, r)))
    rng = np.random.default_rng(0)
    spc = np.nonzero(m.spike_clusters == m.cluster_ids[0])[0]
    feat_ids = np.sort(rng.choice(spc, min(2500, len(spc)), replace=False))
    rows.append(("features + masks, 2,500 spikes of a cluster",
                 best(lambda: (m.get_features(feat_ids), m.get_masks(feat_ids)), r)))
    amp_ids = np.sort(rng.choice(m.n_spikes, 10_000, replace=False))
    rows.append(("amplitudes, 10,000 spikes", best(lambda: m.amplitudes[amp_ids], r)))
    in_raw = np.nonzero(m.spike_samples < 5 * 30000 - 200)[0]
    wf_ids = np.sort(rng.choice(in_raw, 100, replace=False))
    m.get_waveforms(wf_ids[:1])  # first call imports scipy.signal and designs the filter
    rows.append(("filtered waveforms, 100 spikes x 32 channels",
                 best(lambda: m.get_waveforms(wf_ids), r)))
    rows.append(("traces, 1 s window x 32 channels", best(lambda: m.traces[30000:60000], r)))
    m.close()
    with tempfile.TemporaryDirectory() as tmp:  # save into a copy: the dataset stays as made
        copy = Path(tmp) / kwik.name
        shutil.copy(kwik, copy)
        m = KwikModel(copy)
        sc = m.spike_clusters.copy()
        sc[sc == m.cluster_ids[0]] = 1000
        groups = {int(c): "good" for c in m.cluster_ids[:10]}
        rows.append(("save (1e6 spike_clusters + groups, atomic)",
                     best(lambda: m.save(sc, groups), r)))
        m.close()

    size = sum(p.stat().st_size for p in Path(args.data).iterdir()) / 1e9
    print(f"\nKwik dataset: {N_SPIKES:,} spikes, {N_CHANNELS} channels, {N_CLUSTERS} clusters, "
          f"{size:.2f} GB on disk")
    print(f"{'operation':<48} {'time (s)':>9}")
    print("-" * 58)
    for name, t in rows:
        print(f"{name:<48} {t:>9.4f}")


if __name__ == "__main__":
    main()
