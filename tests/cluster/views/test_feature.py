"""FeatureView: grid of projections, channel choice (automatic, fixed, clicked), background
spikes, lasso split in any subplot, scaling, marker size, grid dims."""

import numpy as np
import pytest

from phyclone.cluster.views import FeatureView, WaveformView
from phyclone.cluster.views.feature import choose_channels, default_grid, parse_grid_dim
from phyclone.qt import QPoint, Qt
from phyclone.utils import Bunch
from phyclone.utils.colors import selected_cluster_color
from phyclone.utils.errors import DataError
from phyclone.utils.event import emit

from toy_model import (  # noqa: F401 (fixtures)
    SAMPLE_RATE, Supervisor, activate, color_mask, gui, model, ndc_to_pixel, not_black,
    record, rgb255, shot, wait_plot,
)

pytestmark = pytest.mark.gl


def make_view(model, **kwargs):
    return FeatureView(features=model.get_features, attributes={"time": model.get_spike_times},
                       **kwargs)


class DotModel:
    """Every spike of cluster c sits at one point: feature (channel k, PC p) = spot[c][k, p];
    background spikes at (-2, -2) on every dimension; times all at 25 s of 100 s."""

    def __init__(self):
        self.spot = {0: np.array([[1., -1., .5], [2., .5, 0.], [0., 0., 0.], [0., 0., 0.]]),
                     1: np.array([[-3., 1., 0.], [1., 1., 1.], [0., 0., 0.], [0., 0., 0.]])}
        self.channels = {0: [5, 6, 7, 8], 1: [6, 5, 9, 10]}

    def features(self, cluster_id=None, channel_ids=None, load_all=False):
        ch = list(channel_ids if channel_ids is not None else self.channels[cluster_id])
        if cluster_id is None:
            data = np.full((20, len(ch), 3), -2.)
            ids = np.arange(1000, 1020)
        else:
            own = self.channels[cluster_id]
            data = np.zeros((10, len(ch), 3))
            for k, c in enumerate(ch):
                if c in own:
                    data[:, k] = self.spot[cluster_id][own.index(c)]
            ids = np.arange(10) + 100 * cluster_id
        return Bunch(data=data, spike_ids=ids, channel_ids=np.array(ch),
                     channel_labels=[f"c{c}" for c in ch])

    def times(self, cluster_id=None, load_all=False):
        n = 20 if cluster_id is None else 10
        return Bunch(data=np.full(n, 25.), spike_ids=np.arange(n), lim=(0., 100.))


def subplot_pixel(view, box, xy):
    """Pixel (column, row) of NDC ``xy`` of a subplot."""
    p = view.canvas.grid.map(np.array([xy], dtype=np.float64), box=box)[0]
    return ndc_to_pixel(p, view.canvas.get_size())


def test_grid_helpers():
    g = default_grid()
    assert len(g) == 4 and all(len(r) == 4 for r in g)
    assert g[0][0] == "time,0A" and g[1][0] == "0A,1A" and g[3][3] == "time,1B"
    assert parse_grid_dim("0A,1A 1B,0B; time,0A 0C,1C") == [["0A,1A", "1B,0B"],
                                                             ["time,0A", "0C,1C"]]
    with pytest.raises(DataError):
        parse_grid_dim([["0A,1A", "0B"]])
    with pytest.raises(DataError):
        parse_grid_dim([["0A,1A"], ["0A,1A", "1A,0A"]])
    a, b = Bunch(channel_ids=[4, 2, 7, 9]), Bunch(channel_ids=[9, 8, 2])
    assert choose_channels([a, b]) == [2, 9, 4, 7]


def test_draws_grid(qtbot, gui, model):
    view = make_view(model)
    view.attach(gui)
    emit("select", Supervisor(), [0, 1])
    wait_plot(qtbot, view)
    assert view.canvas.grid.shape == (4, 4)
    img = view.canvas.grab_image()
    h, w = img.shape[:2]
    lit = not_black(img)
    for i in range(4):  # every subplot has points
        for j in range(4):
            assert lit[i * h // 4 + 5:(i + 1) * h // 4 - 5, j * w // 4 + 5:(j + 1) * w // 4 - 5
                       ].sum() > 100
    # One draw call for 16 subplots x (background + 2 clusters).
    n_bg = len(model.background_ids())
    assert view.visual.n_vertices == 16 * (n_bg + 200)
    assert view.channel_ids[:2] == choose_channels([
        Bunch(channel_ids=model.best_channels(0)), Bunch(channel_ids=model.best_channels(1))])[:2]
    assert "channels: 1, 2" in view.dock.status
    shot(view, "feature_view")


