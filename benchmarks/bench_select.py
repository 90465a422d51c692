"""Select a cluster → every visible view redrawn: phyclone's Template GUI against phy 2.1.

    PYTHONPATH=. python benchmarks/bench_select.py [DATASET ...] [--n-select 9] [--no-phy]
        [--phy-venv DIR]

Default datasets: ~/.cache/phyclone/bench/{synth_32ch,synth_384ch,ref_384ch_1e7} (see
benchmarks/README.md to make them). Without a display
the script re-runs itself under one Xvfb (1920x1080), so both programs draw on the same
(software) OpenGL. Every measurement runs in a fresh process on a private working copy of
the dataset (the big files are symbolic links; each program writes its cache there, cold).

phyclone (child process, the real TemplateController GUI with its default views, window
1920x1080, threads on):
- ``drawn``: from ``supervisor.select([cluster])`` to the end of the last OpenGL paint
  (``paintGL``) of any view, waiting for 0.5 s without paint — phy's script's definition;
- ``on_screen``: the same until the last new frame was shown in the window (phyclone
  renders in a GL thread and shows the frames as images; phy's definition leaves the
  rasterization of its last frame, done at the buffer swap, out);
- ``all_views``: until every view following the selection has painted its new data (its
  ``view_painted`` event);
- ``blocking``: the longest stall of the GUI thread during the selections (a 2 ms heartbeat
  timer; phyclone's frames are drawn in its GL thread), the longest frame of the GL thread,
  and the longest call of a
  controller data method (``get_*``, similarity...) made on the GUI thread;
- peak RSS of the process.
phy 2.1: ``shared/compare/phy_bench_gui_select.py`` run by the Python of ``--phy-venv``
(default ``$PHYCLONE_PEER_PHY``; skipped when absent).
The clusters are the largest ones, each selected once (cold caches), then 3 pairs
(cluster + its most similar one), as in phy's script.
"""

import argparse
import functools
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _paths import add_phy_venv_option, compare_script, dataset, phy_python

DATASETS = [str(dataset(n)) for n in ("synth_32ch", "synth_384ch", "ref_384ch_1e7")]
PHY_SCRIPT = compare_script("phy_bench_gui_select.py")
ROOT = Path(__file__).resolve().parent.parent


def working_copy(src, dest):
    """Symbolic links to the dataset's files; the files saving rewrites are copied."""
    dest.mkdir(parents=True)
    for p in Path(src).iterdir():
        if p.is_file():
            if p.suffix in (".tsv", ".csv", ".py") or p.name == "spike_clusters.npy":
                shutil.copyfile(p, dest / p.name)
            else:
                (dest / p.name).symlink_to(p.resolve())
    return dest


def p95(values):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(.95 * (len(v) - 1))))]


# Child: phyclone ------------------------------------------------------------------------------

