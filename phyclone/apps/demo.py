"""``phy demo``: the Template GUI on a synthetic dataset generated once into a cache folder.

With a display the GUI opens for the user. Without one, the command runs itself again under
Xvfb, drives a short scripted session (select, similar, merge, split, label, undo, save) on a
private working copy of the dataset (the cached one is never modified), and writes a
screenshot of the whole window and of every view into a folder it prints.
"""

import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np

#: The demo dataset: small enough to generate in seconds, big enough to look real.
DEMO_PARAMS = dict(n_channels=32, duration=60., n_clusters=24, probe="neuropixels", seed=0)
ENV_HEADLESS = "PHYCLONE_DEMO_HEADLESS"
XVFB_ARGS = ["-a", "-s", "-screen 0 1280x1024x24 -nolisten tcp"]


def cache_root():
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "phyclone"


def demo_dir():
    """Where ``phy demo`` keeps its dataset: ``$XDG_CACHE_HOME/phyclone/demo`` or
    ``~/.cache/phyclone/demo``."""
    return cache_root() / "demo"


def ensure_dataset(folder, echo=print):
    """The params.py of the demo dataset in ``folder``, generated when missing."""
    folder = Path(folder)
    params = folder / "params.py"
    if not params.exists():
        from phyclone.io.synthetic.dataset import make_dataset
        echo(f"Generating the demo dataset in {folder} (once).")
        make_dataset(folder, force=folder.exists(), progress=False, **DEMO_PARAMS)
    return params


#: Files a save rewrites (copied into the working copy; the others are linked).
_WRITTEN = ("params.py", "spike_clusters.npy", "*.tsv", "*.csv")