def test_points_land_where_expected(qtbot, gui):
    m = DotModel()
    view = FeatureView(features=m.features, attributes={"time": m.times}, threaded=False)
    view.attach(gui)
    view.on_select([0])
    assert view.channel_ids == [5, 6, 7, 8] and view.data.lim == 2.
    img = view.canvas.grab_image()
    blue = color_mask(img, rgb255(np.array(selected_cluster_color(0)[:3])), tol=70)
    grey = color_mask(img, (128, 128, 128), tol=40)

    def centroid(mask, box, xy, r=8):
        cx, cy = subplot_pixel(view, box, xy)
        sub = mask[int(cy) - r:int(cy) + r + 1, int(cx) - r:int(cx) + r + 1]
        ys, xs = np.nonzero(sub)
        assert len(xs), f"nothing drawn near {box} {xy}"
        return xs.mean() + int(cx) - r + .5, ys.mean() + int(cy) - r + .5

    # Subplot (1, 0) is '0A,1A': x = channel 5 PC A = 1 -> .5, y = channel 6 PC A = 2 -> 1.
    for box, xy in (((1, 0), (.5, 1.)), ((0, 1), (1., .5)), ((3, 2), (-.5, .25)),
                    ((0, 0), (-.5, .5))):  # time 25 of 100 s -> -.5
        px, py = subplot_pixel(view, box, xy)
        cx, cy = centroid(blue, box, xy)
        assert abs(cx - px) <= 2.5 and abs(cy - py) <= 2.5, (box, xy)
    # Background spikes: grey, at -2 -> -1 on the PC dimensions.
    cx, cy = centroid(grey, (1, 0), (-1., -1.), r=6)
    px, py = subplot_pixel(view, (1, 0), (-1., -1.))
    assert abs(cx - px) <= 4 and abs(cy - py) <= 4
    # Scaling spreads the PC dimensions.
    view.increase()
    assert view.feature_scaling == pytest.approx(1.1)
    img = view.canvas.grab_image()
    blue = color_mask(img, rgb255(np.array(selected_cluster_color(0)[:3])), tol=70)
    px, py = subplot_pixel(view, (3, 2), (-.55, .275))
    cx, cy = centroid(blue, (3, 2), (-.55, .275))
    assert abs(cx - px) <= 2.5 and abs(cy - py) <= 2.5
    view.reset_scaling()
    assert view.feature_scaling == 1.


def test_channel_clicks_from_waveform_view(qtbot, gui, model):
    wv = WaveformView(waveforms=model.waveforms, sample_rate=SAMPLE_RATE, threaded=False)
    fv = make_view(model, threaded=False)
    wv.attach(gui)
    fv.attach(gui)
    for v in (wv, fv):
        v.on_select([0])
    auto = list(fv.channel_ids)
    assert auto == model.best_channels(0)

    def click(channel, button):
        w, h = wv.canvas.get_size()
        x0, y0, x1, y1 = wv.boxed.box_bounds[wv.channel_ids.index(channel)]
        qtbot.mouseClick(wv.canvas, button, Qt.ControlModifier, QPoint(
            int((x0 + x1 + 2) / 4 * w), int((2 - y0 - y1) / 4 * h)))

    click(4, Qt.LeftButton)
    assert fv.channel_ids[0] == 4 and fv.data.channel_ids[0] == 4
    click(5, Qt.RightButton)
    assert fv.channel_ids[:2] == [4, 5]
    click(5, Qt.LeftButton)  # already the second channel: the two are swapped
    assert fv.channel_ids[:2] == [5, 4]
    assert "channels: 5, 4" in fv.dock.status
    # The labels follow the clicked channels.
    assert "5A" in fv._label("0A") and fv._label("1B") == "4B"
    # A new selection chooses the channels again...
    fv.on_select([1])
    assert fv.channel_ids == model.best_channels(1)
    # ...unless automatic channel selection is off.
    fv.toggle_automatic_channel_selection(False)
    fv.on_select([0])
    assert fv.channel_ids == model.best_channels(1)
    fv.toggle_automatic_channel_selection(True)
    # After a clustering action creating clusters, the channels stay.
    fv.on_select([1], up=Bunch(added=[9]))
    assert fv.channel_ids == model.best_channels(1)
    fv.on_select([0])
    assert fv.channel_ids == model.best_channels(0)
    fv.clear_channels()
    assert fv.channel_ids == model.best_channels(0)


