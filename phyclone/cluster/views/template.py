"""TemplateView: the template of every cluster, in a (channels × clusters) grid (phy 2.1's).

Columns follow the cluster view (sort and filter); selected clusters are drawn in their
selection colours, the others in the colour scheme's. Ctrl+click selects a column's cluster.

Data callable (phy's): ``templates(cluster_ids)`` → ``{cluster_id: Bunch(template=(n_samples,
n_channels_loc) array, channel_ids=(n_channels_loc,) array)}``. Templates are fetched once
per cluster (cluster ids are never reused) in a worker thread.

Budget: at most ``max_vertices`` line vertices are drawn. A column a few pixels wide cannot
show 80 samples: each template is reduced to its min/max envelope at two samples per
pixel, and when that still exceeds the budget only its largest channels are drawn; columns
outside the visible area (plus a margin) are skipped. Zooming re-plots at the new
resolution, so zoomed-in templates are drawn in full.
"""

import logging

import numpy as np

from phyclone.plot import PlotVisual
from phyclone.utils import Bunch

from .base import ManualClusteringView, ScalingMixin
from .global_view import BaseColorView, BaseGlobalView

logger = logging.getLogger(__name__)


def envelope(waves, n_points):
    """(n, n_points) min/max envelope of (n, n_samples) signals (2 points per bucket), or
    the signals themselves when they have at most twice ``n_points`` samples."""
    n_samples = waves.shape[1]
    n_buckets = max(n_points // 2, 1)
    if n_samples <= 2 * n_points or n_samples < 2 * n_buckets:
        return waves
    starts = np.linspace(0, n_samples, n_buckets + 1).astype(np.int64)[:-1]
    out = np.empty((waves.shape[0], 2 * n_buckets), dtype=waves.dtype)
    out[:, 0::2] = np.minimum.reduceat(waves, starts, axis=1)
    out[:, 1::2] = np.maximum.reduceat(waves, starts, axis=1)
    return out


def template_entries(bunchs, channel_ids):
    """``{cluster_id: entry}``: ``wave`` (channels, samples) float32, ``order`` of its
    channels by decreasing peak-to-peak amplitude (channels missing from the grid left
    out), ``rows`` the grid row of each channel, ``lo``/``hi`` the extrema. Templates of the
    same shape are processed together (no per-template numpy calls, no reordered copies)."""
    channel_ids = np.asarray(channel_ids, dtype=np.int64).ravel()
    table = np.full(int(channel_ids.max(initial=0)) + 2, -1, dtype=np.int64)
    table[channel_ids] = np.arange(len(channel_ids))  # last entry: unknown channels
    groups = {}
    for c, b in bunchs.items():
        wave = np.asarray(b.template, dtype=np.float32)
        if wave.ndim != 2:
            raise ValueError(f"the template of cluster {c} must be (n_samples, n_channels), "
                             f"got shape {wave.shape}")
        groups.setdefault(wave.shape, []).append((int(c), wave, b.channel_ids))
    out = {}
    for items in groups.values():
        waves = np.stack([w for _, w, _ in items])  # (k, samples, channels)
        chs = np.array([np.ravel(chs) for _, _, chs in items], dtype=np.int64)
        chs = chs.reshape(-1, waves.shape[2])
        rows = table[np.where((chs >= 0) & (chs < len(table) - 1), chs, len(table) - 1)]
        mn, mx = waves.min(axis=1), waves.max(axis=1)
        amp = np.where(rows >= 0, mx - mn, -1.)
        order = np.argsort(-amp, axis=1, kind="stable")
        n_valid = (rows >= 0).sum(axis=1)
        lo, hi = mn.min(axis=1), mx.max(axis=1)
        for k, (c, _, _) in enumerate(items):
            out[c] = Bunch(wave=waves[k].T, order=order[k, :n_valid[k]], rows=rows[k],
                           lo=float(lo[k]), hi=float(hi[k]))
    return out


class TemplateView(ScalingMixin, BaseColorView, BaseGlobalView, ManualClusteringView):
    """Every template in a grid of shape (n_channels, n_clusters) (phy's ``TemplateView``).

    Constructor: ``templates`` (see the module), ``channel_ids`` (every channel id; grid
    rows), ``channel_labels``, ``cluster_ids`` (the clusters shown, left to right).
    """

    _default_position = "right"
    _scaling = 1.
    max_vertices = 250_000

    default_shortcuts = {
        "change_template_size": "ctrl+wheel",
        "switch_color_scheme": "shift+wheel",
        "decrease": "ctrl+alt+-",
        "increase": "ctrl+alt++",
        "select_cluster": "ctrl+click",
        "select_more": "ctrl+shift+click",
    }
    state_attrs = ManualClusteringView.state_attrs + ("color_scheme",)
    local_state_attrs = ("scaling",)

    def __init__(self, templates=None, channel_ids=None, channel_labels=None, cluster_ids=None,
                 **kwargs):
        super().__init__(**kwargs)
        self._init_colors()
        self.templates = templates
        self.channel_ids = np.asarray(channel_ids if channel_ids is not None else [0])
        self.n_channels = len(self.channel_ids)
        self.channel_labels = (list(channel_labels) if channel_labels is not None
                               else [str(ch) for ch in range(self.n_channels)])
        if len(self.channel_labels) != self.n_channels:
            raise ValueError(f"{len(self.channel_labels)} channel labels for "
                             f"{self.n_channels} channels")
        self._cache = {}  # cluster_id -> template_entry
        self._amp = 1.
        self._gen = 0
        self._lod = None
        self.canvas.set_layout("grid", shape=(self.n_channels, 1), has_clip=False)
        self.visual = PlotVisual()
        self.visual.inserter.insert_vert("uniform float u_template_scaling;", "header")
        self.visual.inserter.insert_vert("pos_tr.y *= u_template_scaling;", "before_transforms")
        self.canvas.add_visual(self.visual)
        self.visual.set_uniform("u_template_scaling", self._scaling)
        self.canvas.enable_axes()
        if cluster_ids is not None:
            self._store_cluster_ids(cluster_ids)
        self._follow_view_changes(self._refresh_lod)

    # Data ---------------------------------------------------------------------------------------
    def _fetch(self, cluster_ids):
        """Entries of the clusters not cached yet (worker thread: no view attribute set)."""
        missing = [int(c) for c in cluster_ids if int(c) not in self._cache]
        if not missing or self.templates is None:
            return {}
        return template_entries(self.templates(missing), self.channel_ids)

    def _add_entries(self, entries):
        self._cache.update(entries)
        shown = [self._cache[c] for c in self.all_cluster_ids.tolist() if c in self._cache]
        if shown:
            m = np.median([e.lo for e in shown])
            M = np.median([e.hi for e in shown])
            self._amp = float(max(abs(m), abs(M))) or 1.

    def _on_clusters_changed(self):
        self._invalidate_colors()
        self._gen += 1
        gen, ids = self._gen, self.all_cluster_ids.copy()

        def done(entries):
            self._add_entries(entries)
            if gen == self._gen:
                self._request_lod()
        self._run(lambda: self._fetch(ids), done, "fetch")

    # Level of detail ----------------------------------------------------------------------------
    def _lod_params(self):
        """(first column, last column + 1, points per signal) for the visible area."""
        n = max(len(self.all_cluster_ids), 1)
        x0, _, x1, _ = self.canvas.panzoom.get_range()
        c0, c1 = n * (1 + x0) / 2, n * (1 + x1) / 2
        d = c1 - c0
        c0, c1 = max(0, int(np.floor(c0 - d / 2))), min(n, int(np.ceil(c1 + d / 2)))
        col_px = self.canvas.get_size()[0] * self.canvas.devicePixelRatioF() / max(d, 1e-9)
        return c0, max(c1, c0 + 1), int(np.clip(np.ceil(2 * col_px), 4, 1 << 16))

    def _build(self, gen, c0, c1, n_points):
        """Signals of the columns c0..c1 within the vertex budget (worker-safe)."""
        ids = self.all_cluster_ids[c0:c1]
        entries = [(c0 + i, self._cache.get(int(c))) for i, c in enumerate(ids)]
        entries = [(col, e) for col, e in entries if e is not None and len(e.order)]
        n_cols = max(len(entries), 1)
        n_samples = max((e.wave.shape[1] for _, e in entries), default=2)
        per_signal = min(n_points, n_samples)
        n_ch = int(np.clip(self.max_vertices // (n_cols * per_signal), 1, self.n_channels))
        ys, rows, cols = [], [], []
        for col, e in entries:
            idx = e.order[:n_ch]
            w = envelope(e.wave[idx], n_points)
            ys.append(w)
            rows.append(e.rows[idx])
            cols.append(np.full(len(w), col))
        if not ys:
            return Bunch(gen=gen, c0=c0, c1=c1, n_points=n_points, y=None)
        lengths = {y.shape[1] for y in ys}
        y = np.concatenate(ys) if len(lengths) == 1 else [r for y in ys for r in y]
        return Bunch(gen=gen, c0=c0, c1=c1, n_points=n_points, y=y,
                     rows=np.concatenate(rows), cols=np.concatenate(cols))

    def _request_lod(self):
        gen, (c0, c1, k) = self._gen, self._lod_params()
        self._run(lambda: self._build(gen, c0, c1, k), self._set_lod, "lod")

    def _set_lod(self, lod):
        if lod.gen != self._gen:
            return
        self._lod = lod
        self._draw()

    def _lod_is_good(self):
        lod = self._lod
        if lod is None or lod.gen != self._gen:
            return False
        c0, c1, k = self._lod_params()
        n_samples = max((e.wave.shape[1] for e in self._cache.values()), default=0)
        full = lod.n_points >= n_samples and k >= n_samples
        return lod.c0 <= c0 and c1 <= lod.c1 and (full or .67 < k / lod.n_points < 1.5)

    def _refresh_lod(self):
        if not self._lod_is_good():
            self._gen += 1
            self._request_lod()

    # Drawing ------------------------------------------------------------------------------------
    def plot(self, **kwargs):
        """Draw the templates now (fetching the missing ones)."""
        self._add_entries(self._fetch(self.all_cluster_ids))
        if self._lod is None or self._lod.gen != self._gen:
            c0, c1, k = self._lod_params()
            self._lod = self._build(self._gen, c0, c1, k)
        self._draw()

    def _draw(self):
        lod = self._lod
        n_cols = max(len(self.all_cluster_ids), 1)
        self.canvas.grid.shape = (self.n_channels, n_cols)
        self.canvas.enable_axes(data_bounds=(0, self.n_channels, n_cols, 0))
        if lod is None or lod.y is None:
            self.visual.hide()
            self.canvas.update()
            return
        self.visual.set_data(y=lod.y, color=self.cluster_colors()[lod.cols],
                             data_bounds=(-1., -self._amp, 1., self._amp))
        lengths = self.visual.validate(y=lod.y).lengths
        box = np.c_[lod.rows, lod.cols].astype(np.float32)
        self.visual.set_box_index(np.repeat(box, lengths, axis=0))
        self.visual.show()
        self.canvas.update()
        self.update_status()

    def update_color(self):
        """Recolour every cluster (colour scheme changed)."""
        self._invalidate_colors()
        self.update_select_color()

    def update_select_color(self):
        """Recolour after the selection changed."""
        lod = self._lod
        if lod is not None and lod.y is not None and lod.gen == self._gen:
            self.visual.set_color(self.cluster_colors()[lod.cols])
            self.canvas.update()

    def _on_order_changed(self):
        self._gen += 1
        self._request_lod()

    @property
    def status(self):
        return f"Color scheme: {self.color_scheme}"

    # Scaling ------------------------------------------------------------------------------------
    @property
    def scaling(self):
        """Vertical scaling of the templates."""
        return self._scaling

    @scaling.setter
    def scaling(self, value):
        self._scaling = float(value)
        self.visual.set_uniform("u_template_scaling", self._scaling)
        self.canvas.update()

    def _get_scaling_value(self):
        return self._scaling

    def _set_scaling_value(self, value):
        self.scaling = float(np.clip(value, 1e-3, 1e3))

    # Interaction --------------------------------------------------------------------------------
    def on_mouse_click(self, e):
        """Ctrl+click selects the cluster of the column (ctrl+shift+click adds it)."""
        if "Control" not in e.modifiers or not len(self.all_cluster_ids):
            return
        (_, col), _ = self.canvas.grid.box_map(e.pos)
        if 0 <= col < len(self.all_cluster_ids):
            self.emit_cluster_click(self.all_cluster_ids[col], button=e.button,
                                    modifiers=e.modifiers)

