"""AmplitudeView: amplitudes vs time over grey background spikes, side histograms,
amplitude types, time range, select_time, lasso split."""

import numpy as np
import pytest

from phyclone.cluster.views import AmplitudeView
from phyclone.cluster.views.amplitude import amplitude_histogram
from phyclone.qt import QPoint, Qt
from phyclone.utils.colors import selected_cluster_color
from phyclone.utils.event import emit

from toy_model import (  # noqa: F401 (fixtures)
    DURATION, Supervisor, activate, color_mask, gui, model, ndc_to_pixel, not_black, record,
    rgb255, shot, wait_plot,
)

pytestmark = pytest.mark.gl


def make_view(model, **kwargs):
    feature = model.features[:, 0, 0] * 3 + 50  # a second amplitude type
    return AmplitudeView(amplitudes={
        "template": model.amplitude_getter,
        "feature": lambda ids, load_all=False: model.amplitude_getter(ids, load_all, feature)},
        duration=DURATION, **kwargs)


def data_pixel(view, t, a):
    """Pixel of a (time, amplitude) point (data bounds, then pan-zoom)."""
    x0, y0, x1, y1 = view.data_bounds
    ndc = np.array([[(t - x0) / (x1 - x0) * 2 - 1, (a - y0) / (y1 - y0) * 2 - 1]])
    return ndc_to_pixel(view.canvas.panzoom.map(ndc)[0], view.canvas.get_size())


def test_draws(qtbot, gui, model):
    view = make_view(model)
    view.attach(gui)
    emit("select", Supervisor(), [0, 1])
    wait_plot(qtbot, view)
    d = view.data
    assert [b.cluster_id for b in d.bunchs] == [None, 0, 1]
    assert view.visual.n_vertices == sum(len(b.spike_ids) for b in d.bunchs)
    # Bounds: 0..duration, min(0, 1% quantile)..99% quantile of all shown amplitudes.
    amps = [b.amplitudes for b in d.bunchs]
    assert d.data_bounds == pytest.approx(
        (0., 0., DURATION, max(np.quantile(a, .99) for a in amps)))
    # Histograms: normalized, on the amplitude range.
    h = amplitude_histogram(d.bunchs[1].amplitudes, 0., d.data_bounds[3], 100)
    counts, edges = np.histogram(d.bunchs[1].amplitudes, np.linspace(0, d.data_bounds[3], 100))
    assert np.allclose(h, counts / (counts.sum() * (edges[1] - edges[0])))
    img = view.canvas.grab_image()
    h_, w = img.shape[:2]
    grey = color_mask(img, (128, 128, 128), tol=40)
    assert grey[:, :int(.8 * w)].sum() > 50  # background spikes
    hist_region = not_black(img[:, int(.81 * w):])  # side histograms on the right
    assert hist_region.sum() > 200
    for i in (0, 1):
        c = rgb255(np.array(selected_cluster_color(i)[:3]))
        assert color_mask(img, c, tol=60)[:, :int(.8 * w)].sum() > 50
    assert "template" in view.dock.status
    shot(view, "amplitude_view")


def test_points_and_time_range(qtbot, gui, model):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([1])
    img = view.canvas.grab_image()
    first = color_mask(img, rgb255(np.array(selected_cluster_color(0)[:3])), tol=60)
    ids = model.spike_ids(1)
    for s in ids[[10, 100, 180]]:
        px, py = data_pixel(view, model.spike_times[s], model.amplitudes[s])
        assert first[int(py) - 2:int(py) + 3, int(px) - 2:int(px) + 3].any()
    # Time range: a yellow band from 20 to 30 s (the trace view's interval).
    emit("time_range_selected", object(), (20., 30.))
    assert view.time_range == (20., 30.)
    img = view.canvas.grab_image()
    yellow = (img[:, :, 0] > 40) & (img[:, :, 1] > 40) & (img[:, :, 2] < 30)
    row = yellow[img.shape[0] // 3]
    xs = np.nonzero(row)[0]
    (a, _), (b, _) = data_pixel(view, 20., 0.), data_pixel(view, 30., 0.)
    assert abs(xs.min() - a) <= 2 and abs(xs.max() - b) <= 2
    assert yellow[:, int((a + b) / 2)].mean() > .95  # full height
    # A tiny range stays visible.
    view.show_time_range((50., 50.))
    img = view.canvas.grab_image()
    yellow = (img[:, :, 0] > 40) & (img[:, :, 1] > 40) & (img[:, :, 2] < 30)
    assert yellow[img.shape[0] // 3].sum() >= 2
    shot(view, "amplitude_view_time_range")


def test_amplitude_types_and_select_time(qtbot, gui, model, activate):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([0])
    activate(gui)
    qtbot.keyClick(gui, Qt.Key_A)
    assert view.amplitudes_type == "feature" and view.data.amplitudes_type == "feature"
    assert view.data.bunchs[1].amplitudes.mean() > 40
    assert "feature" in view.dock.status
    qtbot.keyClick(gui, Qt.Key_A, Qt.ShiftModifier)
    assert view.amplitudes_type == "template"
    view.actions.run("Change amplitudes type to feature")
    assert view.data.amplitudes_type == "feature"
    calls = record("select_time")
    px, py = data_pixel(view, 40., 20.)
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.AltModifier, QPoint(int(px), int(py)))
    assert len(calls) == 1 and calls[0][0] is view
    (t,) = calls[0][1]
    assert abs(t - 40.) < DURATION / view.canvas.get_size()[0] * 2
    assert view.state["amplitudes_type"] == "feature"


def test_lasso_split(qtbot, gui, model):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([0, 1])
    # A rectangle around the first half (in time) of both clusters' amplitudes.
    corners = [(-1., 8.), (50., 8.), (50., 21.), (-1., 21.)]
    for t, a in corners:
        px, py = data_pixel(view, t, a)
        qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier,
                         QPoint(int(round(px)), int(round(py))))
    poly = view.canvas.lasso.polygon
    x0, y0, x1, y1 = view.data_bounds
    ids = np.nonzero(np.isin(model.spike_clusters, [0, 1]))[0]  # every spike: load_all
    x = (model.spike_times[ids] - x0) / (x1 - x0) * 2 - 1
    y = (model.amplitudes[ids] - y0) / (y1 - y0) * 2 - 1
    (p0, q0), (p1, q1) = poly.min(axis=0), poly.max(axis=0)
    expected = ids[(x > p0) & (x < p1) & (y > q0) & (y < q1)]
    assert 100 < len(expected) < len(ids)
    split = view.on_request_split()
    assert np.array_equal(split, expected)


def test_marker_size(qtbot, gui, model):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([0])
    def n_lit():
        img = view.canvas.grab_image()
        c = rgb255(np.array(selected_cluster_color(0)[:3]))
        return color_mask(img, c, tol=60)[:, :int(.8 * img.shape[1])].sum()

    n0 = n_lit()
    for _ in range(4):
        view.increase_marker_size()
    assert n_lit() > 1.5 * n0
    assert view.state["marker_size"] == pytest.approx(5 * 1.2 ** 4)
