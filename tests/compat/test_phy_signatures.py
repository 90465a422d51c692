"""phy's signatures: ``callback=`` on the Supervisor's selection and wizard methods and on the
table navigation, ``request_similar_clusters``, ``Boxed(box_bounds=)`` /
``set_layout(box_bounds=)``, ``swap_active_box``, ``Grid.scaling``, ``next_amplitude_type``,
``set_dock_status``, ``view.show()``."""

import numpy as np
import pytest

from phyclone.cluster.views import AmplitudeView, ManualClusteringView
from phyclone.gui import GUI
from phyclone.plot import Boxed, Grid, PlotCanvas
from phyclone.utils import connect, unconnect

pytestmark = pytest.mark.gl


def _similarity(c):
    return [(d, 1. / (1 + abs(d - c))) for d in range(10) if d != c]


@pytest.fixture
def sup_gui(qtbot, qapp, config_dir, monkeypatch):
    from phyclone.cluster import Supervisor
    monkeypatch.setenv("PHYCLONE_NONINTERACTIVE", "1")
    sc = np.repeat(np.arange(10), 20)
    sup = Supervisor(sc, similarity=_similarity)
    gui = GUI(name="SignaturesGUI", config_dir=config_dir, size=(800, 600))
    qtbot.addWidget(gui)
    requests = []

    def on_request_similar_clusters(sender, cluster_id):
        requests.append((sender, cluster_id))
    connect(on_request_similar_clusters)
    sup.attach(gui)
    gui.show()
    yield sup, gui, requests
    unconnect(on_request_similar_clusters)
    gui.close()


def test_supervisor_callbacks_and_similar_request(qtbot, sup_gui):
    sup, gui, requests = sup_gui
    got = []
    done = []

    def on_wizard_done(sender, selected):
        done.append(selected)
    connect(on_wizard_done, event="wizard_done")
    try:
        assert sup.select([3], callback=got.append) == [3]
        assert got[-1] == [3]
        # phy's event: the similarity view asks for the clusters similar to the last one.
        assert requests and requests[-1] == (sup.similarity_view, 3)
        sup.next(callback=got.append)
        assert got[-1] == sup.selected and len(sup.selected) == 2
        sup.previous(callback=got.append)
        sup.next_best(callback=got.append)
        assert got[-1] == sup.selected_clusters and requests[-1][1] == sup.selected_clusters[-1]
        sup.previous_best(callback=got.append)
        sup.first(callback=got.append)
        sup.last(callback=got.append)
        sup.unselect_similar(callback=got.append)
        sup.reset_wizard(callback=got.append)
        assert len(got) == 9 and got[-1] == sup.selected
        n = len(done)
        sup.next_best()  # no callback: phy emits wizard_done
        assert len(done) == n + 1 and done[-1] == sup.selected
        # The rows of the similarity view come from the answer to the request.
        assert sup.similarity_view.get_ids()[:2] == sorted(
            [c for c in range(10) if c != sup.selected_clusters[-1]],
            key=lambda d: abs(d - sup.selected_clusters[-1]))[:2]
    finally:
        unconnect(on_wizard_done)


def test_table_navigation_callbacks(qtbot, sup_gui):
    sup, gui, _ = sup_gui
    cv = sup.cluster_view
    got = []
    cv.first(callback=got.append)
    first = cv.get_selected()
    assert got[-1]["selected"] == first
    cv.next(callback=got.append)
    assert got[-1]["selected"] == cv.get_selected() != first
    cv.previous(callback=got.append)
    assert cv.get_selected() == first
    cv.last(callback=got.append)
    assert len(got) == 4
    cv.select([first[0]], callback=got.append)
    assert got[-1]["selected"] == first
    assert cv.get_next_id(got.append) == got[-1] and got[-1] != first[0]  # phy: callback first
    assert cv.get_previous_id(callback=got.append) == got[-1]
    cv.get_selected(got.append)
    assert got[-1] == first
    cv.get_ids(callback=got.append)
    assert sorted(got[-1]) == list(range(10))


class _BoxView(ManualClusteringView):
    plot_canvas_class = PlotCanvas

    def _plot_cluster(self, bunch):
        # A full square in box ``index``: it must fill that box's bounds exactly.
        self.canvas[bunch.index].scatter(pos=np.array([[0., 0.]]), color=bunch.color, size=3)


def test_layouts(qtbot, qapp):
    bounds = np.array([[-1., -1., -.5, 0.], [0., 0., 1., 1.]])
    b = Boxed(box_bounds=bounds)
    np.testing.assert_allclose(b.box_bounds, bounds)
    # map: the box's NDC corners go to its bounds.
    np.testing.assert_allclose(b.map(np.array([[-1., -1.], [1., 1.]]), box=1),
                               [[0., 0.], [1., 1.]])
    with b.swap_active_box(1):
        assert b.active_box == 1
        np.testing.assert_allclose(b.map(np.array([[0., 0.]])), [[.5, .5]])
    assert b.active_box == 0
    with pytest.raises(ValueError):
        Boxed(box_bounds=[[0, 0, -1, 1]])

    canvas = PlotCanvas()
    lay = canvas.set_layout("boxed", box_bounds=bounds)
    assert isinstance(lay, Boxed) and canvas.n_plots == 2
    np.testing.assert_allclose(lay.box_bounds, bounds)

    g = Grid((2, 2))
    p0 = g.map(np.array([[1., 1.]]), box=(0, 0))
    g.scaling = (.5, .5)
    assert g.scaling == (.5, .5)
    p1 = g.map(np.array([[1., 1.]]), box=(0, 0))
    centre = g.map(np.array([[0., 0.]]), box=(0, 0))
    np.testing.assert_allclose(p1 - centre, (p0 - centre) / 2)
    canvas.close()


def test_boxed_box_bounds_pixels(qtbot, qapp, tmp_path):
    gui = GUI(config_dir=tmp_path / "config", name="BoxedGUI", size=(600, 600))
    qtbot.addWidget(gui)
    gui.show()
    view = _BoxView()
    view.canvas.set_layout("boxed", box_bounds=[[-1., -1., 0., 0.], [0., 0., 1., 1.]])
    view.canvas.enable_panzoom()
    view.attach(gui)
    view.show()  # phy's view.show(): shows the canvas
    view.set_dock_status("hello dock")
    assert "hello dock" in view.dock.status
    from phyclone.cluster.selection_source import SelectionSource
    from phyclone.utils.event import emit

    class Supervisor(SelectionSource):
        pass
    n = view.n_plots_done
    emit("select", Supervisor(), [4, 5])
    qtbot.waitUntil(lambda: view.n_plots_done > n, timeout=5000)

    def near(lit, fy, fx):
        h, w = lit.shape
        return lit[int(fy * h) - 2:int(fy * h) + 3, int(fx * w) - 2:int(fx * w) + 3].any()

    def lit():
        return view.canvas.grab_image()[..., :3].max(axis=-1) > 60
    # One dot at the centre of each box: (-.5, -.5) → bottom-left quarter, (.5, .5) → top-right
    # (the frame with the plotted data may come after the plot call: wait for it).
    qtbot.waitUntil(lambda: near(lit(), .75, .25) and near(lit(), .25, .75), timeout=5000)
    assert not near(lit(), .25, .25)
    gui.close()


def test_next_amplitude_type_aliases():
    assert AmplitudeView.next_amplitude_type is AmplitudeView.next_amplitudes_type
    assert AmplitudeView.previous_amplitude_type is AmplitudeView.previous_amplitudes_type
