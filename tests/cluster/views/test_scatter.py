"""ScatterView, TemplateFeatureView and the spike-attribute views."""

import logging

import numpy as np
import pytest

from phyclone.cluster.views import (
    ScatterView, TemplateFeatureView, make_spike_attribute_view, spike_attribute_coords,
    spike_attribute_view_class, spike_attribute_view_name,
)
from phyclone.qt import QPoint, Qt
from phyclone.utils import Bunch
from phyclone.utils.colors import selected_cluster_color
from phyclone.utils.event import emit

from toy_model import (  # noqa: F401 (fixtures)
    Supervisor, color_mask, gui, model, ndc_to_pixel, not_black, rgb255, shot, wait_plot,
)

pytestmark = pytest.mark.gl


def data_pixel(view, x, y):
    x0, y0, x1, y1 = view.data_bounds
    ndc = np.array([[(x - x0) / (x1 - x0) * 2 - 1, (y - y0) / (y1 - y0) * 2 - 1]])
    return ndc_to_pixel(view.canvas.panzoom.map(ndc)[0], view.canvas.get_size())


def grid_coords(cluster_ids, load_all=False):
    """Cluster c: spikes 100 c + k on a 10 x 10 grid shifted by (20 c, 0); only the first
    50 spikes unless load_all."""
    out = []
    for c in cluster_ids:
        k = np.arange(100 if load_all else 50)
        out.append(Bunch(x=20. * c + k % 10, y=(k // 10).astype(float), spike_ids=100 * c + k,
                         data_bounds=None))
    return out


def test_scatter_view(qtbot, gui):
    view = ScatterView(coords=grid_coords)
    view.attach(gui)
    emit("select", Supervisor(), [0, 1])
    wait_plot(qtbot, view)
    assert view.visual.n_vertices == 100
    x0, y0, x1, y1 = view.data_bounds
    assert x0 < 0 < 9 < 20 < 29 < x1 and y0 < 0 < 4 < y1
    img = view.canvas.grab_image()
    for i, (x, y) in enumerate([(3, 2), (25, 4)]):
        px, py = data_pixel(view, x, y)
        c = color_mask(img, rgb255(np.array(selected_cluster_color(i)[:3])), tol=70)
        assert c[int(py) - 2:int(py) + 3, int(px) - 2:int(px) + 3].any()
    shot(view, "scatter_view")
    # Lasso: every spike (load_all) inside the polygon, here x in (2.5, 24.5), y in (.5, 7.5).
    for x, y in [(2.5, .5), (24.5, .5), (24.5, 7.5), (2.5, 7.5)]:
        px, py = data_pixel(view, x, y)
        qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier,
                         QPoint(int(round(px)), int(round(py))))
    poly = view.canvas.lasso.polygon
    bx0, by0, bx1, by1 = view.data_bounds

    def to_data(p):
        return bx0 + (p[0] + 1) / 2 * (bx1 - bx0), by0 + (p[1] + 1) / 2 * (by1 - by0)

    (qx0, qy0), (qx1, qy1) = to_data(poly.min(axis=0)), to_data(poly.max(axis=0))
    expected = [b.spike_ids[(b.x > qx0) & (b.x < qx1) & (b.y > qy0) & (b.y < qy1)]
                for b in grid_coords([0, 1], load_all=True)]
    expected = np.concatenate(expected)
    assert len(expected) == 7 * 7 + 5 * 7  # cluster 1's spikes 50-99 only seen with load_all
    assert np.array_equal(view.on_request_split(), np.sort(expected))


def test_collated_none_and_no_load_all(qtbot, gui, caplog):
    def collated(cluster_ids):
        return Bunch(x=np.arange(6.), y=np.arange(6.) ** 2, spike_ids=np.arange(6),
                     spike_clusters=np.array([3, 3, 5, 5, 7, 7]))
    view = ScatterView(coords=collated, threaded=False)
    view.attach(gui)
    view.on_select([5, 3])
    img = view.canvas.grab_image()
    # Spikes of cluster 5 in the first colour, of 3 in the second, of 7 in grey.
    for x, i in ((2, 0), (0, 1)):
        px, py = data_pixel(view, x, x ** 2)
        c = color_mask(img, rgb255(np.array(selected_cluster_color(i)[:3])), tol=70)
        assert c[int(py) - 2:int(py) + 3, int(px) - 2:int(px) + 3].any()
    view.canvas.lasso.add((-1.1, -1.1))
    view.canvas.lasso.add((1.1, -1.1))
    view.canvas.lasso.add((1.1, 1.1))
    view.canvas.lasso.add((-1.1, 1.1))
    with caplog.at_level(logging.WARNING):
        assert list(view.on_request_split()) == list(range(6))
    assert "load_all" in caplog.text
    empty = ScatterView(coords=lambda ids: None, threaded=False)
    empty.attach(gui)
    empty.on_select([1])
    assert not empty.visual.visible and "nothing to show" in empty.status


def test_template_feature_view(qtbot, gui, model):
    view = TemplateFeatureView(coords=model.get_template_features, threaded=False)
    view.attach(gui)
    view.on_select([0, 2])
    assert view.visual.n_vertices == 200
    # Spikes of cluster 0 project on template 0 (x ~ 1), those of 2 on template 2 (y ~ 1).
    b = view.data.bunchs
    assert b[0].pos[:, 0].mean() > .8 and abs(b[0].pos[:, 1].mean()) < .2
    assert b[1].pos[:, 1].mean() > .8
    img = view.canvas.grab_image()
    assert not_black(img).sum() > 500
    shot(view, "template_feature_view")
    view.on_select([1])
    assert view.data is None and not view.visual.visible
    assert "two clusters" in view.status


def test_spike_attribute_views(qtbot, gui, model):
    assert spike_attribute_view_name("depth") == "SpikeDepthView"
    cls = spike_attribute_view_class("depth")
    assert cls.__name__ == "SpikeDepthView" and issubclass(cls, ScatterView)
    assert spike_attribute_view_class("depth") is cls
    values = model.amplitudes * 2
    coords = spike_attribute_coords(values, model.spike_times, model.spike_ids, n_spikes=30)
    b0, = coords([1])
    ids = model.spike_ids(1, n=30)
    assert np.array_equal(b0.spike_ids, ids) and np.array_equal(b0.x, model.spike_times[ids])
    assert np.array_equal(b0.y, values[ids])
    b_all, = coords([1], load_all=True)
    assert len(b_all.spike_ids) == 200
    pos2d = np.c_[np.arange(800.), -np.arange(800.)]  # a 2D attribute: its two columns
    b2, = spike_attribute_coords(pos2d, model.spike_times, model.spike_ids)([2])
    assert np.array_equal(b2.x, pos2d[b2.spike_ids, 0]) and np.array_equal(b2.y, -b2.x)
    view = make_spike_attribute_view("depth", values, model.spike_times, model.spike_ids,
                                     n_spikes=30, threaded=False)
    assert type(view) is cls
    view.attach(gui)
    assert view.name == "SpikeDepthView"
    view.on_select([0, 1])
    assert view.visual.n_vertices == 60
    assert not_black(view.canvas.grab_image()).sum() > 300
    shot(view, "spike_attribute_view")
