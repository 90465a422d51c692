"""ClusterScatterView: every cluster as a disk placed by two cluster metrics, sized by a
third, coloured by the colour scheme (phy 2.1's).

Data callable (phy's): ``cluster_info(cluster_id)`` → dict / Bunch ``{field: value}`` (the
cluster view row: ``amp``, ``depth``, ``fr``, ``n_spikes``...); numeric fields can be bound
to ``x_axis``, ``y_axis`` and ``size`` (``bindings={'x_axis': 'amp', ...}``, ``set_x_axis``
':csx', ``set_y_axis`` ':csy', ``set_size`` ':css'), each optionally on a log scale
(``log(1 + v - min)``, as phy).

Click selects the nearest cluster (shift+click adds it): ``cluster_click`` then
``request_select`` / ``select_more``; the lasso (ctrl+click) selects every cluster inside:
``request_select(view, cluster_ids)``, as phy.
"""

import logging

import numpy as np

from phyclone.plot import NDC, ScatterVisual, TextVisual, in_polygon
from phyclone.plot.transform import ndc_to_pixels, range_transform
from phyclone.utils import emit

from .base import ManualClusteringView, MarkerSizeMixin
from .global_view import BaseColorView, BaseGlobalView

logger = logging.getLogger(__name__)

_CLICK_MARGIN = 10  # pixels beyond the disk within which a click picks a cluster


def _bounds(x, y):
    """(xmin, ymin, xmax, ymax) with degenerate axes widened, plus a 10% margin."""
    b = []
    for v in (x, y):
        lo, hi = (float(v.min()), float(v.max())) if len(v) else (0., 1.)
        if hi <= lo:
            lo, hi = lo - 1., hi + 1.
        m = .1 * (hi - lo)
        b.append((lo - m, hi + m))
    return (b[0][0], b[1][0], b[0][1], b[1][1])


def _log(v):
    return np.log(1. + v - v.min()) if len(v) else v


def _numbers(values):
    out = np.zeros(len(values))
    for i, v in enumerate(values):
        try:
            out[i] = float(v) if v is not None else 0.
        except (TypeError, ValueError):
            out[i] = 0.
    return np.where(np.isfinite(out), out, 0.)


