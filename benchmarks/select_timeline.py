"""Where a selection's time goes: bench_select's phyclone run, instrumented per thread.

    PYTHONPATH=. python benchmarks/select_timeline.py DATASET [--n-select 9] [--show 3]

Runs ``bench_select``'s phyclone child (the real Template GUI, 1920x1080, under Xvfb when
there is no display) on a working copy of DATASET and records, with their thread, the steps
of every selection: each view's data (worker), ``plot`` (GUI thread) and frame (GL thread),
the tables' paints and Python's garbage collections. Prints the timeline of ``--show``
selections (ms from the ``select`` call), then per step the median duration and end time
over the selections, and the longest garbage collections.
"""

import argparse
import functools
import gc
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_select  # noqa: E402

EVENTS = []  # (kind, name, start, end, thread)


def _record(kind, name, t0):
    EVENTS.append((kind, name, t0, time.perf_counter(), threading.current_thread().name))


def _timed(kind, name_of):
    def wrap(f):
        @functools.wraps(f)  # the views read get_clusters_data's signature (phy's API or not)
        def g(self, *args, **kwargs):
            t0 = time.perf_counter()
            try:
                return f(self, *args, **kwargs)
            finally:
                _record(kind, name_of(self), t0)
        return g
    return wrap


def instrument():
    """Patch the classes before bench_select's child builds the GUI."""
    import phyclone.cluster.views as views
    from phyclone.cluster import Supervisor
    from phyclone.cluster.views.base import ManualClusteringView
    from phyclone.gui.table import Table
    from phyclone.plot import BaseCanvas
    from phyclone.qt import QEvent, QObject

    Supervisor.select = _timed("select", lambda s: "Supervisor")(Supervisor.select)
    ManualClusteringView._on_data = _timed("plot", lambda v: v.name)(
        ManualClusteringView._on_data)
    for name in dir(views):
        cls = getattr(views, name)
        if isinstance(cls, type) and "get_clusters_data" in cls.__dict__:
            cls.get_clusters_data = _timed("data", lambda v: v.name)(
                cls.__dict__["get_clusters_data"])
    BaseCanvas.render_frame = _timed("frame", lambda c: getattr(c, "_view_name", "?"))(
        BaseCanvas.render_frame)
    attach = ManualClusteringView.attach

    def attach_named(self, gui):
        self.canvas._view_name = self.name
        return attach(self, gui)
    ManualClusteringView.attach = attach_named

    class PaintSpy(QObject):
        def eventFilter(self, obj, e):
            if e.type() == QEvent.Paint:
                _record("paint", obj.parent().parent().__class__.__name__, time.perf_counter())
            return False
    spy = PaintSpy()
    init = Table.__init__

    def table_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self.view.viewport().installEventFilter(spy)
    Table.__init__ = table_init

    started = {}

    def on_gc(phase, info):
        if phase == "start":
            started[threading.get_ident()] = time.perf_counter()
        elif threading.get_ident() in started:
            _record("gc", f"gen{info['generation']}", started.pop(threading.get_ident()))
    gc.callbacks.append(on_gc)


def report(events, n_show):
    selects = [e for e in events if e[0] == "select"]
    steps = {}
    for i, s in enumerate(selects):
        t0 = s[2]
        t1 = selects[i + 1][2] if i + 1 < len(selects) else float("inf")
        rows = sorted((e for e in events if t0 <= e[2] < t1 and e[0] != "select"),
                      key=lambda e: e[2])
        if i < n_show:
            print(f"--- selection {i} (select call {1e3 * (s[3] - s[2]):.1f} ms)")
            print(f"{'start':>8} {'end':>8} {'ms':>6}  step   view                   thread")
            for kind, name, a, b, th in rows:
                print(f"{1e3 * (a - t0):8.1f} {1e3 * (b - t0):8.1f} {1e3 * (b - a):6.1f}  "
                      f"{kind:6s} {name:22s} {th}")
        for kind, name, a, b, _ in rows:
            steps.setdefault((kind, name), []).append((b - a, b - t0))
    print(f"--- over {len(selects)} selections: median duration / median end (ms)")
    for (kind, name), v in sorted(steps.items(), key=lambda kv: -statistics.median(
            x[1] for x in kv[1])):
        if kind in ("data", "plot", "frame"):
            print(f"  {kind:6s} {name:22s} {1e3 * statistics.median(x[0] for x in v):6.1f} "
                  f"{1e3 * statistics.median(x[1] for x in v):7.1f}")
    t_first = selects[0][2] if selects else float("inf")
    for label, keep in (("before the selections (start-up)", lambda e: e[2] < t_first),
                        ("during the selections", lambda e: e[2] >= t_first)):
        gcs = sorted((e for e in events if e[0] == "gc" and keep(e)),
                     key=lambda e: e[2] - e[3])[:4]
        print(f"longest garbage collections {label} (ms, thread):",
              [(e[1], round(1e3 * (e[3] - e[2]), 1), e[4]) for e in gcs])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dataset")
    ap.add_argument("--n-select", type=int, default=9)
    ap.add_argument("--show", type=int, default=3)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        instrument()
        try:
            bench_select.child(args.child, args.n_select)
        finally:
            Path(os.environ["TIMELINE_OUT"]).write_text(json.dumps(EVENTS))
        return
    if not os.environ.get("DISPLAY"):
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24 -nolisten tcp",
                               sys.executable, *sys.argv])
    tmp = Path(tempfile.mkdtemp(prefix="select-timeline-"))
    try:
        out = tmp / "events.json"
        env = dict(os.environ, TIMELINE_OUT=str(out),
                   PYTHONPATH=os.environ.get("PYTHONPATH") or str(bench_select.ROOT))
        res = bench_select.run_json(
            [sys.executable, __file__, args.dataset, "--n-select", str(args.n_select),
             "--child", str(bench_select.working_copy(args.dataset, tmp / "data"))],
            env=env, cwd=tmp)
        print(f"drawn: {res['select_one']['drawn_s']} s; GUI thread longest stalls "
              f"(s, selection, ms after it): {res['gui_thread_longest_blocks']}")
        report(json.loads(out.read_text()), args.show)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
