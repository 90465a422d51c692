"""ProbeView: channels as dots, the selected clusters' channels in their colours, labels,
channel click."""

import numpy as np
import pytest

from phyclone.cluster.views import ProbeView
from phyclone.cluster.views.probe import probe_layout
from phyclone.qt import QPoint, Qt
from phyclone.utils.colors import selected_cluster_color
from phyclone.utils.errors import DataError
from phyclone.utils.event import emit

from toy_model import (  # noqa: F401 (fixtures)
    Supervisor, color_mask, gui, model, ndc_to_pixel, not_black, record, rgb255, shot,
    wait_plot,
)

pytestmark = pytest.mark.gl


def channel_pixel(view, channel):
    x0, y0, x1, y1 = view.data_bounds
    x, y = view.positions[channel]
    ndc = np.array([[(x - x0) / (x1 - x0) * 2 - 1, (y - y0) / (y1 - y0) * 2 - 1]])
    return ndc_to_pixel(view.canvas.panzoom.map(ndc)[0], view.canvas.get_size())


def test_probe_view(qtbot, gui, model):
    view = ProbeView(positions=model.channel_positions, best_channels=model.best_channels,
                     dead_channels=[15])
    view.attach(gui)
    img = view.canvas.grab_image()
    grey = color_mask(img, (128, 128, 128), tol=30)
    for c in range(14):
        px, py = channel_pixel(view, c)
        assert grey[int(py) - 2:int(py) + 3, int(px) - 2:int(px) + 3].all(), c
    emit("select", Supervisor(), [0, 3])
    wait_plot(qtbot, view)
    img = view.canvas.grab_image()
    colors = [color_mask(img, rgb255(np.array(selected_cluster_color(i)[:3])), tol=40)
              for i in (0, 1)]
    for i, cluster in enumerate((0, 3)):
        for c in range(16):
            px, py = channel_pixel(view, c)
            near = colors[i][int(py) - 12:int(py) + 13, int(px) - 14:int(px) + 15].sum()
            assert (near > 20) == (c in model.best_channels(cluster)), (cluster, c)
    shot(view, "probe_view")


def test_labels_click_layout(qtbot, gui, model):
    view = ProbeView(positions=model.channel_positions, best_channels=model.best_channels,
                     channel_labels=[f"c{i}" for i in range(16)], threaded=False)
    view.attach(gui)
    assert not view.text_visual.visible
    n0 = not_black(view.canvas.grab_image()).sum()
    view.toggle_show_labels(True)
    assert view.text_visual.visible and view.state["do_show_labels"]
    assert view.text_visual.n_vertices == sum(len(f"c{i}") for i in range(16))
    assert not_black(view.canvas.grab_image()).sum() > n0 + 100
    calls = record("channel_click")
    for c, button in ((5, Qt.LeftButton), (12, Qt.RightButton)):
        px, py = channel_pixel(view, c)
        qtbot.mouseClick(view.canvas, button, Qt.ControlModifier, QPoint(int(px), int(py) + 3))
    assert [k[2] for k in calls] == [dict(channel_id=5, key=None, button="Left"),
                                     dict(channel_id=12, key=None, button="Right")]
    # Many channels: at most max_labels labels on the visible height.
    pos = np.c_[np.zeros(1000), np.arange(1000.)]
    big = ProbeView(positions=pos, best_channels=lambda c: [c], threaded=False)
    big.attach(gui)
    big.toggle_show_labels(True)
    assert len(big.text_visual._lengths) == 200
    big.canvas.panzoom.set_pan_zoom(zoom=(1., 5.))
    assert len(big.text_visual._lengths) == 1000
    # Layout: a staggered probe is spread as non-overlapping boxes, 5 % margins.
    p, b = probe_layout(model.channel_positions)
    assert p.shape == (16, 2) and b[0] < p[:, 0].min() and b[3] > p[:, 1].max()
    with pytest.raises(DataError):
        ProbeView(positions=np.zeros(3))