def test_lasso_split_in_any_subplot(qtbot, gui, model):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([0, 1])
    ch0, ch1 = view.channel_ids[:2]
    lim = view.data.lim
    box = (2, 0)  # '0A,0B': x = channel 0 PC A, y = channel 0 PC B
    rect = (-.2, -.3, .9, .4)
    x0, y0, x1, y1 = rect
    for xy in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
        px, py = subplot_pixel(view, box, xy)
        qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier,
                         QPoint(int(round(px)), int(round(py))))
    assert view.canvas.lasso.box == box and view.canvas.lasso.count == 4
    poly = view.canvas.lasso.polygon
    # Brute force on every spike of both clusters (not only the displayed ones).
    ids = np.nonzero(np.isin(model.spike_clusters, [0, 1]))[0]
    x = model.features[ids, ch0, 0] / lim
    y = model.features[ids, ch0, 1] / lim
    px0, py0 = poly.min(axis=0)
    px1, py1 = poly.max(axis=0)
    expected = ids[(x > px0) & (x < px1) & (y > py0) & (y < py1)]
    assert len(expected) > 20
    answers = [a for a in emit("request_split", Supervisor()) if a is not None]
    assert len(answers) == 1
    assert np.array_equal(answers[0], expected)
    assert view.canvas.lasso.count == 0


def test_grid_dim_marker_size_and_clicks(qtbot, gui, model, activate):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([0])
    view.set_grid_dim("0A,1A time,1B")
    assert view.canvas.grid.shape == (1, 2)
    assert view.visual.n_vertices == 2 * (len(model.background_ids()) + 100)
    img = view.canvas.grab_image()
    w = img.shape[1]
    assert not_black(img[:, 10:w // 2 - 10]).sum() > 100
    assert not_black(img[:, w // 2 + 10:-10]).sum() > 100
    assert view.text_visual.n_vertices == len("".join(
        [view._label(d) for cell in ("0A,1A", "time,1B") for d in cell.split(",")]))
    shot(view, "feature_view_1x2")
    # Marker size: actions and alt+wheel; ctrl+wheel is the scaling.
    view.increase_marker_size()
    assert view.marker_size > 5
    view.reset_marker_size()
    view.canvas.emit("mouse_wheel", pos=(1, 1), pos_ndc=(0, 0), delta=-1., modifiers=("Alt",))
    assert view.marker_size < 5
    view.canvas.emit("mouse_wheel", pos=(1, 1), pos_ndc=(0, 0), delta=1.,
                     modifiers=("Control",))
    assert view.feature_scaling == pytest.approx(1.1)
    activate(gui)
    qtbot.keyClick(gui, Qt.Key_C)
    assert view.fixed_channels
    qtbot.keyClick(gui, Qt.Key_Minus, Qt.ControlModifier)
    assert view.feature_scaling == pytest.approx(1.)
    qtbot.keyClick(gui, Qt.Key_Plus, Qt.ControlModifier)
    assert view.feature_scaling == pytest.approx(1.1)
    view.reset_scaling()
    # alt+click on a subplot: select_feature (left: x dimension, right: y dimension).
    calls = record("select_feature")
    px, py = subplot_pixel(view, (0, 0), (0., 0.))
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.AltModifier, QPoint(int(px), int(py)))
    px, py = subplot_pixel(view, (0, 1), (0., 0.))
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.AltModifier, QPoint(int(px), int(py)))
    qtbot.mouseClick(view.canvas, Qt.RightButton, Qt.AltModifier, QPoint(int(px), int(py)))
    ch = view.channel_ids
    assert [c[2] for c in calls] == [
        dict(dim="0A", channel_id=ch[0], pc=0), dict(dim="time", channel_id=ch[1], pc=None),
        dict(dim="1B", channel_id=ch[1], pc=1)]
    # State.
    assert view.state == {"auto_update": True, "fixed_channels": True,
                          "feature_scaling": pytest.approx(1.),
                          "marker_size": pytest.approx(5 / 1.2)}


def test_empty_and_bad(qtbot, gui, model):
    view = FeatureView(features=lambda cluster_id=None, **kw: Bunch(), threaded=False)
    view.attach(gui)
    view.on_select([0])
    assert view.data is None and not view.visual.visible
    with pytest.raises(DataError):
        FeatureView()
