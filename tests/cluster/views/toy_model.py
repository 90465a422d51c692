"""A small synthetic spike-sorting model made of numpy arrays, with the data callables
phy 2.1's TemplateController gives to the views (brute-force, easy to predict)."""

import numpy as np
import pytest

from phyclone.utils import Bunch

from viewtest import settle, shot  # noqa: F401 (the view tests import shot from here)
from phyclone.cluster.selection_source import SelectionSource

N_CHANNELS = 16
N_SAMPLES = 30
N_PCS = 3
SAMPLE_RATE = 10_000.
DURATION = 100.
N_BEST = 6


def probe_positions(n_channels=N_CHANNELS):
    """Two staggered columns, 20 µm apart vertically (like a small Neuropixels probe)."""
    i = np.arange(n_channels)
    return np.c_[np.where(i % 2, 32., 0.) + np.where((i // 2) % 2, 16., 0.), 20. * (i // 2)]


class ToyModel:
    """``n_clusters`` clusters of ``n_per_cluster`` spikes; cluster ``c`` peaks on channel
    ``2 c + 1``; spike ``s`` of cluster ``c`` has id ``c * n_per_cluster + s``."""

    def __init__(self, n_clusters=4, n_per_cluster=200, n_channels=N_CHANNELS, seed=0):
        rng = np.random.default_rng(seed)
        self.n_channels = n_channels
        self.channel_positions = probe_positions(n_channels)
        self.n_clusters = n_clusters
        self.n = n_per_cluster
        n_spikes = n_clusters * n_per_cluster
        self.spike_clusters = np.repeat(np.arange(n_clusters), n_per_cluster)
        self.spike_times = np.tile(np.linspace(0., DURATION, n_per_cluster, endpoint=False),
                                   n_clusters) + self.spike_clusters * .01
        self.peak = {c: (2 * c + 1) % n_channels for c in range(n_clusters)}
        # Amplitudes: cluster c around 10 (c + 1), linearly increasing with the spike index.
        self.amplitudes = 10. * (self.spike_clusters + 1) + np.tile(
            np.linspace(-2, 2, n_per_cluster), n_clusters)
        # PC features (n_spikes, n_channels, n_pcs): distinct per cluster.
        self.features = rng.normal(size=(n_spikes, n_channels, N_PCS)) * .3
        self.features[:, :, 0] += self.spike_clusters[:, None] * 2.
        self.template_features = rng.normal(size=(n_spikes, n_clusters)) * .1
        self.template_features[np.arange(n_spikes), self.spike_clusters] += 1.
        t = np.linspace(-1.5, 1.5, N_SAMPLES)
        self.shape = -np.exp(-t ** 2 * 4)  # a negative bump
        self.calls = []

    def spike_ids(self, cluster_id, n=None):
        ids = np.nonzero(self.spike_clusters == cluster_id)[0]
        if n is not None and len(ids) > n:
            ids = ids[np.linspace(0, len(ids) - 1, n).astype(np.int64)]
        return ids

    def best_channels(self, cluster_id):
        """The N_BEST channels nearest to the peak channel, peak first."""
        pos = self.channel_positions
        d = ((pos - pos[self.peak[cluster_id]]) ** 2).sum(axis=1)
        return [int(c) for c in np.argsort(d, kind="stable")[:N_BEST]]

    def channel_amplitude(self, cluster_id, channel_id):
        return 10. * (cluster_id + 1) / (1. + abs(channel_id - self.peak[cluster_id]))

    # Waveform view ------------------------------------------------------------------------
    def _waveform_bunch(self, cluster_id, data, ch, **kw):
        return Bunch(data=data, channel_ids=np.array(ch),
                     channel_labels=[f"ch{c}" for c in ch],
                     channel_positions=self.channel_positions[ch], **kw)

    def waveforms(self, cluster_id, n=20):
        self.calls.append(("waveforms", cluster_id))
        ch = self.best_channels(cluster_id)
        amp = np.array([self.channel_amplitude(cluster_id, c) for c in ch])
        ids = self.spike_ids(cluster_id, n)
        data = self.shape[None, :, None] * amp[None, None, :] * np.ones((len(ids), 1, 1))
        return self._waveform_bunch(cluster_id, data, ch)

    def mean_waveforms(self, cluster_id):
        b = self.waveforms(cluster_id)
        b.data = b.data.mean(axis=0)[np.newaxis]
        b.alpha = 1.
        return b

    def templates(self, cluster_id):
        ch = self.best_channels(cluster_id)
        amp = np.array([self.channel_amplitude(cluster_id, c) for c in ch])
        data = .1 * self.shape[None, :, None] * amp[None, None, :]
        return self._waveform_bunch(cluster_id, data, ch, masks=np.ones((1, len(ch))),
                                    alpha=1.)

    # Feature view -------------------------------------------------------------------------
    def background_ids(self, n=50):
        return np.arange(0, len(self.spike_clusters), max(1, len(self.spike_clusters) // n))

    def get_features(self, cluster_id=None, channel_ids=None, load_all=False):
        ids = (self.background_ids() if cluster_id is None else
               self.spike_ids(cluster_id, None if load_all else 100))
        if channel_ids is None:
            channel_ids = self.best_channels(cluster_id)
        ch = np.asarray(channel_ids, dtype=np.int64)
        return Bunch(data=self.features[ids][:, ch, :], spike_ids=ids, channel_ids=ch,
                     channel_labels=[str(c) for c in ch])

    def get_spike_times(self, cluster_id=None, load_all=False):
        ids = (self.background_ids() if cluster_id is None else
               self.spike_ids(cluster_id, None if load_all else 100))
        return Bunch(data=self.spike_times[ids], spike_ids=ids, lim=(0., DURATION))

    # Amplitude view -----------------------------------------------------------------------
    def amplitude_getter(self, cluster_ids, load_all=False, values=None):
        values = self.amplitudes if values is None else values
        out = []
        for c in cluster_ids:
            if c is None:  # background: every 4th spike of the unselected clusters
                others = [k for k in range(self.n_clusters) if k not in cluster_ids]
                ids = np.nonzero(np.isin(self.spike_clusters, others))[0][::4]
            else:
                ids = self.spike_ids(c, None if load_all else 100)
            out.append(Bunch(amplitudes=values[ids], spike_ids=ids,
                             spike_times=self.spike_times[ids]))
        return out

    # Template feature view ----------------------------------------------------------------
    def get_template_features(self, cluster_ids, load_all=False):
        if len(cluster_ids) != 2:
            return None
        c0, c1 = cluster_ids
        out = []
        for c in (c0, c1):
            ids = self.spike_ids(c, None if load_all else 100)
            tf = self.template_features[ids]
            out.append(Bunch(x=tf[:, c0], y=tf[:, c1], spike_ids=ids))
        return out


class Supervisor(SelectionSource):
    """Stands for the real Supervisor: views only follow the selection it sends."""


@pytest.fixture
def model():
    return ToyModel()


@pytest.fixture
def gui(qtbot, qapp, tmp_path):
    from phyclone.gui import GUI
    from phyclone.utils import event
    g = GUI(config_dir=tmp_path / "config", name="ViewTestGUI", size=(800, 600))
    qtbot.addWidget(g)
    g.show()
    qtbot.waitExposed(g)
    yield g
    if not g._closed:
        g.close()
    event.reset()


def wait_plot(qtbot, view, n=1):
    qtbot.waitUntil(lambda: view.n_plots_done >= n, timeout=5000)


def painted(qtbot, view):
    """The framebuffer (h, w, 4) once the view has settled (``grab_image`` renders now)."""
    settle(qtbot, view)
    return view.canvas.grab_image()


def not_black(img, thr=30):
    return img[:, :, :3].max(axis=2) > thr


@pytest.fixture
def activate(qtbot):
    """``activate(window)``: make it the active window (global shortcuts need it)."""
    from phyclone.qt import QApplication

    def _activate(window):
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        QApplication.setActiveWindow(window)
        qtbot.waitUntil(window.isActiveWindow)
    return _activate


def ndc_rect_to_pixels(bounds, size):
    """(col0, row0, col1, row1) pixel rectangle of NDC bounds (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = bounds
    w, h = size
    return (x0 + 1) / 2 * w, (1 - y1) / 2 * h, (x1 + 1) / 2 * w, (1 - y0) / 2 * h


def ndc_to_pixel(xy, size):
    w, h = size
    return (xy[0] + 1) / 2 * w, (1 - xy[1]) / 2 * h


def color_mask(img, rgb, tol=60):
    d = np.abs(img[:, :, :3].astype(int) - np.asarray(rgb)[None, None, :]).max(axis=2)
    return d <= tol


def rgb255(color):
    return tuple(int(round(255 * c)) for c in color[:3])


def record(event_name):
    """Collect the calls of a global event: list of (sender, kwargs)."""
    from phyclone.utils.event import connect
    calls = []

    def on(sender, *args, **kwargs):
        calls.append((sender, args, kwargs))
    connect(on, event=event_name)
    return calls

