"""TraceImageView: a spike lights the expected pixel in the colormap's extreme colour, rows
ordered by depth, origin, colour scaling, navigation shortcuts and snippets, channel click."""

import numpy as np
import pytest

from phyclone.cluster.views import TraceImageView
from phyclone.cluster.views.trace_image import colorize
from phyclone.qt import QPoint, Qt
from phyclone.utils.colors import colormaps
from phyclone.utils.event import connect, unconnect

from viewtest import shot
from trace_model import TraceModel, gui, wait  # noqa: F401

pytestmark = pytest.mark.gl


def make_view(qtbot, gui, model=None, **kwargs):
    # Channel 0 is the deepest (highest y) here: the rows follow depth, not channel ids.
    model = model or TraceModel(amplitude=200, channel_positions=np.c_[np.zeros(8),
                                                                        -np.arange(8.)])
    view = TraceImageView(**model.view_kwargs(), **kwargs)
    model.view = view
    view.attach(gui)
    wait(qtbot, view, 1)
    return model, view


def pixel(view, t, rank):
    """(col, row) pixel at the centre of a channel row and a time, origin bottom/top."""
    w, h = view.canvas.get_size()
    a, b = view.interval
    n = view.n_channels
    y = -1 + (2 * rank + 1) / n
    y = -y if view.origin == "top" else y
    return int((t - a) / (b - a) * w), int((1 - y) / 2 * h)


def close(rgb, color, tol=30):
    return np.abs(rgb[:3].astype(int) - np.round(np.asarray(color[:3]) * 255)).max() <= tol


def test_colorize():
    img = colorize(np.array([[-2., 0., 1., 5.]]), 2., "diverging")
    cmap = colormaps["diverging"]
    assert img.dtype == np.uint8 and img.shape == (1, 4, 4)
    assert close(img[0, 0], cmap[0], 1) and close(img[0, 3], cmap[-1], 1)
    assert close(img[0, 1], cmap[128], 2) and (img[..., 3] == 255).all()


def test_spike_pixel_origin_scaling(qtbot, gui):
    model, view = make_view(qtbot, gui)
    rank = view.channel_y_ranks[0]
    assert rank == 7  # channel 0 is the deepest: top row with origin bottom
    img = view.canvas.grab_image()
    shot(view, "trace_image_8ch")
    low = colormaps["diverging"][0]
    col, row = pixel(view, 1.0, rank)
    assert close(img[row, col], low)  # the negative spike saturates the low colour
    assert close(np.median(img[..., :3].reshape(-1, 3), axis=0), colormaps.diverging[128], 40)
    assert not close(img[row, col + 30], low)
    qtbot.keyClick(gui, Qt.Key_O, Qt.AltModifier | Qt.ControlModifier)
    assert view.origin == "top"
    img = view.canvas.grab_image()
    col, row = pixel(view, 1.0, rank)
    assert row > img.shape[0] * .8 and close(img[row, col], low)
    vmax = view.vrange[1]
    qtbot.keyClick(gui, Qt.Key_Up, Qt.AltModifier | Qt.ControlModifier)
    assert view.scaling == pytest.approx(1.1)
    assert f"±{vmax / 1.1:.3g}" in view.status
    qtbot.keyClick(gui, Qt.Key_Down, Qt.AltModifier | Qt.ControlModifier)
    assert view.scaling == pytest.approx(1.)


def test_navigation_and_snippets(qtbot, gui):
    model, view = make_view(qtbot, gui)
    qtbot.keyClick(gui, Qt.Key_Right, Qt.AltModifier | Qt.ControlModifier)
    assert view.interval == pytest.approx((0.9, 1.15))
    qtbot.keyClick(gui, Qt.Key_Home, Qt.AltModifier | Qt.ControlModifier)
    assert view.interval == (0., .25)
    gui.snippets.run(":tig 1.5")
    assert view.interval == (1.375, 1.625)
    gui.snippets.run(":tis -0.5")
    assert view.interval == (0.875, 1.125)
    view.widen()
    assert view.interval == pytest.approx((0.84375, 1.15625), abs=1e-4)
    wait(qtbot, view)
    img = view.canvas.grab_image()
    col, row = pixel(view, 1.0, view.channel_y_ranks[0])
    assert close(img[row, col], colormaps["diverging"][0])
    assert "go_to_next_spike" not in view.actions  # as phy: no spike navigation here


def test_channel_click_and_state(qtbot, gui):
    model, view = make_view(qtbot, gui)
    clicked = []

    @connect
    def on_channel_click(sender, channel_id=None, key=None, button=None):
        clicked.append(channel_id)

    try:
        col, row = pixel(view, 1.0, view.channel_y_ranks[3])
        qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ShiftModifier, QPoint(col, row))
        assert clicked == [3]
    finally:
        unconnect(on_channel_click)
    view.switch_origin()
    view.increase()
    state = view.state
    assert state["origin"] == "top" and state["scaling"] == pytest.approx(1.1)
    other = TraceImageView(**TraceModel().view_kwargs())
    other.set_state(state)
    assert other.origin == "top" and other.scaling == pytest.approx(1.1)
    other.close()


def test_thousands_of_channels(qtbot, gui):
    n = 1536
    model = TraceModel(n_channels=n, duration=1., spikes=((0.5, 700),), amplitude=300, seed=2)
    model, view = make_view(qtbot, gui, model=model)
    img = view.canvas.grab_image()  # a frame drawn now: the texture is uploaded
    tex = view.trace_visual.gl_state.textures["u_tex"]
    assert tex.shape[0] == n and tex.shape[1] <= view.canvas.get_size()[0]
    shot(view, f"trace_image_{n}ch")
    assert (img[..., :3].max(axis=2) > 40).mean() > .9
