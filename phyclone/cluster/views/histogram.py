"""HistogramView: one histogram per selected cluster, stacked (phy's base of ISIView and
FiringRateView).

``cluster_stat(cluster_id)`` returns ``Bunch(data=1D array, plot=1D array (optional),
text=str (optional, several lines allowed), x_min=, x_max= (optional defaults of the range))``.
"""

import logging

import numpy as np

from phyclone.plot import HistogramVisual, PlotVisual, TextVisual
from phyclone.utils import Bunch

from .base import ManualClusteringView, ScalingMixin

logger = logging.getLogger(__name__)


def compute_histogram(data, x_min, x_max, n_bins, normalize=True):
    """Histogram of ``data`` in ``n_bins`` equal bins over [x_min, x_max].

    ``normalize``: 'density' or True (integral 1), 'rate' (counts per x unit, e.g. Hz for
    spike times in seconds), False (counts).
    """
    n_bins = int(np.clip(n_bins, 1, 1_000_000))
    data = np.asarray(data, dtype=np.float64).ravel()
    if x_max <= x_min:
        return np.zeros(n_bins)
    width = (x_max - x_min) / n_bins
    idx = np.floor((data - x_min) / width).astype(np.int64)
    idx[data == x_max] = n_bins - 1  # the last bin is closed, as numpy's
    idx = idx[(idx >= 0) & (idx < n_bins)]
    hist = np.bincount(idx, minlength=n_bins).astype(np.float64)
    if normalize == "rate":
        return hist / width
    if normalize:
        total = hist.sum() * width
        return hist / (total or 1.)
    return hist


def _first_not_none(*values):
    return next((v for v in values if v is not None), None)


