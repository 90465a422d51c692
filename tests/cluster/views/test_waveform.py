"""WaveformView: probe layout, waveform types, overlap, labels, scalings, channel click,
overlays, state."""

import numpy as np
import pytest

from phyclone.cluster.views import WaveformView
from phyclone.gui import GUI
from phyclone.qt import QPoint, Qt
from phyclone.utils.colors import selected_cluster_color
from phyclone.utils.event import emit

from toy_model import (  # noqa: F401 (fixtures)
    N_SAMPLES, SAMPLE_RATE, Supervisor, activate, color_mask, gui, model, ndc_rect_to_pixels,
    not_black, record, rgb255, settle, shot, wait_plot,
)

pytestmark = pytest.mark.gl


def make_view(model, **kwargs):
    return WaveformView(waveforms={"waveforms": model.waveforms,
                                   "mean_waveforms": model.mean_waveforms,
                                   "templates": model.templates},
                        sample_rate=SAMPLE_RATE, **kwargs)


def cluster_pixels(img, i, alpha=1.):
    """Pixels in the colour of the i-th selected cluster (20 identical toy spikes at alpha
    .75 saturate the colour)."""
    c = np.array(selected_cluster_color(i)[:3]) * alpha
    return color_mask(img, rgb255(c), tol=50)


def box_pixels(view, box, size, inset=3):
    """Rows and columns of the inside of a box (boxes touch: their edges are left out)."""
    c0, r0, c1, r1 = ndc_rect_to_pixels(view.boxed.box_bounds[box], size)
    return (slice(int(r0) + inset, int(np.ceil(r1)) - inset + 1),
            slice(int(c0) + inset, int(np.ceil(c1)) - inset + 1))


def test_draws_probe_layout(qtbot, gui, model):
    view = make_view(model)
    view.attach(gui)
    emit("select", Supervisor(), [0, 1])
    wait_plot(qtbot, view)
    channels = sorted(set(model.best_channels(0)) | set(model.best_channels(1)))
    assert view.channel_ids == channels
    assert view.boxed.n_boxes == len(channels)
    # Boxes follow the probe: channel 0 is below channel 6 (larger y on the probe).
    y = view.boxed.box_pos[:, 1]
    assert y[channels.index(6)] > y[channels.index(0)]
    # One draw call: every (spike, channel) signal of both clusters in one visual.
    n_sig = sum(20 * len(model.best_channels(c)) for c in (0, 1))
    assert view.waveform_visual.n_signals == n_sig
    assert view.waveform_visual.n_vertices == n_sig * N_SAMPLES
    img = view.canvas.grab_image()
    assert not_black(img).sum() > 2000
    assert cluster_pixels(img, 0).sum() > 200 and cluster_pixels(img, 1).sum() > 200
    assert "waveforms" in view.dock.status and "0, 1" in view.dock.status
    shot(view, "waveform_view")
    # More than max_n_clusters (8) selected clusters: the view keeps what it shows.
    emit("select", Supervisor(), list(range(9)))
    settle(qtbot, view)
    assert view.cluster_ids == [0, 1] and view.n_plots_done == 1


def test_trough_lands_in_the_peak_channel_box(qtbot, gui, model):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([1])  # peak channel 3, amplitude 20 there: the trough reaches -1
    img = view.canvas.grab_image()
    size = img.shape[1], img.shape[0]
    box = view.channel_ids.index(3)
    rows, cols = box_pixels(view, box, size)
    mask = np.zeros(img.shape[:2], dtype=bool)
    mask[rows, cols] = cluster_pixels(img, 0)[rows, cols]
    ys, xs = np.nonzero(mask)
    c0, r0, c1, r1 = ndc_rect_to_pixels(view.boxed.box_bounds[box], size)
    assert abs(ys.max() - r1) <= 3  # trough at the bottom of the box
    assert abs(xs[ys == ys.max()].mean() - (c0 + c1) / 2) <= 4  # in the middle
    # A channel with half the amplitude reaches half as deep.
    box2 = view.channel_ids.index(2)  # |2 - 3| = 1 -> amplitude 10
    rows, cols = box_pixels(view, box2, size)
    ys2 = np.nonzero(cluster_pixels(img, 0)[rows, cols])[0] + rows.start
    _, q0, _, q1 = ndc_rect_to_pixels(view.boxed.box_bounds[box2], size)
    assert abs(ys2.max() - (q0 + q1) / 2 - (q1 - q0) / 4) <= 3


