"""ClusterScatterView: disks at the expected pixels and sizes, bindings, log scales,
colours, click and lasso selection, filter and clustering events."""

import numpy as np
import pytest

from phyclone.cluster.views import ClusterScatterView
from phyclone.qt import QPoint, Qt
from phyclone.utils import Bunch, emit
from phyclone.utils.colors import selected_cluster_color

from viewtest import ClusterView, Supervisor, frame, ndc_to_px, near, record_clicks, shot

pytestmark = pytest.mark.gl

IDS = [1, 2, 3, 4, 5]
INFO = {c: {"amp": 10. * c, "depth": 100. * (6 - c), "fr": float(c ** 2), "n_spikes": 5 * c,
            "group": "good", "quality": None} for c in IDS}


class Info:
    def __init__(self):
        self.calls = []

    def __call__(self, cluster_id):
        self.calls.append(cluster_id)
        return dict(INFO[cluster_id])


def disk_px(view, cluster_id):
    """Pixel of a cluster's disk centre."""
    i = list(view.all_cluster_ids).index(cluster_id)
    x0, y0, x1, y1 = view.data_bounds
    x, y = view.marker_positions[i]
    return ndc_to_px(view, -1 + 2 * (x - x0) / (x1 - x0), -1 + 2 * (y - y0) / (y1 - y0))


@pytest.fixture
def view(gui):
    v = ClusterScatterView(cluster_ids=IDS, cluster_info=Info(),
                           bindings={"x_axis": "amp", "y_axis": "depth", "size": "fr"},
                           threaded=False)
    v.size_log_scale = False
    v.attach(gui)
    v.sup = Supervisor(IDS)
    emit("select", v.sup, [3])
    return v


def test_disks_positions_sizes_colors(view, qtbot):
    img = frame(qtbot, view)
    shot(view, "ClusterScatterView")
    assert view.fields == ["amp", "depth", "fr", "n_spikes", "quality"]  # no strings (phy)
    assert np.allclose(view.marker_positions, [[10 * c, 100 * (6 - c)] for c in IDS])
    # fr 1..25 mapped linearly to 5..30 pixels.
    assert np.allclose(view.marker_sizes, 5 + 25 * (np.array([1, 4, 9, 16, 25]) - 1) / 24)
    assert near(img, disk_px(view, 3), selected_cluster_color(0))
    for c in (1, 5):
        assert near(img, disk_px(view, c), np.asarray(view.sup.color_selector.get(c)[:3]) * .75)
    # Disk 5 (30 px) is larger than disk 1 (5 px).
    x, y = disk_px(view, 5)
    assert near(img, (x + 12, y), np.asarray(view.sup.color_selector.get(5)[:3]) * .75)
    x, y = disk_px(view, 1)
    assert not near(img, (x + 8, y), np.asarray(view.sup.color_selector.get(1)[:3]) * .75)
    assert view.status == "Size: fr. Color scheme: cluster_view."


def test_bindings_and_log_scale(view, gui, qtbot):
    qtbot.keyClicks(gui, ":csx n_spikes")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert view.x_axis == "n_spikes"
    assert np.allclose(view.marker_positions[:, 0], [5 * c for c in IDS])
    view.set_y_axis("unknown")  # not a field: ignored
    assert view.y_axis == "depth"
    view.actions.get("Toggle log scale for x_axis").trigger()
    assert view.x_axis_log_scale
    assert np.allclose(view.marker_positions[:, 0], np.log(1 + np.array([5., 10, 15, 20, 25]) - 5))
    view.actions.change_size_to_amp()
    assert view.size == "amp"
    assert np.allclose(view.marker_sizes, 5 + 25 * (np.array(IDS) - 1) / 4)
    state = view.state
    assert state["x_axis"] == "n_spikes" and state["x_axis_log_scale"]
    img = frame(qtbot, view)
    assert near(img, disk_px(view, 3), selected_cluster_color(0))


