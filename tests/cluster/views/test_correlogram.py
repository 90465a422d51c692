"""CorrelogramView: bars of known trains at the expected relative heights, refractory and
baseline lines, normalization, snippets and shortcuts."""

import numpy as np
import pytest

from phyclone.cluster.views import CorrelogramView
from phyclone.cluster.views.correlogram import pale_color
from phyclone.qt import Qt
from phyclone.utils import emit
from phyclone.utils.colors import selected_cluster_color

import viewtest
from viewtest import Supervisor, frame, lit, rgb255, shot

pytestmark = pytest.mark.gl

# Cluster 1: triplets at g + {0, 5, 10} ms, g = 0..49 s. Cluster 2: g + 2 ms, g = 0..24 s.
G1 = np.arange(50.)
T1 = np.sort(np.r_[G1, G1 + .005, G1 + .010])
T2 = np.arange(25.) + .002
TIMES = np.r_[T1, T2]
CLUSTERS = np.r_[np.full(len(T1), 1), np.full(len(T2), 2)]
ORDER = np.argsort(TIMES, kind="stable")
TIMES, CLUSTERS = TIMES[ORDER], CLUSTERS[ORDER]


def brute_ccg(cluster_ids, bin_size, window_size):
    """Every pair difference, binned (bin ``half`` holds lag 0; a spike is not its own
    neighbour)."""
    half = int(round(window_size / bin_size)) // 2
    n_bins = 2 * half + 1
    out = np.zeros((len(cluster_ids), len(cluster_ids), n_bins))
    for i, a in enumerate(cluster_ids):
        ia = np.nonzero(CLUSTERS == a)[0]
        for j, b in enumerate(cluster_ids):
            ib = np.nonzero(CLUSTERS == b)[0]
            d = TIMES[ib][None, :] - TIMES[ia][:, None]
            same = ia[:, None] == ib[None, :]
            k = np.round(d[~same] / bin_size).astype(int) + half
            k = k[(k >= 0) & (k < n_bins)]
            out[i, j] = np.bincount(k, minlength=n_bins)
    return out


class Recorder:
    def __init__(self):
        self.calls = []

    def correlograms(self, cluster_ids, bin_size, window_size):
        self.calls.append((list(cluster_ids), bin_size, window_size))
        return brute_ccg(cluster_ids, bin_size, window_size)

    def firing_rate(self, cluster_ids, bin_size):
        return np.full((len(cluster_ids), len(cluster_ids)), 10.)


def test_brute_ccg_reference():
    ccg = brute_ccg([1, 2], 1e-3, 50e-3)
    assert ccg.shape == (2, 2, 51)
    assert ccg[0, 0, 25 + 5] == 100 and ccg[0, 0, 25 + 10] == 50 and ccg[0, 0, 25] == 0
    assert ccg[0, 0, 25 - 5] == 100
    assert ccg[0, 1, 25 + 2] == 25 and ccg[0, 1, 25 - 3] == 25 and ccg[0, 1, 25 - 8] == 25
    assert ccg[1, 1].sum() == 0
    assert np.array_equal(ccg[1, 0], ccg[0, 1][::-1])


def box_px(view, box, x, y):
    return viewtest.box_px(view, box, x, y, scale=.9)


def bar_height(img, view, box, bin_index, n_bins, color):
    return viewtest.bar_height(img, view, box, bin_index, n_bins, color, scale=.9)


@pytest.fixture
def view(gui, qtbot):
    rec = Recorder()
    v = CorrelogramView(correlograms=rec.correlograms, firing_rate=rec.firing_rate,
                        sample_rate=30000., threaded=False)
    v.recorder = rec
    v.attach(gui)
    v.on_select([1, 2])
    return v


def test_bars_relative_heights_and_colors(view, qtbot):
    img = frame(qtbot, view)
    shot(view, "CorrelogramView")
    assert view.canvas.grid.shape == (2, 2)
    c0 = selected_cluster_color(0)
    h5, full = bar_height(img, view, (0, 0), 25 + 5, 51, c0)
    h10, _ = bar_height(img, view, (0, 0), 25 + 10, 51, c0)
    h0, _ = bar_height(img, view, (0, 0), 25 + 1, 51, c0)
    assert h5 >= .9 * full  # the largest bar fills its box
    assert h5 / h10 == pytest.approx(2., rel=.08)  # 100 vs 50 pairs
    assert h0 == 0
    # Cross-correlogram (1 -> 2): three bars of 25 at +2, -3, -8 ms, in the pale colour.
    pale = pale_color(c0)
    for lag in (2, -3, -8):
        assert bar_height(img, view, (0, 1), 25 + lag, 51, pale)[0] >= .9 * full
    assert bar_height(img, view, (0, 1), 25 + 4, 51, pale)[0] == 0
    # Every box is drawn (diagonal box (1, 1) is empty: cluster 2 has no neighbours).
    for box in ((0, 0), (0, 1), (1, 0)):
        (x0, y0), (x1, y1) = box_px(view, box, -1, 1), box_px(view, box, 1, -1)
        assert lit(img[y0:y1, x0:x1]).sum() > 50


