"""ScatterView: a generic scatter plot of the selected clusters (``coords(cluster_ids)``),
with lasso split; also the base of the per-spike-attribute views (``spike_<name>.npy``)."""

import inspect
import logging

import numpy as np

from phyclone.plot import ScatterVisual, extend_bounds
from phyclone.utils import Bunch
from phyclone.utils.colors import spike_colors
from phyclone.utils.errors import DataError

from .base import LassoMixin, ManualClusteringView, MarkerSizeMixin

logger = logging.getLogger(__name__)


def bunch_bounds(b, margin=.03):
    """(xmin, ymin, xmax, ymax) of a bunch: its ``data_bounds``, or the extent of ``pos``
    widened by ``margin`` on each side (markers on the edge stay whole)."""
    if b.get("data_bounds") is not None:
        return tuple(float(v) for v in b.data_bounds)
    if not len(b.pos):
        return (-1., -1., 1., 1.)
    (x0, y0), (x1, y1) = b.pos.min(axis=0), b.pos.max(axis=0)
    dx, dy = (x1 - x0) * margin, (y1 - y0) * margin
    return (float(x0 - dx), float(y0 - dy), float(x1 + dx), float(y1 + dy))


def normalize(pos, bounds):
    """(n, 2) positions in ``bounds`` -> NDC (float64)."""
    x0, y0, x1, y1 = bounds
    out = np.empty((len(pos), 2))
    out[:, 0] = (pos[:, 0] - x0) * (2. / (x1 - x0)) - 1.
    out[:, 1] = (pos[:, 1] - y0) * (2. / (y1 - y0)) - 1.
    return out


def _with_pos(b):
    if "pos" not in b or b.pos is None:
        x, y = np.asarray(b.x).ravel(), np.asarray(b.y).ravel()
        if x.shape != y.shape:
            raise DataError(None, f"scatter coords: x has {x.size} values and y {y.size}",
                            "return x and y of the same length")
        b.pos = np.c_[x, y]
    b.pos = np.asarray(b.pos, dtype=np.float64).reshape(-1, 2)
    if "spike_ids" not in b:
        raise DataError(None, "scatter coords: a Bunch has no spike_ids",
                        "return Bunch(x, y, spike_ids, data_bounds) for every cluster")
    return b


