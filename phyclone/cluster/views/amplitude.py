"""AmplitudeView: spike amplitudes of the selected clusters over time, over grey background
spikes, with a side histogram of the amplitudes (phy 2.1's API)."""

import logging

import numpy as np

from phyclone.plot import HistogramVisual, ScatterVisual
from phyclone.utils import Bunch
from phyclone.utils.colors import add_alpha
from phyclone.utils.errors import DataError
from phyclone.utils.event import emit

from .base import LassoMixin, ManualClusteringView, MarkerSizeMixin
from .rotating import RotatingProperty
from .scatter import normalize

logger = logging.getLogger(__name__)

BACKGROUND_COLOR = (.5, .5, .5, .5)

# Side histogram: amplitude bins along y (as the scatter), counts along x from HIST_X0.
HIST_X0, HIST_WIDTH = 1.05, .5
_HIST_GLSL = (f"pos_tr = vec2({HIST_X0} + (pos_tr.y + 1.0) * {HIST_WIDTH / 2}, pos_tr.x);")
# Time range: a full-height band at u_range_center, at least MIN_HALF wide on screen.
_RANGE_HEADER = "uniform float u_range_center;\nuniform float u_range_half;"
_RANGE_BEFORE = "pos_tr.x = u_range_center;"
_RANGE_AFTER = ("gl_Position.y = pos_orig.y;\n"
                "gl_Position.x += sign(pos_orig.x) * max(0.005, u_range_half * u_zoom.x);")


def amplitude_histogram(values, vmin, vmax, n_bins):
    """Histogram of the non-zero values on ``n_bins`` edges from vmin to vmax, normalized
    by its integral (phy's)."""
    bins = np.linspace(float(vmin), float(vmax), max(int(n_bins), 2))
    values = np.asarray(values)
    h, _ = np.histogram(values[values != 0], bins=bins)
    total = h.sum() * (bins[1] - bins[0])
    return h / (total or 1.)


