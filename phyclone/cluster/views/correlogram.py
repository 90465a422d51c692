"""CorrelogramView: auto- and cross-correlograms of the selected clusters (phy's).

Data callables (phy 2.1's, as the controller passes them):

- ``correlograms(cluster_ids, bin_size, window_size)`` → ``(n, n, n_bins)`` array (bin and
  window in seconds; bins centred on lag 0, usually an odd number of bins),
- ``firing_rate(cluster_ids, bin_size)`` → ``(n, n)`` array: the baseline of each
  correlogram in the same unit (spikes per bin), drawn as a grey horizontal line.
"""

import colorsys
import logging

import numpy as np

from phyclone.plot import HistogramVisual, LineVisual, Scale, TextVisual
from phyclone.utils import Bunch

from .base import ManualClusteringView, ScalingMixin

logger = logging.getLogger(__name__)

GRAY = (.35, .35, .35, 1.)


def pale_color(color):
    """The pale version of a selection colour (cross-correlograms, as phy)."""
    h, _, _ = colorsys.rgb_to_hsv(*color[:3])
    return tuple(colorsys.hsv_to_rgb(h, .1, 1.)) + (1.,)


def refractory_lines_x(n_bins, bin_size, refractory_period):
    """x (in bins, 0..n_bins) of the edges enclosing the bins whose lag is within the
    refractory period, when bin ``n_bins // 2`` holds lag 0 (phy's lines)."""
    k = int(round(refractory_period / bin_size))
    centre = n_bins // 2
    return centre - k, centre + k + 1


