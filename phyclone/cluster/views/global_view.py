"""Mixins of the views showing every cluster (template, raster, cluster scatter views).

``BaseGlobalView`` (phy's): ``all_cluster_ids`` in the cluster view's order (sort and filter
applied), ``set_cluster_ids``, ``set_spike_clusters``, ``update_cluster_sort``; the selection
only changes colours. When attached, the view follows the cluster view by itself:
``table_sort`` / ``table_filter`` (sender: the cluster view table) and the Supervisor's
``cluster`` events; the Supervisor's first ``select`` populates an empty view.

``BaseColorView`` (phy's): named colour schemes (``add_color_scheme``, ``color_scheme``,
``next_color_scheme``...), plus the ``cluster_view`` scheme: the Supervisor's
``color_selector``, followed through ``color_mapping_changed``.

Clicks emit ``cluster_click(view, cluster_id, button=, modifiers=)`` (phy's documented event),
then phy 2.1's ``request_select(view, [cluster_id])`` or, with shift,
``select_more(view, [cluster_id])``, which the controller turns into a selection.
"""

import logging

import numpy as np

from phyclone.qt import QTimer
from phyclone.utils import emit
from phyclone.utils.colors import (
    BLANK, ClusterColorSelector, add_selected_clusters_colors,
)

from .base import is_supervisor
from .rotating import RotatingProperty

logger = logging.getLogger(__name__)


def parse_select_args(args, kwargs):
    """``(sender, cluster_ids)`` from ``on_select`` arguments given as phy allows:
    ``on_select(ids)``, ``on_select(sender, ids)``, ``on_select(cluster_ids=ids)``."""
    sender = kwargs.pop("sender", None)
    cluster_ids = kwargs.pop("cluster_ids", None)
    if len(args) == 2:
        sender, cluster_ids = args
    elif len(args) == 1:
        if isinstance(args[0], (list, tuple, np.ndarray)):
            cluster_ids = args[0]
        else:
            sender = args[0]
    ids = [] if cluster_ids is None else [int(c) for c in np.ravel(cluster_ids)]
    return sender, ids