class AmplitudeView(MarkerSizeMixin, LassoMixin, ManualClusteringView):
    """Amplitudes of the spikes of the selected clusters as a function of time.

    Constructor
    -----------
    amplitudes : dict ``{amplitudes type: function}`` (or one function). Each function maps
        a list of cluster ids to a list ``[Bunch(amplitudes, spike_ids, spike_times), ...]``,
        one per cluster id; the id ``None`` (first, unless ``load_all``) asks for
        background spikes. Keyword ``load_all=True`` (lasso): every spike.
    amplitudes_type : the type shown first (default: the first key).
    duration : recording duration in seconds (x range).
    """

    max_n_clusters = 8
    _default_position = "right"
    data_priority = 1
    marker_alpha = 1.
    time_range_color = (1., 1., 0., .25)
    n_bins = 100
    histogram_alpha = .5
    quantile = .99

    default_shortcuts = {
        "change_marker_size": "alt+wheel",
        "next_amplitudes_type": "a",
        "previous_amplitudes_type": "shift+a",
        "select_x_dim": "shift+left click",
        "select_y_dim": "shift+right click",
        "select_time": "alt+click",
    }
    state_attrs = ManualClusteringView.state_attrs + ("amplitudes_type", "marker_size")

    def __init__(self, amplitudes=None, amplitudes_type=None, duration=None, **kwargs):
        if not isinstance(amplitudes, dict):
            amplitudes = {"amplitude": amplitudes} if amplitudes is not None else {}
        if not amplitudes:
            raise DataError(None, "AmplitudeView needs at least one amplitudes function",
                            "pass amplitudes={'template': f, ...}")
        self.amplitudes = amplitudes
        self.amplitudes_types = RotatingProperty()
        for name, f in amplitudes.items():
            self.amplitudes_types.add(name, f)
        self.amplitudes_types.set(amplitudes_type)
        self.duration = float(duration or 1.)
        self.data_bounds = (0., 0., self.duration, 1.)
        self.time_range = None
        super().__init__(**kwargs)
        self.canvas.enable_axes()
        self.canvas.enable_lasso()
        self.hist_visual = HistogramVisual()
        self.hist_visual.inserter.insert_vert(_HIST_GLSL, "before_transforms")
        self.canvas.add_visual(self.hist_visual)
        self.patch_visual = HistogramVisual()
        self.patch_visual.inserter.insert_vert(_RANGE_HEADER, "header")
        self.patch_visual.inserter.insert_vert(_RANGE_BEFORE, "before_transforms")
        self.patch_visual.inserter.insert_vert(_RANGE_AFTER, "after_transforms")
        self.canvas.add_visual(self.patch_visual)
        self.patch_visual.hide()
        self.visual = ScatterVisual()
        self.canvas.add_visual(self.visual)
        pz = self.canvas.panzoom
        pz._default_zoom = np.array([.75, 1.])
        pz._default_pan = np.array([-.25, 0.])
        pz.set_pan_zoom(pan=pz._default_pan, zoom=pz._default_zoom)

    # Data (worker thread)
    # ------------------------------------------------------------------------------------------

    def _fetch(self, cluster_ids, load_all=False):
        """[Bunch(pos, spike_ids, amplitudes, cluster_id, color)] of the current type."""
        ids = list(cluster_ids) if load_all else [None] + list(cluster_ids)
        f = self.amplitudes[self.amplitudes_type]
        out = []
        for cid, b in zip(ids, f(ids, load_all=load_all) or ()):
            if b is None:
                continue
            b = Bunch(b)
            amp = np.asarray(b.amplitudes, dtype=np.float64).ravel()
            times = np.asarray(b.spike_times, dtype=np.float64).ravel()
            spikes = np.asarray(b.spike_ids).ravel()
            if not (len(amp) == len(times) == len(spikes)):
                raise DataError(None, f"{self.amplitudes_type} amplitudes: {len(amp)} "
                                f"amplitudes, {len(times)} times, {len(spikes)} spikes",
                                "return one amplitude and one time per spike id")
            b.amplitudes, b.spike_ids, b.cluster_id = amp, spikes, cid
            b.pos = np.c_[times, amp]
            b.color = (BACKGROUND_COLOR if cid is None else self.get_cluster_color(
                cluster_ids.index(cid), self.marker_alpha))
            out.append(b)
        return out

    def _bounds(self, bunchs):
        """(0, min(0, q01), duration, q99) of the amplitudes."""
        amps = [b.amplitudes for b in bunchs if len(b.amplitudes)]
        if not amps:
            return (0., 0., self.duration, 1.)
        m = min(0., min(float(np.quantile(a, 1 - self.quantile)) for a in amps))
        M = max(float(np.quantile(a, self.quantile)) for a in amps)
        return (0., m, self.duration, M if M > m else m + 1.)

    def get_clusters_data(self, cluster_ids):
        """Amplitudes of the background and of the selected clusters, their bounds and
        histograms (worker thread)."""
        if not cluster_ids:
            return None
        bunchs = self._fetch(cluster_ids)
        if not bunchs:
            return None
        bounds = self._bounds(bunchs)
        for b in bunchs:
            b.histogram = amplitude_histogram(b.amplitudes, bounds[1], bounds[3], self.n_bins)
        return Bunch(bunchs=bunchs, data_bounds=bounds, amplitudes_type=self.amplitudes_type)

    # Plot (GUI thread)
    # ------------------------------------------------------------------------------------------

    def plot(self, **kwargs):
        """Scatter (one draw call) and histograms (one draw call), background first."""
        d = self.data
        if d is None:
            self.visual.hide()
            self.hist_visual.hide()
            return
        self.data_bounds = d.data_bounds
        n = [len(b.pos) for b in d.bunchs]
        color = np.concatenate([np.broadcast_to(np.asarray(b.color, dtype=np.float32), (k, 4))
                                for b, k in zip(d.bunchs, n)])
        self.canvas.update_visual(self.visual, pos=np.concatenate([b.pos for b in d.bunchs]),
                                  color=color, size=self.marker_size,
                                  data_bounds=self.data_bounds)
        hists = np.array([b.histogram for b in d.bunchs])
        self.canvas.update_visual(
            self.hist_visual, hist=hists, ylim=max(float(hists.max()), 1e-12),
            color=np.array([add_alpha(b.color, self.histogram_alpha) for b in d.bunchs]))
        self.visual.show()
        self.hist_visual.show()
        self.canvas.axes.reset_data_bounds(self.data_bounds)

    def on_marker_size_changed(self):
        if self.data is not None and self.visual.n_vertices:
            self.visual.set_marker_size(self.marker_size)
            self.canvas.update()

    def show_time_range(self, interval=(0, 0)):
        """Highlight a time interval (seconds), e.g. the one shown by the trace view."""
        start, end = (float(v) for v in interval)
        self.time_range = (start, end)
        x0 = -1 + 2 * start / self.duration
        x1 = -1 + 2 * end / self.duration
        self.patch_visual.set_data(hist=[1.], color=self.time_range_color)
        self.patch_visual.set_uniform("u_range_center", (x0 + x1) / 2.)
        self.patch_visual.set_uniform("u_range_half", abs(x1 - x0) / 2.)
        self.patch_visual.show()
        self.canvas.update()

    # GUI
    # ------------------------------------------------------------------------------------------

    def attach(self, gui):
        """Attach to the GUI: one action per amplitudes type, next/previous type."""
        super().attach(gui)
        for name in self.amplitudes_types.keys():
            self.actions.add(self._type_setter(name), show_shortcut=False,
                             name=f"Change amplitudes type to {name}",
                             view_submenu="Change amplitudes type")
        self.actions.add(self.next_amplitudes_type, set_busy=True)
        self.actions.add(self.previous_amplitudes_type, set_busy=True)
        self._connect(self.on_time_range_selected, event="time_range_selected")

    def on_time_range_selected(self, sender, interval):
        """The trace view shows another interval: highlight it."""
        self.show_time_range(interval)

    def _type_setter(self, name):
        def callback():
            self.amplitudes_type = name
            self.replot()
        return callback

    @property
    def status(self):
        return f"{super().status} {self.amplitudes_type}".strip()

    @property
    def amplitudes_type(self):
        """Current amplitudes type (a key of ``amplitudes``)."""
        return self.amplitudes_types.current

    @amplitudes_type.setter
    def amplitudes_type(self, value):
        self.amplitudes_types.set(value)

    def next_amplitudes_type(self):
        """Switch to the next amplitudes type."""
        self.amplitudes_types.next()
        self.replot()

    def previous_amplitudes_type(self):
        """Switch to the previous amplitudes type."""
        self.amplitudes_types.previous()
        self.replot()

    # phy 2.0's names (plugins call them).
    next_amplitude_type = next_amplitudes_type
    previous_amplitude_type = previous_amplitudes_type

    def on_mouse_click(self, e):
        """alt+click: emit ``select_time(time)`` (the trace view goes there)."""
        if "Alt" not in e.modifiers:
            return
        x, _ = self.canvas.window_to_ndc(e.pos)
        x0, _, x1, _ = self.data_bounds
        emit("select_time", self, x0 + (x + 1) / 2. * (x1 - x0))

    def get_lasso_points(self, box):
        """Every spike of the selected clusters (``load_all``), in NDC."""
        bunchs = self._fetch(self.cluster_ids, load_all=True)
        if not bunchs:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 2))
        return (np.concatenate([b.spike_ids for b in bunchs]),
                normalize(np.concatenate([b.pos for b in bunchs]), self.data_bounds))