def test_overlap_puts_clusters_side_by_side(qtbot, gui, model):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([0, 1])
    shared = view.channel_ids.index(2)  # channel 2 is a best channel of both clusters

    def ranges():
        """(x min, x max, x of the trough) of each cluster in the shared box."""
        img = view.canvas.grab_image()
        rows, cols = box_pixels(view, shared, (img.shape[1], img.shape[0]))
        out = []
        for i in (0, 1):
            ys, xs = np.nonzero(cluster_pixels(img, i)[rows, cols])
            out.append((xs.min(), xs.max(), xs[ys == ys.max()].mean()))
        return out

    w = view.canvas.get_size()[0] * (view.boxed.box_size[0])  # box width in pixels
    (a0, a1, ta), (b0, b1, tb) = ranges()
    assert a1 < b0  # cluster 0 on the left half, cluster 1 on the right half
    assert b1 - b0 < .6 * w
    view.toggle_waveform_overlap(True)
    (a0, a1, ta), (b0, b1, tb) = ranges()
    assert abs(ta - tb) <= 2  # same place (cluster 1 is drawn over cluster 0's flat parts)
    assert b1 - b0 > .9 * w - 8


def test_shortcuts(qtbot, gui, model, activate):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([0])
    activate(gui)
    assert view.waveforms_type == "waveforms"
    model.calls.clear()
    qtbot.keyClick(gui, Qt.Key_W)
    assert view.waveforms_type == "mean_waveforms" and view.data.waveforms_type == \
        "mean_waveforms"
    assert view.data.packed is not None and view.data.packed.y.size == 6 * N_SAMPLES
    qtbot.keyClick(gui, Qt.Key_W, Qt.ShiftModifier)
    assert view.waveforms_type == "waveforms"
    qtbot.keyClick(gui, Qt.Key_M)
    assert view.waveforms_type == "mean_waveforms"
    qtbot.keyClick(gui, Qt.Key_M)
    assert view.waveforms_type == "waveforms"
    qtbot.keyClick(gui, Qt.Key_O)
    assert view.overlap
    # Box scaling (waveforms) and probe scaling (box positions).
    b0 = view.boxed.box_bounds.copy()
    qtbot.keyClick(gui, Qt.Key_Up, Qt.ControlModifier)
    assert view.box_scaling[1] == pytest.approx(1.1)
    qtbot.keyClick(gui, Qt.Key_Down, Qt.ControlModifier)
    qtbot.keyClick(gui, Qt.Key_Down, Qt.ControlModifier)
    assert view.box_scaling[1] == pytest.approx(1 / 1.1)
    qtbot.keyClick(gui, Qt.Key_Right, Qt.ControlModifier)
    assert view.box_scaling[0] == pytest.approx(1.1)
    qtbot.keyClick(gui, Qt.Key_Left, Qt.ControlModifier)
    assert view.box_scaling[0] == pytest.approx(1.)
    qtbot.keyClick(gui, Qt.Key_Right, Qt.ShiftModifier)
    qtbot.keyClick(gui, Qt.Key_Up, Qt.ShiftModifier)
    qtbot.keyClick(gui, Qt.Key_Up, Qt.ShiftModifier)
    assert view.probe_scaling == pytest.approx((1.1, 1.21))
    qtbot.keyClick(gui, Qt.Key_Left, Qt.ShiftModifier)
    qtbot.keyClick(gui, Qt.Key_Down, Qt.ShiftModifier)
    assert view.probe_scaling == pytest.approx((1., 1.1))
    b1 = view.boxed.box_bounds
    centres0, centres1 = (b0[:, :2] + b0[:, 2:]) / 2, (b1[:, :2] + b1[:, 2:]) / 2
    assert np.allclose(centres1[:, 1], centres0[:, 1] * 1.1)
    # ctrl+wheel scales the waveforms too.
    view.canvas.emit("mouse_wheel", pos=(10, 10), pos_ndc=(0, 0), delta=1.,
                     modifiers=("Control",))
    assert view.box_scaling[1] == pytest.approx(1.)
    # ctrl+l hides the channel labels.
    assert view.text_visual.visible
    qtbot.keyClick(gui, Qt.Key_L, Qt.ControlModifier)
    assert not view.text_visual.visible and not view.do_show_labels


