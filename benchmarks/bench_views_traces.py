"""Trace view: time to show a new interval (read + filter in the worker, plot, paint).

Usage (from the repository root, under Xvfb):

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1280x1024x24" python benchmarks/bench_views_traces.py \
        [DATASET_DIR ...] [--repeats 5] [--size 1200x800] [--phy-venv DIR]

Default datasets: the ``phy synthetic`` folders ``~/.cache/phyclone/bench/synth_32ch`` and
``synth_384ch`` (30 kHz int16 raw data; see benchmarks/README.md to make them). For 1 s and 10 s windows, intervals at ``repeats``
different places of the recording are shown with the largest cluster selected, its spikes
coloured: first end-to-end as in the GUI (the interval read for the first time in the
process; the OS page cache may hold it from earlier runs), then step by step. The data function is phy's
controller's (``get_trace_interval``: raw slice with margins, 150 Hz zero-phase high-pass,
the selected cluster's spike waveforms on its best channels).

Columns (medians, ms): ``data`` = ``traces(interval)`` (read + filter), ``prepare`` = the rest
of the worker-thread preparation (auto-scale, min/max envelope, waveform arrays), ``plot`` =
the GUI-thread upload of the arrays (what blocks the GUI), ``paint`` = one OpenGL frame with
read-back (``grab_image``), ``end-to-end`` = ``set_interval`` → frame painted, threaded as in
the GUI (includes the first numba kernel loads of the process in the first interval: the
median hides them). Also the number of trace vertices drawn and the trace image view at 10 s.
"""

import argparse
import json
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

DEFAULT = [str(dataset("synth_32ch")), str(dataset("synth_384ch"))]

# phy 2.1's TraceView with its controller's data function (select_traces, the default
# 150 Hz high-pass RawDataFilter, _iter_spike_waveforms), on the same intervals and channels.
# set_interval runs everything on the GUI thread; then one paint.
PHY_CHILD = r'''
import json, statistics, sys, tempfile, time
import numpy as np
from phy.gui.qt import QApplication, create_app
import phy.plot.base as pbase
PAINTS = []
_orig = pbase.BaseCanvas.paintGL
def _paint(self):
    _orig(self)
    PAINTS.append(time.perf_counter())
pbase.BaseCanvas.paintGL = _paint
app = create_app()
from phylib.io.model import load_model
from phylib.utils import Bunch
from phy.apps.base import RawDataFilter
from phy.cluster.views.trace import TraceView, select_traces, _iter_spike_waveforms
from phy.gui import GUI
args = json.load(open(sys.argv[2]))
m = load_model(sys.argv[1])
filt = RawDataFilter()
filt.add_default_filter(m.sample_rate)
class Supervisor:
    selected = [args["cluster"]]
ch = np.array(args["channel_ids"])
def traces(interval):
    tr = filt.apply(select_traces(m.traces, interval, sample_rate=m.sample_rate), axis=0)
    return Bunch(data=tr, waveforms=list(_iter_spike_waveforms(
        interval=interval, traces_interval=tr, model=m, supervisor=Supervisor,
        n_samples_waveforms=int(round(1e-3 * m.sample_rate)),
        get_best_channels=lambda c: (ch, np.ones(len(ch))), show_all_spikes=False)))
w, h = args["size"]
gui = GUI(config_dir=tempfile.mkdtemp(), size=(w, h))
view = TraceView(traces=traces, spike_times=lambda: None, sample_rate=m.sample_rate,
                 duration=m.duration, n_channels=m.n_channels,
                 channel_positions=m.channel_positions)
view.attach(gui)
gui.show()
gui.setGeometry(0, 0, w, h)
view.on_select([args["cluster"]])
def pump(t0, timeout=60):
    while not PAINTS or PAINTS[-1] < t0:
        QApplication.processEvents()
        if time.perf_counter() - t0 > timeout:
            break
pump(time.perf_counter() - 1)
out = {"sync": [], "paint": []}
for start in args["starts"]:
    t0 = time.perf_counter()
    view.set_interval((start, start + args["window"]))
    t1 = time.perf_counter()
    view.canvas.update()
    pump(t1)
    out["sync"].append(t1 - t0)
    out["paint"].append(PAINTS[-1] - t1)
print(json.dumps(out))
gui.close()
'''


def _median_ms(values):
    return 1e3 * statistics.median(values)


def _block_until(cond, timeout=60.):
    from phyclone.qt import QApplication
    t0 = time.perf_counter()
    while not cond():
        QApplication.processEvents()
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError("the view did not update")
        time.sleep(.0005)


def make_traces(model, view_ref, durations):
    """phy's controller data function; ``durations`` records how long each call took."""
    from phyclone.io.raw.trace_interval import get_trace_interval
    n_samples_waveforms = int(round(1e-3 * model.sample_rate))  # phy: 1 ms

    def traces(interval):
        view = view_ref[0]
        t0 = time.perf_counter()
        out = get_trace_interval(
            model.traces, interval, spike_samples=model.spike_samples,
            spike_clusters=model.spike_clusters, selected=view.cluster_ids,
            get_best_channels=model.get_cluster_channels,
            n_samples_waveforms=n_samples_waveforms, show_all_spikes=view.show_all_spikes)
        durations.append(time.perf_counter() - t0)
        return out
    return traces


