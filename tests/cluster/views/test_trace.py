"""TraceView: pixels at known spikes, navigation (methods, shortcuts, snippets), scaling,
origin, spike and channel clicks, state, worker thread, 384 channels."""

import threading

import numpy as np
import pytest

from phyclone.cluster.views import TraceView
from phyclone.qt import QPoint, Qt
from phyclone.utils import Bunch
from phyclone.utils.event import connect, emit, unconnect

from viewtest import shot
from trace_model import Supervisor, TraceModel, gui, lit, selection_color, wait  # noqa: F401

pytestmark = pytest.mark.gl


def make_view(qtbot, gui, model=None, select=(0, 1), **kwargs):
    model = model or TraceModel()
    view = TraceView(**model.view_kwargs(), **kwargs)
    model.view = view
    view.attach(gui)
    n = view.n_plots_done
    emit("select", Supervisor(), list(select))
    wait(qtbot, view, n + 1)
    return model, view


def to_pixel(view, t, y_ndc):
    """Pixel (col, row) of a time (s) and a y in NDC."""
    w, h = view.canvas.get_size()
    a, b = view.interval
    x = (t - a) / (b - a) * 2 - 1
    return (x + 1) / 2 * w, (1 - y_ndc) / 2 * h


def box_rows(view, rank):
    """(top, bottom) pixel rows of a channel box (origin bottom)."""
    n = view.n_channels
    h = view.canvas.get_size()[1]
    lo, hi = -1 + 2 * rank / n, -1 + 2 * (rank + 1) / n
    if view.origin == "top":
        lo, hi = -hi, -lo
    return (1 - hi) / 2 * h, (1 - lo) / 2 * h


def centroid(mask):
    ys, xs = np.nonzero(mask)
    assert len(xs), "nothing drawn in that colour"
    return xs.mean() + .5, ys.mean() + .5


def test_spikes_at_known_pixels(qtbot, gui):
    model, view = make_view(qtbot, gui)
    assert view.interval == (0.875, 1.125)
    assert all(t is not threading.main_thread() for t in model.calls)
    img = view.canvas.grab_image()
    shot(view, "trace_8ch")
    w, h = view.canvas.get_size()
    assert (img[..., :3].max(axis=2) > 40).mean() > .2  # traces everywhere: not blank
    # Cluster 0 (first selected: first colour) spikes at 1.0 s on channel 0.
    for cluster, t, rank in ((0, 1.0, 0), (1, 1.05, 1)):
        x, y = centroid(lit(img, selection_color(cluster)))
        ex, _ = to_pixel(view, t, 0)
        top, bottom = box_rows(view, rank)
        assert abs(x - ex) < 3
        assert top - 2 < y < bottom + 2
    assert not lit(img, selection_color(2)).any()  # nothing of a third cluster
    # Cluster 2's spike (1.02 s, channel 2) appears in the neutral colour with all spikes.
    qtbot.keyClick(gui, Qt.Key_S, Qt.AltModifier)
    assert view.show_all_spikes
    wait(qtbot, view)
    img = view.canvas.grab_image()
    ex, _ = to_pixel(view, 1.02, 0)
    top, bottom = box_rows(view, 2)
    region = lit(img, view.unselected_spike_color)[int(top):int(bottom) + 1,
                                                   int(ex) - 6:int(ex) + 7]
    assert region.sum() > 3
    # Switching the origin puts channel 0 at the top.
    qtbot.keyClick(gui, Qt.Key_O, Qt.AltModifier)
    assert view.origin == "top"
    img = view.canvas.grab_image()
    _, y = centroid(lit(img, selection_color(0)))
    top, bottom = box_rows(view, 0)
    assert top - 2 < y < bottom + 2 and y < h / 4
    shot(view, "trace_8ch_top_all_spikes")


