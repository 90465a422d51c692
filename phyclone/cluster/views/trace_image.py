"""Trace image view: the raw data of an interval as a heat map, one row per channel (by
depth), for probes with thousands of channels (phy 2.1's ``TraceImageView``).

Same data function and navigation as the trace view. Wide intervals are reduced to at most
``max_columns`` columns keeping each bin's sample of largest magnitude (spikes stay visible);
the colours come from a 256-entry colormap table, symmetric around zero, saturating at
``noise_range`` noise standard deviations (median absolute deviation / 0.6745) so that the
background noise is near the middle colour and spikes stand out.
"""

import numpy as np

from phyclone.io.raw.trace_interval import decimate_extreme
from phyclone.plot import ImageVisual, TextVisual
from phyclone.utils.bunch import Bunch
from phyclone.utils.colors import get_colormap

from .base import ScalingMixin
from .trace import TraceView
from .trace_data import noise_std

LABEL_HEIGHT = 14  # pixels between two channel labels


def colorize(values, vmax, colormap):
    """(h, w, 4) uint8 RGBA image of values in [-vmax, vmax] through a colormap."""
    cmap = get_colormap(colormap)
    lut = np.empty((len(cmap), 4), dtype=np.uint8)
    lut[:, :3] = np.round(cmap * 255)
    lut[:, 3] = 255
    scale = (len(cmap) - 1) / (2. * vmax) if vmax > 0 else 0.
    idx = np.clip((np.asarray(values, dtype=np.float32) + vmax) * scale + .5, 0, len(cmap) - 1)
    return lut[idx.astype(np.intp)]


