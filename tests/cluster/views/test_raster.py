"""RasterView: known spikes at the expected pixels (markers and binned image), colours,
sort / filter / clustering events, clicks, marker size, zoom re-binning."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phyclone.cluster.views import RasterView
from phyclone.cluster.views.raster_binning import index_image, row_table, window_frame
from phyclone.qt import QPoint, Qt
from phyclone.utils import Bunch, emit
from phyclone.utils.colors import selected_cluster_color

from viewtest import (
    ClusterView, Supervisor, frame, lit, ndc_to_px, near, record_clicks, rgb255, shot,
)

pytestmark = pytest.mark.gl

IDS = [10, 11, 12, 13]


def make_data(n_random=400, seed=0):
    """Random spikes of clusters 10, 11, 13 in [0, 10) s, plus one spike of cluster 12 at
    5 s (cluster 12 has that spike only)."""
    rng = np.random.default_rng(seed)
    times = np.r_[rng.uniform(0, 10, n_random), 5.]
    clusters = np.r_[rng.choice([10, 11, 13], n_random), 12]
    order = np.argsort(times, kind="stable")
    return times[order], clusters[order]


def isolated(times, clusters, c):
    """Index of a spike of cluster c with no other spike of c within 50 ms (and not at
    the edges of the view), so that its marker is not blended with another one."""
    t = times[clusters == c]
    gaps = np.minimum(np.diff(t, prepend=-1.), np.diff(t, append=20.))
    ok = np.nonzero((gaps > .05) & (t > .5) & (t < 9.5))[0]
    return int(np.nonzero(clusters == c)[0][ok[0]])


def spike_px(view, t, row):
    n = len(view.all_cluster_ids)
    return ndc_to_px(view, -1 + 2 * t / view.duration, 1 - 2 * (row + .5) / n)


@pytest.fixture
def data():
    return make_data()


@pytest.fixture
def view(gui, data):
    v = RasterView(*data, cluster_ids=IDS, threaded=False)
    v.attach(gui)
    v.sup = Supervisor(IDS)
    emit("select", v.sup, [12])
    return v


# Binning ------------------------------------------------------------------------------------

@given(st.integers(0, 300), st.integers(1, 30), st.integers(1, 40), st.integers(1, 40),
       st.integers(0, 1000))
@settings(max_examples=40, deadline=None)
def test_index_image_brute_force(n, n_rows, h, w, seed):
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0, 10, n))
    clusters = rng.integers(0, n_rows + 2, n)  # two clusters not shown
    shown = rng.permutation(n_rows + 2)[:n_rows]
    table = row_table(shown, clusters.max() if n else 0)
    r0, r1 = sorted(rng.integers(0, n_rows + 1, 2))
    r1 = max(r1, r0 + 1)
    t0, t1 = sorted(rng.uniform(0, 10, 2))
    h = min(h, r1 - r0)
    i0, i1 = np.searchsorted(times, [t0, t1])
    img = index_image(times, clusters, table, i0, i1, (t0, t1, r0, r1), (h, w))
    lit_ = np.zeros((h, w), dtype=bool)
    for t, c in zip(times, clusters):
        row = table[c]
        if row < 0 or not (t0 <= t < t1) or not (r0 <= row < r1):
            continue
        col = min(int((t - t0) / (t1 - t0) * w), w - 1)
        trow = (row - r0) * h // (r1 - r0)
        lit_[trow, col] = True
        assert img[trow, col] >= 0
    assert np.array_equal(img >= 0, lit_)
    if h == r1 - r0:  # one texel row per cluster row: the row is exact
        assert np.all((img < 0) | (img == np.arange(r0, r1)[:, None]))


def test_window_frame_modes():
    times, clusters = make_data(100)
    table = row_table(IDS, 13)
    f = window_frame(times, clusters, table, 4, (0, 10, 0, 4), (4, 50), 1000)
    assert f.mode == "spikes" and len(f.spike_ids) == 101
    assert np.array_equal(f.rows, table[clusters])
    f = window_frame(times, clusters, table, 4, (4, 6, 0, 4), (4, 50), 10)
    assert f.mode == "image" and f.image.shape == (4, 50)
    assert (f.i0, f.i1) == tuple(np.searchsorted(times, [4, 6]))


# Drawing ------------------------------------------------------------------------------------

def test_known_spike_pixel_and_colors(view, qtbot, data):
    img = frame(qtbot, view)
    shot(view, "RasterView")
    assert view._frame.mode == "spikes"
    # The single spike of cluster 12 (row 2, selected) at 5 s, in the first selection colour.
    assert near(img, spike_px(view, 5., 2), selected_cluster_color(0))
    # No spike of cluster 12 elsewhere in its row.
    assert not near(img, spike_px(view, 2.5, 2), selected_cluster_color(0), r=3)
    # Other clusters: the Supervisor's colours (alpha .75 on black).
    times, clusters = data
    i = isolated(times, clusters, 13)
    expected = np.asarray(view.sup.color_selector.get(13)[:3]) * .75
    assert near(img, spike_px(view, times[i], 3), expected, tol=8)


def test_binned_image(view, qtbot, data):
    view.max_spikes = 0  # bin everything
    view._gen += 1
    view.plot()
    assert view._frame.mode == "image"
    img = frame(qtbot, view)
    shot(view, "RasterView_binned")
    times, clusters = data
    i = isolated(times, clusters, 13)
    expected = np.asarray(view.sup.color_selector.get(13)[:3]) * .75
    assert near(img, spike_px(view, times[i], 3), expected, tol=8, r=2)
    assert near(img, spike_px(view, 5., 2), selected_cluster_color(0), r=2)
    assert "(binned)" in view.status
    # Every lit pixel is in a row that has spikes (row 2 has only the spike at 5 s).
    y2 = spike_px(view, 0, 2)[1]
    row2 = lit(img[y2 - 2:y2 + 3])
    assert 0 < row2.sum() < 40


def test_sort_filter_cluster_events(view, qtbot, data):
    emit("table_sort", ClusterView(), [13, 12, 11, 10])
    assert list(view.all_cluster_ids) == [13, 12, 11, 10]
    img = frame(qtbot, view)
    assert near(img, spike_px(view, 5., 1), selected_cluster_color(0))
    emit("table_sort", object(), [10, 11, 12, 13])  # not the cluster view: ignored
    assert list(view.all_cluster_ids) == [13, 12, 11, 10]
    emit("table_filter", ClusterView(), [12, 10])
    assert list(view.all_cluster_ids) == [12, 10]
    img = frame(qtbot, view)
    assert near(img, spike_px(view, 5., 0), selected_cluster_color(0))
    # A merge: clusters 10 and 11 become 20.
    times, clusters = data
    new = np.where(np.isin(clusters, [10, 11]), 20, clusters)
    sup = Supervisor([20, 12, 13], spike_clusters=new)
    emit("cluster", sup, Bunch(added=[20], deleted=[10, 11]))
    assert list(view.all_cluster_ids) == [20, 12, 13]
    assert view._frame.rows.max() == 2 and np.array_equal(view.spike_clusters, new)


def test_color_mapping_changed(view, qtbot, data):
    sel = view.sup.color_selector
    sel.set_color_mapping(fun=lambda c: float(c), colormap="linear", categorical=False)
    emit("color_mapping_changed", view.sup)
    img = frame(qtbot, view)
    times, clusters = data
    i = isolated(times, clusters, 13)
    expected = np.asarray(sel.get(13)[:3]) * .75
    assert near(img, spike_px(view, times[i], 3), expected, tol=8)
    view.color_scheme = "blank"
    img = frame(qtbot, view)
    assert near(img, spike_px(view, times[i], 3), np.array([.75, .75, .75]) * .75, tol=8)
    assert view.state["color_scheme"] == "blank"


def test_click_selects(view, qtbot):
    clicks = record_clicks()
    x, y = spike_px(view, 3., 3)
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier, QPoint(x, y))
    assert clicks == [("click", 13, "Left", ("Control",)), ("select", [13])]
    x, y = spike_px(view, 8., 1)
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier | Qt.ShiftModifier,
                     QPoint(x, y))
    assert clicks[-1] == ("more", [11])
    n = len(clicks)
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.NoModifier, QPoint(x, y))
    assert len(clicks) == n  # a plain click pans, selects nothing


def test_marker_size(view, gui, qtbot):
    img = frame(qtbot, view)
    x, y = spike_px(view, 5., 2)
    color = selected_cluster_color(0)

    def extent():
        patch = frame(qtbot, view)[y - 40:y + 40, x - 20:x + 20, :3].astype(int)
        return int((np.abs(patch - rgb255(color)).max(axis=-1) <= 6).sum())
    before = extent()
    qtbot.keyClick(gui, Qt.Key_Plus, Qt.ControlModifier | Qt.ShiftModifier)
    assert view.marker_size == pytest.approx(12.)
    view.marker_size = 30
    assert extent() > 2 * before
    assert view.state["marker_size"] == 30
    del img


def test_zoom_rebins_to_spikes(gui, qtbot):
    times, clusters = make_data(20000)
    v = RasterView(times, clusters, threaded=False)
    v.max_spikes = 2000
    v.attach(gui)
    v.plot()
    assert v._frame.mode == "image" and list(v.all_cluster_ids) == IDS
    img = frame(qtbot, v)
    assert lit(img).sum() > 1000
    v.canvas.panzoom.set_range((-.05, -1, 0., 1))  # 0.25 s before 5.05 s
    qtbot.waitUntil(lambda: v._frame.mode == "spikes", timeout=3000)
    t0, t1, _, _ = v._frame.window
    assert t0 <= 4.8 and t1 >= 5.
    img = frame(qtbot, v)
    assert near(img, spike_px(v, 5., 2), (.75, .75, .75), tol=200, r=3)  # some colour
    v.zoom_to_time_range((2., 3.))
    x0, _, x1, _ = v.canvas.panzoom.get_range()
    assert (x0 + 1) / 2 * v.duration == pytest.approx(2., abs=1e-6)
    assert v.canvas.gl_errors == []


def test_threaded(gui, qtbot, data):
    v = RasterView(*data)
    v.attach(gui)
    sup = Supervisor(IDS)
    emit("select", sup, [13])
    emit("table_filter", ClusterView(), [13, 10])
    qtbot.waitUntil(lambda: v._frame is not None and len(v._frame.rows) and
                    v._frame.rows.max() == 1, timeout=5000)
    assert list(v.all_cluster_ids) == [13, 10]


def test_label_change_recolors(view, qtbot, data):
    groups = {c: 0. for c in IDS}
    view.add_color_scheme(lambda c: groups[c], name="by_group", colormap="linear",
                          categorical=False)
    view.color_scheme = "by_group"
    times, clusters = data
    i = isolated(times, clusters, 13)
    before = frame(qtbot, view)[spike_px(view, times[i], 3)[::-1]][:3].copy()
    groups[13] = 1.
    emit("cluster", view.sup, Bunch(added=[], deleted=[], metadata_changed=[13]))
    after = frame(qtbot, view)[spike_px(view, times[i], 3)[::-1]][:3]
    assert np.abs(after.astype(int) - before.astype(int)).max() > 30


def test_color_scheme_state_before_the_scheme_exists(view):
    view.set_state({"color_scheme": "depth"})  # restored before the controller adds it
    assert view.color_scheme == "cluster_view"
    view.add_color_scheme(lambda c: float(c), name="depth", colormap="linear")
    assert view.color_scheme == "depth"
