"""Waveforms of 100 spikes × 32 channels read from the raw data file, phyclone vs phy 2.1.

Usage (from the repository root):

    PYTHONPATH=. python benchmarks/bench_waveforms.py [DATASET_DIR ...] [--repeats 10]
        [--phy-venv DIR]

Default datasets: ``~/.cache/phyclone/bench/synth_32ch`` and ``synth_384ch``; phy runs with the
Python of ``--phy-venv`` (default ``$PHYCLONE_PEER_PHY``; skipped when absent).

For each folder: 100 random spikes inside the raw data (seeded), on the 32 channels nearest to
the peak channel of the first template; the waveform pool is ignored so that both read the raw
file. "raw" = ``get_waveforms``; "filtered" = phyclone's ``get_waveforms(filtered=True)``
(mean removed, phy's 150 Hz high-pass on windows read with 5 ms margins, so 4.7× more samples
are filtered at 30 kHz) vs what phy's controller does (``model.get_waveforms``, minus the
median, forward-backward ``lfilter`` of the bare window, whose start-up transient stays in
the waveform); "filtered, no margin" = phyclone filtering the bare window like phy. The
windows are read once beforehand (warm page cache for both); the first call in the process
and the median of the following calls are reported.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _paths import add_phy_venv_option, dataset, phy_python  # noqa: E402
from bench_load import symlink_mirror  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
N_SPIKES, N_CHANNELS = 100, 32

PHY_CHILD = r'''
import json, sys, time
import numpy as np
from scipy.signal import butter, lfilter
from phylib.io.model import load_model
args = json.load(open(sys.argv[2]))
m = load_model(sys.argv[1])
m.spike_waveforms = None
ids, ch = np.array(args["spike_ids"]), np.array(args["channel_ids"])
b, a = butter(3, 150.0 / m.sample_rate * 2.0, "high")
def filt(x):
    x = lfilter(b, a, x, axis=1)
    return np.flip(lfilter(b, a, np.flip(x, axis=1), axis=1), axis=1)
out = {"raw": [], "filtered": []}
for _ in range(args["repeats"]):
    t0 = time.perf_counter(); w = m.get_waveforms(ids, ch); out["raw"].append(time.perf_counter() - t0)
    t0 = time.perf_counter(); w = m.get_waveforms(ids, ch); w = w - np.median(w, axis=1)[:, None, :]
    w = filt(w); out["filtered"].append(time.perf_counter() - t0)
print(json.dumps(out))
'''


def selection(model, seed=0):
    rng = np.random.default_rng(seed)
    n_in = int(np.searchsorted(model.spike_samples, model.traces.n_samples - model.n_samples_waveforms))
    ids = np.sort(rng.choice(n_in, min(N_SPIKES, n_in), replace=False))
    from phyclone.io.template.templates import closest_channels
    peak = int(model.templates_channels[0]) if model.templates_channels is not None else 0
    ch = closest_channels(model.channel_positions, peak, min(N_CHANNELS, model.n_channels))
    return ids, ch


def bench_phyclone(model, ids, ch, repeats):
    from phyclone.io.template.waveforms import extract_waveforms
    model.spike_waveforms = None  # read the raw file, as phy does without a pool
    model.hp_filtered = False  # phy's controller filters whatever params.py says
    model.traces.read_windows(model.spike_samples[ids] - 1000, 2000)  # warm the page cache
    samples = np.asarray(model.spike_samples[ids])
    calls = {
        "raw": lambda: model.get_waveforms(ids, ch),
        "filtered": lambda: model.get_waveforms(ids, ch, filtered=True),
        "filtered, no margin": lambda: extract_waveforms(
            model.traces, samples, ch, model.n_samples_waveforms, filter=True, margin=0),
    }
    out = {k: [] for k in calls}
    for _ in range(repeats):
        for k, f in calls.items():
            t0 = time.perf_counter()
            f()
            out[k].append(time.perf_counter() - t0)
    return out


def bench_phy(dataset, ids, ch, repeats, python):
    with tempfile.TemporaryDirectory(prefix="phy-bench-") as tmp:
        mirror = symlink_mirror(dataset, Path(tmp) / "ds")
        args = Path(tmp) / "args.json"
        args.write_text(json.dumps(dict(spike_ids=ids.tolist(), channel_ids=ch.tolist(),
                                        repeats=repeats)))
        r = subprocess.run([str(python), "-c", PHY_CHILD, str(mirror / "params.py"), str(args)],
                           capture_output=True, text=True)
        if r.returncode:
            print(f"phy failed:\n{r.stderr[-2000:]}", file=sys.stderr)
            return None
        return json.loads(r.stdout.strip().splitlines()[-1])


def _cell(times):
    if times is None:
        return "-", "-"
    return f"{times[0] * 1e3:.1f}", f"{statistics.median(times[1:] or times) * 1e3:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("datasets", nargs="*",
                    default=[str(dataset("synth_32ch")), str(dataset("synth_384ch"))])
    ap.add_argument("--repeats", type=int, default=10)
    add_phy_venv_option(ap)
    args = ap.parse_args()
    from phyclone.apps.template import load_model
    phy_exe = phy_python(args.phy_venv)
    has_phy = phy_exe.exists()
    print("| dataset | waveforms | phyclone first / median (ms) | phy first / median (ms) | "
          "phy/phyclone (median) |")
    print("|---|---|---|---|---|")
    for d in args.datasets:
        os.sync()
        model = load_model(Path(d) / "params.py")
        ids, ch = selection(model)
        ours = bench_phyclone(model, ids, ch, args.repeats)
        phy = bench_phy(d, ids, ch, args.repeats, phy_exe) if has_phy else None
        for kind in ("raw", "filtered", "filtered, no margin"):
            ref = "filtered" if kind.startswith("filtered") else kind
            o, p = _cell(ours[kind]), _cell(phy[ref] if phy else None)
            ratio = "-" if phy is None else \
                f"{statistics.median(phy[ref][1:]) / statistics.median(ours[kind][1:]):.1f}×"
            print(f"| {Path(d).name} ({len(ids)} spikes × {len(ch)} ch) | {kind} | "
                  f"{o[0]} / {o[1]} | {p[0]} / {p[1]} | {ratio} |")
        model.close()


if __name__ == "__main__":
    main()