def test_navigation_methods(qtbot, gui):
    model, view = make_view(qtbot, gui, select=(0,))
    view.go_to(0.3)
    assert view.interval == (0.175, 0.425)
    view.shift(.1)
    assert view.interval == pytest.approx((0.275, 0.525))
    view.go_right()
    assert view.interval == pytest.approx((0.3, 0.55))
    view.go_left()
    view.go_left()
    assert view.interval == pytest.approx((0.25, 0.5))
    view.widen()
    assert view.interval == pytest.approx((0.21875, 0.53125), abs=1e-4)  # whole samples
    view.narrow()
    assert view.interval == pytest.approx((0.25, 0.5))
    view.go_to_start()
    assert view.interval == (0., 0.25)
    view.shift(-1)  # clipped, duration kept
    assert view.interval == (0., 0.25)
    view.go_to_end()
    assert view.interval == (1.75, 2.)
    view.jump_left()
    assert view.interval == pytest.approx((1.55, 1.8))
    view.jump_right()
    assert view.interval == pytest.approx((1.75, 2.))
    view.interval = (0.12341, 0.3)  # rounded to samples
    assert view.interval == (0.1234, 0.3)
    # Next / previous spike of the first selected cluster (0.5, 1.0, 1.5 s), wrapping.
    view.go_to(0.7)
    times = []
    for _ in range(4):
        view.go_to_next_spike()
        times.append(view.time)
    assert times == pytest.approx([1.0, 1.5, 0.5, 1.0])
    view.go_to_previous_spike()
    view.go_to_previous_spike()
    assert view.time == pytest.approx(1.5)
    view.go_to(1.25)
    view.go_to_previous_spike()
    assert view.time == pytest.approx(1.0)
    wait(qtbot, view)
    assert view.data.interval == view.interval  # the last request is what is shown


def test_shortcuts_and_snippets(qtbot, gui):
    model, view = make_view(qtbot, gui, select=(0,))
    keys = [
        ((Qt.Key_Right, Qt.AltModifier), (0.9, 1.15)),
        ((Qt.Key_Left, Qt.AltModifier), (0.875, 1.125)),
        ((Qt.Key_Minus, Qt.AltModifier), (0.84375, 1.15625)),
        ((Qt.Key_Plus, Qt.AltModifier), (0.875, 1.125)),
        ((Qt.Key_PageDown, Qt.AltModifier), (1.375, 1.625)),
        ((Qt.Key_PageUp, Qt.AltModifier), (0.875, 1.125)),
        ((Qt.Key_Right, Qt.AltModifier | Qt.ShiftModifier), (1.075, 1.325)),
        ((Qt.Key_Home, Qt.AltModifier), (0., .25)),
        ((Qt.Key_End, Qt.AltModifier), (1.75, 2.)),
    ]
    for (key, mod), expected in keys:
        qtbot.keyClick(gui, key, mod)
        assert view.interval == pytest.approx(expected, abs=1e-4), key
    gui.snippets.run(":tg 0.5")
    assert view.interval == (0.375, 0.625)
    qtbot.keyClicks(gui, ":ts -0.1")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert view.interval == pytest.approx((0.275, 0.525))
    # Scaling: alt+up / alt+down change the box height only (a uniform).
    n_vertices = view.trace_visual.n_vertices
    qtbot.keyClick(gui, Qt.Key_Up, Qt.AltModifier)
    assert view.scaling == pytest.approx(1.1)
    qtbot.keyClick(gui, Qt.Key_Down, Qt.AltModifier)
    qtbot.keyClick(gui, Qt.Key_Down, Qt.AltModifier)
    assert view.scaling == pytest.approx(1 / 1.1)
    assert view.stacked.box_scaling[1] == pytest.approx(1 / 1.1)
    qtbot.keyClick(gui, Qt.Key_L, Qt.AltModifier)
    assert not view.do_show_labels and not view.text_visual.visible
    qtbot.keyClick(gui, Qt.Key_L, Qt.AltModifier)
    assert view.text_visual.visible
    wait(qtbot, view)
    assert view.trace_visual.n_vertices == n_vertices
    for name in ("go_to", "shift", "go_left", "go_right", "jump_left", "jump_right", "widen",
                 "narrow", "go_to_start", "go_to_end", "go_to_next_spike",
                 "go_to_previous_spike", "toggle_highlighted_spikes", "toggle_show_labels",
                 "toggle_auto_scale", "switch_origin", "increase", "decrease"):
        assert name in view.actions