class HistogramView(ScalingMixin, ManualClusteringView):
    """A histogram per selected cluster, with optional text and line plot (phy's).

    Constructor: ``cluster_stat`` maps ``cluster_id`` to ``Bunch(data, plot, text, x_min,
    x_max)``. The range is ``x_min``/``x_max`` (view attributes, else the Bunch's, else the
    data's); ``n_bins`` bins. Snippets ``:<alias_char>n``, ``b``, ``min``, ``max`` set the
    number of bins, the bin size and the range (in ``bin_unit``).
    """

    max_n_clusters = 20
    _default_position = "right"
    n_bins = 100
    x_delta = .01
    x_min = None
    x_max = None
    bin_unit = "s"
    alias_char = "h"
    normalization = "density"

    default_shortcuts = {"change_window_size": "ctrl+wheel"}
    default_snippets = {
        "set_n_bins": "hn", "set_bin_size": "hb", "set_x_min": "hmin", "set_x_max": "hmax",
    }
    state_attrs = ManualClusteringView.state_attrs + ("n_bins", "x_min", "x_max")
    local_state_attrs = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        a = cls.alias_char
        cls.default_snippets = {"set_n_bins": f"{a}n", "set_bin_size": f"{a}b",
                                "set_x_min": f"{a}min", "set_x_max": f"{a}max"}

    def __init__(self, cluster_stat=None, **kwargs):
        super().__init__(**kwargs)
        self.cluster_stat = cluster_stat
        self.data_bounds = (0, 0, 1, 1)
        self.canvas.set_layout("stacked", n_plots=1, origin="top")
        self.canvas.enable_axes(show_y=False)  # each box has its own vertical scale
        self.visual = HistogramVisual()
        self.canvas.add_visual(self.visual)
        self.plot_visual = PlotVisual()
        self.canvas.add_visual(self.plot_visual)
        self.text_visual = TextVisual(color=(1., 1., 1., 1.))
        self.canvas.add_visual(self.text_visual)

    # Data (worker thread) ----------------------------------------------------------------------
    def _unit(self):
        return 1000. if self.bin_unit == "ms" else 1.

    def get_clusters_data(self, cluster_ids):
        """Histogram of ``cluster_stat(c).data`` for each cluster (the range is decided by
        the first cluster with data when the view has none)."""
        stats = [(i, c, self.cluster_stat(c)) for i, c in enumerate(cluster_ids)]
        x_min, x_max = self.x_min, self.x_max
        out = []
        for i, c, b in stats:
            data = np.asarray(b.data).ravel()
            if not data.size:
                continue
            x_min = _first_not_none(x_min, b.get("x_min"), float(data.min()))
            x_max = _first_not_none(x_max, b.get("x_max"), float(data.max()))
            x_min, x_max = sorted((float(x_min), float(x_max)))
            hist = compute_histogram(data, x_min, x_max, self.n_bins, self.normalization)
            out.append(Bunch(b, histogram=hist, ylim=float(hist.max()) or 1., index=i,
                             cluster_id=c, color=self.get_cluster_color(i)))
        return Bunch(bunchs=out, x_min=x_min, x_max=x_max)

    # Plot (GUI thread) --------------------------------------------------------------------------
    def plot(self, **kwargs):
        data = self.data
        if data is None:
            return
        if data.x_min is not None:
            self.x_min, self.x_max = data.x_min, data.x_max
        bunchs = data.bunchs
        n = max(len(self.cluster_ids), 1)
        self.canvas.stacked.n_boxes = n
        for v in (self.visual, self.plot_visual, self.text_visual):
            v.reset_batch()
        for b in bunchs:
            self._plot_cluster(b, n)
        for v in (self.visual, self.plot_visual, self.text_visual):
            if v.has_batch_data:
                self.canvas.update_visual(v)
                v.show()
            else:
                v.hide()
        ylim = max((b.ylim for b in bunchs), default=1.)
        x0 = self.x_min if self.x_min is not None else 0.
        x1 = self.x_max if self.x_max is not None and self.x_max > x0 else x0 + 1.
        f = self._unit()
        self.data_bounds = (x0 * f, 0., x1 * f, ylim * n)
        self.canvas.enable_axes(data_bounds=self.data_bounds)
        self.canvas.update()

    def _plot_cluster(self, b, n):
        box = b.index  # first cluster at the top
        self.visual.add_batch_data(hist=b.histogram, ylim=b.ylim, color=b.color, box_index=box)
        plot = b.get("plot")
        if plot is not None and len(plot):
            y = np.asarray(plot, dtype=np.float64)
            self.plot_visual.add_batch_data(
                x=np.linspace(-1., 1., len(y)), y=y, color=(1., 1., 1., 1.),
                data_bounds=(-1., 0., 1., b.ylim), box_index=box)
        if self.normalization == "rate":  # the top of the box, in Hz
            self.text_visual.add_batch_data(text=f"{b.ylim:.1f} Hz", pos=[(1., 1.)],
                                            anchor=[(-1.05, -1.)], box_index=box)
        text = b.get("text")
        if text:
            lines = str(text).splitlines()
            k = len(lines)
            self.text_visual.add_batch_data(
                text=lines, pos=[(-1., .9)] * k,
                anchor=[(1.05, -1. - 2. * j) for j in range(k)], box_index=box)

    # Actions ------------------------------------------------------------------------------------
    def attach(self, gui):
        super().attach(gui)
        a = self.alias_char
        u = self.bin_unit
        self.actions.add(self.set_n_bins, alias=f"{a}n", prompt=True,
                         prompt_default=lambda: self.n_bins)
        self.actions.add(self.set_bin_size, alias=f"{a}b", prompt=True,
                         prompt_default=lambda: self.bin_size,
                         docstring=f"Set the bin size of the histogram (in {u}).")
        self.actions.add(self.set_x_min, alias=f"{a}min", prompt=True,
                         prompt_default=lambda: (self.x_min or 0) * self._unit(),
                         docstring=f"Set the lower end of the histogram range (in {u}).")
        self.actions.add(self.set_x_max, alias=f"{a}max", prompt=True,
                         prompt_default=lambda: (self.x_max or 0) * self._unit(),
                         docstring=f"Set the upper end of the histogram range (in {u}).")
        self.actions.separator()

    @property
    def status(self):
        f = self._unit()
        u = self.bin_unit
        return f"[{(self.x_min or 0) * f:.1f}{u}, {(self.x_max or 0) * f:.1f}{u}]"

    # Parameters ---------------------------------------------------------------------------------
    def _get_scaling_value(self):
        return (self.x_max or 0.) * self._unit()

    def _set_scaling_value(self, value):
        self.set_x_max(value)

    def reset_scaling(self):
        """Reset the range to its default (the class's, else the data's)."""
        self.x_max = type(self).x_max
        self._reset()

    def _reset(self):
        """Recompute the histograms of the shown clusters."""
        if self.cluster_ids:
            self.replot()
        self.update_status()

    def set_n_bins(self, n_bins):
        """Set the number of bins of the histogram."""
        self.n_bins = int(np.clip(round(n_bins), 2, 1_000_000))
        self._reset()

    @property
    def bin_size(self):
        """Bin size (in ``bin_unit``)."""
        if self.x_min is None or self.x_max is None:
            return None
        return (self.x_max - self.x_min) / self.n_bins * self._unit()

    def set_bin_size(self, bin_size):
        """Set the bin size of the histogram."""
        if bin_size <= 0 or self.x_min is None or self.x_max is None:
            return
        self.set_n_bins((self.x_max - self.x_min) / (bin_size / self._unit()))

    def set_x_min(self, x_min):
        """Set the lower end of the histogram range."""
        x_min = x_min / self._unit()
        if self.x_max is not None and x_min >= self.x_max:
            return
        self.x_min = float(x_min)
        self._reset()

    def set_x_max(self, x_max):
        """Set the upper end of the histogram range."""
        x_max = x_max / self._unit()
        if self.x_min is not None and x_max <= self.x_min:
            return
        self.x_max = float(x_max)
        self._reset()

    def on_mouse_wheel(self, e):
        """ctrl+wheel: range; shift+wheel: lower end; alt+wheel: number of bins."""
        super().on_mouse_wheel(e)
        mods = tuple(e.modifiers)
        if mods == ("Shift",) and self.x_min is not None and self.x_max is not None:
            x_min = self.x_min * 1.1 ** e.delta if self.x_min else self.x_delta * e.delta
            if x_min < self.x_max:
                self.set_x_min(max(x_min, 0.) * self._unit())
        elif mods == ("Alt",):
            self.set_n_bins(max(2, int(self.n_bins / 1.05 ** e.delta)))
