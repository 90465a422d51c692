"""Custom views written the phy 2 way run unchanged: a plugin file importing from ``phy``,
views that only define ``_plot_cluster``, use ``get_clusters_data(load_all=None)`` or react
in ``on_cluster(up)``; each is rendered and its pixels read back."""

import numpy as np
import pytest

from phyclone.cluster.selection_source import SelectionSource
from phyclone.clustering import UpdateInfo
from phyclone.gui import GUI
from phyclone.utils.config import exec_user_file
from phyclone.utils.event import emit

pytestmark = pytest.mark.gl

# A plugin file as phy users write it (phy imports, phy's view contract).
PLUGIN = '''
import numpy as np
from phy import IPlugin
from phy.cluster.views import ManualClusteringView
from phy.cluster.views.base import LassoMixin
from phy.plot.visuals import ScatterVisual
from phylib.utils import Bunch


class PlotClusterOnlyView(ManualClusteringView):
    """Only _plot_cluster: one big dot per selected cluster, left to right."""

    def _plot_cluster(self, bunch):
        x = -.5 + bunch.index * .5
        self.canvas.scatter(pos=np.array([[x, 0.]]), color=bunch.color, size=40)


class LoadAllView(ManualClusteringView):
    """phy's get_clusters_data(load_all=None) reading self.cluster_ids, and a batch visual."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.load_all_args = []
        self.visual = ScatterVisual()
        self.canvas.add_visual(self.visual)

    def get_clusters_data(self, load_all=None):
        self.load_all_args.append(load_all)
        return [Bunch(pos=np.array([[-.5 + i * .5, .5 - c / 10.]]), cluster_id=c,
                      color=(0., 0., 1., 1.))
                for i, c in enumerate(self.cluster_ids)]

    def plot(self, **kwargs):
        self.visual.reset_batch()
        super().plot(**kwargs)
        self.canvas.update_visual(self.visual)
        self.canvas.update()

    def _plot_cluster(self, bunch):
        self.visual.add_batch_data(pos=bunch.pos, color=bunch.color, size=30)


class LassoScatterView(LassoMixin, ManualClusteringView):
    """phy's lasso contract: bunches with pos, spike_ids, cluster_id (None: background)."""

    def get_clusters_data(self, load_all=None):
        bunchs = [Bunch(pos=np.array([[1., 1.], [2., 2.], [8., 8.]]) + i,
                        spike_ids=np.array([0, 1, 2]) + 10 * c, cluster_id=c,
                        data_bounds=(0., 0., 10., 10.), color=self.get_cluster_color(i))
                  for i, c in enumerate(self.cluster_ids)]
        bunchs.append(Bunch(pos=np.array([[1., 1.]]), spike_ids=np.array([999]),
                            cluster_id=None, data_bounds=(0., 0., 10., 10.)))
        return bunchs

    def _plot_cluster(self, bunch):
        if bunch.cluster_id is not None:
            self.canvas.scatter(pos=bunch.pos, color=bunch.color, size=10,
                                data_bounds=self.data_bounds)


class OnClusterView(ManualClusteringView):
    """Green for the clusters the last clustering action created, red for the others."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.added = []
        self.updates = []

    def on_cluster(self, up):
        self.updates.append(up)
        self.added = list(up.added)

    def _plot_cluster(self, bunch):
        color = (0., 1., 0., 1.) if bunch.cluster_id in self.added else (1., 0., 0., 1.)
        self.canvas.scatter(pos=np.array([[0., 0.]]), color=color, size=40)
'''


class Supervisor(SelectionSource):
    """Stands for the real Supervisor: views only follow the selection it sends."""


@pytest.fixture
def plugin(tmp_path):
    path = tmp_path / "my_views.py"
    path.write_text(PLUGIN)
    return exec_user_file(path)


@pytest.fixture
def gui(qtbot, qapp, tmp_path):
    gui = GUI(config_dir=tmp_path / "config", name="PhyViewsGUI")
    qtbot.addWidget(gui)
    gui.show()
    yield gui
    gui.close()


