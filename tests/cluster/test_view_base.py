"""The view base: worker-thread data, latest selection wins, lasso split, state, screenshots."""

import threading
import time

import numpy as np
import pytest

from phyclone.cluster.views import (
    LassoMixin, ManualClusteringView, ManualClusteringViewMatplotlib, MarkerSizeMixin,
)
from phyclone.gui import GUI
from phyclone.plot import ScatterVisual
from phyclone.utils.event import emit
from phyclone.cluster.selection_source import SelectionSource

pytestmark = pytest.mark.gl


class Supervisor(SelectionSource):
    """Stands for the real Supervisor: views only follow the selection it sends."""


class DotView(MarkerSizeMixin, LassoMixin, ManualClusteringView):
    """One dot per spike of each selected cluster at (spike_id / 100, cluster / 10)."""

    def __init__(self, delay=0., **kwargs):
        super().__init__(**kwargs)
        self.delay = delay
        self.threads = []
        self.visual = ScatterVisual()
        self.canvas.add_visual(self.visual)

    def get_clusters_data(self, cluster_ids):
        self.threads.append(threading.current_thread())
        time.sleep(self.delay)
        ids = np.concatenate([np.arange(10) + 10 * c for c in cluster_ids])
        return ids

    def _pos(self):
        return np.c_[(self.data % 10) / 10. - .45, self.data // 10 / 10. - .45]

    def plot(self, **kwargs):
        self.visual.set_data(pos=self._pos(), color=(1, 0, 0, 1), size=self.marker_size * 2)

    def get_lasso_points(self, box):
        return self.data, self._pos()


@pytest.fixture
def gui(qtbot, qapp, tmp_path):
    gui = GUI(config_dir=tmp_path / "config", name="ViewTestGUI")
    qtbot.addWidget(gui)
    gui.show()
    yield gui
    gui.close()


def _wait(qtbot, view, n):
    qtbot.waitUntil(lambda: view.n_plots_done >= n, timeout=5000)


def _idle(qtbot, view):
    """Wait until no data of the view is being prepared (every result delivered)."""
    qtbot.waitUntil(lambda: not view._runner.is_busy(), timeout=10000)


def test_worker_thread_and_pixels(qtbot, gui):
    view = DotView()
    view.attach(gui)
    emit("select", Supervisor(), [1, 2])
    _wait(qtbot, view, 1)
    assert view.threads[-1] is not threading.main_thread()
    img = view.canvas.grab_image()
    assert (img[..., 0] > 200).sum() > 20  # red dots drawn
    assert "1, 2" in view.dock.status


def test_only_supervisor_and_latest_selection(qtbot, gui):
    view = DotView(delay=.05)
    view.attach(gui)
    emit("select", object(), [3])  # not the Supervisor: ignored
    for c in range(5):
        emit("select", Supervisor(), [c])
    _wait(qtbot, view, 1)
    _idle(qtbot, view)
    assert view.cluster_ids == [4]
    assert list(view.data) == list(range(40, 50))
    view.toggle_auto_update(False)
    emit("select", Supervisor(), [7])
    _idle(qtbot, view)
    assert view.cluster_ids == [4]


def test_lasso_split(qtbot, gui):
    view = DotView(threaded=False)
    view.attach(gui)
    view.on_select([0])
    assert view.on_request_split() is None  # no lasso: the next view answers
    for x, y in [(-.5, -.5), (-.5, .5), (-.2, .5), (-.2, -.5)]:
        view.canvas.lasso.add((x, y))
    spikes = view.on_request_split()
    # Dots x = (id % 10) / 10 - .45 < -.2  <=>  id % 10 in 0..2
    assert list(spikes) == [0, 1, 2]
    assert view.canvas.lasso.count == 0


def test_state_and_marker_size(qtbot, gui, tmp_path):
    view = DotView(threaded=False)
    view.attach(gui)
    view.on_select([1])
    view.increase_marker_size()
    assert view.marker_size > 5
    view.set_state({"auto_update": False, "unknown": 1})
    assert view.state == {"auto_update": False}
    path = view.screenshot(tmp_path / "dots.png")
    assert path.exists() and path.stat().st_size > 100


def test_matplotlib_view(qtbot, gui, tmp_path):
    class HistView(ManualClusteringViewMatplotlib):
        def get_clusters_data(self, cluster_ids):
            return [np.random.default_rng(c).normal(size=100) for c in cluster_ids]

        def plot(self, **kwargs):
            ax, = self.subplots().flat
            for i, d in enumerate(self.data):
                ax.hist(d, color=self.get_cluster_color(i)[:3])

    view = HistView()
    view.attach(gui)
    emit("select", Supervisor(), [1, 2])
    _wait(qtbot, view, 1)
    assert len(view.axes[0, 0].patches) > 0
    assert view.screenshot(tmp_path / "h.png").exists()