def test_click_and_lasso(view, qtbot):
    events = record_clicks()
    x, y = disk_px(view, 4)
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.NoModifier, QPoint(x + 3, y))
    assert events == [("click", 4, "Left", ()), ("select", [4])]
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ShiftModifier, QPoint(x, y))
    assert events[-1] == ("more", [4])
    n = len(events)
    w, h = view.canvas.get_size()
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.NoModifier, QPoint(3, 3))
    assert len(events) == n  # far from every disk: nothing
    # Lasso (ctrl+click) around clusters 1 and 2 (top left of the plot).
    pts = [disk_px(view, c) for c in (1, 2)]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    corners = [(min(xs) - 20, min(ys) - 20), (max(xs) + 20, min(ys) - 20),
               (max(xs) + 20, max(ys) + 20), (min(xs) - 20, max(ys) + 20)]
    for cx, cy in corners:
        qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier, QPoint(cx, cy))
    assert events[-1] == ("select", [1, 2])
    assert not any(e[0] == "click" for e in events[n:])
    shot(view, "ClusterScatterView_lasso")


def test_filter_and_merge(view, qtbot):
    emit("table_filter", ClusterView(), [5, 2, 4])
    assert list(view.all_cluster_ids) == [2, 4, 5]  # sorted: the order does not matter
    assert len(view.marker_positions) == 3
    INFO[6] = {"amp": 15., "depth": 300., "fr": 2., "n_spikes": 7, "group": "mua",
               "quality": None}
    calls = len(view.cluster_info.calls)
    emit("cluster", Supervisor([2, 4, 5, 6]), Bunch(added=[6], deleted=[1, 3]))
    assert list(view.all_cluster_ids) == [2, 4, 5, 6]
    assert view.cluster_info.calls[calls:] == [6]  # only the new cluster is fetched
    img = frame(qtbot, view)
    other = np.asarray(view.sup.color_selector.get(6)[:3]) * .75
    assert near(img, disk_px(view, 6), other, tol=30)


def test_color_schemes(view, qtbot):
    view.add_color_scheme(lambda c: float(c), name="id_linear", colormap="linear",
                          categorical=False)
    view.color_scheme = "id_linear"
    img = frame(qtbot, view)
    sel = view.color_schemes.get("id_linear")
    assert near(img, disk_px(view, 5), np.asarray(sel.get(5)[:3]) * .75)
    view.next_color_scheme()
    assert view.color_scheme == "blank"
    sel = view.sup.color_selector
    sel.set_color_mapping(fun="cluster_id")
    emit("color_mapping_changed", view.sup)
    assert view.color_scheme == "cluster_view"


def test_marker_size(view, qtbot):
    view.increase_marker_size()
    assert view.marker_size == pytest.approx(1.2)
    img = frame(qtbot, view)
    x, y = disk_px(view, 5)
    assert near(img, (x + 16, y), np.asarray(view.sup.color_selector.get(5)[:3]) * .75)
    assert view.state["marker_size"] == pytest.approx(1.2)


def test_label_change(view):
    for c in IDS:
        INFO[c]["quality"] = float(c)
    view._info.clear()
    view.plot()
    view.set_x_axis("quality")
    assert view.marker_positions[1, 0] == 2.
    INFO[2]["quality"] = 7.
    emit("cluster", view.sup, Bunch(added=[], deleted=[], metadata_changed=[2]))
    assert view.marker_positions[1, 0] == 7.
    for c in IDS:
        INFO[c]["quality"] = None


def test_phy_controller_color_schemes(view, qtbot):
    """phy's controller adds schemes, then ``view.color_schemes.set('random')``."""
    view.add_color_scheme(name="random", fun=lambda c: c, colormap="categorical",
                          categorical=True, cluster_ids=IDS)
    view.color_schemes.set("random")
    view.update_color()
    assert view.color_scheme == "random"
    assert "random" in view.color_schemes.keys()
    img = frame(qtbot, view)
    expected = np.asarray(view.color_schemes.get("random").get(5)[:3]) * .75
    assert near(img, disk_px(view, 5), expected)