class BaseGlobalView:
    """A view of every cluster, in the cluster view's order (phy's ``BaseGlobalView``).

    ``all_cluster_ids``: shown clusters, top to bottom / left to right; ``sorted_cluster_ids``
    the same sorted by id; ``cluster_idxs[i]`` the position of ``sorted_cluster_ids[i]`` in
    ``all_cluster_ids``. Subclasses implement ``_on_clusters_changed()`` (new set of
    clusters, or new spike clusters) and ``_on_order_changed()`` (same clusters, new
    order), both called on the GUI thread.
    """

    all_cluster_ids = np.zeros(0, dtype=np.int64)
    sorted_cluster_ids = np.zeros(0, dtype=np.int64)
    cluster_idxs = np.zeros(0, dtype=np.int64)
    # Whether the view follows the cluster view's sort order (the cluster scatter does not).
    follows_sort = True

    def _iter_clusters(self):
        """(cluster_rel, cluster_idx, cluster_id) for every cluster, by increasing id."""
        for i in range(len(self.sorted_cluster_ids)):
            yield i, int(self.cluster_idxs[i]), int(self.sorted_cluster_ids[i])

    def _store_cluster_ids(self, cluster_ids):
        ids = np.asarray(cluster_ids, dtype=np.int64).ravel()
        self.all_cluster_ids = ids
        self.cluster_idxs = np.argsort(ids, kind="stable")
        self.sorted_cluster_ids = ids[self.cluster_idxs]

    def set_cluster_ids(self, cluster_ids):
        """Show these clusters (filtered and in any order)."""
        if cluster_ids is None:
            return
        self._store_cluster_ids(cluster_ids)
        self._on_clusters_changed()

    def set_spike_clusters(self, spike_clusters):
        """New spike-cluster assignments (after a clustering action)."""
        self.spike_clusters = np.asarray(spike_clusters)
        self._on_clusters_changed()

    def update_cluster_sort(self, cluster_ids):
        """New order of the same clusters (a new set of clusters is shown as by
        ``set_cluster_ids``)."""
        ids = np.asarray(cluster_ids, dtype=np.int64).ravel()
        if np.array_equal(ids, self.all_cluster_ids):
            return
        if len(ids) != len(self.all_cluster_ids) or \
                not np.array_equal(np.sort(ids), self.sorted_cluster_ids):
            return self.set_cluster_ids(ids)
        self._store_cluster_ids(ids)
        self._on_order_changed()

    def _follow_view_changes(self, f, delay=150):
        """Call ``f`` (GUI thread) once pan, zoom and resizes have settled for ``delay`` ms
        (views re-binning or re-detailing what is visible); stopped when the GUI closes or
        the canvas is destroyed."""
        self._view_changed = Debounced(f, delay)
        self.canvas.destroyed.connect(self._view_changed.stop)

    def on_pan_zoom(self, e):
        if getattr(self, "_view_changed", None) is not None:
            self._view_changed.request()

    def on_resize(self, e):
        self.on_pan_zoom(e)

    def _on_gui_close(self, sender=None):
        if getattr(self, "_view_changed", None) is not None:
            self._view_changed.stop()
        if self._runner is not None:
            for key in self.__dict__.get("_run_keys", ()):
                self._runner.cancel(key)
        super()._on_gui_close(sender)

    def _run(self, fn, callback, key):
        """``fn()`` in the worker thread when attached (else now), then ``callback(result)``
        on the GUI thread (only the latest request of each key is delivered)."""
        if self._runner is not None and self.threaded:
            key = (id(self), key)
            self.__dict__.setdefault("_run_keys", set()).add(key)
            self._runner.submit(fn, key=key, callback=callback, error_callback=self._on_error)
        else:
            callback(fn())

    def _on_clusters_changed(self):
        """To override."""

    def _on_order_changed(self):
        """To override (default: like a new set of clusters)."""
        self._on_clusters_changed()

    # Selection: colours only ------------------------------------------------------------------
    def on_select(self, *args, **kwargs):
        """Highlight the selected clusters (``on_select(ids)`` or ``on_select(sender, ids)``)."""
        sender, ids = parse_select_args(args, kwargs)
        if sender is not None and type(sender).__name__ in ("ClusterView", "SimilarityView"):
            return
        if not ids:
            return
        self.cluster_ids = ids
        self.update_select_color()
        self.update_status()

    def replot(self, **kwargs):
        """Draw everything again."""
        self.plot()
        self.canvas.update()

    # Following the Supervisor -------------------------------------------------------------------
    def attach(self, gui):
        super().attach(gui)
        self._connect(self._on_table_sort, event="table_sort")
        self._connect(self._on_table_filter, event="table_filter")
        self._connect(self._on_cluster_event, event="cluster")
        self._connect(self._on_color_mapping_changed, event="color_mapping_changed")
        if len(self.all_cluster_ids):
            self._on_clusters_changed()  # first drawing

    def _on_select_event(self, sender, cluster_ids, **kwargs):
        if is_supervisor(sender):
            self._adopt_supervisor(sender)
        super()._on_select_event(sender, cluster_ids, **kwargs)

    def _adopt_supervisor(self, supervisor):
        """First contact with the Supervisor: take its colours, and its clusters if the
        view has none yet."""
        if getattr(self, "_supervisor", None) is supervisor:
            return
        self._supervisor = supervisor
        if hasattr(self, "_set_supervisor_colors"):
            self._set_supervisor_colors(supervisor)
        if not len(self.all_cluster_ids):
            ids = getattr(supervisor, "shown_cluster_ids", None)
            if ids is not None and len(ids):
                self.set_cluster_ids(ids)

    def _on_table_sort(self, sender, cluster_ids):
        if type(sender).__name__ != "ClusterView" or not self.auto_update or \
                cluster_ids is None or not len(cluster_ids):
            return
        if self.follows_sort:
            self.update_cluster_sort(cluster_ids)

    def _on_table_filter(self, sender, cluster_ids):
        if type(sender).__name__ != "ClusterView" or not self.auto_update or \
                cluster_ids is None or not len(cluster_ids):
            return
        ids = np.asarray(cluster_ids, dtype=np.int64)
        if not self.follows_sort:
            ids = np.sort(ids)
        if not np.array_equal(ids, self.all_cluster_ids):
            self.set_cluster_ids(ids)

    def _on_cluster_event(self, sender, up):
        """After a clustering action: new spike clusters and cluster list; after a label
        change: new colours."""
        if not is_supervisor(sender):
            return
        self._adopt_supervisor(sender)
        if not (up.get("added") or up.get("deleted")):
            if up.get("metadata_changed"):
                self._on_metadata_changed([int(c) for c in up.metadata_changed])
            return
        clustering = getattr(sender, "clustering", None)
        if clustering is not None and hasattr(self, "_set_spike_clusters"):
            self._set_spike_clusters(clustering.spike_clusters)
        ids = getattr(sender, "shown_cluster_ids", None)
        if ids is None and clustering is not None:
            ids = clustering.cluster_ids
        if ids is not None:
            ids = np.asarray(ids, dtype=np.int64)
            self._store_cluster_ids(ids if self.follows_sort else np.sort(ids))
        self._on_clusters_changed()

    def _on_metadata_changed(self, cluster_ids):
        """Labels of these clusters changed (their colours may have)."""
        self.update_color()


