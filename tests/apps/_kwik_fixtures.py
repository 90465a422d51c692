"""Helpers of the Kwik controller tests: small synthetic Kwik datasets (two channel groups,
two clusterings, .kwx and .raw.kwd), the trimmed klusta output, opening a KwikController, and
driving a GUI with keys and snippets."""

import shutil
from pathlib import Path

from _controller_fixtures import press, type_snippet  # noqa: F401 (the Kwik tests' helpers)
from _controller_fixtures import show_gui as _show_gui
from _controller_fixtures import view_idle

KLUSTA = Path(__file__).resolve().parents[1] / "data" / "klusta_16ch"


def make_kwik(folder, **kwargs):
    """A synthetic Kwik dataset in ``folder`` (``syn.kwik``); returns its ground truth."""
    from phyclone.io.kwik.creator import synthetic_kwik
    kwargs = {"n_spikes": 1500, "n_clusters": 5, "n_channels": 6, "recording_duration": 1.,
              "seed": 2, **kwargs}
    return synthetic_kwik(Path(folder) / "syn.kwik", **kwargs)


def copy_klusta(dest):
    """A private copy of the trimmed klusta dataset; returns the path of its .kwik."""
    shutil.copytree(KLUSTA, dest)
    return Path(dest) / "synth.kwik"


def open_kwik(kwik_path, config_dir, **kwargs):
    from phyclone.apps.kwik import KwikController
    kwargs.setdefault("replay_journal", False)
    kwargs.setdefault("enable_threading", False)
    return KwikController(kwik_path, config_dir=config_dir, **kwargs)


def show_gui(qtbot, controller):
    """Create, show and activate the controller's GUI (not registered with qtbot: a switch
    deletes it; ``close_all`` closes the last one)."""
    return _show_gui(qtbot, controller, register=False)


def close_all(controller):
    """Close the GUI (without saving) and the controller that replaced ``controller``."""
    from phyclone.gui import preset_answers
    c = controller.latest
    gui = getattr(c, "gui", None)
    if gui is not None and not gui._closed:
        with preset_answers("close"):
            gui.close()
    c.close()


def wait_painted(qtbot, gui, before, timeout=20000):
    """Wait until every view following the selection painted since ``before`` (``{id(view):
    n_plots_done}``); return those views."""
    views = [v for v in gui.views if hasattr(v, "n_plots_done") and not hasattr(
        v, "all_cluster_ids")]
    qtbot.waitUntil(lambda: all(v.n_plots_done > before.get(id(v), 0) and view_idle(v)
                                for v in views), timeout=timeout)
    return views


def crash_child(kwik_path, config_dir):
    """A Kwik GUI process (run by the crash test) that curates channel group 1, prints the
    expected state and waits to be killed without saving."""
    import json
    import time

    import numpy as np

    from phyclone.gui import create_app
    app = create_app()
    c = open_kwik(kwik_path, config_dir, channel_group=1, enable_threading=True)
    gui = c.create_gui()
    gui.show()
    s = c.supervisor
    ids = [int(x) for x in s.clustering.cluster_ids]
    s.select(ids[0])
    s.merge(ids[:2])
    s.split(s.clustering.spikes_per_cluster[ids[2]][1::2])
    s.label("group", "good", [ids[3]])
    s.move("noise", "best")
    s.label("quality", 7, [ids[4]])
    s.undo()
    s.redo()
    s.block()
    state = dict(spike_clusters=np.asarray(s.clustering.spike_clusters).tolist(),
                 groups={str(k): v for k, v in s.get_labels("group").items()},
                 quality={str(k): v for k, v in s.get_labels("quality").items()},
                 new_cluster_id=int(s.clustering.new_cluster_id()))
    print(json.dumps(state), flush=True)
    print("READY", flush=True)
    while True:  # killed here, never saved
        app.processEvents()
        time.sleep(.01)
