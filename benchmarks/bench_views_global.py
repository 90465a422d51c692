"""Plot times of the global views (raster, templates, cluster scatter) and of the
correlogram view, on Mesa llvmpipe.

Data (synthetic, in memory): 1e7 spikes over 1000 s, 500 or 10,000 clusters (skewed
sizes); templates of 82 samples on 32 channels (a 384-channel probe); cluster info with
amp / depth / fr / n_spikes. Each view is a 1000x700 canvas (no GUI: everything runs on
the calling thread, as phy's controller calls ``plot()``).

Times (ms, best of ``--repeats``):
- plot: from ``plot()`` on a fresh view to the first frame read back (data fetch, binning or
  level of detail, uploads, one paint, glFinish),
- select: a new selection recoloured and painted (``on_select`` + frame),
- zoom: a 10x zoom and its re-binning / re-detailing + frame,
- frame: one repaint after a pan (GPU work only).
The correlogram view gets ready-made correlograms (their computation is the stats
kernels' business): plot = ``get_clusters_data`` + ``plot()`` + frame for 2 and 10
selected clusters (4 and 100 histograms of 51 bins).

Usage: python benchmarks/bench_views_global.py [--repeats 3] [--clusters 500,10000]
(needs an X server; headless: xvfb-run -a -s "-screen 0 1280x1024x24")
"""

import argparse
import time

import numpy as np

from phyclone.qt import create_app

SIZE = (1000, 700)
APP = []
N_SPIKES = 10_000_000
DURATION = 1000.
N_CHANNELS = 384


def synthetic(n_clusters, seed=0):
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0, DURATION, N_SPIKES))
    weights = rng.pareto(1.5, n_clusters) + .1
    clusters = rng.choice(n_clusters, N_SPIKES, p=weights / weights.sum()).astype(np.int64)
    return times, clusters


def templates_fn(n_clusters, seed=1):
    from phyclone.utils import Bunch
    rng = np.random.default_rng(seed)
    t = np.linspace(-1, 1, 82)
    base = -np.exp(-(t / .1) ** 2) + .3 * np.exp(-((t - .2) / .2) ** 2)
    peak = rng.integers(0, N_CHANNELS - 32, n_clusters)
    gains = np.exp(-np.arange(32) / 6.)

    def templates(cluster_ids):
        return {c: Bunch(template=base[:, None] * gains[None, :] * (1 + c % 7),
                         channel_ids=np.arange(32) + peak[c]) for c in cluster_ids}
    return templates


def info_fn(n_clusters, clusters, seed=2):
    rng = np.random.default_rng(seed)
    counts = np.bincount(clusters, minlength=n_clusters)
    amp, depth = rng.uniform(20, 200, n_clusters), rng.uniform(0, 3840, n_clusters)

    def cluster_info(c):
        return {"amp": amp[c], "depth": depth[c], "fr": counts[c] / DURATION,
                "n_spikes": int(counts[c]), "group": "unsorted"}
    return cluster_info


def _frame(view):
    view.canvas.grab_image()  # rendered in the GL thread, read back


def _show(view):
    view.canvas.resize(*SIZE)
    view.canvas.show()
    for _ in range(5):
        APP[0].processEvents()


def _time(f):
    t0 = time.perf_counter()
    f()
    return (time.perf_counter() - t0) * 1000


def bench_global(make, repeats, select):
    out = {"plot": [], "select": [], "zoom": [], "frame": []}
    for _ in range(repeats):
        view = make()
        _show(view)
        out["plot"].append(_time(lambda: (view.plot(), _frame(view))))
        out["select"].append(_time(lambda: (view.on_select(select), _frame(view))))

        def zoom():
            view.canvas.panzoom.set_range((-.05, -1, .05, 1) if not hasattr(view, "x_axis")
                                          else (-.1, -.1, .1, .1))
            refresh = getattr(view, "_refresh_window", None) or getattr(
                view, "_refresh_lod", None)
            if refresh is not None:
                refresh()
            _frame(view)
        out["zoom"].append(_time(zoom))
        out["frame"].append(_time(lambda: (view.canvas.panzoom.pan_delta((.01, 0)),
                                           _frame(view))))
        view.canvas.close()
    return {k: min(v) for k, v in out.items()}


def bench_correlograms(n_selected, repeats):
    from phyclone.cluster.views import CorrelogramView
    rng = np.random.default_rng(3)
    ccg = rng.poisson(20, (n_selected, n_selected, 51)).astype(np.float64)
    times = []
    for _ in range(repeats):
        view = CorrelogramView(correlograms=lambda ids, b, w: ccg,
                               firing_rate=lambda ids, b: np.full((len(ids),) * 2, 20.),
                               sample_rate=30000.)
        _show(view)
        view.cluster_ids = list(range(n_selected))

        def run():
            view.data = view.get_clusters_data(view.cluster_ids)
            view.plot()
            _frame(view)
        times.append(_time(run))
        view.canvas.close()
    return min(times)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--clusters", default="500,10000")
    args = p.parse_args()
    APP.append(create_app())
    from phyclone.cluster.views import ClusterScatterView, RasterView, TemplateView

    rows = []
    for n in [int(float(x)) for x in args.clusters.split(",")]:
        times, clusters = synthetic(n)
        ids = np.arange(n)
        sel = [int(np.argmax(np.bincount(clusters))), 1]
        rows.append((f"RasterView, {n} clusters, 1e7 spikes", bench_global(
            lambda: RasterView(times, clusters, cluster_ids=ids), args.repeats, sel)))
        rows.append((f"TemplateView, {n} clusters x 32 ch", bench_global(
            lambda: TemplateView(templates=templates_fn(n), channel_ids=np.arange(N_CHANNELS),
                                 cluster_ids=ids), args.repeats, sel)))
        info = info_fn(n, clusters)
        rows.append((f"ClusterScatterView, {n} clusters", bench_global(
            lambda: ClusterScatterView(cluster_ids=ids, cluster_info=info), args.repeats, sel)))
    print(f"\n{'view':<42} {'plot':>8} {'select':>8} {'zoom':>8} {'frame':>8}  (ms)")
    for name, r in rows:
        print(f"{name:<42} {r['plot']:8.0f} {r['select']:8.0f} {r['zoom']:8.0f} "
              f"{r['frame']:8.0f}")
    for k in (2, 10):
        name = f"CorrelogramView, {k} selected"
        print(f"{name:<42} {bench_correlograms(k, args.repeats):8.0f}")


if __name__ == "__main__":
    main()
