"""RasterView: the spikes of every cluster along time, one row per cluster (phy's).

Rows follow the cluster view (sort and filter); selected clusters are drawn in their
selection colours and on top, the others in the colour scheme's colours (by default the
Supervisor's colour mapping). Ctrl+click selects a row's cluster.

Budget: the view draws at most ``max_spikes`` markers. When the visible time window (with
a margin) holds more spikes, they are binned into an image at screen resolution (one texel
per pixel: a texel is lit when a spike of its row falls in it; rows are pooled when there
are more rows than pixels), drawn as one texture, and only the selected clusters' spikes
(a regular subset of at most ``max_spikes``) are drawn as markers on top. Zooming or
panning out of the binned window bins it again, so zooming in ends on exact spikes.
"""

import logging

import numpy as np

from phyclone.plot import ImageVisual, ScatterVisual
from phyclone.utils import Bunch

from .base import ManualClusteringView, MarkerSizeMixin
from .global_view import BaseColorView, BaseGlobalView
from .raster_binning import (
    colorize, expand, row_table, selected_spikes, tick_rows, window_frame,
)

logger = logging.getLogger(__name__)

# Marker height: the marker size, at most 90% of a row, at least 3 pixels.
_TICK_SIZE_GLSL = """
float row_px = u_zoom.y * u_window_size.y / max(u_n_rows, 1.0);
v_size = max(3.0 * u_pixel_ratio, min(v_size, 0.9 * row_px));
gl_PointSize = v_size;
"""


