"""Render each visual and check the pixels."""

import numpy as np
import pytest

from phyclone.plot import (
    MARKERS, HistogramVisual, ImageVisual, LineVisual, PlotVisual, PolygonVisual,
    ScatterVisual, TextVisual, UniformPlotVisual,
)
from phyclone.utils.errors import DataError

from plot_pixels import H, W, centroid, lit, ndc_to_pixel, not_black

pytestmark = pytest.mark.gl
RED = (1, 0, 0, 1)


@pytest.mark.parametrize("x,y", [(0., 0.), (10., 5.), (-7.5, -2.), (12.3, 8.8)])
def test_red_point_at_data_position(canvas, x, y):
    bounds = (-10, -10, 20, 10)
    canvas.scatter(x=[x], y=[y], color=RED, size=8, data_bounds=bounds)
    img = canvas.grab_image()
    ndc = (2 * (x + 10) / 30 - 1, 2 * (y + 10) / 20 - 1)
    cx, cy = centroid(lit(img))
    ex, ey = ndc_to_pixel(ndc)
    assert abs(cx - ex) <= .6 and abs(cy - ey) <= .6
    assert canvas.gl_errors == []


def test_per_point_colors_sizes_and_set_color(canvas):
    v = ScatterVisual(marker="square")
    canvas.add_visual(v)
    v.set_data(pos=[[-.5, 0], [.5, 0]], color=[RED, (0, 1, 0, 1)], size=[6, 16])
    img = canvas.grab_image()
    red, green = lit(img), lit(img, (0, 255, 0))
    assert centroid(red)[0] < W / 2 < centroid(green)[0]
    assert green.sum() > 4 * red.sum()
    v.set_color((0, 0, 1, 1))
    img = canvas.grab_image()
    assert lit(img).sum() == 0 and lit(img, (0, 0, 255)).sum() > 0
    v.set_marker_size(2)
    assert lit(canvas.grab_image(), (0, 0, 255)).sum() < 30
    with pytest.raises(DataError):
        v.set_marker_size(-1)


@pytest.mark.parametrize("marker", MARKERS)
def test_every_marker_draws_inside_its_sprite(canvas, marker):
    canvas.scatter(pos=[[0, 0]], marker=marker, size=30, color=RED)
    m = lit(canvas.grab_image())
    ys, xs = np.nonzero(m)
    assert m.sum() > 40
    cx, cy = ndc_to_pixel((0, 0))
    assert np.abs(xs + .5 - cx).max() <= 16 and np.abs(ys + .5 - cy).max() <= 16


def test_unknown_marker(qapp):
    with pytest.raises(DataError):
        ScatterVisual(marker="blob")


def test_depth_orders_points(canvas):
    canvas.scatter(pos=[[0, 0], [0, 0]], color=[RED, (0, 1, 0, 1)], size=20, depth=[-.5, .5])
    img = canvas.grab_image()
    assert lit(img).sum() > 100 and lit(img, (0, 255, 0)).sum() == 0


