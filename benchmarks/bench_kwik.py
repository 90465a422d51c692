"""Benchmark: open a 1e6-spike Kwik dataset: the model's first accesses, and ``phy kwik-gui``
from process start to the first painted frame of every view.

The dataset (32 channels, 100 clusters, 3 features per channel in the .kwx, 5 s of raw data
in a .raw.kwd, spikes over 1000 s at 30 kHz) is written once into
~/.cache/phyclone/bench/kwik_1e6/ (or --data DIR) and reused. Goal: the Kwik GUI opens in < 3 s.

GUI: every run is a fresh process running the real ``phy kwik-gui`` command (a short prologue
only listens to events) on a working copy of the dataset (the .kwik copied, the .kwx and raw
data linked), the first run with no cache (``cold``: no ``.phy`` folder), the others reusing it
(``warm``). Times are wall-clock seconds from just before the process is started. Once every
view has painted its first frame, the largest cluster is selected and the time until every
view has drawn it is measured too. The package's bytecode is compiled first (as ``pip
install`` does). Without a display, the script re-runs itself under Xvfb.

    PYTHONPATH=. python benchmarks/bench_kwik.py [--data DIR] [--repeat N] [--gui-runs N]
        [--no-model] [--no-gui]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from phyclone.io.kwik.creator import synthetic_kwik
from phyclone.io.kwik.model import KwikModel

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _paths import dataset  # noqa: E402

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
            "from phyclone.io.kwik.model import KwikModel; "
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


ROOT = Path(__file__).resolve().parents[1]

# The prologue of a `phy kwik-gui` process: it listens to the events, then runs the command.
GUI_CHILD = r"""
import json, os, resource, sys, time
T0 = float(os.environ["BENCH_T0"])
out = {"python_up": time.time() - T0}
from phyclone.utils import connect


def on_gui_ready(controller, gui):
    from phyclone.plot import BaseCanvas
    from phyclone.qt import QTimer
    out["gui_created"] = time.time() - T0
    first, painted, state = {}, {}, {}
    paint = BaseCanvas.paintGL

    def paintGL(self):
        paint(self)
        first.setdefault(id(self), time.time() - T0)
    BaseCanvas.paintGL = paintGL
    connect(lambda view, *a: painted.setdefault(id(view), time.time() - T0),
            event="view_painted")
    views = [v for v in gui.views if hasattr(v, "canvas")]
    followers = [v for v in views if hasattr(v, "n_plots_done")]

    def poll():
        now = time.time() - T0
        if "selected" not in state:
            if all(id(v.canvas) in first for v in views) or now > 120:
                out["views"] = {type(v).__name__: first.get(id(v.canvas)) for v in views}
                out["first_frame_every_view"] = max(first.values(), default=None)
                s = controller.supervisor
                painted.clear()
                state["selected"] = time.time() - T0
                s.select([int(s.cluster_view.shown_ids()[0])])
            return
        if all(id(v) in painted for v in followers) or now > 240:
            out["selection_drawn_every_view"] = max(painted.values(), default=None)
            out["selection_to_drawn"] = out["selection_drawn_every_view"] - state["selected"]
            out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            out["gl"] = getattr(controller, "gl_info", {}).get("renderer")
            timer.stop()
            print("BENCH " + json.dumps(out), flush=True)
            gui.close()

    timer = QTimer(gui)  # owned by the window: not garbage-collected
    timer.timeout.connect(poll)
    timer.start(5)


connect(on_gui_ready, event="gui_ready")
from phyclone.apps.cli import phycli
phycli(["kwik-gui", sys.argv[1]])
"""


def working_copy(kwik, dest):
    """The .kwik copied (saving rewrites it), the .kwx and raw data linked."""
    dest.mkdir(parents=True)
    for p in kwik.parent.iterdir():
        if p.name.startswith(kwik.stem + "."):
            if p.suffix == ".kwik":
                shutil.copyfile(p, dest / p.name)
            else:
                (dest / p.name).symlink_to(p.resolve())
    return dest / kwik.name


def gui_runs(kwik, n_runs):
    """``phy kwik-gui`` in fresh processes: the first on a fresh working copy, then warm."""
    import compileall
    compileall.compile_dir(str(ROOT / "phyclone"), quiet=1)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-kwik-gui-") as tmp:
        copy = working_copy(kwik, Path(tmp) / "data")
        env = dict(os.environ, PYTHONPATH=str(ROOT), PHYCLONE_NONINTERACTIVE="1",
                   PHYCLONE_CONFIG_DIR=str(Path(tmp) / "config"))
        for _ in range(n_runs):
            env["BENCH_T0"] = repr(time.time())
            res = subprocess.run([sys.executable, "-c", GUI_CHILD, str(copy)], env=env,
                                 capture_output=True, text=True, timeout=600)
            line = next((x for x in res.stdout.splitlines() if x.startswith("BENCH ")), None)
            if res.returncode != 0 or line is None:
                raise RuntimeError(f"phy kwik-gui failed ({res.returncode}):\n"
                                   f"{res.stderr[-3000:]}")
            results.append(json.loads(line[len("BENCH "):]))
    return results


def print_gui_table(results):
    cold, warm = results[0], results[1:]

    def cell(key, runs, view=None):
        values = [(r["views"].get(view) if view else r.get(key)) for r in runs]
        values = [v for v in values if v is not None]
        if not values:
            return "-"
        if len(values) == 1:
            return f"{values[0]:.2f}"
        return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"

    print(f"\nphy kwik-gui, wall time (s) from process start; OpenGL: {cold.get('gl')}; "
          f"warm: median (min-max) of {len(warm)} runs")
    print(f"{'step':<46} {'cold cache':>11} {'warm cache':>22}")
    print("-" * 81)
    rows = [("Python started (interpreter + prologue)", "python_up", None),
            ("GUI created (model, controller, views)", "gui_created", None)]
    rows += [(f"  first frame: {name}", None, name) for name in cold["views"]]
    rows += [("first frame of every view", "first_frame_every_view", None),
             ("largest cluster drawn in every view", "selection_drawn_every_view", None),
             ("  (from its selection)", "selection_to_drawn", None),
             ("peak RSS (MB)", "peak_rss_mb", None)]
    for name, key, view in rows:
        print(f"{name:<46} {cell(key, [cold], view):>11} {cell(key, warm, view):>22}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(dataset("kwik_1e6")),
                        help="dataset folder, written there when missing (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--gui-runs", type=int, default=4,
                        help="phy kwik-gui processes: one with a cold cache, then warm ones.")
    parser.add_argument("--no-model", action="store_true", help="Skip the model benchmark.")
    parser.add_argument("--no-gui", action="store_true", help="Skip the GUI benchmark.")
    args = parser.parse_args()
    if not args.no_gui and not os.environ.get("DISPLAY"):
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24 -nolisten tcp",
                               sys.executable, *sys.argv])
    kwik = ensure_dataset(Path(args.data))
    if not args.no_model:
        model_benchmark(kwik, args)
    if not args.no_gui:
        print_gui_table(gui_runs(kwik, max(2, args.gui_runs)))


def model_benchmark(kwik, args):
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
