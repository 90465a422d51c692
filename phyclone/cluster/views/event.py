"""Event view: peri-stimulus time histogram (PSTH) and raster of the selected clusters around
event times (e.g. stimuli given with ``--events FILE``). Not in phy; spikeinterface-gui has a
similar view.

Top: one PSTH line per cluster (rate in Hz, in the cluster's selection colour). Bottom: the
raster, one row per event, one block of rows per cluster. Data are computed in a worker
thread with ``phyclone.stats.psth`` (integer samples throughout).
"""

import numpy as np

from phyclone.plot import LineVisual, PlotVisual, ScatterVisual, TextVisual
from phyclone.stats.psth import peri_event_spikes, psth, psth_bins
from phyclone.utils.bunch import Bunch

from .base import ManualClusteringView

_PSTH, _RASTER = (0, 0), (1, 0)


class EventView(ManualClusteringView):
    """PSTH and raster of the selected clusters aligned to event times.

    Constructor
    -----------
    events : array-like
        Event times as int64 sample indices (``phyclone.io.events.load_events``).
    spike_samples : function
        ``spike_samples(cluster_id)`` returns the sample indices of every spike of a cluster.
    sample_rate : float
    window_before, window_after, bin_size : float (seconds; defaults .5, 1., .01)
    event_name : str shown in the view (default ``'events'``)
    """

    _default_position = "right"
    window_before = .5
    window_after = 1.
    bin_size = .01
    event_name = "events"
    #: Raster budget: above it, only every k-th event gets a raster row (the PSTH uses all).
    max_raster_points = 50_000
    default_shortcuts = {}
    default_snippets = {"set_window": "ew", "set_bin": "eb"}
    state_attrs = ManualClusteringView.state_attrs + ("window_before", "window_after",
                                                      "bin_size")

    def __init__(self, events=None, spike_samples=None, sample_rate=None, **kwargs):
        if not callable(spike_samples):
            raise TypeError("spike_samples must be a function cluster_id -> spike samples")
        if not sample_rate or sample_rate <= 0:
            raise ValueError(f"sample_rate must be positive, got {sample_rate}")
        self.spike_samples = spike_samples
        self.sample_rate = float(sample_rate)
        self.events = self._check_events(events)
        super().__init__(**kwargs)
        self.canvas.set_layout("grid", shape=(2, 1))
        self.canvas.grid.add_boxes(self.canvas)
        self.zero_visual = LineVisual()
        self.canvas.add_visual(self.zero_visual)
        self.psth_visual = PlotVisual()
        self.canvas.add_visual(self.psth_visual)
        self.raster_visual = ScatterVisual(marker="vbar")
        self.canvas.add_visual(self.raster_visual)
        self.text_visual = TextVisual(color=(1., 1., 1., .85))
        self.canvas.add_visual(self.text_visual)

    @staticmethod
    def _check_events(events):
        ev = np.zeros(0, dtype=np.int64) if events is None else np.asarray(events)
        if ev.dtype.kind not in "iu":
            raise TypeError("events must be integer sample indices (see load_events)")
        return np.sort(ev.astype(np.int64).reshape(-1))

    def set_events(self, events, name=None):
        """Show other events (int64 samples)."""
        self.events = self._check_events(events)
        if name is not None:
            self.event_name = name
        self.replot()

    # Data (worker thread) ---------------------------------------------------------------------

    def _samples(self, seconds):
        return int(round(float(seconds) * self.sample_rate))

    def get_clusters_data(self, cluster_ids):
        """PSTH (Hz) and raster rows of each cluster."""
        sr = self.sample_rate
        before, after = self._samples(self.window_before), self._samples(self.window_after)
        bin_size = max(1, self._samples(self.bin_size))
        edges = psth_bins(before, after, bin_size)
        events = self.events
        n_ev = len(events)
        clusters = []
        for c in cluster_ids:
            spikes = np.asarray(self.spike_samples(c), dtype=np.int64)
            counts = psth(spikes, events, before, after, bin_size)
            trials, offsets = peri_event_spikes(spikes, events, before, int(edges[-1]))
            rate = counts / (max(n_ev, 1) * bin_size / sr)
            clusters.append(Bunch(cluster_id=c, rate=rate, trials=trials, offsets=offsets))
        n_points = sum(len(b.trials) for b in clusters)
        step = max(1, -(-n_points // self.max_raster_points))
        for b in clusters:
            keep = b.trials % step == 0
            b.rows = b.trials[keep] // step
            b.times = b.offsets[keep] / sr
        return Bunch(edges=edges / sr, clusters=clusters, n_events=n_ev, trial_step=step,
                     n_rows=-(-n_ev // step) if n_ev else 0)

    # Plotting (GUI thread) --------------------------------------------------------------------

    def plot(self, **kwargs):
        """Draw the PSTH lines, the raster, the event time line and the labels."""
        d = self.data
        if d is None:
            return
        t0, t1 = float(d.edges[0]), float(d.edges[-1])
        self._plot_psth(d, t0, t1)
        self._plot_raster(d, t0, t1)
        z = (0. - t0) / (t1 - t0) * 2. - 1.
        self.canvas.update_visual(
            self.zero_visual, pos=[[z, -1., z, 1.], [z, -1., z, 1.]], color=(1., 1., 1., .35),
            box_index=np.array([_PSTH, _PSTH, _RASTER, _RASTER], dtype=np.float32))

    def _plot_psth(self, d, t0, t1):
        self._psth_max = 0.
        if not d.clusters:
            self.psth_visual.hide()
            return
        rates = np.array([b.rate for b in d.clusters])
        ymax = float(rates.max()) * 1.1 if rates.size and rates.max() > 0 else 1.
        self._psth_max = ymax / 1.1
        x = np.repeat(d.edges, 2)[1:-1]
        y = np.repeat(rates, 2, axis=1)
        colors = np.array([self.get_cluster_color(i) for i in range(len(d.clusters))])
        self.psth_visual.show()
        self.canvas.update_visual(self.psth_visual, x=x, y=y, color=colors,
                                  data_bounds=(t0, 0., t1, ymax), box_index=_PSTH)

    def _plot_raster(self, d, t0, t1):
        n_rows, n_cl = d.n_rows, len(d.clusters)
        total = n_rows * n_cl
        if not total or not sum(len(b.rows) for b in d.clusters):
            self.raster_visual.hide()
            self._plot_text(d, t0, t1)
            return
        # Cluster i takes rows [i n_rows, (i + 1) n_rows) from the top; event 0 on top.
        y = np.concatenate([total - 1 - (i * n_rows + b.rows) for i, b in enumerate(d.clusters)])
        x = np.concatenate([b.times for b in d.clusters])
        color = np.repeat(np.array([self.get_cluster_color(i) for i in range(n_cl)]),
                          [len(b.rows) for b in d.clusters], axis=0)
        h = self.canvas.get_size()[1] * .5 * .85
        size = float(np.clip(h / total * 1.2, 3., 12.))
        self.raster_visual.show()
        self.canvas.update_visual(self.raster_visual, x=x, y=y, color=color, size=size,
                                  data_bounds=(t0, -.5, t1, total - .5), box_index=_RASTER)
        self._plot_text(d, t0, t1)

    def _plot_text(self, d, t0, t1):
        texts, pos, anchors, boxes, colors = [], [], [], [], []

        def add(text, xy, anchor, box, color=(1., 1., 1., .85)):
            texts.append(text)
            pos.append(xy)
            anchors.append(anchor)
            boxes.append(box)
            colors.append(color)

        add(f"{self._psth_max:.3g} Hz", (-1., 1.), (1.2, -1.2), _PSTH)
        add(f"{d.n_events} {self.event_name}", (1., 1.), (-1.2, -1.2), _PSTH)
        add(f"{t0:+.3g} s", (-1., -1.), (1.2, 1.2), _RASTER)
        add(f"{t1:+.3g} s", (1., -1.), (-1.2, 1.2), _RASTER)
        n_cl = len(d.clusters)
        for i, b in enumerate(d.clusters):
            y = 1. - (2. * i + 1.) / max(n_cl, 1)
            add(str(b.cluster_id), (-1., y), (1.2, 0.), _RASTER, self.get_cluster_color(i))
        self.canvas.update_visual(
            self.text_visual, pos=np.array(pos), text=texts, anchor=np.array(anchors),
            color=np.array(colors), box_index=np.array(boxes, dtype=np.float32))

    @property
    def status(self):
        text = super().status
        n = len(self.events)
        text += (f" {n} {self.event_name}, window -{self.window_before:g}/+"
                 f"{self.window_after:g} s, bin {self.bin_size * 1e3:g} ms")
        if self.data is not None and self.data.trial_step > 1:
            text += f" (raster: every {self.data.trial_step}th event)"
        return text.strip()

    # Actions ----------------------------------------------------------------------------------

    def attach(self, gui):
        """Attach the view to the GUI (window and bin snippets)."""
        super().attach(gui)
        self.actions.add(self.set_window, prompt=True, prompt_default=lambda: (
            f"{self.window_before * 1e3:g} {self.window_after * 1e3:g}"))
        self.actions.add(self.set_bin, prompt=True,
                         prompt_default=lambda: f"{self.bin_size * 1e3:g}")

    def set_window(self, before, after):
        """Set the window before and after each event (in milliseconds).
        Example: `500 1000`"""
        before, after = float(before) * 1e-3, float(after) * 1e-3
        if before + after <= 0:
            raise ValueError("the window must have a positive duration")
        self.window_before, self.window_after = before, after
        self.replot()

    def set_bin(self, bin_size):
        """Set the PSTH bin size (in milliseconds). Example: `10`"""
        bin_size = float(bin_size) * 1e-3
        if bin_size <= 0:
            raise ValueError("the bin size must be positive")
        self.bin_size = bin_size
        self.replot()