class CorrelogramView(ScalingMixin, ManualClusteringView):
    """Grid of correlograms: autocorrelograms on the diagonal (colour of the cluster),
    cross-correlograms elsewhere (pale colour of the row's cluster).

    Each correlogram is normalized to its own maximum, or to the maximum of all
    (``toggle_normalization``, 'n'). Refractory period lines (``set_refractory_period``,
    ':cr', ms) and the firing-rate baseline in grey. Bin and window in ms (':cb', ':cw');
    ctrl+wheel / increase / decrease change the window, alt+wheel the bin.
    """

    max_n_clusters = 20
    _default_position = "left"
    bin_size = 1e-3
    window_size = 50e-3
    refractory_period = 2e-3
    uniform_normalization = False
    show_labels = True
    _scaling_default = 50.

    default_shortcuts = {
        "change_window_size": "ctrl+wheel",
        "change_bin_size": "alt+wheel",
        "toggle_normalization": "n",
    }
    default_snippets = {
        "set_bin": "cb",
        "set_window": "cw",
        "set_refractory_period": "cr",
    }
    state_attrs = ManualClusteringView.state_attrs + (
        "bin_size", "window_size", "refractory_period", "uniform_normalization")
    local_state_attrs = ()

    def __init__(self, correlograms=None, firing_rate=None, sample_rate=None, **kwargs):
        super().__init__(**kwargs)
        if sample_rate is None or sample_rate <= 0:
            raise ValueError(f"CorrelogramView needs a positive sample_rate, got {sample_rate}")
        self.sample_rate = float(sample_rate)
        self.correlograms = correlograms
        self.firing_rate = firing_rate
        self.canvas.set_layout("grid", shape=(1, 1))
        self.canvas.gpu_transforms.add(Scale((.9, .9)))  # outer margin for the labels
        self.correlogram_visual = HistogramVisual()
        self.canvas.add_visual(self.correlogram_visual)
        self.line_visual = LineVisual()
        self.canvas.add_visual(self.line_visual)
        self.text_visual = TextVisual(color=(1., 1., 1., 1.))
        self.canvas.add_visual(self.text_visual)

    # Data (worker thread) ----------------------------------------------------------------------
    def get_clusters_data(self, cluster_ids):
        """Correlograms and baselines of the clusters, for the current bin and window."""
        bin_size, window_size = self.bin_size, self.window_size
        ccg = np.asarray(self.correlograms(list(cluster_ids), bin_size, window_size))
        n = len(cluster_ids)
        if ccg.ndim != 3 or ccg.shape[:2] != (n, n):
            raise ValueError(f"correlograms() returned shape {ccg.shape} for {n} clusters; "
                             "expected (n_clusters, n_clusters, n_bins)")
        fr = None
        if self.firing_rate is not None:
            fr = np.asarray(self.firing_rate(list(cluster_ids), bin_size), dtype=np.float64)
            fr = np.broadcast_to(fr, (n, n)) if fr.size in (1, n * n) else None
        return Bunch(ccg=ccg.astype(np.float64), firing_rate=fr, bin_size=bin_size,
                     window_size=window_size)

    # Plot (GUI thread) --------------------------------------------------------------------------
    def _pair_bunchs(self):
        d = self.data
        ccg = d.ccg
        n, _, n_bins = ccg.shape
        global_max = ccg.max() if ccg.size else 0.
        for i in range(n):
            for j in range(n):
                m = global_max if self.uniform_normalization else ccg[i, j].max()
                color = self.get_cluster_color(i)
                yield Bunch(
                    correlogram=ccg[i, j], pair_index=(i, j),
                    firing_rate=d.firing_rate[i, j] if d.firing_rate is not None else None,
                    data_bounds=(0., 0., float(n_bins), float(m) if m > 0 else 1.),
                    color=color if i == j else pale_color(color))

    def plot(self, **kwargs):
        if self.data is None:
            return
        n = self.data.ccg.shape[0]
        self.canvas.grid.shape = (max(n, 1), max(n, 1))
        for v in (self.correlogram_visual, self.line_visual, self.text_visual):
            v.reset_batch()
        for b in self._pair_bunchs():
            self._plot_pair(b)
        self._plot_labels(n)
        for v in (self.correlogram_visual, self.line_visual, self.text_visual):
            if v.has_batch_data:
                self.canvas.update_visual(v)
        self.text_visual.show() if self.show_labels else self.text_visual.hide()
        self.canvas.update()

    def _plot_pair(self, b):
        self.correlogram_visual.add_batch_data(
            hist=b.correlogram, color=b.color, ylim=b.data_bounds[3], box_index=b.pair_index)
        n_bins, ylim = b.data_bounds[2], b.data_bounds[3]
        segments = []
        if b.firing_rate is not None and np.isfinite(b.firing_rate):
            segments.append([0., b.firing_rate, n_bins, b.firing_rate])
        x0, x1 = refractory_lines_x(int(n_bins), self.data.bin_size, self.refractory_period)
        segments += [[x0, 0., x0, ylim], [x1, 0., x1, ylim]]
        self.line_visual.add_batch_data(pos=np.array(segments), color=GRAY,
                                        data_bounds=b.data_bounds, box_index=b.pair_index)

    def _plot_labels(self, n):
        ids = self.cluster_ids
        for k in range(n):
            self.text_visual.add_batch_data(pos=[-1., 0.], text=str(ids[k]), anchor=[-1.25, 0.],
                                            box_index=(k, 0))
            self.text_visual.add_batch_data(pos=[0., -1.], text=str(ids[k]), anchor=[0., -1.25],
                                            box_index=(n - 1, k))
        if n:
            d = self.data
            self.text_visual.add_batch_data(
                pos=[1., 1.], anchor=[-1., 1.3], box_index=(0, n - 1),
                text=f"±{500 * d.window_size:.1f} ms, bin {1000 * d.bin_size:.2f} ms")

    # Actions ------------------------------------------------------------------------------------
    def attach(self, gui):
        super().attach(gui)
        self.actions.add(self.toggle_normalization, checkable=True,
                         checked=self.uniform_normalization)
        self.actions.add(self.toggle_labels, checkable=True, checked=self.show_labels)
        self.actions.separator()
        self.actions.add(self.set_bin, prompt=True, prompt_default=lambda: self.bin_size * 1000)
        self.actions.add(self.set_window, prompt=True,
                         prompt_default=lambda: self.window_size * 1000)
        self.actions.add(self.set_refractory_period, prompt=True,
                         prompt_default=lambda: self.refractory_period * 1000)
        self.actions.separator()

    def toggle_normalization(self, checked):
        """Normalize all correlograms to the same maximum (or each to its own)."""
        self.uniform_normalization = bool(checked)
        self._redraw()

    def toggle_labels(self, checked):
        """Show or hide the labels."""
        self.show_labels = bool(checked)
        self.text_visual.show() if checked else self.text_visual.hide()
        self.canvas.update()

    def _redraw(self):
        """Draw the current data again (parameters that need no new correlograms)."""
        if self.data is not None:
            self.plot()

    @property
    def status(self):
        b, w = self.bin_size * 1000, self.window_size * 1000
        return f"{w:.1f} ms ({b:.1f} ms)"

    def _set_bin_window(self, bin_size=None, window_size=None):
        """Set the bin and window sizes (seconds); False when the pair is invalid."""
        bin_size = float(np.clip(bin_size or self.bin_size, 1e-6, 1e3))
        window_size = float(np.clip(window_size or self.window_size, 1e-6, 1e3))
        if bin_size >= window_size:
            logger.warning("The correlogram bin (%.3g ms) must be smaller than the window "
                           "(%.3g ms).", bin_size * 1e3, window_size * 1e3)
            return False
        self.bin_size, self.window_size = bin_size, window_size
        self.update_status()
        return True

    def set_bin(self, bin_size):
        """Set the correlogram bin size (in milliseconds).

        Example: `1`
        """
        if self._set_bin_window(bin_size=bin_size * 1e-3) and self.cluster_ids:
            self.replot()

    def set_window(self, window_size):
        """Set the correlogram window size (in milliseconds).

        Example: `100`
        """
        if self._set_bin_window(window_size=window_size * 1e-3) and self.cluster_ids:
            self.replot()

    def set_refractory_period(self, value):
        """Set the refractory period (in milliseconds)."""
        self.refractory_period = float(np.clip(value, .1, 100)) * 1e-3
        self._redraw()

    def _get_scaling_value(self):
        return self.window_size * 1000

    def _set_scaling_value(self, value):
        self.set_window(value)

    def increase(self):
        """Increase the window size."""
        self.set_window(1000 * self.window_size * 1.1)

    def decrease(self):
        """Decrease the window size."""
        self.set_window(1000 * self.window_size / 1.1)

    def on_mouse_wheel(self, e):
        """ctrl+wheel: window size; alt+wheel: bin size."""
        super().on_mouse_wheel(e)
        if tuple(e.modifiers) == ("Alt",):
            self.set_bin(1000 * self.bin_size * 1.1 ** e.delta)