def bench_view(cls, model, gui, cluster, window, repeats, rng):
    from phyclone.utils.event import emit

    class Supervisor:
        pass

    ref, durations = [None], []
    sr = model.sample_rate
    view = cls(traces=make_traces(model, ref, durations), sample_rate=sr,
               duration=model.duration,
               n_channels=model.n_channels, channel_positions=model.channel_positions,
               spike_times=lambda: model.spike_times[model.spike_clusters == cluster])
    ref[0] = view
    view.attach(gui)
    emit("select", Supervisor(), [cluster])
    _block_until(lambda: view.n_plots_done >= 1 and not view._runner.is_busy())
    starts = rng.uniform(0, model.duration - window, size=repeats)
    t = {k: [] for k in ("data", "prepare", "plot", "paint", "e2e")}
    width = int(view.canvas.width() * view.canvas.devicePixelRatioF())
    for start in starts:
        # End-to-end, threaded as in the GUI (the first time this interval is read).
        n = view.n_plots_done
        t0 = time.perf_counter()
        view.set_interval((start, start + window))
        _block_until(lambda: view.n_plots_done > n)
        view.canvas.grab_image()
        t["e2e"].append(time.perf_counter() - t0)
        # The same steps one after the other on this thread (data now in the page cache).
        interval = view._interval
        t1 = time.perf_counter()
        data = view.get_clusters_data([cluster], interval, True, None, width)
        t2 = time.perf_counter()
        view._on_data(view.cluster_ids, {}, data)
        t3 = time.perf_counter()
        view.canvas.grab_image()
        t4 = time.perf_counter()
        t["data"].append(durations[-1])
        t["prepare"].append(t2 - t1 - durations[-1])
        t["plot"].append(t3 - t2)
        t["paint"].append(t4 - t3)
    n_vertices = view.trace_visual.n_vertices
    n_spikes = len(view.data.waveforms.click[0]) if getattr(view.data, "waveforms", None) \
        else 0
    view.close()
    return {k: _median_ms(v) for k, v in t.items()}, n_vertices, n_spikes


def bench_phy(dataset, model, cluster, window, starts, size, python):
    """phy 2.1 in a subprocess: medians of set_interval (GUI thread) and of the paint."""
    with tempfile.TemporaryDirectory(prefix="phy-bench-") as tmp:
        mirror = symlink_mirror(dataset, Path(tmp) / "ds")  # phylib writes into its folder
        args = Path(tmp) / "args.json"
        args.write_text(json.dumps(dict(
            cluster=cluster, channel_ids=model.get_cluster_channels(cluster).tolist(),
            window=window, starts=[float(s) for s in starts], size=size)))
        r = subprocess.run([str(python), "-c", PHY_CHILD, str(mirror / "params.py"), str(args)],
                           capture_output=True, text=True)
        if r.returncode:
            print(f"phy failed:\n{r.stderr[-2000:]}", file=sys.stderr)
            return None
        out = json.loads(r.stdout.strip().splitlines()[-1])
        return {k: _median_ms(v) for k, v in out.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("datasets", nargs="*", default=DEFAULT)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--size", default="1200x800")
    add_phy_venv_option(p)
    args = p.parse_args()
    phy_exe = phy_python(args.phy_venv)

    from phyclone.cluster.views import TraceImageView, TraceView
    from phyclone.gui import GUI
    from phyclone.io.template.model import load_model
    from phyclone.qt import create_app
    app = create_app()  # noqa: F841 (kept alive)
    w, h = (int(x) for x in args.size.split("x"))
    rows = []
    for folder in args.datasets:
        model = load_model(Path(folder) / "params.py")
        counts = np.bincount(model.spike_clusters)
        cluster = int(np.argmax(counts))
        for cls, windows in ((TraceView, (1., 10.)), (TraceImageView, (10.,))):
            for window in windows:
                gui = GUI(name="BenchTraces", size=(w, h), config_dir="/tmp/bench-traces-cfg")
                gui.show()
                times, n_vertices, n_spikes = bench_view(
                    cls, model, gui, cluster, window, args.repeats, np.random.default_rng(0))
                gui.close()
                phy = None
                # phy 2.1 needs > 23 GB for 384 ch x 10 s (killed here): not run above 5e7 values.
                small = model.n_channels * window * model.sample_rate <= 5e7
                if cls is TraceView and small and phy_exe.exists():
                    starts = np.random.default_rng(0).uniform(
                        0, model.duration - window, size=args.repeats)
                    phy = bench_phy(folder, model, cluster, window, starts, (w, h), phy_exe)
                rows.append((f"{Path(folder).name} ({model.n_channels} ch)", cls.__name__,
                             window, times, n_vertices, n_spikes, phy))
                print(rows[-1], file=sys.stderr)
    print(f"\nInterval update, {args.size} window, median of {args.repeats} intervals (ms):\n")
    print("| dataset | view | window | data (read + filter) | prepare | plot (GUI thread) "
          "| paint | end-to-end | trace vertices | spikes drawn |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, view, window, t, nv, ns, _ in rows:
        print(f"| {name} | {view} | {window:g} s | {t['data']:.0f} | {t['prepare']:.0f} | "
              f"{t['plot']:.0f} | {t['paint']:.0f} | {t['e2e']:.0f} | {nv:,} | {ns} |")
    phy_rows = [r for r in rows if r[-1] is not None]
    if phy_rows:
        print("\nSame intervals in phy 2.1's TraceView (everything on the GUI thread), ms:\n")
        print("| dataset | window | phy set_interval (GUI blocked) | phy paint | phy total "
              "| phyclone end-to-end | phy total / phyclone | GUI blocked: phy / phyclone |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, _, window, t, _, _, phy in phy_rows:
            total = phy["sync"] + phy["paint"]
            print(f"| {name} | {window:g} s | {phy['sync']:.0f} | {phy['paint']:.0f} | "
                  f"{total:.0f} | {t['e2e']:.0f} | {total / t['e2e']:.1f}× | "
                  f"{phy['sync']:.0f} / {t['plot']:.0f} |")


if __name__ == "__main__":
    main()
