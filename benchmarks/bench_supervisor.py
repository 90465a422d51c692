"""Latency of curation actions through the Supervisor: Session + incremental table updates +
the ``select`` event + the repaint of both tables (Qt events processed).

Two datasets: 1e7 spikes in 500 clusters (the reference dataset size) and 1e7 spikes in
10,000 clusters. The clusters have a TemplateController-like set of metric columns (ch, sh,
depth, fr, amp, n_spikes) and a similarity function returning every cluster (phy's worst
case: the similarity view lists all clusters). The same actions on a bare ``Session`` (no Qt)
give the cost of the core; the difference is the Qt adaptor. Run (no display needed):

    xvfb-run -a -s "-screen 0 1280x1024x24" python benchmarks/bench_supervisor.py [--repeat 7]
"""

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

os.environ.setdefault("PHYCLONE_NONINTERACTIVE", "1")

from phyclone.cluster import Supervisor  # noqa: E402
from phyclone.gui import GUI, create_app, preset_answers  # noqa: E402
from phyclone.qt import QApplication  # noqa: E402
from phyclone.session import Session  # noqa: E402


def make_data(n_spikes, n_clusters, seed=0):
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(0, 1, n_clusters)
    sc = rng.choice(n_clusters, n_spikes, p=weights / weights.sum()).astype(np.int64)
    sc[:n_clusters] = np.arange(n_clusters)  # every cluster exists
    channel = rng.integers(0, 384, 10 * n_clusters)
    depth = rng.uniform(0, 3840, 10 * n_clusters)
    amp = rng.lognormal(3, .5, 10 * n_clusters)
    metrics = {"ch": lambda c: int(channel[c]), "sh": lambda c: 0,
               "depth": lambda c: float(depth[c]), "amp": lambda c: float(amp[c])}

    def similarity(c):
        d = np.abs(depth[:n_clusters + 2 * n_clusters] - depth[c])
        order = np.argsort(d, kind="stable")
        return list(zip(order.tolist(), (1. / (1. + d[order])).tolist()))
    return sc, metrics, similarity


def _spread_spikes(n_spikes, rng, n=100_000):
    return np.unique(rng.integers(0, n_spikes, n))


OPERATIONS = ("select + similar list", "next similar", "merge", "move best to good",
              "undo (move)", "undo (merge)", "redo", "split 1e5 spikes spread over all clusters",
              "undo (split)")


def run_actions(obj, flush, repaint, n_repeat, rng, n_spikes):
    """Time the actions on a Supervisor or a Session: ``(synchronous part, with repaint)``
    medians, where ``flush`` emits the pending ``select`` and ``repaint`` processes Qt events."""
    wizard = obj.session.wizard if hasattr(obj, "session") else obj.wizard
    sync = {k: [] for k in OPERATIONS}
    total = {k: [] for k in OPERATIONS}

    def timed(name, f):
        t0 = time.perf_counter()
        f()
        flush()
        sync[name].append(time.perf_counter() - t0)
        repaint()
        total[name].append(time.perf_counter() - t0)

    for k in range(n_repeat):
        order = wizard.cluster_order()
        best = order[(7 * k + 3) % len(order)]
        timed("select + similar list", lambda: obj.select(best))
        timed("next similar", wizard.next)
        timed("merge", obj.merge)
        timed("move best to good", lambda: obj.move("good", "best"))
        timed("undo (move)", obj.undo)
        timed("undo (merge)", obj.undo)
        timed("redo", obj.redo)
    for _ in range(max(1, n_repeat // 2)):
        spikes = _spread_spikes(n_spikes, rng)
        timed("split 1e5 spikes spread over all clusters", lambda: obj.split(spikes))
        timed("undo (split)", obj.undo)
    return ({k: statistics.median(v) for k, v in sync.items()},
            {k: statistics.median(v) for k, v in total.items()})


def bench(n_spikes, n_clusters, n_repeat):
    sc, metrics, similarity = make_data(n_spikes, n_clusters)
    app = create_app()

    t0 = time.perf_counter()
    session = Session(sc.copy(), cluster_metrics=dict(metrics), similarity=similarity)
    t_session = time.perf_counter() - t0
    core, _ = run_actions(session, lambda: None, lambda: None, n_repeat,
                          np.random.default_rng(1), n_spikes)
    del session

    t0 = time.perf_counter()
    s = Supervisor(sc, cluster_metrics=dict(metrics), similarity=similarity)
    gui = GUI(name="BenchSupervisor", config_dir=tempfile.mkdtemp(), size=(1200, 800))
    s.attach(gui)
    gui.show()
    s.block()
    app.processEvents()
    t_open = time.perf_counter() - t0

    # The debounced `select` is emitted at once (as after a clustering action), then Qt
    # processes its events: the deferred colour update and the repaint of both tables.
    qt_sync, qt = run_actions(s, s._flush, QApplication.instance().processEvents, n_repeat,
                              np.random.default_rng(1), n_spikes)
    with preset_answers("close"):
        gui.close()
    return t_session, t_open, core, qt_sync, qt


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--n-spikes", type=int, default=10_000_000)
    parser.add_argument("--n-clusters", type=int, nargs="*", default=[500, 10_000])
    args = parser.parse_args()
    for n_clusters in args.n_clusters:
        t_session, t_open, core, qt_sync, qt = bench(args.n_spikes, n_clusters, args.repeat)
        print(f"\n{args.n_spikes:.0e} spikes, {n_clusters} clusters "
              f"(median of {args.repeat}; spread split: of {max(1, args.repeat // 2)})")
        print(f"Session created in {t_session:.2f} s; Supervisor + GUI shown in {t_open:.2f} s")
        print(f"| {'operation':<42} | session | supervisor | + repaint |")
        print(f"|{'-' * 44}|--------:|-----------:|----------:|")
        for name in OPERATIONS:
            print(f"| {name:<42} | {1000 * core[name]:7.1f} | {1000 * qt_sync[name]:10.1f} "
                  f"| {1000 * qt[name]:9.1f} |")
        print("(milliseconds; supervisor: session + tables + select event; + repaint: until "
              "Qt has repainted both tables)")


if __name__ == "__main__":
    main()