def test_auto_scale_and_wheel(qtbot, gui):
    model, view = make_view(qtbot, gui, select=(0,))
    db = view.data_bounds
    assert db[1] == pytest.approx(-19.6, abs=.5) and db[3] == pytest.approx(19.6, abs=.5)
    view.toggle_auto_scale(False)
    model.raw[:] *= 3  # louder data: the bounds stay without auto-scale
    view.go_to(1.5)
    wait(qtbot, view)
    assert view.data_bounds[1:4:2] == db[1:4:2]
    view.toggle_auto_scale(True)
    view.go_to(1.2)
    wait(qtbot, view)
    assert view.data_bounds[3] > 2 * db[3]
    # alt+wheel scrolls through time, ctrl+wheel scales.
    a, b = view.interval
    view.on_mouse_wheel(type("E", (), {"modifiers": ("Alt",), "delta": -1.})())
    assert view.interval == pytest.approx((a + .025, b + .025))
    view.on_mouse_wheel(type("E", (), {"modifiers": ("Control",), "delta": 1.})())
    assert view.scaling == pytest.approx(1.1)


def test_spike_and_channel_click(qtbot, gui):
    model, view = make_view(qtbot, gui, select=(0, 1))
    spikes, channels, phy_spikes = [], [], []

    @connect
    def on_spike_click(sender, channel_id=None, spike_id=None, cluster_id=None, key=None):
        spikes.append((sender, channel_id, spike_id, cluster_id))

    @connect
    def on_select_spike(sender, channel_id=None, spike_id=None, cluster_id=None):
        phy_spikes.append((channel_id, spike_id, cluster_id))

    @connect
    def on_channel_click(sender, channel_id=None, key=None, button=None):
        channels.append((channel_id, button))

    try:
        top, bottom = box_rows(view, 1)
        x, _ = to_pixel(view, 1.045, 0)  # near the spike of cluster 1 (1.05 s, channel 1)
        pos = QPoint(int(x), int((top + bottom) / 2))
        qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier, pos)
        assert spikes == [(view, 1, 3, 1)]
        assert phy_spikes == [(1, 3, 1)]
        top, bottom = box_rows(view, 0)  # channel 0: the closest of cluster 0's spikes
        pos = QPoint(int(to_pixel(view, 0.9, 0)[0]), int((top + bottom) / 2))
        qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier, pos)
        assert spikes[-1][1:] == (0, 1, 0)
        top, bottom = box_rows(view, 5)  # no spike on channel 5
        qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.ControlModifier,
                         QPoint(int(x), int((top + bottom) / 2)))
        assert len(spikes) == 2
        qtbot.mouseClick(view.canvas, Qt.RightButton, Qt.ShiftModifier,
                         QPoint(int(x), int((top + bottom) / 2)))
        assert channels == [(5, "Right")]
    finally:
        unconnect(on_spike_click, on_select_spike, on_channel_click)


def test_state_round_trip(qtbot, gui):
    model, view = make_view(qtbot, gui, select=(0,))
    view.go_to(1.5)
    view.switch_origin()
    view.increase()
    view.toggle_highlighted_spikes(True)
    state = view.state
    assert state["interval"] == (1.375, 1.625) and state["origin"] == "top"
    assert state["scaling"] == pytest.approx(1.1) and state["show_all_spikes"]
    other = TraceView(**TraceModel().view_kwargs())
    other.set_state(state)
    assert other.interval == (1.375, 1.625) and other.origin == "top"
    assert other.scaling == pytest.approx(1.1) and other.show_all_spikes
    wait(qtbot, view)
    other.close()


