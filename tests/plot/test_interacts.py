"""PanZoom, Lasso and Axes on a canvas, driven by mouse and keyboard events."""

import numpy as np
import pytest

from phyclone.plot import ScatterVisual
from phyclone.plot.geometry import in_polygon
from phyclone.qt import QApplication, QEvent, QMouseEvent, QPoint, QPointF, Qt, QWheelEvent
from phyclone.utils import connect, unconnect

from plot_pixels import H, W, centroid, lit, ndc_to_pixel

pytestmark = pytest.mark.gl
RED = (1, 0, 0, 1)


def drag(canvas, qtbot, p0, p1, button=Qt.LeftButton):
    qtbot.mousePress(canvas, button, pos=QPoint(*p0))
    QApplication.sendEvent(canvas, QMouseEvent(QEvent.MouseMove, QPointF(*p1), Qt.NoButton,
                                               button, Qt.NoModifier))
    qtbot.mouseRelease(canvas, button, pos=QPoint(*p1))


def wheel(canvas, pos, ticks):
    QApplication.sendEvent(canvas, QWheelEvent(
        QPointF(*pos), QPointF(*pos), QPoint(0, 0), QPoint(0, int(120 * ticks)), Qt.NoButton,
        Qt.NoModifier, Qt.NoScrollPhase, False))


@pytest.fixture
def shown(canvas, qtbot):
    canvas.scatter(pos=[[0, 0]], color=RED, size=6)
    canvas.show()
    qtbot.waitExposed(canvas)
    return canvas


def test_drag_pans_the_point_with_the_mouse(shown, qtbot):
    drag(shown, qtbot, (100, 80), (130, 60))
    cx, cy = centroid(lit(shown.grab_image()))
    assert abs(cx - (W / 2 + 30)) <= .6 and abs(cy - (H / 2 - 20)) <= .6


def test_panzoom_changes_only_uniforms(shown, qtbot, monkeypatch):
    from phyclone.plot.gl import VertexBuffer
    shown.grab_image()
    visual = shown.visuals[0].visual
    program = visual.gl_state.program
    uploads = []
    monkeypatch.setattr(VertexBuffer, "set_data", lambda self, d: uploads.append(d))
    drag(shown, qtbot, (50, 50), (80, 90), Qt.RightButton)
    wheel(shown, (100, 80), 2)
    qtbot.keyClick(shown, Qt.Key_Left)
    shown.grab_image()
    assert uploads == [] and visual.gl_state.program is program
    assert shown.panzoom.zoom != [1, 1]


def test_wheel_zooms_towards_the_mouse(shown, qtbot):
    shown.scatter(pos=[[.5, .5]], color=(0, 1, 0, 1), size=6)
    px = ndc_to_pixel((.5, .5))
    wheel(shown, px, 3)
    img = shown.grab_image()
    gx, gy = centroid(lit(img, (0, 255, 0)))
    assert abs(gx - px[0]) <= 1 and abs(gy - px[1]) <= 1   # the point under the mouse stays
    rx, ry = centroid(lit(img))
    assert rx < W / 2 - 5 and ry > H / 2 + 5               # the centre moved away
    assert shown.panzoom.zoom[0] > 1.3


def test_keys_and_double_click_reset(shown, qtbot):
    pz = shown.panzoom
    qtbot.keyClick(shown, Qt.Key_Right)
    assert pz.pan[0] < 0
    qtbot.keyClick(shown, Qt.Key_Plus)
    assert pz.zoom[0] > 1
    qtbot.keyClick(shown, Qt.Key_R)
    assert pz.pan == [0, 0] and pz.zoom == [1, 1]
    qtbot.keyClick(shown, Qt.Key_Up)
    qtbot.mouseDClick(shown, Qt.LeftButton, pos=QPoint(10, 10))
    assert pz.pan == [0, 0]


def test_pan_zoom_events(shown):
    got = []

    def on_zoom(sender, zoom):
        got.append(zoom)
    connect(on_zoom, sender=shown.panzoom)
    shown.panzoom.zoom = 2
    unconnect(on_zoom)
    assert got == [[2, 2]]


def test_lasso_in_grid_subplot_selects_exactly_the_inside(canvas, qtbot):
    canvas.set_layout("grid", shape=(2, 2))
    lasso = canvas.enable_lasso()
    rng = np.random.default_rng(0)
    pts = rng.uniform(-1, 1, size=(500, 2))
    v = ScatterVisual()
    canvas.add_visual(v)
    v.set_data(pos=pts, color=RED, size=2)
    v.set_box_index((1, 0))
    canvas.show()
    qtbot.waitExposed(canvas)
    poly = np.array([[-.6, -.5], [.7, -.4], [.5, .6], [-.3, .4]])
    for p in poly:
        px = ndc_to_pixel(canvas.layout.map([p], box=(1, 0))[0])
        qtbot.mouseClick(canvas, Qt.LeftButton, Qt.ControlModifier, QPoint(*map(round, px)))
    # a click in another subplot is ignored
    qtbot.mouseClick(canvas, Qt.LeftButton, Qt.ControlModifier, QPoint(W - 10, 10))
    assert lasso.count == 4 and lasso.box == (1, 0)
    # clicks are on whole pixels: the polygon is within a pixel of the intended one
    np.testing.assert_allclose(lasso.polygon, poly, atol=2 * 2 / (.925 * W / 2) + 1e-9)
    np.testing.assert_array_equal(lasso.in_polygon(pts), in_polygon(pts, lasso.polygon))
    brute = np.array([_inside_brute(p, lasso.polygon) for p in pts])
    np.testing.assert_array_equal(lasso.in_polygon(pts), brute)
    assert 0 < brute.sum() < len(pts)
    img = canvas.grab_image()
    assert (img[:, :, :3].min(axis=2) > 150).sum() > 50   # the white lasso outline
    qtbot.mouseClick(canvas, Qt.RightButton, Qt.ControlModifier, QPoint(50, 50))
    assert lasso.count == 0 and lasso.box is None


def _inside_brute(p, poly):
    """Winding number (reference implementation, one point at a time)."""
    wn = 0
    for a, b in zip(poly, np.roll(poly, -1, axis=0)):
        cross = (b[0] - a[0]) * (p[1] - a[1]) - (p[0] - a[0]) * (b[1] - a[1])
        if a[1] <= p[1] < b[1] and cross > 0:
            wn += 1
        elif b[1] <= p[1] < a[1] and cross < 0:
            wn -= 1
    return wn != 0


def test_axes_labels_follow_panzoom(canvas):
    canvas.scatter(pos=[[0, 0]], color=RED, size=4, data_bounds=(0, 0, 100, 10))
    axes = canvas.enable_axes(data_bounds=(0, 0, 100, 10))
    img = canvas.grab_image()
    labels = (img[:, :, :3].min(axis=2) > 100)
    assert labels[-15:].sum() > 20 and labels[:, :25].sum() > 20   # bottom and left labels
    assert "50" in axes.locator.xtext and "5" in axes.locator.ytext
    loc = axes.locator
    covered = loc.covered
    canvas.panzoom.pan_delta((.2, 0))          # small pan: GPU only, same ticks
    assert axes.locator.covered == covered
    before, step = loc.covered, np.diff(loc.xticks).min()
    canvas.panzoom.set_pan_zoom(zoom=(8, 8))   # zoom: finer ticks recomputed
    assert axes.locator.covered != before
    assert np.diff(axes.locator.xticks).min() < step
    canvas.grab_image()
    assert canvas.gl_errors == []