def working_copy(folder, dest):
    """A private copy of a dataset for the scripted session: the files saving rewrites are
    copied, the others (the big arrays, the raw data) are symbolic links."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for path in Path(folder).iterdir():
        target = dest / path.name
        if not path.is_file() or target.exists():
            continue
        if any(path.match(pattern) for pattern in _WRITTEN):
            shutil.copyfile(path, target)
        else:
            target.symlink_to(path.resolve())
    return dest


def has_display():
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def rerun_under_xvfb(args):
    """Run ``python -m phyclone demo ARGS`` under ``xvfb-run``; return its exit code."""
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        raise RuntimeError("There is no display and xvfb-run is not installed: install the "
                           "xvfb package (apt-get install xvfb) or run on a desktop.")
    env = dict(os.environ, **{ENV_HEADLESS: "1"})
    cmd = [xvfb, *XVFB_ARGS, sys.executable, "-m", "phyclone", "demo", *args]
    return subprocess.call(cmd, env=env)


# Scripted session ---------------------------------------------------------------------------

class PaintWatcher:
    """Counts the ``view_painted`` events of every view."""

    def __init__(self):
        from phyclone.utils import connect
        self.counts = {}
        connect(self._on_painted, event="view_painted")

    def _on_painted(self, view, *args):
        self.counts[id(view)] = self.counts.get(id(view), 0) + 1

    def snapshot(self):
        return dict(self.counts)

    def wait(self, views, before, timeout=30.):
        """Process Qt events until every view in ``views`` painted again since ``before``
        (or the timeout); return the views that did not."""
        from phyclone.qt import QApplication
        app = QApplication.instance()
        end = time.monotonic() + timeout
        while True:
            app.processEvents()
            late = [v for v in views if self.counts.get(id(v), 0) <= before.get(id(v), 0)]
            if not late or time.monotonic() > end:
                break
            time.sleep(.005)
        t = time.monotonic() + .2
        while time.monotonic() < t:
            app.processEvents()
            time.sleep(.005)
        return late

    def close(self):
        from phyclone.utils import unconnect
        unconnect(self._on_painted)


def _followers(gui):
    """Views redrawn when the selection changes (every view of the manual clustering)."""
    return [v for v in gui.views if hasattr(v, "n_plots_done") and getattr(v, "auto_update", 1)]


def is_blank(path, min_std=2.):
    """Whether a PNG is (nearly) uniform: a black or empty view."""
    from phyclone.qt import QImage
    img = QImage(str(path)).convertToFormat(QImage.Format_RGB32)
    ptr = img.constBits()
    ptr.setsize(img.sizeInBytes())
    arr = np.frombuffer(ptr, dtype=np.uint8).reshape(img.height(), img.bytesPerLine())
    arr = arr[:, :img.width() * 4].reshape(img.height(), img.width(), 4)[..., :3]
    return float(arr.std()) < min_std


def take_screenshots(gui, folder, prefix=""):
    """PNG of the window and of every docked view; returns ``{name: path}``."""
    from phyclone.gui import screenshot
    folder = Path(folder)
    out = {"window": screenshot(gui, folder / f"{prefix}window.png")}
    for view in gui.views:
        dock = getattr(view, "dock", None)
        widget = dock if dock is not None else view
        name = getattr(view, "name", type(view).__name__).replace(" ", "_")
        out[name] = screenshot(widget, folder / f"{prefix}{name}.png")
    return out


def run_session(controller, gui, folder, echo=print, timeout=30.):
    """The scripted demo session; screenshots in ``folder``. Returns a summary dict
    (steps, screenshots, blank views, views that did not repaint)."""
    s = controller.supervisor
    watcher = PaintWatcher()
    late_views = set()

    def step(name, action):
        before, selected = watcher.snapshot(), s.selected
        t0 = time.perf_counter()
        action()
        s.block()
        # The views redraw when the selection changes (a label leaves them as they are).
        views = _followers(gui) if s.selected != selected else []
        late = watcher.wait(views, before, timeout=timeout)
        late_views.update(getattr(v, "name", type(v).__name__) for v in late)
        echo(f"  {name:<34} {time.perf_counter() - t0:6.2f} s  selected: {s.selected}")

    try:
        echo("Scripted session:")
        step("select the largest cluster", s.first)
        step("add the most similar cluster", s.next)
        step("merge them", s.merge)
        merged = s.selected[0]
        amps = controller.get_spike_template_amplitudes(controller._spikes_of(merged))
        spikes = controller._spikes_of(merged)
        step("split it by amplitude", lambda: s.split(spikes[amps > np.median(amps)]))
        step("label it good", lambda: s.move("good", "best"))
        step("label quality = 'demo'", lambda: s.label("quality", "demo"))
        step("undo the last label", s.undo)
        step("select the next cluster", s.next_best)
        step("and its most similar one", s.next)
        saved = s.save()
        echo(f"  {'save':<34} {'ok' if saved else 'FAILED'}")
        shots = take_screenshots(gui, folder)
    finally:
        watcher.close()
    blank = sorted(name for name, path in shots.items() if is_blank(path))
    return dict(saved=saved, screenshots=shots, blank=blank, late=sorted(late_views))


def run_headless(params_path, shots_dir=None, echo=print):
    """Scripted demo on a working copy of the dataset; returns the summary. Screenshots go
    to ``shots_dir`` (default: a new folder in the cache)."""
    os.environ.setdefault("PHYCLONE_NONINTERACTIVE", "1")
    from phyclone.gui import create_app, preset_answers
    from phyclone.plot.gl import setup_opengl

    from .template import TemplateController, load_model

    out_dir = cache_root() / "demo-output" / datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    shots_dir = Path(shots_dir) if shots_dir is not None else out_dir / "screenshots"
    data = working_copy(Path(params_path).parent, out_dir / "dataset")
    gl_info = setup_opengl()
    app = create_app()
    controller = TemplateController(model=load_model(data / "params.py"), dir_path=data,
                                    config_dir=out_dir / "config", replay_journal=False)
    controller.gl_info = gl_info
    gui = controller.create_gui(size=(1280, 1000), position=(0, 0))
    gui.show()
    app.processEvents()
    try:
        summary = run_session(controller, gui, shots_dir, echo=echo)
    finally:
        with preset_answers("close"):
            gui.close()
        controller.close()
    summary["folder"] = shots_dir
    return summary