def child(dataset, n_select):
    from phyclone.gui import create_app
    from phyclone.plot.gl import setup_opengl
    gl = setup_opengl()
    create_app()
    from phyclone.apps.template import TemplateController, load_model
    from phyclone.plot import BaseCanvas
    from phyclone.qt import QEventLoop, QTimer
    from phyclone.utils import connect

    last_paint, painted, frames, shown = [0.], {}, [], []
    orig_paint, orig_frame = BaseCanvas.paintGL, BaseCanvas.render_frame

    def paint(self):  # GL thread
        orig_paint(self)
        last_paint[0] = time.perf_counter()

    def frame(self):  # GL thread: paint and read back
        t = time.perf_counter()
        try:
            return orig_frame(self)
        finally:
            frames.append((t, time.perf_counter()))
    BaseCanvas.paintGL, BaseCanvas.render_frame = paint, frame
    connect(lambda view, *a: painted.__setitem__(id(view), time.perf_counter()),
            event="view_painted")

    def pump_until_quiet(t0, quiet=.5, timeout=60.):
        """Run the event loop (as the application does) until no paint for ``quiet`` s."""
        loop, out = QEventLoop(), []

        def check():
            now = time.perf_counter()
            last = last_paint[0] if last_paint[0] >= t0 else None  # O(1), as phy's script
            if now - (last if last is not None else t0) > quiet or now - t0 > timeout:
                out.append(None if last is None else last - t0)
                loop.quit()
        poll = QTimer()
        poll.timeout.connect(check)
        poll.start(5)
        loop.exec_()
        poll.stop()
        return out[0]

    # Time spent in the controller's data methods on the GUI thread (data preparation).
    import threading
    main = threading.main_thread()
    on_gui = []

    def timed(f):
        @functools.wraps(f)  # the caches are named after the methods
        def g(*a, **k):
            t = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                if threading.current_thread() is main:
                    on_gui.append(time.perf_counter() - t)
        return g
    for name in dir(TemplateController):  # before the controller and views bind them
        if (name.startswith("get_") or name.startswith("_get_") or
                name in ("_amplitude_getter", "template_similarity",
                         "peak_channel_similarity")) and \
                callable(getattr(TemplateController, name, None)):
            setattr(TemplateController, name, timed(getattr(TemplateController, name)))

    res = {"gl": gl.get("renderer"), "gl_message": gl.get("message")}
    t0 = time.perf_counter()
    model = load_model(Path(dataset) / "params.py")
    res["load_model_s"] = round(time.perf_counter() - t0, 3)
    cfg = tempfile.mkdtemp(prefix="phyclone-bench-cfg-")
    t0 = time.perf_counter()
    c = TemplateController(model=model, dir_path=dataset, config_dir=cfg, clear_state=True,
                           replay_journal=False)
    res["controller_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    gui = c.create_gui()
    res["create_gui_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    gui.show()
    gui.setGeometry(0, 0, 1920, 1080)
    res["show_until_painted_s"] = pump_until_quiet(t0, quiet=1.)
    views = [v for v in gui.views if hasattr(v, "n_plots_done")]
    for v in views:
        v.canvas.frameShown.connect(lambda: shown.append(time.perf_counter()))
    res["views"] = [type(v).__name__ for v in gui.views]

    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(2)

    s = c.supervisor
    spc = s.clustering.spikes_per_cluster
    cids = sorted((int(x) for x in s.clustering.cluster_ids), key=lambda x: -len(spc[x]))

    starts = []

    def measure(selection):
        pump_until_quiet(time.perf_counter(), quiet=.3)
        t0 = time.perf_counter()
        starts.append(t0)
        s.select(selection)
        sync = time.perf_counter() - t0
        drawn = pump_until_quiet(t0)
        on_screen = max([t for t in shown if t >= t0], default=float("nan")) - t0
        followers = [v for v in views if getattr(v, "auto_update", True)]
        done = [painted.get(id(v), 0) - t0 for v in followers]
        all_views = max(done) if done and min(done) > 0 else float("nan")
        return (sync, drawn if drawn is not None else float("nan"), all_views, on_screen)

    t_start = time.perf_counter()
    del on_gui[:]
    one = [measure([cid]) for cid in cids[:n_select]]
    pairs = []
    for cid in cids[n_select:n_select + 3]:
        other = next((o for o, _ in s.similarity(cid) if o != cid), cids[0])
        pairs.append(measure([cid, other]))
    timer.stop()
    t_end = time.perf_counter()

    gaps = [(a, b) for a, b in zip(ticks, ticks[1:]) if a >= t_start and b <= t_end]
    block = max((b - a for a, b in gaps), default=0.)

    def where(t):  # (selection number, ms after its select call)
        i = max((k for k, t0 in enumerate(starts) if t0 <= t), default=0)
        return i, round((t - starts[i]) * 1e3)
    res["gui_thread_longest_blocks"] = [
        (round(b - a, 3), *where(a)) for a, b in sorted(gaps, key=lambda g: g[0] - g[1])[:3]]
    in_frames = [f for f in frames if f[0] >= t_start]
    res["select_one"] = dict(
        clusters=cids[:n_select], sync_s=[round(x[0], 3) for x in one],
        drawn_s=[round(x[1], 3) for x in one], all_views_s=[round(x[2], 3) for x in one],
        drawn_median=round(statistics.median(x[1] for x in one), 3),
        drawn_p95=round(p95([x[1] for x in one]), 3),
        all_views_median=round(statistics.median(x[2] for x in one), 3),
        all_views_p95=round(p95([x[2] for x in one]), 3),
        on_screen_s=[round(x[3], 3) for x in one],
        on_screen_median=round(statistics.median(x[3] for x in one), 3),
        on_screen_p95=round(p95([x[3] for x in one]), 3))
    res["select_pair"] = dict(drawn_s=[round(x[1], 3) for x in pairs],
                              drawn_median=round(statistics.median(x[1] for x in pairs), 3),
                              on_screen_median=round(statistics.median(x[3] for x in pairs), 3))
    res["gui_thread_max_block_s"] = round(block, 3)
    res["gl_thread_max_frame_s"] = round(max((e - s_ for s_, e in in_frames), default=0.), 3)
    res["gui_thread_max_data_s"] = round(max(on_gui, default=0.), 4)
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(res), flush=True)
    from phyclone.gui import preset_answers
    with preset_answers("close"):
        gui.close()
    c.close()


# Parent ---------------------------------------------------------------------------------------

def run_json(cmd, env=None, cwd=None):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=1800)
    out = p.stdout
    start = out.find("{")
    if p.returncode != 0 or start < 0:
        raise RuntimeError(f"{cmd} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads(out[start:out.rfind("}") + 1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("datasets", nargs="*", default=DATASETS)
    ap.add_argument("--n-select", type=int, default=9)
    ap.add_argument("--no-phy", action="store_true", help="Only measure phyclone.")
    add_phy_venv_option(ap)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--json", help="Also write the raw results to this file.")
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.n_select)
    if not os.environ.get("DISPLAY"):
        os.execvp("xvfb-run", ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24 -nolisten tcp",
                               sys.executable, *sys.argv])
    env = dict(os.environ, PYTHONPATH=os.environ.get("PYTHONPATH") or str(ROOT))
    phy = phy_python(args.phy_venv)
    if not args.no_phy and not (phy.exists() and PHY_SCRIPT.exists()):
        print(f"phy 2.1 not measured: {phy} or {PHY_SCRIPT} does not exist", file=sys.stderr)
        args.no_phy = True
    results = {}
    for d in args.datasets:
        name = Path(d).name
        tmp = Path(tempfile.mkdtemp(prefix="bench-select-"))
        try:
            ours = run_json([sys.executable, __file__, "--child",
                             str(working_copy(d, tmp / "phyclone")),
                             "--n-select", str(args.n_select)], env=env, cwd=tmp)
            theirs = None
            if not args.no_phy:
                theirs = run_json([str(phy), str(PHY_SCRIPT), str(working_copy(d, tmp / "phy")),
                                   str(args.n_select)], cwd=tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        results[name] = dict(phyclone=ours, phy=theirs)
        print_row(name, ours, theirs)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


def print_row(name, ours, theirs):
    o = ours["select_one"]
    line = (f"{name}: phyclone drawn median {o['drawn_median']:.3f} s (p95 {o['drawn_p95']:.3f}),"
            f" on screen {o['on_screen_median']:.3f} s (p95 {o['on_screen_p95']:.3f}),"
            f" all views {o['all_views_median']:.3f} s (p95 {o['all_views_p95']:.3f}), pair "
            f"{ours['select_pair']['drawn_median']:.3f} s; GUI thread max block "
            f"{ours['gui_thread_max_block_s']:.3f} s "
            f"(longest frame of the GL thread {ours['gl_thread_max_frame_s']:.3f} s, "
            f"{ours['gui_thread_max_data_s'] * 1e3:.1f} ms in data methods); "
            f"peak RSS {ours['peak_rss_mb']} MB; views: {len(ours['views'])}")
    if theirs:
        t = theirs["select_one"]
        ratio = t["drawn_median"] / o["drawn_median"] if o["drawn_median"] else float("nan")
        line += (f"\n    phy 2.1 drawn median {t['drawn_median']:.3f} s, pair "
                 f"{theirs.get('select_pair', {}).get('drawn_median', float('nan')):.3f} s, "
                 f"peak RSS {theirs['peak_rss_mb']} MB → ratio {ratio:.1f}x")
    print(line, flush=True)


if __name__ == "__main__":
    main()
