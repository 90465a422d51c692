"""Cluster selection in the WaveformView and the FeatureView: worker part, GUI part, paint.

Usage (from the repository root, under Xvfb):

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1280x1024x24" python \\
        benchmarks/bench_views_waveform_feature.py [DATASET_DIR ...] [--pairs 5]
        [--phy-venv DIR] [--shots DIR]

For each template-gui folder (default: the 32- and 384-channel ``phy synthetic`` outputs
``~/.cache/phyclone/bench/synth_32ch`` and ``synth_384ch``),
several pairs of clusters are selected in turn (2 selected clusters, as in the brief). The
data callables are those phy 2.1's TemplateController gives the views: 100 regularly spaced
filtered waveforms (median removed) on the cluster's best channels (its main template's
channels), 2,500 spikes of PC features per cluster and 2,500 background spikes, spike
times as the ``time`` attribute. Times per selection (median over the pairs, after one
warm-up selection):

- callables: the data functions alone (I/O, filtering; page cache warm);
- worker: ``get_clusters_data`` (callables + the view's numpy packing; runs off the GUI
  thread in phyclone); "worker, cached data": the view's own share (callables memoized);
- plot: ``plot()`` on the GUI thread (visual data, no GL call);
- paint: the next frame (upload + draw on Mesa llvmpipe) read back with ``grab_image``.

With phy 2.1 installed in ``--phy-venv`` (default ``$PHYCLONE_PEER_PHY``; skipped when
absent), phy 2.1's views are timed on the same folders and clusters in a
child process: ``on_select`` (fetch + plot, all on the GUI thread) and the next frame
(until its ``paintGL`` returned, followed by ``glFinish``). Both use the same data
callables, except the waveform filter: phyclone's model filters windows read with margins
(numba), phy's side applies ``filtfilt`` to the bare windows as phy's controller does.
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

REPO = Path(__file__).resolve().parent.parent
N_WAVEFORMS, N_FEATURES = 100, 2500

# The data callables, shared by both sides (written against the models' common API).
CALLABLES = r'''
import numpy as np
from scipy.signal import butter, filtfilt


class Data:
    def __init__(self, m, filtered_waveforms):
        self.m = m
        self.filtered_waveforms = filtered_waveforms
        sc = np.asarray(m.spike_clusters)
        order = np.argsort(sc, kind="stable")
        bounds = np.searchsorted(sc[order], np.arange(sc.max() + 2))
        self.spikes = {c: order[bounds[c]:bounds[c + 1]] for c in range(sc.max() + 1)}
        self.b, self.a = butter(3, 150. / m.sample_rate * 2., "high")
        self.times = np.asarray(m.spike_times, dtype=np.float64)
        self.positions = np.asarray(m.channel_positions)

    def subset(self, ids, n):
        if n is None or len(ids) <= n:
            return ids
        return ids[np.linspace(0, len(ids) - 1, n).astype(np.int64)]

    def best_channels(self, c):
        st = np.asarray(self.m.spike_templates)[self.spikes[c]]
        return np.asarray(self.m.get_template(int(np.bincount(st).argmax())).channel_ids)

    def waveforms(self, c):
        ch = self.best_channels(c)
        ids = self.subset(self.spikes[c], N_WAVEFORMS)
        data = self.filtered_waveforms(self, ids, ch)
        data = data - np.median(data, axis=1)[:, None, :]
        return dict(data=data.astype(np.float32), channel_ids=ch,
                    channel_labels=[str(x) for x in ch], channel_positions=self.positions[ch])

    def feature_ids(self, c, load_all=False):
        if c is None:
            n = len(self.times)
            return np.arange(0, n, max(1, n // N_FEATURES))
        return self.subset(self.spikes[c], None if load_all else N_FEATURES)

    def features(self, cluster_id=None, channel_ids=None, load_all=False):
        ids = self.feature_ids(cluster_id, load_all)
        ch = self.best_channels(cluster_id) if channel_ids is None else np.asarray(channel_ids)
        data = np.nan_to_num(np.asarray(self.m.get_features(ids, ch), dtype=np.float32))
        return dict(data=data, spike_ids=ids, channel_ids=ch,
                    channel_labels=[str(x) for x in ch])

    def time(self, cluster_id=None, load_all=False):
        ids = self.feature_ids(cluster_id, load_all)
        return dict(data=self.times[ids], spike_ids=ids, lim=(0., float(self.times[-1])))
'''


def phyclone_filtered(data, ids, ch):
    return data.m.get_waveforms(ids, ch, filtered=True)


def memoize(f):
    cache = {}

    def g(*args, **kwargs):
        key = repr((args, sorted(kwargs.items(), key=lambda kv: kv[0])))
        if key not in cache:
            cache[key] = f(*args, **kwargs)
        return cache[key]
    return g


def cluster_pairs(model, n_pairs):
    """Pairs of neighbouring clusters (consecutive ids) with at least 200 spikes each."""
    counts = np.bincount(np.asarray(model.spike_clusters))
    big = [int(c) for c in np.nonzero(counts >= 200)[0]]
    return [[big[i], big[i + 1]] for i in range(0, min(2 * (n_pairs + 1), len(big) - 1), 2)]


def _ms(values):
    return 1000 * statistics.median(values)


def bench_phyclone(folder, n_pairs, shots=None):
    from phyclone.cluster.views import FeatureView, WaveformView
    from phyclone.io.template.model import load_model
    from phyclone.qt import create_app
    from phyclone.utils import Bunch
    app = create_app()
    ns = {"N_WAVEFORMS": N_WAVEFORMS, "N_FEATURES": N_FEATURES}
    exec(CALLABLES, ns)
    m = load_model(str(Path(folder) / "params.py"))
    d = ns["Data"](m, phyclone_filtered)
    pairs = cluster_pairs(m, n_pairs)

    def as_bunch(f):
        return lambda *a, **k: Bunch(f(*a, **k))

    def make(cached):
        wrap = memoize if cached else (lambda f: f)
        wv = WaveformView(waveforms={"waveforms": as_bunch(wrap(d.waveforms))},
                          sample_rate=m.sample_rate, threaded=False)
        fv = FeatureView(features=as_bunch(wrap(d.features)),
                         attributes={"time": as_bunch(wrap(d.time))}, threaded=False)
        return {"WaveformView": wv, "FeatureView": fv}

    for ids in pairs:  # warm the page cache (and numba): every run reads the same spikes
        for c in ids:
            d.waveforms(c)
            d.features(c)
    rows = {}
    for cached in (False, True):
        views = make(cached)
        for v in views.values():
            v.canvas.resize(800, 600)
            v.canvas.show()
        app.processEvents()
        for name, v in views.items():
            r = rows.setdefault(name, {"callables": [], "worker": [], "worker_cached": [],
                                       "plot": [], "paint": [], "vertices": 0})
            for k, ids in enumerate(pairs):
                if cached:
                    v.get_clusters_data(ids)  # fill the memo
                t0 = time.perf_counter()
                data = v.get_clusters_data(ids)
                t1 = time.perf_counter()
                v.cluster_ids, v.data = list(ids), data
                v.plot()
                t2 = time.perf_counter()
                v.canvas.grab_image()
                t3 = time.perf_counter()
                if k == 0:
                    continue  # warm-up
                if cached:
                    r["worker_cached"].append(t1 - t0)
                    continue
                r["worker"].append(t1 - t0)
                r["plot"].append(t2 - t1)
                r["paint"].append(t3 - t2)
                r["vertices"] = max(r["vertices"], v.visual.n_vertices if name == "FeatureView"
                                    else v.waveform_visual.n_vertices)
                r["channels"] = len(v.channel_ids)
            if shots and not cached:
                v.screenshot(Path(shots) / f"{Path(folder).name}_{name}.png")
        for v in views.values():
            v.canvas.close()
    # The callables alone.
    for ids in pairs[1:]:
        t0 = time.perf_counter()
        for c in ids:
            d.waveforms(c)
        t1 = time.perf_counter()
        d.features(channel_ids=d.best_channels(ids[0]))
        for c in ids:
            d.features(c)
            d.time(c)
        d.time(None)
        t2 = time.perf_counter()
        rows["WaveformView"]["callables"].append(t1 - t0)
        rows["FeatureView"]["callables"].append(t2 - t1)
    return {name: {k: (_ms(v) if isinstance(v, list) else v) for k, v in r.items()}
            for name, r in rows.items()}, pairs


PHY_CHILD = r'''
import json, sys, time, statistics
import numpy as np
from phylib.io.model import load_model
from phylib.utils import Bunch
from phy.gui.qt import create_app
from phy.cluster.views import WaveformView, FeatureView
from phy.plot import base as pbase
from scipy.signal import filtfilt
from OpenGL import GL
PAINTS = []
_paint = pbase.BaseCanvas.paintGL


def paint_and_finish(self):  # phy's grabFramebuffer returns the last frame: time the paint
    _paint(self)
    GL.glFinish()
    PAINTS.append(time.perf_counter())


pbase.BaseCanvas.paintGL = paint_and_finish
args = json.load(open(sys.argv[2]))
ns = {"N_WAVEFORMS": args["n_waveforms"], "N_FEATURES": args["n_features"]}
exec(args["callables"], ns)
app = create_app()
m = load_model(sys.argv[1])
m.spike_waveforms = None

def filtered(d, ids, ch):
    w = d.m.get_waveforms(ids, ch).astype(np.float32)
    return filtfilt(d.b, d.a, w, axis=1)

d = ns["Data"](m, filtered)
bunch = lambda f: (lambda *a, **k: Bunch(f(*a, **k)))
views = {"WaveformView": WaveformView(waveforms={"waveforms": bunch(d.waveforms)},
                                      sample_rate=m.sample_rate),
         "FeatureView": FeatureView(features=bunch(d.features),
                                    attributes={"time": bunch(d.time)})}
out = {}
for name, v in views.items():
    v.canvas.resize(800, 600)
    v.canvas.show()
    app.processEvents()
    sel, paint = [], []
    for k, ids in enumerate(args["pairs"]):
        t0 = time.perf_counter()
        v.on_select(cluster_ids=list(ids))
        t1 = time.perf_counter()
        n = len(PAINTS)
        v.canvas.update()
        while len(PAINTS) == n and time.perf_counter() - t1 < 30:
            app.processEvents()
        t2 = PAINTS[-1]
        if k:
            sel.append(t1 - t0)
            paint.append(t2 - t1)
    out[name] = {"on_select": 1000 * statistics.median(sel),
                 "paint": 1000 * statistics.median(paint)}
print(json.dumps(out))
'''


def bench_phy(python, folder, pairs):
    with tempfile.TemporaryDirectory() as tmp:
        args = Path(tmp) / "args.json"
        args.write_text(json.dumps({"pairs": pairs, "callables": CALLABLES,
                                    "n_waveforms": N_WAVEFORMS, "n_features": N_FEATURES}))
        script = Path(tmp) / "child.py"
        script.write_text(PHY_CHILD)
        env = dict(os.environ, PYTHONPATH="")
        r = subprocess.run([str(python), str(script), str(Path(folder) / "params.py"), str(args)],
                           capture_output=True, text=True, env=env, cwd=tmp, timeout=1800)
    if r.returncode:
        print(r.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="*",
                   default=[str(dataset("synth_32ch")), str(dataset("synth_384ch"))])
    p.add_argument("--pairs", type=int, default=5)
    add_phy_venv_option(p)
    p.add_argument("--shots")
    a = p.parse_args(argv)
    phy_exe = phy_python(a.phy_venv)
    if a.shots:
        Path(a.shots).mkdir(parents=True, exist_ok=True)
    print("| dataset | view | channels shown | points | callables | worker | worker, cached "
          "data | plot (GUI) | paint | phy 2.1 on_select (GUI) | phy 2.1 paint |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for folder in a.folders:
        res, pairs = bench_phyclone(folder, a.pairs, a.shots)
        phy = bench_phy(phy_exe, folder, pairs) if phy_exe.exists() else None
        for name, r in res.items():
            ph = (phy or {}).get(name, {})
            print(f"| {Path(folder).name} | {name} | {r.get('channels', '')} | "
                  f"{r['vertices']:,} | {r['callables']:.1f} | {r['worker']:.1f} | "
                  f"{r['worker_cached']:.1f} | {r['plot']:.1f} | {r['paint']:.1f} | "
                  f"{ph.get('on_select', float('nan')):.1f} | "
                  f"{ph.get('paint', float('nan')):.1f} |", flush=True)


if __name__ == "__main__":
    main()