class TraceImageView(TraceView):
    """Raw traces of an interval as an image (rows: channels by depth, columns: time).

    Constructor: as :class:`TraceView` (``traces``, ``sample_rate``, ``duration``,
    ``n_channels``, ``channel_positions``, ``channel_labels``; ``spike_times`` optional and
    unused), plus ``colormap`` (a colormap name or an (n, 3) array; diverging by default).
    The waveforms of the ``traces()`` Bunch are not drawn.
    """

    default_shortcuts = {
        "change_trace_size": "ctrl+wheel",
        "decrease": "ctrl+alt+down",
        "increase": "ctrl+alt+up",
        "go_left": "ctrl+alt+left",
        "go_right": "ctrl+alt+right",
        "jump_left": "ctrl+shift+alt+left",
        "jump_right": "ctrl+shift+alt+right",
        "go_to_start": "ctrl+alt+home",
        "go_to_end": "ctrl+alt+end",
        "go_to": "ctrl+alt+t",
        "narrow": "ctrl+alt+shift++",
        "widen": "ctrl+alt+shift+-",
        "switch_origin": "ctrl+alt+o",
    }
    default_snippets = {"go_to": "tig", "shift": "tis"}
    colormap = "diverging"
    max_columns = 2000
    #: Auto-scale: the colormap spans ± this many noise standard deviations.
    noise_range = 5.

    def __init__(self, colormap=None, **kwargs):
        self._origin = "bottom"
        self._scaling = 1.
        self.vrange = None
        if colormap is not None:
            self.colormap = colormap
        super().__init__(**kwargs)

    def _create_visuals(self):
        self.canvas.enable_axes(show_y=False)
        self.trace_visual = ImageVisual()
        self.canvas.add_visual(self.trace_visual)
        self.text_visual = TextVisual(color=(1., 1., 1., .8))
        self.text_visual.inserter.insert_vert("gl_Position.x = pos_orig.x;", "after_transforms")
        self.canvas.add_visual(self.text_visual)
        self._label_step = None

    # Data (worker thread) ---------------------------------------------------------------------

    def get_clusters_data(self, cluster_ids, interval=None, auto_scale=True, ybounds=None,
                          width=None):
        """Read the interval, reduce it to the image columns (at most ``max_columns`` and
        the canvas ``width`` in pixels), rows ordered by depth."""
        interval = interval or self._interval
        data = np.asarray(self.traces(interval).data)
        if data.ndim != 2 or data.shape[1] != self.n_channels:
            raise ValueError(f"traces({interval}) returned data of shape {data.shape}, "
                             f"expected (n_samples, {self.n_channels})")
        if auto_scale or ybounds is None:
            v = self.noise_range * noise_std(data)
            ybounds = (-v, v)
        n_columns = min(self.max_columns, int(width)) if width else self.max_columns
        values = decimate_extreme(data, max(n_columns, 1)).astype(np.float32, copy=False)
        by_rank = np.empty_like(values)
        by_rank[self.channel_y_ranks] = values  # row r: the channel of rank r
        return Bunch(interval=interval, rows=by_rank, vrange=tuple(ybounds),
                     n_samples=len(data), decimated=values.shape[1] < len(data))

    # Plotting (GUI thread) --------------------------------------------------------------------

    def image(self):
        """The RGBA image shown (row 0 at the top)."""
        values = self.data.rows
        if self._origin == "bottom":
            values = values[::-1]
        return colorize(values, self.vrange[1] / self._scaling, self.colormap)

    def plot(self, **kwargs):
        """Colour the prepared values and upload the image."""
        d = self.data
        if d is None:
            return
        self.vrange = d.vrange
        self._ybounds = d.vrange
        start, end = d.interval
        self.data_bounds = (start, 0., end, 1.)
        if d.n_samples and self.n_channels:
            self.trace_visual.show()
            self.trace_visual.set_data(image=self.image())
        else:
            self.trace_visual.hide()
        self._plot_labels()
        self.canvas.axes.reset_data_bounds(self.data_bounds)

    def _plot_labels(self):
        n = self.n_channels
        step = max(1, int(np.ceil(LABEL_HEIGHT * n / max(self.canvas.get_size()[1], 1))))
        if step == self._label_step or not n:
            return
        self._label_step = step
        ranks = np.arange(step // 2, n, step)
        y = -1. + (2. * ranks + 1.) / n
        if self._origin == "top":
            y = -y
        channels = np.argsort(self.channel_y_ranks)[ranks]
        self.text_visual.set_data(pos=np.c_[-np.ones(len(ranks)), y], anchor=(1.3, 0.),
                                  text=[self.channel_labels[c] for c in channels])
        self._show_labels()

    def on_resize(self, e):
        if self.data is not None:
            self._plot_labels()

    def _recolor(self):
        if self.data is not None:
            self._label_step = None
            self.plot()
            self.canvas.update()

    # GUI -----------------------------------------------------------------------------------------

    def attach(self, gui):
        """Attach the view to the GUI (navigation and scaling actions)."""
        ScalingMixin.attach(self, gui)
        self.actions.add(self.toggle_auto_scale, checkable=True, checked=self.auto_scale)
        self.actions.add(self.switch_origin)
        self.actions.separator()
        self.actions.add(self.go_to, prompt=True, prompt_default=lambda: f"{self.time:.6g}")
        self.actions.separator()
        self.actions.add(self.go_to_start)
        self.actions.add(self.go_to_end)
        self.actions.separator()
        self.actions.add(self.shift, prompt=True)
        self.actions.add(self.go_right)
        self.actions.add(self.go_left)
        self.actions.add(self.jump_right)
        self.actions.add(self.jump_left)
        self.actions.separator()
        self.actions.add(self.widen)
        self.actions.add(self.narrow)
        self.actions.separator()
        self.set_interval()

    @property
    def status(self):
        text = super().status
        if self.vrange is not None:
            text += f" ±{self.vrange[1] / self._scaling:.3g}"
        return text

    # Origin and scaling ---------------------------------------------------------------------

    @property
    def origin(self):
        """Where the lowest channel is: ``'bottom'`` (default) or ``'top'``."""
        return self._origin

    @origin.setter
    def origin(self, value):
        if value is None:
            return
        if value not in ("top", "bottom"):
            raise ValueError(f"origin must be 'top' or 'bottom', got {value!r}")
        self._origin = value
        self._recolor()

    @property
    def scaling(self):
        """Colour gain: the colormap spans ±(auto-scale range / scaling)."""
        return self._scaling

    @scaling.setter
    def scaling(self, value):
        self._scaling = max(float(value), 1e-6)
        self._recolor()

    def _channel_at(self, pos):
        y = self.canvas.window_to_ndc(pos)[1]
        n = self.n_channels
        row = int(np.clip(np.floor((y + 1.) / 2. * n), 0, n - 1))
        rank = row if self._origin == "bottom" else n - 1 - row
        return int(np.flatnonzero(self.channel_y_ranks == rank)[0])