def test_normalization_shortcut(view, gui, qtbot):
    pale = pale_color(selected_cluster_color(0))
    img = frame(qtbot, view)
    h, full = bar_height(img, view, (0, 1), 25 + 2, 51, pale)
    assert h >= .9 * full
    qtbot.keyClick(gui, Qt.Key_N)  # toggle_normalization: every box to the global max (100)
    assert view.uniform_normalization
    img = frame(qtbot, view)
    h, full = bar_height(img, view, (0, 1), 25 + 2, 51, pale)
    assert h / full == pytest.approx(.25, abs=.03)
    assert view.recorder.calls == [([1, 2], 1e-3, 50e-3)]  # redrawn without new correlograms


def test_refractory_and_baseline_lines(view, qtbot):
    img = frame(qtbot, view)
    gray = rgb255((.35, .35, .35))

    def is_gray(px):
        return np.abs(img[px[1], px[0], :3].astype(int) - gray).max() <= 3

    # Box (1, 1) is empty: the refractory lines (around the bins of lags -2..2 ms: x = 23
    # and 28 in bin units) are there.
    for x in (23, 28):
        px = box_px(view, (1, 1), -1 + 2 * x / 51, .5)
        assert is_gray(px) or is_gray((px[0] + 1, px[1])) or is_gray((px[0] - 1, px[1]))
    px = box_px(view, (1, 1), -1 + 2 * 40 / 51, .5)
    assert not lit(img[px[1]:px[1] + 1, px[0]:px[0] + 1]).any()
    view.set_refractory_period(5)
    assert view.refractory_period == pytest.approx(5e-3)
    img = frame(qtbot, view)
    for x in (20, 31):
        px = box_px(view, (1, 1), -1 + 2 * x / 51, .5)
        assert any(is_gray((px[0] + d, px[1])) for d in (-1, 0, 1))
    # Baseline of 10 (per bin) in box (0, 1) whose maximum is 25: at 40% of the height.
    img = frame(qtbot, view)
    col, y = box_px(view, (0, 1), .6, -1 + 2 * 10 / 25)
    assert any(is_gray((col, y + d)) for d in (-1, 0, 1))


def test_snippets_bin_window(view, gui, qtbot):
    qtbot.keyClicks(gui, ":cb 2")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert view.bin_size == pytest.approx(2e-3)
    assert view.recorder.calls[-1] == ([1, 2], pytest.approx(2e-3), pytest.approx(50e-3))
    qtbot.keyClicks(gui, ":cw 100")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert view.window_size == pytest.approx(.1)
    assert view.data.ccg.shape[2] == 51  # 100 ms in 2 ms bins
    assert "100.0 ms (2.0 ms)" in view.dock.status
    qtbot.keyClicks(gui, ":cr 3")
    qtbot.keyClick(gui, Qt.Key_Return)
    assert view.refractory_period == pytest.approx(3e-3)
    view.set_bin(500)  # not smaller than the window: refused
    assert view.bin_size == pytest.approx(2e-3)
    view.increase()
    assert view.window_size == pytest.approx(.11)
    view.decrease()
    view.reset_scaling()
    assert view.window_size == pytest.approx(.05)


def test_labels(view, qtbot):
    img = frame(qtbot, view)
    x0, y0 = box_px(view, (0, 0), -1, 1)
    x1, y1 = box_px(view, (0, 0), 1, -1)
    left = lit(img[y0:y1, :x0 - 2]).sum()
    assert left > 5  # cluster id left of the first row
    text = view.text_visual._acc.data["text"] if view.text_visual._acc.items else []
    assert "±25.0 ms, bin 1.00 ms" in text and text.count("1") == 2
    view.toggle_labels(False)
    img = frame(qtbot, view)
    assert lit(img[y0:y1, :x0 - 2]).sum() == 0
    view.toggle_labels(True)


def test_follows_supervisor_in_worker(gui, qtbot):
    rec = Recorder()
    v = CorrelogramView(correlograms=rec.correlograms, sample_rate=30000.)
    v.attach(gui)
    emit("select", Supervisor([1, 2]), [1, 2])
    qtbot.waitUntil(lambda: v.n_plots_done >= 1, timeout=5000)
    assert v.canvas.grid.shape == (2, 2)
    emit("select", Supervisor([1, 2]), list(range(30)))  # more than max_n_clusters
    viewtest.settle(qtbot, v)
    assert v.cluster_ids == [1, 2]


def test_state(view):
    view.set_bin(2)
    view.toggle_normalization(True)
    state = view.state
    assert state["bin_size"] == pytest.approx(2e-3) and state["uniform_normalization"]
    assert set(state) == {"auto_update", "bin_size", "window_size", "refractory_period",
                          "uniform_normalization"}
    with pytest.raises(ValueError):
        CorrelogramView(correlograms=brute_ccg, sample_rate=0)