def _select(qtbot, view, cluster_ids):
    n = view.n_plots_done
    emit("select", Supervisor(), list(cluster_ids))
    qtbot.waitUntil(lambda: view.n_plots_done > n, timeout=5000)
    # The frame with the new data may come after the plot call: wait until something is drawn.
    qtbot.waitUntil(lambda: view.canvas.grab_image()[..., :3].max() > 100, timeout=5000)
    return view.canvas.grab_image()


def _colored(img, channel):
    """Mask of the pixels where ``channel`` dominates."""
    rgb = img[..., :3].astype(int)
    others = [c for c in range(3) if c != channel]
    return (rgb[..., channel] > 150) & (rgb[..., others].max(axis=-1) < 100)


def test_plot_cluster_only(qtbot, gui, plugin):
    from phyclone.utils.colors import selected_cluster_color
    view = plugin.PlotClusterOnlyView()
    view.attach(gui)
    img = _select(qtbot, view, [10, 20, 30])
    h, w = img.shape[:2]
    # One dot per cluster, in the colour of its rank in the selection, left to right.
    for i in range(3):
        expected = np.array(selected_cluster_color(i)[:3]) * 255
        x = int((.5 + (-.5 + i * .5) / 2) * w)
        patch = img[h // 2 - 3:h // 2 + 4, x - 3:x + 4, :3].reshape(-1, 3).astype(float)
        assert np.abs(patch.mean(axis=0) - expected).max() < 40, (i, patch.mean(axis=0))
    # A new selection replaces the dots of the previous one (no accumulation).
    img = _select(qtbot, view, [10])
    x = int((.5 + .5 / 2) * w)
    assert img[h // 2, x, :3].max() < 60
    assert len(view._plot_visuals) == 1


def test_get_clusters_data_load_all(qtbot, gui, plugin):
    view = plugin.LoadAllView()
    view.attach(gui)
    img = _select(qtbot, view, [1, 2])
    assert view.load_all_args and all(a is None for a in view.load_all_args)
    blue = _colored(img, 2)
    ys, xs = np.nonzero(blue)
    assert len(xs) > 50
    # Two blobs: left (cluster 1) and centre (cluster 2).
    w = img.shape[1]
    assert (xs < .4 * w).any() and ((xs > .45 * w) & (xs < .55 * w)).any()
    assert view.data_bounds is not None
    # The lasso path of phy's views asks for everything: load_all=True is passed through.
    view._phy_clusters_data(load_all=True)
    assert view.load_all_args[-1] is True


def test_on_cluster_called_before_select(qtbot, gui, plugin):
    view = plugin.OnClusterView()
    view.attach(gui)
    img = _select(qtbot, view, [3])
    assert _colored(img, 0).sum() > 50 and _colored(img, 1).sum() == 0  # red
    up = UpdateInfo(description="merge", added=[7], deleted=[3, 4])
    emit("cluster", object(), up)  # not from the Supervisor: ignored
    assert view.updates == []
    emit("cluster", Supervisor(), up)
    assert view.updates == [up]
    img = _select(qtbot, view, [7])
    assert _colored(img, 1).sum() > 50 and _colored(img, 0).sum() == 0  # green


def test_screenshot_dir_and_show(qtbot, gui, plugin, tmp_path):
    view = plugin.PlotClusterOnlyView()
    view.attach(gui)
    _select(qtbot, view, [1])
    path = view.screenshot(dir=tmp_path / "shots")
    assert path.parent == tmp_path / "shots" and path.name.startswith("phy_screenshot_")
    assert path.name.endswith("_PlotClusterOnlyView.png") and path.stat().st_size > 100
    qtbot.waitUntil(lambda: path.exists(), timeout=2000)


def test_lasso_phy_contract(qtbot, gui, plugin):
    view = plugin.LassoScatterView()
    view.attach(gui)
    img = _select(qtbot, view, [1, 2])
    assert img[..., :3].max() > 100
    assert view.data_bounds == (0., 0., 10., 10.)
    # A lasso around the lower-left quarter (NDC): data points below (5, 5).
    for x, y in [(-1., -1.), (0., -1.), (0., 0.), (-1., 0.)]:
        view.canvas.lasso.add((x, y))
    spikes = view.on_request_split()
    # Cluster 1: (1, 1), (2, 2); cluster 2 (shifted by 1): (2, 2), (3, 3); no background.
    assert spikes.tolist() == [10, 11, 20, 21]