def test_channel_click(qtbot, gui, model):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([0, 1])
    calls, phy_calls = record("channel_click"), record("select_channel")
    w, h = view.canvas.get_size()
    for channel, button, mods in ((4, Qt.LeftButton, Qt.ControlModifier),
                                  (6, Qt.RightButton, Qt.ControlModifier)):
        c0, r0, c1, r1 = ndc_rect_to_pixels(view.boxed.box_bounds[view.channel_ids.index(
            channel)], (w, h))
        pos = QPoint(int((c0 + c1) / 2), int((r0 + r1) / 2))
        qtbot.mouseClick(view.canvas, button, mods, pos)
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.NoModifier, pos)  # no modifier: nothing
    assert [(c[0], c[2]) for c in calls] == [
        (view, dict(channel_id=4, key=None, button="Left")),
        (view, dict(channel_id=6, key=None, button="Right"))]
    assert [c[2] for c in phy_calls] == [c[2] for c in calls]
    # With a digit key held, the key is passed on.
    qtbot.keyPress(view.canvas, Qt.Key_2)
    qtbot.mouseClick(view.canvas, Qt.LeftButton, Qt.NoModifier, pos)
    qtbot.keyRelease(view.canvas, Qt.Key_2)
    assert calls[-1][2] == dict(channel_id=6, key=2, button="Left")


def test_overlays(qtbot, gui, model):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([0, 1])
    assert view.data.overlay is None and not view.overlay_visual.visible
    view.toggle_mean_overlay(True)
    ov = view.data.overlay
    assert ov is not None and view.overlay_visual.visible
    assert len(ov.lengths) == 2 * 6  # one mean waveform per channel of each cluster
    # The toy's spikes all equal their mean: the overlay is the first spike's waveforms.
    p = view.data.packed
    assert np.allclose(ov.y[:6 * N_SAMPLES], p.y[:6 * N_SAMPLES], atol=1e-6)
    # Templates are 10x smaller in the toy: once fitted they match the mean waveforms.
    view.toggle_mean_overlay(False)
    view.toggle_template_overlay(True)
    ov = view.data.overlay
    assert np.allclose(ov.y[:6 * N_SAMPLES], p.y[:6 * N_SAMPLES], atol=1e-5)
    img = view.canvas.grab_image()
    assert not_black(img).sum() > 2000
    shot(view, "waveform_view_template_overlay")
    view.next_waveforms_type()  # mean waveforms: the template overlay stays
    assert view.data.overlay is not None
    view.next_waveforms_type()  # templates: no overlay
    assert view.data.overlay is None and not view.overlay_visual.visible


def test_vertical_scale_is_kept_across_selections(qtbot, gui, model):
    view = make_view(model, threaded=False)
    view.attach(gui)
    view.on_select([0])
    s0 = view.data.scale
    view.on_select([3])  # 4x larger spikes: same scale, so they look 4x larger
    peak = -model.shape.min()  # the toy's sampled bump is not quite 1 deep
    assert view.data.scale == s0 == pytest.approx(10. * peak)
    view.next_waveforms_type()
    view.next_waveforms_type()  # templates: their own scale
    assert view.data.scale == pytest.approx(4. * peak)


def test_state_round_trip(qtbot, qapp, tmp_path, model):
    g = GUI(config_dir=tmp_path / "c", name="WaveGUI", local_path=tmp_path / "local.json")
    qtbot.addWidget(g)
    view = make_view(model, threaded=False)
    view.attach(g)
    view.on_select([0])
    view.toggle_waveform_overlap(True)
    view.toggle_show_labels(False)
    view.next_waveforms_type()
    view.widen()
    view.extend_vertically()
    g.close()
    g2 = GUI(config_dir=tmp_path / "c", name="WaveGUI", local_path=tmp_path / "local.json")
    qtbot.addWidget(g2)
    v2 = make_view(model, threaded=False)
    v2.attach(g2)
    assert v2.overlap and not v2.do_show_labels
    assert v2.waveforms_type == "mean_waveforms"
    assert v2.box_scaling == pytest.approx((1.1, 1.))
    assert v2.probe_scaling == pytest.approx((1., 1.1))
    assert "box_scaling" in (tmp_path / "local.json").read_text()
    v2.on_select([0])
    assert not v2.text_visual.visible
    g2.close()


def test_bad_input():
    from phyclone.utils.errors import DataError
    with pytest.raises(DataError, match="sample_rate"):
        WaveformView(waveforms=lambda c: None)
    with pytest.raises(DataError, match="waveforms function"):
        WaveformView(waveforms={}, sample_rate=1000.)
