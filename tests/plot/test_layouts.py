"""Layouts on the GPU: where each box draws, and CPU map/imap agreeing with the pixels."""

import numpy as np
import pytest

from phyclone.plot import Boxed, Grid, ScatterVisual, Stacked, subplot_bounds

from plot_pixels import H, W, centroid, lit, ndc_to_pixel

pytestmark = pytest.mark.gl
RED = (1, 0, 0, 1)


@pytest.mark.parametrize("i,j", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_grid_subplot_quadrant(canvas, i, j):
    canvas.set_layout("grid", shape=(2, 2))
    canvas[i, j].scatter(pos=[[0, 0]], color=RED, size=6)
    cx, cy = centroid(lit(canvas.grab_image()))
    assert (cx > W / 2) == (j == 1) and (cy > H / 2) == (i == 1)
    ex, ey = ndc_to_pixel(canvas.layout.map([[0, 0]], box=(i, j))[0])
    assert abs(cx - ex) <= .6 and abs(cy - ey) <= .6


def test_grid_batch_one_draw_call_and_clip(canvas):
    canvas.set_layout("grid", shape=(1, 3))
    v = ScatterVisual()
    canvas.add_visual(v)
    for j in range(3):
        # the second point lies outside the subplot: clipped away
        v.add_batch_data(pos=[[0, 0], [3, 0]], color=RED, size=6, box_index=(0, j))
    canvas.update_visual(v)
    m = lit(canvas.grab_image())
    xs = np.nonzero(m.any(axis=0))[0]
    groups = np.split(xs, np.nonzero(np.diff(xs) > 1)[0] + 1)
    assert len(groups) == 3
    for j, g in enumerate(groups):
        x0, _, x1, _ = subplot_bounds((1, 3), (0, j))
        assert abs(g.mean() + .5 - ndc_to_pixel(((x0 + x1) / 2, 0))[0]) <= 1


def test_grid_shape_change_only_updates_uniform(canvas):
    grid = canvas.set_layout("grid", shape=(1, 1))
    canvas.scatter(pos=[[0, 0]], color=RED, size=6, box_index=(0, 0))
    canvas.grab_image()
    program = canvas.visuals[-1].visual.gl_state.program
    grid.shape = (2, 2)
    cx, cy = centroid(lit(canvas.grab_image()))
    assert cx < W / 2 and cy < H / 2
    assert canvas.visuals[-1].visual.gl_state.program is program


def test_grid_closest_box_and_box_map(canvas):
    grid = canvas.set_layout("grid", shape=(2, 3))
    assert grid.get_closest_box((-.9, .9)) == (0, 0)
    assert grid.get_closest_box((.9, -.9)) == (1, 2)
    px = ndc_to_pixel(grid.map([[.5, -.25]], box=(1, 1))[0])
    box, pos = grid.box_map(px)
    assert box == (1, 1)
    np.testing.assert_allclose(pos, (.5, -.25), atol=1e-9)


def test_boxed_boxes_do_not_overlap_on_screen(canvas):
    x = np.tile([0., 20.], 3)
    y = np.repeat([0., 15., 30.], 2)
    boxed = canvas.set_layout("boxed", box_pos=np.c_[x, y])
    v = ScatterVisual(marker="square")
    canvas.add_visual(v)
    # one point per box corner region: fill each box with a square marker in its centre
    colors = np.eye(3)[np.arange(6) % 3]
    for k in range(6):
        v.add_batch_data(pos=[[0, 0]], color=(*colors[k], 1), size=4, box_index=k)
    canvas.update_visual(v)
    img = canvas.grab_image()
    bounds = boxed.box_bounds
    for k in range(6):
        px = ndc_to_pixel(bounds[k, :2] / 2 + bounds[k, 2:] / 2)
        assert img[int(px[1]), int(px[0]), :3].max() > 200
    # box rectangles in NDC are disjoint
    for a in range(6):
        for b in range(a + 1, 6):
            ba, bb = bounds[a], bounds[b]
            assert ba[2] <= bb[0] + 1e-9 or bb[2] <= ba[0] + 1e-9 or \
                ba[3] <= bb[1] + 1e-9 or bb[3] <= ba[1] + 1e-9


def test_boxed_cpu_map_matches_gpu_and_scaling(canvas):
    boxed = canvas.set_layout("boxed", box_pos=[[0., 0.], [10., 5.], [-4., 9.]])
    canvas.scatter(pos=[[.5, -.5]], color=RED, size=6, box_index=2)
    for _ in range(2):
        cx, cy = centroid(lit(canvas.grab_image()))
        ex, ey = ndc_to_pixel(boxed.map([[.5, -.5]], box=2)[0])
        assert abs(cx - ex) <= .6 and abs(cy - ey) <= .6
        boxed.expand_box_width()
        boxed.shrink_layout_height()
    np.testing.assert_allclose(boxed.imap(boxed.map([[.3, .1]], box=1), box=1), [[.3, .1]])
    assert boxed.get_closest_box(boxed.box_pos[1]) == 1


@pytest.mark.parametrize("origin", ["top", "bottom"])
def test_stacked_order(canvas, origin):
    canvas.set_layout("stacked", n_plots=4, origin=origin)
    v = ScatterVisual()
    canvas.add_visual(v)
    v.set_data(pos=np.zeros((4, 2)), color=RED, size=5)
    v.set_box_index(np.arange(4))
    m = lit(canvas.grab_image())
    ys = np.nonzero(m.any(axis=1))[0]
    groups = np.split(ys, np.nonzero(np.diff(ys) > 1)[0] + 1)
    assert len(groups) == 4
    rows = [g.mean() + .5 for g in groups]  # top to bottom on screen
    expected = [ndc_to_pixel((0, c))[1] for c in (.75, .25, -.25, -.75)]
    np.testing.assert_allclose(rows, expected, atol=1)
    top_box = canvas.layout.get_closest_box((0, .9))
    assert top_box == (0 if origin == "top" else 3)


def test_stacked_n_boxes(qapp):
    s = Stacked(3)
    s.n_boxes = 5
    assert s.n_boxes == 5 and s.box_size == (1., .2)
    with pytest.raises(ValueError):
        Stacked(2, origin="left")


def test_layout_replacement_removes_old_transforms(canvas):
    canvas.set_layout("grid", shape=(2, 2))
    canvas.set_layout(None)
    canvas.scatter(pos=[[0, 0]], color=RED, size=6)
    cx, cy = centroid(lit(canvas.grab_image()))
    assert abs(cx - W / 2) <= .6 and abs(cy - H / 2) <= .6
    assert isinstance(Grid(), Grid) and isinstance(Boxed(), Boxed)