class ClusterScatterView(MarkerSizeMixin, BaseColorView, BaseGlobalView, ManualClusteringView):
    """All clusters in a customizable scatter plot (phy's ``ClusterScatterView``).

    Constructor: ``cluster_ids`` (the clusters shown), ``cluster_info`` (see the module),
    ``bindings`` (``{'x_axis': field, 'y_axis': field, 'size': field}``).
    """

    _default_position = "right"
    _default_alpha = .75
    _min_marker_size = 5.
    _max_marker_size = 30.
    _dims = ("x_axis", "y_axis", "size")
    _marker_size = 1.  # a scaling factor of the disk sizes
    _default_marker_size = 1.
    follows_sort = False

    # phy's default state
    x_axis = "amp"
    y_axis = "depth"
    size = "fr"
    x_axis_log_scale = False
    y_axis_log_scale = False
    size_log_scale = True

    default_shortcuts = {
        "change_marker_size": "alt+wheel",
        "switch_color_scheme": "shift+wheel",
        "select_cluster": "click",
        "select_more": "shift+click",
        "add_to_lasso": "control+left click",
        "clear_lasso": "control+right click",
    }
    default_snippets = {"set_x_axis": "csx", "set_y_axis": "csy", "set_size": "css"}
    state_attrs = ManualClusteringView.state_attrs + (
        "color_scheme", "marker_size", "x_axis", "y_axis", "size",
        "x_axis_log_scale", "y_axis_log_scale", "size_log_scale")

    def __init__(self, cluster_ids=None, cluster_info=None, bindings=None, **kwargs):
        super().__init__(**kwargs)
        self._init_colors()
        self.cluster_info = cluster_info
        for k, v in (bindings or {}).items():
            if k in self._dims and v:
                setattr(self, k, v)
        self._info = {}  # cluster_id -> info dict (metrics never change for a cluster id)
        self._gen = 0
        self._size_min = self._size_max = None
        self.fields = []
        self.marker_positions = self.marker_sizes = self.marker_colors = None
        self.data_bounds = (-1., -1., 1., 1.)
        self.canvas.enable_axes()
        self.canvas.enable_lasso()
        self.visual = ScatterVisual()
        self.canvas.add_visual(self.visual)
        self.label_visual = TextVisual(color=(1., 1., 1., .8))
        self.canvas.add_visual(self.label_visual, exclude_origins=(self.canvas.panzoom,))
        if cluster_ids is not None:
            self._store_cluster_ids(np.sort(np.asarray(cluster_ids, dtype=np.int64)))

    # Data ---------------------------------------------------------------------------------------
    @property
    def bindings(self):
        return {k: getattr(self, k) for k in self._dims}

    def get_cluster_data(self, cluster_id):
        """``{dim: value}`` of one cluster."""
        data = self._info.get(int(cluster_id)) or self.cluster_info(int(cluster_id))
        return {k: data.get(v, 0.) for k, v in self.bindings.items()}

    def get_clusters_data(self, cluster_ids):
        """``{cluster_id: {dim: value}}``."""
        return {int(c): self.get_cluster_data(c) for c in cluster_ids}

    def _fetch(self, cluster_ids):
        """Info dicts of the clusters not known yet (worker-safe)."""
        if self.cluster_info is None:
            return {}
        return {int(c): dict(self.cluster_info(int(c))) for c in cluster_ids
                if int(c) not in self._info}

    def _add_info(self, info):
        self._info.update(info)
        ids = self.all_cluster_ids
        if len(ids) and int(ids[0]) in self._info:
            first = self._info[int(ids[0])]
            self.fields = sorted(k for k, v in first.items()
                                 if not isinstance(v, str) and k != "is_masked")
            for i, dim in enumerate(self._dims):  # unknown bindings: the first fields
                if self.fields and getattr(self, dim) not in self.fields:
                    setattr(self, dim, self.fields[i % len(self.fields)])

    def set_fields(self):
        """Numeric fields of ``cluster_info``."""
        self._add_info(self._fetch(self.all_cluster_ids[:1]))

    def _values(self, dim):
        field = getattr(self, dim)
        return _numbers([self._info.get(int(c), {}).get(field) for c in self.all_cluster_ids])

    def prepare_position(self):
        x, y = self._values("x_axis"), self._values("y_axis")
        if self.x_axis_log_scale:
            x = _log(x)
        if self.y_axis_log_scale:
            y = _log(y)
        self.marker_positions = np.c_[x, y]
        self.data_bounds = _bounds(x, y)

    def prepare_size(self):
        size = self._values("size")
        if self.size_log_scale:
            size = _log(size)
        if self._size_min is None and len(size):
            self._size_min, self._size_max = float(size.min()), float(size.max())
        m, M = self._size_min or 0., self._size_max or 1.
        size = np.clip((size - m) / ((M - m) or 1.), 0, 1)
        self.marker_sizes = self._min_marker_size + size * (
            self._max_marker_size - self._min_marker_size)

    def prepare_color(self):
        self.marker_colors = self.base_colors()

    def prepare_data(self):
        """Positions, sizes and colours of the markers from the cluster info."""
        self.prepare_position()
        self.prepare_size()
        self.prepare_color()

    def _on_clusters_changed(self):
        self._gen += 1
        gen, ids = self._gen, self.all_cluster_ids.copy()

        def done(info):
            self._add_info(info)
            if gen == self._gen:
                self.plot()
        self._run(lambda: self._fetch(ids), done, "info")

    def _on_metadata_changed(self, cluster_ids):
        """Labels changed: fetch these clusters' info again (a label may be bound)."""
        for c in cluster_ids:
            self._info.pop(c, None)
        self._invalidate_colors()
        self._on_clusters_changed()

    # Drawing ------------------------------------------------------------------------------------
    def plot(self, **kwargs):
        """Draw every cluster (fetching the missing cluster info)."""
        self._add_info(self._fetch(self.all_cluster_ids))
        if not len(self.all_cluster_ids):
            return
        self.prepare_data()
        self.visual.set_data(pos=self.marker_positions, color=self.cluster_colors(),
                             size=self.marker_sizes * self._marker_size,
                             data_bounds=self.data_bounds)
        self.canvas.enable_axes(data_bounds=self.data_bounds)
        self._update_labels()
        self.canvas.update()
        self.update_status()

    def _update_labels(self):
        x = self.x_axis + (" (log)" if self.x_axis_log_scale else "")
        y = self.y_axis + (" (log)" if self.y_axis_log_scale else "")
        self.label_visual.set_data(pos=[[1., -1.], [-.9, 1.]], text=[x, y],
                                   anchor=[[-1.1, 3.], [1., -1.5]])

    def update_color(self):
        """Recolour every cluster (colour scheme changed)."""
        self._invalidate_colors()
        self.update_select_color()

    def update_select_color(self):
        """Recolour after the selection changed."""
        if self.marker_positions is not None and \
                len(self.marker_positions) == len(self.all_cluster_ids):
            self.marker_colors = self.base_colors()
            self.visual.set_color(self.cluster_colors())
            self.canvas.update()

    def on_marker_size_changed(self):
        if self.marker_sizes is not None and \
                len(self.marker_sizes) == len(self.all_cluster_ids):
            self.visual.set_marker_size(self.marker_sizes * self._marker_size)
            self.canvas.update()

    @property
    def status(self):
        return f"Size: {self.size}. Color scheme: {self.color_scheme}."

    # Bindings -----------------------------------------------------------------------------------
    def change_bindings(self, **kwargs):
        """Bind dimensions (x_axis, y_axis, size) to cluster fields."""
        kwargs = {k: v for k, v in kwargs.items() if k in self._dims and v in self.fields}
        if not kwargs:
            return
        if "size" in kwargs:
            self._size_min = self._size_max = None
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.plot()

    def toggle_log_scale(self, dim, checked):
        """Logarithmic scale for a dimension."""
        setattr(self, f"{dim}_log_scale", bool(checked))
        if dim == "size":
            self._size_min = self._size_max = None
        self.plot()

    def set_x_axis(self, field):
        """Set the field on the x axis."""
        self.change_bindings(x_axis=field)

    def set_y_axis(self, field):
        """Set the field on the y axis."""
        self.change_bindings(y_axis=field)

    def set_size(self, field):
        """Set the field giving the marker size."""
        self.change_bindings(size=field)

    def attach(self, gui):
        super().attach(gui)
        if not self.fields and len(self.all_cluster_ids):
            self.set_fields()
        for dim in self._dims:
            submenu = f"Change {dim}"
            for name in self.fields:
                self.actions.add(self._binder(dim, name), show_shortcut=False,
                                 name=f"Change {dim} to {name}", view_submenu=submenu)
            self.actions.separator(view_submenu=submenu)
            self.actions.add(self._log_toggler(dim), checkable=True, view_submenu=submenu,
                             name=f"Toggle log scale for {dim}", show_shortcut=False,
                             checked=getattr(self, f"{dim}_log_scale"))
        self.actions.separator()
        self.actions.add(self.set_x_axis, prompt=True, prompt_default=lambda: self.x_axis)
        self.actions.add(self.set_y_axis, prompt=True, prompt_default=lambda: self.y_axis)
        self.actions.add(self.set_size, prompt=True, prompt_default=lambda: self.size)
        self._connect(self._on_lasso_updated, event="lasso_updated", sender=self.canvas)

    def _binder(self, dim, name):
        def callback():
            self.change_bindings(**{dim: name})
        return callback

    def _log_toggler(self, dim):
        def callback(checked):
            self.toggle_log_scale(dim, checked)
        return callback

    # Interaction --------------------------------------------------------------------------------
    def _markers_ndc(self):
        return range_transform([self.data_bounds], [NDC], self.marker_positions)

    def clusters_in_polygon(self, polygon):
        """Clusters whose disk centre lies inside a polygon (NDC before pan-zoom)."""
        if self.marker_positions is None:
            return []
        inside = in_polygon(self._markers_ndc(), polygon)
        return [int(c) for c in self.all_cluster_ids[inside]]

    def _on_lasso_updated(self, sender, polygon):
        if len(polygon) < 3:
            return
        ids = self.clusters_in_polygon(polygon)
        if ids:
            emit("request_select", self, ids)

    def cluster_at(self, pos):
        """The cluster whose disk is under (or within a few pixels of) a mouse position."""
        if self.marker_positions is None or not len(self.marker_positions):
            return None
        size = self.canvas.get_size()
        pix = ndc_to_pixels(self.canvas.panzoom.map(self._markers_ndc()), size)
        d = np.hypot(*(pix - np.asarray(pos, dtype=np.float64)).T)
        i = int(np.argmin(d))
        radius = self.marker_sizes[i] * self._marker_size / 2.
        return int(self.all_cluster_ids[i]) if d[i] <= radius + _CLICK_MARGIN else None

    def on_mouse_click(self, e):
        """Click selects the cluster under the mouse (shift+click adds it)."""
        if "Control" in e.modifiers:
            return  # lasso
        cluster_id = self.cluster_at(e.pos)
        if cluster_id is not None:
            self.emit_cluster_click(cluster_id, button=e.button, modifiers=e.modifiers)

