"""A small synthetic recording for the trace view tests (every value known in advance)."""

import numpy as np
import pytest

from phyclone.io.raw.trace_interval import get_trace_interval
from phyclone.io.raw.traces import get_ephys_reader
from phyclone.utils.colors import selected_cluster_color
from phyclone.cluster.selection_source import SelectionSource


class Supervisor(SelectionSource):
    """Stands for the real Supervisor: views only follow the selection it sends."""


class TraceModel:
    """Uniform noise in [-noise, noise] on every channel, and triangular negative spikes of
    ``amplitude`` on the channel of their cluster (cluster c: channel ``c % n_channels``).

    ``traces(interval)`` is phy's controller data function (unfiltered data minus the
    median, the waveforms of the clusters selected in ``self.view``, all spikes when the
    view's ``show_all_spikes`` is on); ``calls`` records the threads it ran in.
    """

    def __init__(self, n_channels=8, sample_rate=10000., duration=2., noise=20, amplitude=15,
                 spikes=((1.0, 0), (1.05, 1), (0.5, 0), (1.5, 0), (1.02, 2)),
                 channel_positions=None, seed=0):
        self.sample_rate, self.duration, self.n_channels = sample_rate, duration, n_channels
        n = int(round(sample_rate * duration))
        rng = np.random.default_rng(seed)
        self.raw = rng.integers(-noise, noise + 1, size=(n, n_channels), dtype=np.int16)
        spikes = sorted(spikes)
        self.spike_samples = np.array([int(round(t * sample_rate)) for t, _ in spikes])
        self.spike_clusters = np.array([c for _, c in spikes])
        tri = -amplitude * (1 - np.abs(np.arange(-4, 5)) / 5.)
        for s, c in zip(self.spike_samples, self.spike_clusters):
            self.raw[s - 4:s + 5, self.best_channel(c)] = tri.astype(np.int16)
        self.reader = get_ephys_reader(self.raw, sample_rate=sample_rate)
        self.channel_positions = channel_positions
        self.view = None
        self.calls = []

    @property
    def selected(self):
        return list(self.view.cluster_ids) if self.view is not None else []

    def best_channel(self, cluster_id):
        return int(cluster_id) % self.n_channels

    def get_best_channels(self, cluster_id):
        return np.array([self.best_channel(cluster_id)]), np.array([1.])

    def traces(self, interval):
        import threading
        self.calls.append(threading.current_thread())
        return get_trace_interval(
            self.reader, interval, filtered=False, spike_samples=self.spike_samples,
            spike_clusters=self.spike_clusters, selected=self.selected,
            get_best_channels=self.get_best_channels, n_samples_waveforms=11,
            show_all_spikes=getattr(self.view, "show_all_spikes", False))

    def spike_times(self):
        if not self.selected:
            return None
        return self.spike_samples[self.spike_clusters == self.selected[0]] / self.sample_rate

    def view_kwargs(self):
        return dict(traces=self.traces, spike_times=self.spike_times,
                    sample_rate=self.sample_rate, duration=self.duration,
                    n_channels=self.n_channels, channel_positions=self.channel_positions)


def lit(img, color, tol=40):
    """Mask of the pixels of an RGB(A) float colour."""
    rgb = np.round(np.asarray(color[:3]) * 255)
    return np.abs(img[..., :3].astype(int) - rgb[None, None, :]).max(axis=2) <= tol


def selection_color(i):
    return selected_cluster_color(i)


@pytest.fixture
def gui(qtbot, qapp, tmp_path, monkeypatch):
    """An active GUI window (shortcuts need it); dialogs never block; the event bus is reset."""
    from phyclone.gui import GUI
    from phyclone.qt import QApplication
    from phyclone.utils import event
    monkeypatch.setenv("PHYCLONE_NONINTERACTIVE", "1")
    g = GUI(config_dir=tmp_path / "config", name="ViewsTestGUI", size=(900, 700))
    qtbot.addWidget(g)
    g.show()
    qtbot.waitExposed(g)
    g.activateWindow()
    QApplication.setActiveWindow(g)
    qtbot.waitUntil(g.isActiveWindow)
    yield g
    g.close()
    event.reset()


def wait(qtbot, view, n=None):
    """Wait until the view plotted ``n`` times (default: once more) and is idle."""
    from phyclone.qt import QApplication
    n = view.n_plots_done + 1 if n is None else n
    busy = lambda: view._runner is not None and view._runner.is_busy()  # noqa: E731
    qtbot.waitUntil(lambda: view.n_plots_done >= n and not busy(), timeout=10000)
    QApplication.processEvents()  # the queued canvas updates