def test_empty_selection_and_bad_data(qtbot, gui):
    model = TraceModel()
    view = TraceView(**model.view_kwargs(), threaded=False)
    view.attach(gui)
    assert view.data is not None and view._spikes is None  # traces, no spikes
    view.go_to_next_spike()  # no cluster selected: nothing happens
    assert view.interval == (0.875, 1.125)
    bad = TraceView(traces=lambda i: Bunch(data=np.zeros((10, 3))),
                    sample_rate=1000., duration=1., n_channels=8, threaded=False)
    with pytest.raises(ValueError, match="expected"):
        bad.get_clusters_data([], (0, .1))
    with pytest.raises(ValueError):
        TraceView(traces=model.traces, sample_rate=0, duration=1, n_channels=2)
    bad.close()


@pytest.mark.parametrize("duration", [1., 10.])
def test_384_channels_budget(qtbot, gui, duration):
    pos = np.c_[np.tile([0, 16, 32, 48], 96), np.repeat(np.arange(192), 2) * 20.]
    model = TraceModel(n_channels=384, sample_rate=10000., duration=11., channel_positions=pos,
                       spikes=((6.0, 200), (6.3, 12)), amplitude=120, seed=1)
    model, view = make_view(qtbot, gui, model=model, select=(200, 12))
    view.go_to(6.)
    view.set_interval((6 - duration / 2, 6 + duration / 2))
    wait(qtbot, view)
    assert view.trace_visual.n_vertices <= view.max_trace_points
    assert view.data.decimated
    assert view.trace_visual.n_signals == 384
    img = view.canvas.grab_image()
    assert (img[..., :3].max(axis=2) > 40).mean() > .2
    # Channel 200's row is its depth rank.
    x, y = centroid(lit(img, selection_color(0)))
    top, bottom = box_rows(view, view.channel_y_ranks[200])
    assert top - 4 < y < bottom + 4
    assert abs(x - to_pixel(view, 6.0, 0)[0]) < 4
    shot(view, f"trace_384ch_{int(duration)}s")


def test_uniform_trace_color(qtbot, gui):
    class GreyTraceView(TraceView):
        trace_color_0 = None  # as phy: no gradient, default_trace_color

    model = TraceModel()
    view = GreyTraceView(**model.view_kwargs())
    model.view = view
    view.attach(gui)
    wait(qtbot, view, 1)
    img = view.canvas.grab_image()
    assert lit(img, view.default_trace_color, 12).mean() > .05


def test_same_traces_are_not_uploaded_again(qtbot, gui):
    """A new selection in the same interval (the controller returns the same traces array)
    only redraws the spikes; another interval uploads the traces again."""
    model = TraceModel()
    read, kept = model.traces, {}

    def traces(interval):  # as the controller: the same array for the same interval
        b = read(interval)
        b.data = kept.setdefault(tuple(interval), b.data)
        return b
    model.traces = traces
    model, view = make_view(qtbot, gui, model=model, select=(0,))
    view.canvas.setFixedSize(400, 300)  # the width (the decimation) no longer changes
    n = view.n_plots_done
    emit("select", Supervisor(), [0])
    wait(qtbot, view, n + 1)
    uploads = []
    update = view.canvas.update_visual
    view.canvas.update_visual = lambda v, *a, **k: (uploads.append(v), update(v, *a, **k))[1]
    before = view.canvas.grab_image()
    n = view.n_plots_done
    emit("select", Supervisor(), [1])
    wait(qtbot, view, n + 1)
    assert view.trace_visual not in uploads and view.waveform_visual in uploads
    img = view.canvas.grab_image()
    x, y = centroid(lit(img, selection_color(0)))  # cluster 1 now has the first colour
    top, bottom = box_rows(view, 1)
    assert abs(x - to_pixel(view, 1.05, 0)[0]) < 3 and top - 2 < y < bottom + 2
    top, _ = box_rows(view, view.n_channels - 1)
    _, bottom = box_rows(view, 3)  # channels without spikes of clusters 0 and 1
    rows = slice(int(top) + 2, int(bottom) - 2)
    assert np.array_equal(img[rows], before[rows])  # the traces are the same pixels
    n = view.n_plots_done
    view.go_right()
    wait(qtbot, view, n + 1)
    assert view.trace_visual in uploads