def test_uniform_scatter_masks(canvas):
    canvas.uscatter(pos=[[-.5, 0], [.5, 0]], color=RED, size=12, masks=[1, 0])
    img = canvas.grab_image()
    assert lit(img).sum() > 50
    right = img[:, W // 2:, :3].astype(int)
    drawn = right.max(axis=2) > 20
    assert drawn.sum() > 50 and np.all(np.ptp(right[drawn], axis=1) < 10)  # grey


def _column(img, x_ndc):
    return img[:, int(ndc_to_pixel((x_ndc, 0))[0])]


def test_plot_lines_and_no_joins(canvas):
    v = PlotVisual()
    canvas.add_visual(v)
    # Two horizontal signals at y=.5 (x -1..0) and y=-.5 (x .2..1): nothing in between.
    v.set_data(x=[np.linspace(-1, 0, 10), np.linspace(.2, 1, 30)],
               y=[np.full(10, .5), np.full(30, -.5)], color=[RED, (0, 1, 0, 1)])
    img = canvas.grab_image()
    col = _column(img, -.5)
    rows = np.nonzero(lit(col[None])[0])[0]
    assert len(rows) and abs(rows.mean() + .5 - ndc_to_pixel((0, .5))[1]) <= 1
    assert not lit(_column(img, .1)[None], (0, 255, 0)).any()
    assert not not_black(_column(img, .1)[None]).any()
    assert lit(_column(img, .6)[None], (0, 255, 0)).any()
    assert v.n_vertices == 40 and v.n_signals == 2


def test_plot_equal_lengths_data_bounds_and_masks(canvas):
    y = np.array([[0., 0., 0.], [10., 10., 10.]])
    canvas.plot(y=y, data_bounds=(0, -20, 1, 20), color=RED, masks=[1, 0])
    img = canvas.grab_image()
    col = _column(img, 0)
    red_rows = np.nonzero(lit(col[None])[0])[0]
    assert abs(red_rows.mean() + .5 - ndc_to_pixel((0, 0))[1]) <= 1
    grey_row = int(ndc_to_pixel((0, .5))[1])
    px = img[grey_row - 1:grey_row + 2, W // 2, :3].astype(int)
    assert px.max() > 20 and np.ptp(px[px.max(axis=1).argmax()]) < 10


def test_plot_auto_bounds_and_set_color(canvas):
    v = canvas.plot(y=[np.array([5., 7.]), np.array([-3., -1., 4.])], data_bounds="auto")
    v.set_color((0, 1, 0, 1))
    img = canvas.grab_image()
    assert lit(img, (0, 255, 0)).sum() > 100


def test_uniform_plot(canvas):
    canvas.uplot(y=np.zeros((3, 50)), color=RED)
    assert lit(canvas.grab_image()).sum() >= W - 2


def test_plot_batch_variable_lengths(canvas):
    v = PlotVisual()
    canvas.add_visual(v)
    v.add_batch_data(y=np.zeros(5), color=RED)
    v.add_batch_data(y=[np.ones(7) * .5, np.ones(3) * -.5], color=(0, 1, 0, 1))
    canvas.update_visual(v)
    img = canvas.grab_image()
    assert v.n_vertices == 15 and v.n_signals == 3
    assert lit(img).sum() > 100 and lit(img, (0, 255, 0)).sum() > 200


def test_histogram(canvas):
    canvas.hist(hist=[1., 2., 4., 0.], color=RED)
    img = canvas.grab_image()
    heights = [lit(img[:, int(W * (i + .5) / 4)][None])[0].sum() for i in range(4)]
    assert heights[3] == 0
    assert abs(heights[2] - H) <= 1 and abs(heights[1] - H / 2) <= 1
    assert abs(heights[0] - H / 4) <= 1


def test_histogram_ylim_and_many(canvas):
    v = HistogramVisual()
    canvas.add_visual(v)
    v.set_data(hist=np.ones((3, 10)), ylim=[2., 4., 1.], color=RED)
    assert v.n_vertices == 30
    assert abs(lit(canvas.grab_image()).any(axis=1).sum() - H) <= 1  # the 3rd one is full


def test_lines_and_polygon(canvas):
    canvas.lines(pos=[[-1, 0, 1, 0], [0, -1, 0, 1]], color=[RED, (0, 1, 0, 1)])
    img = canvas.grab_image()
    assert lit(img).sum() >= W - 2 and lit(img, (0, 255, 0)).sum() >= H - 2
    canvas.clear()
    v = PolygonVisual(color=RED)
    canvas.add_visual(v)
    v.set_data(pos=[[-.5, -.5], [.5, -.5], [.5, .5], [-.5, .5]])
    m = lit(canvas.grab_image())
    ys, xs = np.nonzero(m)
    (x0, y0), (x1, y1) = ndc_to_pixel((-.5, .5)), ndc_to_pixel((.5, -.5))
    assert abs(xs.min() - x0) <= 1 and abs(xs.max() - x1) <= 1
    assert abs(ys.min() - y0) <= 1 and abs(ys.max() - y1) <= 1
    assert not m[int(H / 2), int(W / 2)]  # outline only


def test_line_visual_shape_error(qapp):
    with pytest.raises(DataError):
        LineVisual().validate(pos=np.zeros((3, 2)))


def test_image(canvas):
    img = np.zeros((2, 2, 4), dtype=np.float32)
    img[..., 3] = 1
    img[0, 0, 0] = 1     # top-left red
    img[1, 1, 1] = 1     # bottom-right green
    v = ImageVisual()
    canvas.add_visual(v)
    v.set_data(image=img)
    out = canvas.grab_image()
    assert lit(out[:H // 2 - 2, :W // 2 - 2]).all()
    assert lit(out[H // 2 + 2:, W // 2 + 2:], (0, 255, 0)).all()
    assert not not_black(out[:H // 2 - 2, W // 2 + 2:]).any()


def test_text_draws_inside_its_box(canvas):
    v = TextVisual(color=RED, font_size=10)
    canvas.add_visual(v)
    v.set_data(pos=[[0, 0]], text=["Hello"], anchor=(1, 1))  # lower-left at the centre
    m = lit(canvas.grab_image(), tol=200)
    ys, xs = np.nonzero(m)
    cx, cy = ndc_to_pixel((0, 0))
    assert m.sum() > 40
    assert xs.min() >= cx - 1 and ys.max() <= cy + 1          # right of and above the anchor
    assert xs.max() - xs.min() > 20 and ys.max() - ys.min() > 5


def test_text_anchor_centre_and_batch(canvas):
    v = TextVisual(font_size=10)
    canvas.add_visual(v)
    v.add_batch_data(pos=[[-.5, 0]], text=["abc"], anchor=(0, 0), color=RED)
    v.add_batch_data(pos=[[.5, 0]], text=["xyz"], anchor=(0, 0), color=(0, 1, 0, 1))
    canvas.update_visual(v)
    img = canvas.grab_image()
    for color, x in ((RED[:3], -.5), ((0, 1, 0), .5)):
        cx, cy = centroid(lit(img, tuple(255 * np.array(color)), tol=200))
        ex, ey = ndc_to_pixel((x, 0))
        assert abs(cx - ex) <= 3 and abs(cy - ey) <= 3
    assert v.n_vertices == 6


def test_text_is_crisp_and_zoom_independent(canvas):
    canvas.text(pos=[[0, 0]], text=["Wq8"], color=(1, 1, 1, 1), font_size=10)
    a = canvas.grab_image()[:, :, 0]
    canvas.panzoom.set_pan_zoom(pan=(0, 0), zoom=(3, 3))
    b = canvas.grab_image()[:, :, 0]
    # Same glyph pixels whatever the zoom (the anchor is the view centre).
    np.testing.assert_array_equal(a, b)
    assert (a == 255).sum() > 10  # full-coverage pixels: pixel-aligned glyphs


def test_validation_errors(qapp):
    with pytest.raises(DataError):
        PlotVisual().validate(y=[np.zeros(3)], x=[np.zeros(4)])
    with pytest.raises(DataError):
        TextVisual().validate(pos=[[0, 0]], text=["a", "b"])
    with pytest.raises(DataError):
        ScatterVisual().validate(pos=np.zeros((3, 3)))
    with pytest.raises(DataError):
        ScatterVisual().validate(pos=np.zeros((3, 2)), color=np.zeros((2, 4)))
    with pytest.raises(DataError):
        ScatterVisual().validate(pos=np.zeros((3, 2)), data_bounds=(0, 0, 0, 1))
    with pytest.raises(DataError):
        UniformPlotVisual().validate()
