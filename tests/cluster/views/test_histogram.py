"""HistogramView, ISIView, FiringRateView: bars of known data at the expected relative
heights, snippets, wheel, text and plot, state."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from phyclone.cluster.views import FiringRateView, HistogramView, ISIView
from phyclone.cluster.views.histogram import compute_histogram
from phyclone.qt import QApplication, QPoint, QPointF, Qt, QWheelEvent
from phyclone.utils import Bunch, emit
from phyclone.utils.colors import selected_cluster_color

from viewtest import Supervisor, bar_height, box_px, frame, lit, shot

pytestmark = pytest.mark.gl

ISI = {1: np.r_[np.full(20, 1.5e-3), np.full(10, 3.5e-3), np.full(5, .06)],
       2: np.full(8, 10.5e-3)}


@given(st.lists(st.integers(-20, 100), max_size=200), st.integers(1, 40))
@settings(max_examples=60, deadline=None)
def test_compute_histogram_matches_numpy(values, n_bins):
    # Values at bin centres (no edge ambiguity); range [0, 10], bins of 10 / n_bins.
    width = 10. / n_bins
    data = (np.asarray(values, dtype=np.float64) + .5) * width
    edges = np.linspace(0., 10., n_bins + 1)
    expected = np.histogram(data, bins=edges)[0]
    assert np.array_equal(compute_histogram(data, 0., 10., n_bins, False), expected)
    dens = compute_histogram(data, 0., 10., n_bins, True)
    if expected.sum():
        assert (dens * width).sum() == pytest.approx(1.)
    assert np.allclose(compute_histogram(data, 0., 10., n_bins, "rate"), expected / width)


def test_compute_histogram_edges():
    h = compute_histogram(np.array([0., 1., 2., 2.5, -1., 3.]), 0., 2., 2, False)
    assert list(h) == [1, 2]  # 0 in bin 0, 1 and 2 (right edge included) in bin 1


def wheel(view, delta, modifiers):
    e = QWheelEvent(QPointF(50, 50), QPointF(50, 50), QPoint(0, 0), QPoint(0, 120 * delta),
                    Qt.NoButton, modifiers, Qt.NoScrollPhase, False)
    QApplication.sendEvent(view.canvas, e)


@pytest.fixture
def isi(gui):
    v = ISIView(cluster_stat=lambda c: Bunch(data=ISI[c]), threaded=False)
    v.attach(gui)
    v.on_select([1, 2])
    return v


def test_isi_bars(isi, qtbot):
    img = frame(qtbot, isi)
    shot(isi, "ISIView")
    c0, c1 = selected_cluster_color(0), selected_cluster_color(1)
    assert isi.canvas.stacked.n_boxes == 2
    h1, full = bar_height(img, isi, 0, 1, 50, c0)  # 1.5 ms: 20 intervals
    h3, _ = bar_height(img, isi, 0, 3, 50, c0)  # 3.5 ms: 10 intervals
    assert h1 >= .95 * full and h1 / h3 == pytest.approx(2., rel=.06)
    assert bar_height(img, isi, 0, 2, 50, c0)[0] == 0
    assert bar_height(img, isi, 1, 10, 50, c1)[0] >= .95 * full  # second cluster, lower box
    assert bar_height(img, isi, 1, 1, 50, c1)[0] == 0
    assert isi.dock.status == "[0.0ms, 50.0ms]"


def test_isi_snippets(isi, gui, qtbot):
    qtbot.keyClicks(gui, ":isin 25")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert isi.n_bins == 25 and isi.bin_size == pytest.approx(2.)
    assert list(np.nonzero(isi.data.bunchs[0].histogram)[0]) == [0, 1]
    qtbot.keyClicks(gui, ":isimax 20")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert isi.x_max == pytest.approx(.02)
    qtbot.keyClicks(gui, ":isimin 2")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert isi.x_min == pytest.approx(.002)
    qtbot.keyClicks(gui, ":isib 0.5")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert isi.n_bins == 36  # (20 - 2) / 0.5
    assert isi.data.bunchs[0].histogram.argmax() == 3  # 3.5 ms in [3.5, 4)
    isi.set_x_max(1)  # below x_min: ignored
    assert isi.x_max == pytest.approx(.02)


def test_isi_wheel_and_scaling(isi, qtbot):
    wheel(isi, 1, Qt.ControlModifier)
    assert isi.x_max == pytest.approx(.055)
    isi.decrease()
    assert isi.x_max == pytest.approx(.05)
    wheel(isi, -1, Qt.AltModifier)
    assert isi.n_bins == 52
    isi.set_x_max(80)
    isi.reset_scaling()
    assert isi.x_max == pytest.approx(.05)


def test_firing_rate(gui, qtbot):
    times = {3: np.r_[np.linspace(0, 9.9, 30), np.linspace(10, 19.9, 10)]}
    v = FiringRateView(cluster_stat=lambda c: Bunch(data=times[c], x_min=0, x_max=20.),
                       threaded=False)
    v.attach(gui)
    v.on_select([3])
    assert v.x_max == 20.
    v.set_n_bins(2)
    assert np.allclose(v.data.bunchs[0].histogram, [3., 1.])  # Hz
    img = frame(qtbot, v)
    shot(v, "FiringRateView")
    c0 = selected_cluster_color(0)
    h0, full = bar_height(img, v, 0, 0, 2, c0)
    h1, _ = bar_height(img, v, 0, 1, 2, c0)
    assert h0 >= .95 * full and h0 / h1 == pytest.approx(3., rel=.05)
    assert "x_max" in v.local_state_attrs and "x_max" not in v.state_attrs
    assert v.state["n_bins"] == 2
    assert v.default_snippets["set_n_bins"] == "frn"


def test_text_and_plot(gui, qtbot):
    def stat(c):
        return Bunch(data=np.r_[np.zeros(10), np.ones(10)], text="first line\nsecond",
                     plot=np.linspace(0, 1, 50) * 5.)
    v = HistogramView(cluster_stat=stat, threaded=False)
    v.attach(gui)
    v.on_select([7])
    assert (v.x_min, v.x_max) == (0., 1.)
    img = frame(qtbot, v)
    shot(v, "HistogramView")
    x0, y0 = box_px(v, 0, -1, 1)
    text_area = img[y0 + 2:y0 + 40, x0 + 2:x0 + 120]
    assert (text_area[..., :3].min(axis=-1) > 200).sum() > 30  # white glyphs
    # The plot line (white) crosses the middle of the box.
    col, row = box_px(v, 0, 0., 0.)
    column = img[:, col, :3]
    assert ((column.min(axis=-1) > 200)).any()


def test_follows_supervisor(gui, qtbot):
    v = ISIView(cluster_stat=lambda c: Bunch(data=ISI[c]))
    v.attach(gui)
    emit("select", Supervisor([1, 2]), [2])
    qtbot.waitUntil(lambda: v.n_plots_done >= 1, timeout=5000)
    assert len(v.data.bunchs) == 1
    assert lit(frame(qtbot, v)).sum() > 100