class RasterView(MarkerSizeMixin, BaseColorView, BaseGlobalView, ManualClusteringView):
    """Raster plot of every cluster (phy's ``RasterView``).

    Constructor: ``spike_times`` (n_spikes,) in seconds, or a function returning them (read
    again when the number of spikes changes: spikes added), ``spike_clusters``
    (n_spikes,), ``cluster_ids`` (the clusters shown, top to bottom; default: those of
    ``spike_clusters``).
    """

    _default_position = "right"
    max_spikes = 50_000
    _marker_size = 10.
    _default_marker_size = 10.
    max_texture_size = 4096

    default_shortcuts = {
        "change_marker_size": "alt+wheel",
        "switch_color_scheme": "shift+wheel",
        "decrease_marker_size": "ctrl+shift+-",
        "increase_marker_size": "ctrl+shift++",
        "select_cluster": "ctrl+click",
        "select_more": "ctrl+shift+click",
    }
    state_attrs = ManualClusteringView.state_attrs + ("color_scheme", "marker_size")

    def __init__(self, spike_times, spike_clusters, cluster_ids=None, **kwargs):
        self._get_times = spike_times if callable(spike_times) else None
        self._set_times(spike_times() if callable(spike_times) else spike_times)
        if self.n_spikes != len(spike_clusters):
            raise ValueError(f"{self.n_spikes} spike times for {len(spike_clusters)} spike "
                             "clusters")
        self._gen = 0
        self._frame = None
        self._sel = None  # selected spikes drawn over the binned image
        self._table = np.full(1, -1, dtype=np.int32)
        super().__init__(**kwargs)
        self._init_colors()
        self._set_spike_clusters(spike_clusters)
        ids = cluster_ids if cluster_ids is not None else \
            np.nonzero(np.bincount(self.spike_clusters))[0]
        self._store_cluster_ids(ids)
        self._table = row_table(self.all_cluster_ids, self._max_cluster)

        self.image_visual = ImageVisual()
        self.canvas.add_visual(self.image_visual)
        self.visual = ScatterVisual(marker="vbar")
        self.visual.inserter.insert_vert(
            "uniform float u_n_rows;\nuniform vec2 u_window_size;", "header")
        self.visual.inserter.insert_vert(_TICK_SIZE_GLSL, "end")
        self.canvas.add_visual(self.visual)
        self.canvas.panzoom.set_constrain_bounds((-1, -1, 1, 1))
        self.canvas.enable_axes(data_bounds=(0, -1, self.duration, 1), show_y=False)
        self._follow_view_changes(self._refresh_window)

    # Data ---------------------------------------------------------------------------------------
    def _set_times(self, spike_times):
        self._times_source = spike_times
        times = np.asarray(spike_times)
        self._order = None
        if len(times) > 1 and not (times[1:] >= times[:-1]).all():
            self._order = np.argsort(times, kind="stable")
            times = times[self._order]
        self.spike_times = times
        self.n_spikes = len(times)
        self.duration = float(times[-1]) * 1.01 if self.n_spikes and times[-1] > 0 else 1.

    def _set_spike_clusters(self, spike_clusters):
        sc = np.asarray(spike_clusters)
        if self._get_times is not None:  # spikes added or renumbered since
            times = self._get_times()
            if times is not self._times_source:
                self._set_times(times)
        if len(sc) != self.n_spikes:
            raise ValueError(f"{len(sc)} spike clusters for {self.n_spikes} spikes")
        if self._order is not None:
            sc = sc[self._order]
        self.spike_clusters = sc
        self._max_cluster = int(sc.max()) if len(sc) else 0

    def set_spike_clusters(self, spike_clusters):
        """New spike-cluster assignments (after a clustering action)."""
        self._set_spike_clusters(spike_clusters)
        self._on_clusters_changed()

    def _on_clusters_changed(self):
        self._table = row_table(self.all_cluster_ids, self._max_cluster)
        self._invalidate_colors()
        self._gen += 1
        self._sel = None
        self._request_frame()

    @property
    def n_clusters(self):
        return len(self.all_cluster_ids)

    def _window(self):
        """(window (t0, t1, r0, r1), image shape, height in pixels) for the visible area
        plus margins."""
        n = max(self.n_clusters, 1)
        x0, y0, x1, y1 = self.canvas.panzoom.get_range()
        vt0, vt1 = (x0 + 1) / 2 * self.duration, (x1 + 1) / 2 * self.duration
        vr0, vr1 = (1 - y1) / 2 * n, (1 - y0) / 2 * n
        dt, dr = vt1 - vt0, vr1 - vr0
        t0, t1 = max(0., vt0 - dt / 2), min(self.duration, vt1 + dt / 2)
        r0, r1 = max(0, int(np.floor(vr0 - dr / 2))), min(n, int(np.ceil(vr1 + dr / 2)))
        r1 = max(r1, r0 + 1)
        ratio = self.canvas.devicePixelRatioF()
        w, h = self.canvas.get_size()
        cap = self.max_texture_size
        width = int(np.clip(round(w * ratio * (t1 - t0) / dt), 16, cap))
        height_px = int(np.clip(round(h * ratio * (r1 - r0) / dr), 16, cap))
        return (t0, t1, r0, r1), (min(r1 - r0, height_px), width), height_px

    def _compute_frame(self, gen, window, shape, height_px):
        f = window_frame(self.spike_times, self.spike_clusters, self._table, self.n_clusters,
                         window, shape, self.max_spikes)
        f.gen, f.height_px = gen, height_px
        return f

    def _request_frame(self):
        gen, args = self._gen, self._window()
        self._run(lambda: self._compute_frame(gen, *args), self._set_frame, "frame")

    def _set_frame(self, frame):
        if frame.gen != self._gen:
            return  # stale
        self._frame = frame
        self._draw()

    def _frame_is_good(self):
        """Whether the current frame covers the visible area at the screen resolution."""
        f = self._frame
        if f is None or f.gen != self._gen:
            return False
        t0, t1, r0, r1 = f.window
        (nt0, nt1, nr0, nr1), (_, new_w), new_h = self._window()
        if not (t0 <= nt0 + 1e-12 and nt1 <= t1 + 1e-12 and r0 <= nr0 and nr1 <= r1):
            return False
        if f.mode == "spikes":
            return True
        # Resolution: texels per second and pixels per row close to the new request.
        res = f.shape[1] / (t1 - t0), f.height_px / (r1 - r0)
        new_res = new_w / (nt1 - nt0), new_h / (nr1 - nr0)
        return all(.67 < a / b < 1.5 for a, b in zip(res, new_res))

    def _refresh_window(self):
        if not self._frame_is_good():
            self._gen += 1
            self._sel = None
            self._request_frame()

    # Drawing (GUI thread) -----------------------------------------------------------------------
    def plot(self, **kwargs):
        """Draw the raster now (bins the visible window if needed)."""
        if not self.n_spikes:
            return
        if self._frame is None or self._frame.gen != self._gen:
            self._frame = self._compute_frame(self._gen, *self._window())
        self._draw()

    def _tick_px(self):
        """Tick height (pixels) in the binned image: the marker size."""
        return self.marker_size * self.canvas.devicePixelRatioF()

    def _draw(self):
        f = self._frame
        if f is None or f.gen != self._gen:
            return  # a new frame is being prepared (it draws itself)
        n = max(self.n_clusters, 1)
        colors = self.cluster_colors()
        if f.mode == "image":
            t0, t1, r0, r1 = f.window
            x0, x1 = -1 + 2 * t0 / self.duration, -1 + 2 * t1 / self.duration
            y_top, y_bottom = 1 - 2 * r0 / n, 1 - 2 * r1 / n
            ticks = tick_rows(len(f.image), f.height_px, self._tick_px())
            image = expand(f.image, ticks, .24 * self.marker_size)
            self.image_visual.set_data(image=colorize(image, colors),
                                       rect=(x0, y_bottom, x1, y_top))
            self.image_visual.show()
            if self._sel is None and self.cluster_ids:
                self._request_selection()
        else:
            self.image_visual.hide()
        self._draw_spikes(colors)
        self.canvas.update()
        self.update_status()

    def _draw_spikes(self, colors):
        f = self._frame
        n = max(self.n_clusters, 1)
        if f.mode == "spikes":
            ids, rows = f.spike_ids, f.rows
            sel = np.asarray(self.cluster_ids, dtype=np.int64)
            sel_rows = self._table[sel[(sel >= 0) & (sel < len(self._table))]]
            on_top = np.isin(rows, sel_rows[sel_rows >= 0])
            order = np.r_[np.nonzero(~on_top)[0], np.nonzero(on_top)[0]]
            ids, rows = ids[order], rows[order]
        elif self._sel is not None and self._sel.gen == self._gen:
            ids = self._sel.spike_ids
            rows = self._table[self.spike_clusters[ids]]
            ids, rows = ids[rows >= 0], rows[rows >= 0]
        else:
            ids, rows = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
        self.visual.set_data(
            x=-1 + 2 * self.spike_times[ids] / self.duration, y=1 - 2 * (rows + .5) / n,
            color=colors[rows] if len(rows) else (0, 0, 0, 0), size=self.marker_size)
        self.visual.set_uniform("u_n_rows", float(n))

    def _request_selection(self):
        f, gen, ids = self._frame, self._gen, list(self.cluster_ids)

        def compute():
            return Bunch(gen=gen, cluster_ids=ids, spike_ids=selected_spikes(
                self.spike_clusters, f.i0, f.i1, ids, self.max_spikes))

        def done(sel):
            if sel.gen == self._gen and sel.cluster_ids == list(self.cluster_ids):
                self._sel = sel
                self._draw_spikes(self.cluster_colors())
                self.canvas.update()
        self._run(compute, done, "selection")

    # Colours ------------------------------------------------------------------------------------
    def update_color(self):
        """Recolour every cluster (colour scheme changed)."""
        self._invalidate_colors()
        self.update_select_color()

    def update_select_color(self):
        """Recolour after the selection changed."""
        if self._frame is None:
            return
        self._sel = None
        self._draw()

    def on_marker_size_changed(self):
        if self._frame is not None and self._frame.mode == "image":
            self._draw()
        elif self._frame is not None:
            self.visual.set_marker_size(self.marker_size)
            self.canvas.update()

    @property
    def status(self):
        mode = " (binned)" if self._frame is not None and self._frame.mode == "image" else ""
        return f"Color scheme: {self.color_scheme}{mode}"

    # Interaction --------------------------------------------------------------------------------
    def zoom_to_time_range(self, interval):
        """Zoom to a time interval (seconds; at most 10 seconds are shown)."""
        if not interval:
            return
        t0, t1 = interval
        half, mid = min(5., .5 * (t1 - t0)), .5 * (t0 + t1)
        if half <= 0:
            return
        x0, x1 = -1 + 2 * (mid - half) / self.duration, -1 + 2 * (mid + half) / self.duration
        self.canvas.panzoom.set_range((x0, -1, x1, 1))

    def on_mouse_click(self, e):
        """Ctrl+click selects the cluster of the row (ctrl+shift+click adds it)."""
        if "Control" not in e.modifiers or not self.n_clusters:
            return
        y = self.canvas.panzoom.window_to_ndc(e.pos)[1]
        row = int(np.floor((1 - y) / 2 * self.n_clusters))
        if 0 <= row < self.n_clusters:
            self.emit_cluster_click(self.all_cluster_ids[row], button=e.button,
                                    modifiers=e.modifiers)

