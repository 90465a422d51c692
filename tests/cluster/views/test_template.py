"""TemplateView: templates in the expected grid boxes, envelope reduction, colours, sort /
filter events, clicks, scaling, level of detail."""

import numpy as np
import pytest

from phyclone.cluster.views import TemplateView
from phyclone.cluster.views.template import envelope
from phyclone.qt import QPoint, Qt
from phyclone.utils import Bunch, emit
from phyclone.utils.colors import selected_cluster_color

from viewtest import ClusterView, Supervisor, frame, lit, record_clicks, rgb255, shot

pytestmark = pytest.mark.gl

N_CHANNELS = 6
IDS = [4, 5, 6, 7]


def make_templates(ids=IDS, n_samples=60):
    """Cluster k (k-th id) has a template on channels k .. k+1 (a negative spike, larger on
    the first channel)."""
    t = np.linspace(-1, 1, n_samples)
    shape = -np.exp(-(t / .1) ** 2)
    out = {}
    for k, c in enumerate(ids):
        out[c] = Bunch(template=np.c_[shape, .5 * shape], channel_ids=np.array([k, k + 1]))
    return out


class Templates:
    def __init__(self, templates):
        self.templates = templates
        self.calls = []

    def __call__(self, cluster_ids):
        self.calls.append(list(cluster_ids))
        return {c: self.templates[c] for c in cluster_ids}


def box_region(view, row, col):
    """Pixel bounds (x0, y0, x1, y1) of a grid box."""
    g = view.canvas.grid
    (x0, y0), (x1, y1) = g.map(np.array([[-1., 1.], [1., -1.]]), box=(row, col))
    w, h = view.canvas.get_size()
    return (int((x0 + 1) / 2 * w), int((1 - y0) / 2 * h), int((x1 + 1) / 2 * w),
            int((1 - y1) / 2 * h))


def box_has(img, view, row, col, color=None, tol=8):
    x0, y0, x1, y1 = box_region(view, row, col)
    patch = img[y0 + 1:y1, x0 + 1:x1 - 1, :3].astype(int)
    if color is None:
        return int(lit(patch).sum())
    return int((np.abs(patch - rgb255(color)).max(axis=-1) <= tol).sum())


@pytest.fixture
def view(gui):
    fetch = Templates(make_templates())
    v = TemplateView(templates=fetch, channel_ids=np.arange(N_CHANNELS), cluster_ids=IDS,
                     threaded=False)
    v.fetch = fetch
    v.attach(gui)
    v.sup = Supervisor(IDS)
    emit("select", v.sup, [6])
    return v


def test_envelope():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 82))
    e = envelope(w, 10)
    assert e.shape == (3, 10)
    starts = np.linspace(0, 82, 6).astype(int)
    for b in range(5):
        chunk = w[:, starts[b]:starts[b + 1] if b < 4 else 82]
        assert np.allclose(e[:, 2 * b], chunk.min(axis=1))
        assert np.allclose(e[:, 2 * b + 1], chunk.max(axis=1))
    assert e.min() == w.min() and e.max() == w.max()  # peaks kept
    assert envelope(w, 41) is w  # enough points: unchanged


def test_templates_in_their_boxes(view, qtbot):
    img = frame(qtbot, view)
    shot(view, "TemplateView")
    assert view.canvas.grid.shape == (N_CHANNELS, 4)
    assert view.fetch.calls == [IDS]  # fetched once
    for k, c in enumerate(IDS):
        for ch in range(N_CHANNELS):
            n = box_has(img, view, ch, k)
            if ch in (k, k + 1):
                assert n > 10, (c, ch)
            else:
                assert n == 0, (c, ch)
    # Cluster 6 (column 2) is selected: its template in the first selection colour.
    assert box_has(img, view, 2, 2, selected_cluster_color(0)) > 10
    # Others: the Supervisor's colours at alpha .75.
    other = np.asarray(view.sup.color_selector.get(4)[:3]) * .75
    assert box_has(img, view, 0, 0, other) > 10
    assert view.status == "Color scheme: cluster_view"


