"""Soak: a user holding the space key — cluster selections every 0.35 s, never a pause.

    PYTHONPATH=. python benchmarks/bench_soak.py [--dataset DIR] [--n-select 1000]
        [--interval 0.35] [--cycle 20] [--garbage 0]

Opens the real Template GUI (default views, idle garbage collector on, as a user gets it)
on a 384-channel synthetic folder (1e6 spikes, 400 clusters, 120 s of raw data: made once
with ``phy synthetic`` under ``~/.cache/phyclone/bench/synth_384ch`` unless ``--dataset``
is given) and selects a cluster
every ``--interval`` seconds: ``--cycle K`` cycles through the K largest clusters (0: every
selection a new cluster, wrapping around). Prints the resident memory over time, the
selection latency (select → every following view painted) at the start and at the end, and
how many full collections the idle collector and its memory cap ran.
``--garbage N``: instead, tally what N selections (after a warm-up) leave in reference
cycles (``gc.DEBUG_SAVEALL``: the type names of the objects each collection would free).
Without a display the script re-runs itself under Xvfb.
"""

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _paths import REPO as ROOT, dataset  # noqa: E402


def rss_mb():
    with open("/proc/self/statm", "rb") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def make_dataset(path):
    if (path / "params.py").exists():
        return path
    subprocess.run([sys.executable, "-m", "phyclone", "synthetic", str(path), "--n-channels",
                    "384", "--probe", "neuropixels", "--n-clusters", "400", "--n-spikes",
                    "1000000", "--duration", "120", "--seed", "0", "-q", "--force"], check=True,
                   env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return path


def child(args):
    os.environ.pop("PHYCLONE_IDLE_GC", None)  # as a user runs it
    from phyclone.gui import create_app
    from phyclone.plot.gl import setup_opengl
    setup_opengl()
    create_app()
    import gc

    from phyclone.apps.template import TemplateController, load_model
    from phyclone.gui import idle_gc
    from phyclone.qt import QEventLoop, QTimer
    from phyclone.utils import connect

    painted = {}
    connect(lambda view, *a: painted.__setitem__(id(view), time.perf_counter()),
            event="view_painted")

    def pump(seconds):
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1e3), loop.quit)
        loop.exec_()

    work = Path(tempfile.mkdtemp(prefix="phyclone-soak-"))
    data = work / "data"
    data.mkdir()
    for p in Path(args.dataset).iterdir():
        if p.is_file():
            if p.suffix in (".tsv", ".py") or p.name == "spike_clusters.npy":
                shutil.copyfile(p, data / p.name)
            else:
                (data / p.name).symlink_to(p.resolve())
    c = TemplateController(model=load_model(data / "params.py"), dir_path=data,
                           config_dir=work / "cfg", clear_state=True, replay_journal=False)
    gui = c.create_gui()
    gui.show()
    gui.setGeometry(0, 0, 1920, 1080)
    pump(3.)
    s = c.supervisor
    spc = s.clustering.spikes_per_cluster
    cids = sorted((int(x) for x in s.clustering.cluster_ids), key=lambda x: -len(spc[x]))
    order = cids[:args.cycle] if args.cycle else cids
    views = [v for v in gui.views if hasattr(v, "n_plots_done") and
             getattr(v, "auto_update", True)]
    collector = idle_gc._COLLECTOR[0] if idle_gc._COLLECTOR else None

    if args.garbage:
        for cid in order[:20]:  # warm-up: numba compilations, caches, first plots
            s.select([cid])
            pump(args.interval)
        gc.collect()
        gc.set_debug(gc.DEBUG_SAVEALL)
        tally = collections.Counter()
        for i in range(args.garbage):
            s.select([order[i % len(order)]])
            pump(args.interval)
            gc.collect()
            tally.update(type(o).__qualname__ for o in gc.garbage)
            gc.garbage.clear()
        gc.set_debug(0)
        print(json.dumps({"per_selection": {k: round(v / args.garbage, 1) for k, v in
                                            tally.most_common(25)}}))
        gui.close()
        return

    rss, latency = [], []
    for i in range(args.n_select):
        t0 = time.perf_counter()
        s.select([order[i % len(order)]])
        deadline = t0 + args.interval
        while time.perf_counter() < deadline:
            pump(.01)
        done = [painted.get(id(v), 0) - t0 for v in views]
        latency.append(max(done) if done and min(done) > 0 else float("nan"))
        rss.append(rss_mb())
    out = dict(rss_mb=[round(rss[k]) for k in sorted({0, 99, 299, len(rss) // 2, len(rss) - 1})
                       if k < len(rss)],
               rss_marks=[k + 1 for k in sorted({0, 99, 299, len(rss) // 2, len(rss) - 1})
                          if k < len(rss)],
               latency_first=statistics.median([x for x in latency[1:51] if x == x] or [0]),
               latency_last=statistics.median([x for x in latency[-50:] if x == x] or [0]),
               missed_first=sum(x != x for x in latency[1:51]),
               missed_last=sum(x != x for x in latency[-50:]),
               collections=collector.n_collections if collector else 0,
               capped=getattr(collector, "n_capped", 0))
    print(json.dumps(out))
    gui.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, default=None)
    ap.add_argument("--n-select", type=int, default=1000)
    ap.add_argument("--interval", type=float, default=.35)
    ap.add_argument("--cycle", type=int, default=20)
    ap.add_argument("--garbage", type=int, default=0)
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="phyclone source tree to run (default: this one; compare versions)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args)
    args.dataset = args.dataset or make_dataset(dataset("synth_384ch"))
    cmd = [sys.executable, __file__, "--child", "--dataset", str(args.dataset), "--n-select",
           str(args.n_select), "--interval", str(args.interval), "--cycle", str(args.cycle),
           "--garbage", str(args.garbage)]
    if not os.environ.get("DISPLAY"):
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24 -nolisten tcp"] + cmd
    env = dict(os.environ, PYTHONPATH=str(args.code), PHYCLONE_NONINTERACTIVE="1")
    p = subprocess.run(cmd, env=env, capture_output=True, text=True)
    lines = [x for x in p.stdout.splitlines() if x.startswith("{")]
    if p.returncode or not lines:
        sys.exit(f"soak run failed ({p.returncode}):\n{p.stderr[-3000:]}")
    r = json.loads(lines[-1])
    if args.garbage:
        print(f"Objects left in reference cycles per selection ({args.garbage} selections):")
        for k, v in r["per_selection"].items():
            print(f"  {v:8.1f}  {k}")
        return
    print(f"{args.n_select} selections every {args.interval} s, "
          f"{'cycling through ' + str(args.cycle) + ' clusters' if args.cycle else 'distinct clusters'}:")
    print("| after N selections | " + " | ".join(map(str, r["rss_marks"])) + " |")
    print("|---|" + "---:|" * len(r["rss_marks"]))
    print("| RSS (MB) | " + " | ".join(map(str, r["rss_mb"])) + " |")
    print(f"latency (select → views painted), median: first 50 {r['latency_first'] * 1e3:.0f} ms, "
          f"last 50 {r['latency_last'] * 1e3:.0f} ms (not painted within the interval: "
          f"{r['missed_first']} / {r['missed_last']}); full collections: {r['collections']} "
          f"(of which {r['capped']} by the memory cap)")


if __name__ == "__main__":
    main()
