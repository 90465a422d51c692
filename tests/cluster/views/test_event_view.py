"""EventView: PSTH and raster equal brute-force counts, pixels at the expected bins and rows,
window / bin snippets, status, state, raster budget."""

import numpy as np
import pytest

from phyclone.cluster.views import EventView
from phyclone.utils.event import emit

from viewtest import shot
from trace_model import Supervisor, gui, lit, selection_color, wait  # noqa: F401

pytestmark = pytest.mark.gl
SR = 1000.


class EventModel:
    """20 events every 2 s; cluster c fires (c + 1) spikes 100 (c + 1) ms after each event
    and 1 spike 300 ms before; cluster 9 fires at 1 kHz all the time."""

    def __init__(self):
        self.events = np.arange(20) * 2000 + 1000

    def spike_samples(self, c):
        if c == 9:
            return np.arange(45000)
        lag = 100 * (c + 1)
        return np.sort(np.r_[np.repeat(self.events + lag, c + 1), self.events - 300])


def make_view(qtbot, gui, clusters=(0, 1), **kwargs):
    m = EventModel()
    view = EventView(events=m.events, spike_samples=m.spike_samples, sample_rate=SR, **kwargs)
    view.attach(gui)
    emit("select", Supervisor(), list(clusters))
    wait(qtbot, view, 1)
    return m, view


def brute_rates(spikes, events, before, after, bin_size):
    edges = np.arange(-before, after + bin_size - 1e-9, bin_size)
    counts = np.zeros(len(edges) - 1)
    for e in events:
        for s in spikes:
            k = int(np.floor((s - e - edges[0]) / bin_size + 1e-9))
            if 0 <= k < len(counts) and -before <= s - e:
                counts[k] += 1
    return counts / (len(events) * bin_size / SR)


def test_data_equals_brute_force(qtbot, gui):
    m, view = make_view(qtbot, gui)
    d = view.data
    assert d.n_events == 20 and d.trial_step == 1 and d.n_rows == 20
    np.testing.assert_allclose(d.edges, np.arange(-500, 1001, 10) / SR)
    for c, b in zip((0, 1), d.clusters):
        ref = brute_rates(m.spike_samples(c), m.events, 500, 1000, 10)
        np.testing.assert_allclose(b.rate, ref)
        k = (100 * (c + 1) + 500) // 10
        assert b.rate[k] == pytest.approx((c + 1) / .01)  # (c + 1) spikes per event per 10 ms
        assert sorted(set(b.rows.tolist())) == list(range(20))
        assert sorted(set(np.round(b.times, 6).tolist())) == [-.3, .1 * (c + 1)]
    assert "20 events" in view.status and "bin 10 ms" in view.status


def test_pixels(qtbot, gui):
    m, view = make_view(qtbot, gui)
    img = view.canvas.grab_image()
    shot(view, "event_view")
    w, h = view.canvas.get_size()
    m_ = 1 - .075  # grid margin

    def col(t):
        return ((t + .5) / 1.5 * 2 - 1) * m_ * w / 2 + w / 2

    for i, lag in ((0, .1), (1, .2)):
        mask = lit(img, selection_color(i))
        top = mask[:h // 2]
        ys, xs = np.nonzero(top)
        assert len(xs)
        peak_row = ys.min()  # the PSTH peak is the highest point of the line
        assert abs(xs[ys == peak_row].mean() - col(lag + .005)) < 6
        bottom = mask[h // 2:]
        bottom[:, :int(col(-.45))] = False  # the cluster label, in the cluster colour
        ys, xs = np.nonzero(bottom)
        # Raster: columns at -0.3 s and at the lag, cluster 0's block above cluster 1's.
        dist = np.abs(xs[:, None] - [col(-.3), col(lag)])
        assert np.all(dist.min(axis=1) < 5) and (dist < 5).any(axis=0).all()
        rows = ys + h // 2
        if i == 0:
            assert rows.max() < h * .75 + 2
        else:
            assert rows.min() > h * .75 - 2


def test_snippets_state_and_budget(qtbot, gui):
    m, view = make_view(qtbot, gui)
    gui.snippets.run(":ew 200 300")
    wait(qtbot, view)
    assert (view.window_before, view.window_after) == (.2, .3)
    np.testing.assert_allclose(view.data.edges, np.arange(-200, 301, 10) / SR)
    gui.snippets.run(":eb 25")
    wait(qtbot, view)
    assert view.bin_size == .025
    np.testing.assert_allclose(view.data.edges, np.arange(-200, 301, 25) / SR)
    assert "window -0.2/+0.3 s, bin 25 ms" in view.status
    assert view.state["bin_size"] == .025 and view.state["window_before"] == .2
    view.set_state({"bin_size": .05})
    assert view.bin_size == .05
    # A 1 kHz cluster: 20 events x 500 spikes exceed the raster budget: every k-th event.
    view.max_raster_points = 2000
    emit("select", Supervisor(), [9])
    wait(qtbot, view)
    d = view.data
    assert d.trial_step == 5 and d.n_rows == 4
    assert len(d.clusters[0].times) == 4 * 500
    assert d.clusters[0].rate == pytest.approx(np.full(10, 1000.))
    assert "every 5th event" in view.status
    with pytest.raises(ValueError):
        view.set_bin(0)


def test_no_events(qtbot, gui):
    view = EventView(events=None, spike_samples=lambda c: np.arange(10), sample_rate=SR)
    view.attach(gui)
    emit("select", Supervisor(), [1])
    wait(qtbot, view, 1)
    assert view.data.n_events == 0 and "0 events" in view.status
    img = view.canvas.grab_image()
    assert (img[..., :3].max(axis=2) > 40).any()  # frames and labels
    view.set_events(np.array([5, 8]), name="stimuli")
    wait(qtbot, view)
    assert "2 stimuli" in view.status
    with pytest.raises(TypeError):
        view.set_events(np.array([.5]))


def test_events_file(qtbot, gui, tmp_path):
    from phyclone.io.events import load_events
    path = tmp_path / "events.tsv"
    path.write_text("onset\ttrial_type\n" + "".join(f"{1 + 2 * i}\tgo\n" for i in range(20)))
    events = load_events(path, SR)
    np.testing.assert_array_equal(events, EventModel().events)
    view = EventView(events=events, spike_samples=EventModel().spike_samples, sample_rate=SR,
                     event_name="go")
    view.attach(gui)
    emit("select", Supervisor(), [2])
    wait(qtbot, view, 1)
    assert view.data.clusters[0].rate.max() == pytest.approx(300.)  # 3 spikes per 10 ms bin
    assert "20 go" in view.status