def test_sort_filter_and_merge(view, qtbot):
    emit("table_sort", ClusterView(), [7, 6, 5, 4])
    img = frame(qtbot, view)
    assert box_has(img, view, 3, 0) > 10 and box_has(img, view, 0, 0) == 0  # 7 first
    emit("table_filter", ClusterView(), [5, 7])
    img = frame(qtbot, view)
    assert view.canvas.grid.shape == (N_CHANNELS, 2)
    assert box_has(img, view, 1, 0) > 10 and box_has(img, view, 3, 1) > 10
    assert view.fetch.calls == [IDS]  # no new fetch: templates are cached by cluster id
    view.fetch.templates[9] = make_templates([9])[9]
    emit("cluster", Supervisor([5, 7, 9]), Bunch(added=[9], deleted=[4]))
    assert view.fetch.calls[-1] == [9]
    assert list(view.all_cluster_ids) == [5, 7, 9]


def test_click(view, qtbot):
    clicks = record_clicks()
    x0, y0, x1, y1 = box_region(view, 4, 3)
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier,
                     QPoint((x0 + x1) // 2, (y0 + y1) // 2))
    assert clicks == [("click", 7, "Left", ("Control",)), ("select", [7])]


def test_scaling_and_state(view, gui, qtbot):
    color = np.asarray(view.sup.color_selector.get(4)[:3]) * .75

    def extent():  # vertical extent of the first column's template, in pixels
        x0, _, x1, _ = box_region(view, 0, 0)
        band = frame(qtbot, view)[:, x0 + 2:x1 - 2, :3].astype(int)
        rows = np.nonzero((np.abs(band - rgb255(color)).max(axis=-1) <= 8).any(axis=1))[0]
        return rows.max() - rows.min()
    before = extent()
    qtbot.keyClick(gui, Qt.Key_Plus, Qt.ControlModifier | Qt.AltModifier)
    assert view.scaling == pytest.approx(1.1)
    view.scaling = 3.
    assert extent() > before + 30  # taller templates
    assert view.state["scaling"] == 3. and "scaling" in view.local_state_attrs
    view.reset_scaling()
    assert view.scaling == 1.


def test_level_of_detail(gui, qtbot):
    ids = list(range(300))
    fetch = Templates(make_templates(ids, n_samples=82))
    for k, c in enumerate(ids):
        fetch.templates[c].channel_ids = np.array([k % 5, k % 5 + 1])
    v = TemplateView(templates=fetch, channel_ids=np.arange(N_CHANNELS), cluster_ids=ids,
                     threaded=False)
    v.max_vertices = 20_000
    v.attach(gui)
    v.plot()
    lod = v._lod
    n_vertices = lod.y.size
    assert n_vertices <= 20_000 and lod.y.shape[1] < 82  # envelopes, budget kept
    assert lit(frame(qtbot, v)).sum() > 500
    v.canvas.panzoom.set_range((-.05, -1, .05, 1))  # 15 columns
    qtbot.waitUntil(lambda: v._lod.n_points >= 82, timeout=3000)
    lod = v._lod
    assert lod.y.shape[1] == 82 and lod.c0 >= 100 and lod.c1 <= 200  # full templates
    shot(v, "TemplateView_zoomed")
    assert v.canvas.gl_errors == []


def test_threaded(gui, qtbot):
    fetch = Templates(make_templates())
    v = TemplateView(templates=fetch, channel_ids=np.arange(N_CHANNELS))
    v.attach(gui)
    emit("select", Supervisor(IDS), [5])  # populates the empty view
    qtbot.waitUntil(lambda: v._lod is not None and v._lod.y is not None, timeout=5000)
    assert list(v.all_cluster_ids) == IDS