class ScatterView(MarkerSizeMixin, LassoMixin, ManualClusteringView):
    """A scatter plot of the spikes of the selected clusters.

    Constructor
    -----------
    coords : function ``(cluster_ids, load_all=False)`` -> a list with one
        ``Bunch(x, y, spike_ids, data_bounds)`` per cluster (``data_bounds`` may be None),
        or one Bunch for all clusters with ``spike_clusters`` (colours by cluster), or None
        (nothing to show). ``load_all=True`` (lasso) asks for every spike.
    """

    max_n_clusters = 8
    _default_position = "right"
    cluster_alpha = .75
    default_shortcuts = {"change_marker_size": "alt+wheel"}
    state_attrs = ManualClusteringView.state_attrs + ("marker_size",)

    def __init__(self, coords=None, **kwargs):
        if coords is None:
            raise DataError(None, f"{type(self).__name__} needs a coords function",
                            "pass coords=f(cluster_ids) -> [Bunch(x, y, spike_ids), ...]")
        self.coords = coords
        self.data_bounds = (-1., -1., 1., 1.)
        super().__init__(**kwargs)
        self.canvas.enable_axes()
        self.canvas.enable_lasso()
        self.visual = ScatterVisual()
        self.canvas.add_visual(self.visual)

    def _call_coords(self, cluster_ids, load_all=False):
        if not load_all:
            return self.coords(cluster_ids)
        try:
            accepts = "load_all" in inspect.signature(self.coords).parameters
        except (TypeError, ValueError):
            accepts = False
        if accepts:
            return self.coords(cluster_ids, load_all=True)
        logger.warning("%s: coords() has no load_all argument, the lasso only sees the "
                       "displayed spikes.", self.name)
        return self.coords(cluster_ids)

    def _bunchs(self, cluster_ids, load_all=False):
        """[Bunch(pos, spike_ids, color, cluster_id)] from ``coords``."""
        out = self._call_coords(list(cluster_ids), load_all=load_all)
        if out is None:
            return []
        if isinstance(out, dict):  # one Bunch for every cluster
            b = _with_pos(Bunch(out))
            b.color = spike_colors(b.spike_clusters, cluster_ids, self.cluster_alpha)
            return [b]
        if not isinstance(out, (list, tuple)):
            raise DataError(None, f"coords() returned {type(out).__name__}",
                            "return a list of Bunch (one per cluster) or one Bunch")
        bunchs = []
        for i, (cid, b) in enumerate(zip(cluster_ids, out)):
            if b is None:
                continue
            b = _with_pos(Bunch(b))
            b.cluster_id = cid
            b.color = self.get_cluster_color(i, self.cluster_alpha)
            bunchs.append(b)
        return bunchs

    def get_clusters_data(self, cluster_ids):
        """Coordinates of the selected clusters and their common data bounds."""
        bunchs = self._bunchs(cluster_ids)
        if not bunchs:
            return None
        return Bunch(bunchs=bunchs, data_bounds=extend_bounds([bunch_bounds(b) for b in bunchs]))

    def plot(self, **kwargs):
        """All clusters in one draw call; the axes show the data coordinates."""
        d = self.data
        if d is None:
            self.visual.hide()
            return
        self.data_bounds = d.data_bounds
        n = [len(b.pos) for b in d.bunchs]
        color = np.concatenate([np.broadcast_to(np.asarray(b.color, dtype=np.float32),
                                                (k, 4)) for b, k in zip(d.bunchs, n)])
        self.canvas.update_visual(self.visual, pos=np.concatenate([b.pos for b in d.bunchs]),
                                  color=color, size=self.marker_size,
                                  data_bounds=self.data_bounds)
        self.visual.show()
        self.canvas.axes.reset_data_bounds(self.data_bounds)

    def on_marker_size_changed(self):
        if self.data is not None and self.visual.n_vertices:
            self.visual.set_marker_size(self.marker_size)
            self.canvas.update()

    def get_lasso_points(self, box):
        """Every spike of the selected clusters (``load_all``), in NDC."""
        bunchs = self._bunchs(self.cluster_ids, load_all=True)
        if not bunchs:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 2))
        pos = np.concatenate([b.pos for b in bunchs])
        return (np.concatenate([np.asarray(b.spike_ids) for b in bunchs]),
                normalize(pos, self.data_bounds))

    @property
    def status(self):
        s = super().status
        if self.cluster_ids and self.data is None:
            s += " (nothing to show for this selection)"
        return s


# Spike attribute views (one per extra spike_<name>.npy)
# ----------------------------------------------------------------------------------------------

_ATTRIBUTE_VIEWS = {}


def spike_attribute_view_name(name):
    """Class name of the view of the spike attribute ``name`` (phy: ``Spike<Name>View``)."""
    return f"Spike{name.title()}View"


def spike_attribute_view_class(name):
    """The ScatterView subclass named ``Spike<Name>View`` (created once per name, so the
    GUI state of the view is kept under that name)."""
    view_name = spike_attribute_view_name(name)
    if view_name not in _ATTRIBUTE_VIEWS:
        _ATTRIBUTE_VIEWS[view_name] = type(view_name, (ScatterView,), {
            "__doc__": f"Scatter view of the spike attribute ``{name}``.",
            "__module__": __name__})
    return _ATTRIBUTE_VIEWS[view_name]


def spike_attribute_coords(values, spike_times, get_spike_ids, n_spikes=None):
    """``coords`` of a spike-attribute view, as phy: for a 1D attribute, (spike time,
    value); for a 2D one, its first two columns. ``get_spike_ids(cluster_id, n=None)``
    gives the spikes of a cluster (``n_spikes`` of them, all with ``load_all``)."""
    def coords(cluster_ids, load_all=False):
        out = []
        for cid in cluster_ids:
            ids = np.asarray(get_spike_ids(cid, n=None if load_all else n_spikes))
            if values.ndim == 1:
                x, y = spike_times[ids], values[ids]
            else:
                x, y = values[ids, 0], values[ids, 1]
            out.append(Bunch(x=np.asarray(x), y=np.asarray(y), spike_ids=ids,
                             data_bounds=None))
        return out
    return coords


def make_spike_attribute_view(name, values, spike_times, get_spike_ids, n_spikes=None,
                              **kwargs):
    """A ``Spike<Name>View`` instance showing the spike attribute ``values``."""
    return spike_attribute_view_class(name)(
        coords=spike_attribute_coords(np.asarray(values), np.asarray(spike_times),
                                      get_spike_ids, n_spikes), **kwargs)