class BaseColorView:
    """Colour schemes of the global views (phy's ``BaseColorView``), with the Supervisor's
    colour mapping as the ``cluster_view`` scheme.

    Subclasses implement ``update_color()`` (recolour every cluster) and
    ``update_select_color()`` (after the selection changed).
    """

    _default_alpha = .75

    def _init_colors(self):
        self.color_schemes = RotatingProperty()  # name -> ClusterColorSelector (phy's)
        self.color_schemes.add("blank", None)
        self.color_selector = None  # the Supervisor's (cluster_view scheme)
        self._wanted_scheme = None  # restored from the GUI state before it was added
        self._base_colors = None  # (n_clusters, 4) in all_cluster_ids order, cached
        self._base_colors_key = None

    def add_color_scheme(self, fun=None, name=None, cluster_ids=None, colormap=None,
                         categorical=None, logarithmic=None):
        """Add a colour scheme (a function cluster_id -> value, as phy; usable as a
        decorator)."""
        if fun is None:
            return lambda f: self.add_color_scheme(
                f, name=name, cluster_ids=cluster_ids, colormap=colormap,
                categorical=categorical, logarithmic=logarithmic)
        if not callable(fun):
            value = fun
            fun = lambda cluster_id: value  # noqa: E731 (a constant scheme, as phy's blank)
        name = name or fun.__name__
        self.color_schemes.add(name, ClusterColorSelector(
            fun, colormap=colormap, categorical=categorical, logarithmic=logarithmic,
            cluster_ids=cluster_ids if cluster_ids is not None else self.all_cluster_ids))
        if name == self._wanted_scheme:
            self.color_scheme = name
        return fun

    @property
    def color_scheme(self):
        """Name of the current colour scheme."""
        return self.color_schemes.current

    @color_scheme.setter
    def color_scheme(self, name):
        if name not in self.color_schemes:
            self._wanted_scheme = name  # may be added later (e.g. by the controller)
            return
        self._wanted_scheme = None
        self.color_schemes.set(name)
        self.update_color()
        self.update_status()

    def _set_supervisor_colors(self, supervisor):
        sel = getattr(supervisor, "color_selector", None)
        if sel is None:
            return
        self.color_selector = sel
        self.color_schemes.add("cluster_view", sel)
        if self.color_scheme == "blank" and self._wanted_scheme is None:
            self.color_schemes.set("cluster_view")

    def _on_color_mapping_changed(self, sender):
        """The cluster view's colour mapping changed: use it."""
        if not is_supervisor(sender):
            return
        self._set_supervisor_colors(sender)
        if "cluster_view" in self.color_schemes:
            self.color_schemes.set("cluster_view")
        self.update_color()
        self.update_status()

    def _neighbor_color_scheme(self, step):
        names = self.color_schemes.keys()
        i = names.index(self.color_scheme) if self.color_scheme in names else 0
        self.color_scheme = names[(i + step) % len(names)]

    def next_color_scheme(self):
        """Switch to the next colour scheme."""
        self._neighbor_color_scheme(+1)

    def previous_color_scheme(self):
        """Switch to the previous colour scheme."""
        self._neighbor_color_scheme(-1)

    def get_cluster_colors(self, cluster_ids, alpha=1., refresh=False):
        """RGBA (n, 4) float32 colours of these clusters in the current scheme (``refresh``:
        recompute the value range of the view's own schemes)."""
        sel = self.color_schemes.get()
        ids = np.asarray(cluster_ids, dtype=np.int64)
        if sel is None:
            return np.tile(np.array(BLANK + (alpha,), dtype=np.float32), (len(ids), 1))
        if sel is not self.color_selector and (
                refresh or not np.array_equal(sel.cluster_ids, self.all_cluster_ids)):
            sel.set_cluster_ids(self.all_cluster_ids)  # the view's own schemes: value range
        try:
            return sel.get_colors(ids, alpha=alpha)
        except Exception as e:  # a metric failing must not blank the view
            logger.warning("Colour scheme %s failed in %s: %s", self.color_scheme, self.name, e)
            return np.tile(np.array(BLANK + (alpha,), dtype=np.float32), (len(ids), 1))

    def base_colors(self):
        """Cached colours of ``all_cluster_ids`` (unselected look)."""
        ids, key = self.all_cluster_ids, self.color_scheme
        if self._base_colors is None or self._base_colors_key is None or \
                self._base_colors_key[0] != key or \
                not np.array_equal(self._base_colors_key[1], ids):
            self._base_colors = self.get_cluster_colors(ids, alpha=self._default_alpha,
                                                        refresh=True)
            self._base_colors_key = (key, ids)
        return self._base_colors

    def cluster_colors(self):
        """Colours of ``all_cluster_ids`` with the selected clusters in their selection
        colour."""
        colors = self.base_colors().copy()
        if len(self.cluster_ids):
            add_selected_clusters_colors(self.cluster_ids, self.all_cluster_ids, colors)
        return colors

    def _invalidate_colors(self):
        self._base_colors = None

    def attach(self, gui):
        super().attach(gui)
        for name in self.color_schemes.keys():
            self.actions.add(self._scheme_setter(name), name=f"Change color scheme to {name}",
                             show_shortcut=False, view_submenu="Change color scheme")
        self.actions.add(self.next_color_scheme)
        self.actions.add(self.previous_color_scheme)
        self.actions.separator()

    def _scheme_setter(self, name):
        def callback():
            self.color_scheme = name
        return callback

    def on_mouse_wheel(self, e):
        """shift+wheel: change the colour scheme."""
        parent = getattr(super(), "on_mouse_wheel", None)
        if parent is not None:
            parent(e)
        if tuple(e.modifiers) == ("Shift",):
            if e.delta > 0:
                self.next_color_scheme()
            elif e.delta < 0:
                self.previous_color_scheme()

    def emit_cluster_click(self, cluster_id, button=None, modifiers=()):
        """``cluster_click``, then ``select_more`` (shift) or ``request_select``."""
        cluster_id = int(cluster_id)
        logger.debug("Click on cluster %d with button %s.", cluster_id, button)
        emit("cluster_click", self, cluster_id, button=button, modifiers=tuple(modifiers))
        if "Shift" in modifiers:
            emit("select_more", self, [cluster_id])
        else:
            emit("request_select", self, [cluster_id])


class Debounced:
    """Run ``f`` once, ``delay`` ms after the last ``request()`` (GUI thread)."""

    def __init__(self, f, delay=120):
        self.f = f
        self._stopped = False
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(delay))
        self._timer.timeout.connect(f)

    def request(self):
        if not self._stopped:
            self._timer.start()

    def stop(self):
        """Stop for good (the view's GUI closed; its canvas may still get resize events)."""
        self._stopped = True
        self._timer.stop()

