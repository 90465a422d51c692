"""Base classes of the manual clustering views (phy 2's ``ManualClusteringView`` API).

A view is a thin function of model data → visuals, in two steps:

- ``get_clusters_data(cluster_ids)`` fetches and computes numpy data. It runs in a worker
  thread (no Qt widget calls, no GL) so selecting clusters never blocks the GUI.
- ``plot(**kwargs)`` turns ``self.data`` into visuals (GL-free ``set_data`` calls); it runs on
  the GUI thread, only for the latest selection (stale results are dropped).

Views follow the selection through the global ``select`` event sent by the Supervisor.

Views written for phy 2 work unchanged (phy's contract): a ``get_clusters_data(load_all=None)``
reading ``self.cluster_ids`` runs on the GUI thread (as in phy); the base ``plot()`` calls
``_plot_cluster(bunch)`` for each bunch it returns (by default one ``Bunch(cluster_id, index,
color)`` per selected cluster) and sets ``data_bounds``; an ``on_cluster(up)`` override is
called after each clustering action, before the new selection.
"""

import inspect
import logging
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path

import numpy as np

from phyclone.gui import Actions
from phyclone.gui.workers import TaskRunner
from phyclone.plot import NDC, PlotCanvas, Range
from phyclone.utils.bunch import Bunch
from phyclone.utils.colors import selected_cluster_color
from phyclone.utils.config import phy_config_dir
from phyclone.utils.event import connect, emit, unconnect

from ..selection_source import SelectionSource

logger = logging.getLogger(__name__)


def _get_bunch_bounds(bunch):
    """``(xmin, ymin, xmax, ymax)`` of a bunch: its ``data_bounds``, or those of ``pos``."""
    if bunch.get("data_bounds") is not None:
        return tuple(bunch.data_bounds)
    pos = bunch.get("pos")
    if pos is None or not len(pos):
        return None
    pos = np.asarray(pos, dtype=np.float64).reshape(-1, 2)
    return (*pos.min(axis=0), *pos.max(axis=0))


def extend_bounds(bounds):
    """The union of several ``(xmin, ymin, xmax, ymax)`` (None entries skipped)."""
    bounds = [b for b in bounds if b is not None]
    if not bounds:
        return None
    b = np.asarray(bounds, dtype=np.float64)
    return (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())


def _overrides(obj, name):
    """Whether the class of ``obj`` overrides ``ManualClusteringView.<name>``."""
    return getattr(type(obj), name, None) is not getattr(ManualClusteringView, name)


@lru_cache(maxsize=None)
def _has_phy_data_api(cls):
    if cls.get_clusters_data is ManualClusteringView.get_clusters_data:
        return False
    params = [p for p in inspect.signature(cls.get_clusters_data).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][1:]  # without self
    return not params or params[0].name != "cluster_ids"


def is_supervisor(sender):
    """Whether ``sender`` is the Supervisor (views only follow its selection, as phy)."""
    return isinstance(sender, SelectionSource)


class ManualClusteringView:
    """Base of every view: canvas, selection following, worker-thread data, status, state.

    Subclasses set ``default_shortcuts`` / ``default_snippets``, implement
    ``get_clusters_data(cluster_ids)`` (worker thread) and ``plot(**kwargs)`` (GUI thread),
    and may add actions in ``attach(gui)``.
    """

    default_shortcuts = {}
    default_snippets = {}
    auto_update = True
    max_n_clusters = 0  # larger selections are ignored (0: no limit), as phy
    #: Views whose data takes longest to prepare start first after a selection.
    data_priority = 0
    ex_status = ""
    plot_canvas_class = PlotCanvas
    _default_position = None
    state_attrs = ("auto_update",)
    local_state_attrs = ()

    def __init__(self, shortcuts=None, threaded=True, **kwargs):
        self.shortcuts = dict(self.default_shortcuts, **(shortcuts or {}))
        self.cluster_ids = []
        self.data = None
        self.gui = None
        self.dock = None
        self.actions = None
        self.name = type(self).__name__
        self.threaded = threaded
        self._runner = None
        self._connected = []
        self.n_plots_done = 0
        self._data_cluster_ids = None
        self._plot_visuals = []
        if self.plot_canvas_class is not None:
            self.canvas = self.plot_canvas_class()
            self.canvas.attach_events(self)
        for k, v in kwargs.items():
            setattr(self, k, v)

    # To override ------------------------------------------------------------------------------
    def get_clusters_data(self, cluster_ids=None, load_all=None):
        """Data for these clusters (worker thread: numpy only).

        Default (for views that only define phy's ``_plot_cluster``): one
        ``Bunch(cluster_id, index, color)`` per selected cluster.
        """
        if cluster_ids is None or isinstance(cluster_ids, bool):
            cluster_ids = self.cluster_ids
        return [Bunch(cluster_id=int(c), index=i, color=self.get_cluster_color(i))
                for i, c in enumerate(cluster_ids)]

    def plot(self, **kwargs):
        """Draw ``self.data`` for ``self.cluster_ids`` (GUI thread, GL-free calls).

        The base (phy's): ``_plot_cluster(bunch)`` for each bunch of the data, between
        ``data_bounds`` computation and ``_update_axes()``.
        """
        fresh = self.data is not None and self._data_cluster_ids == list(self.cluster_ids)
        bunchs = list((self.data if fresh else self._phy_clusters_data()) or ())
        self.data_bounds = extend_bounds([_get_bunch_bounds(Bunch(b)) for b in bunchs])
        # Visuals the previous plot added (one-call plotting in _plot_cluster) are replaced;
        # those the view added itself (e.g. in __init__) are kept.
        visuals = getattr(self.canvas, "visuals", None)
        if visuals is not None and self._plot_visuals:
            self.canvas.remove(*self._plot_visuals)
        before = {id(v.visual) for v in visuals} if visuals is not None else set()
        for bunch in bunchs:
            self._plot_cluster(bunch)
        if visuals is not None:
            self._plot_visuals = [v.visual for v in self.canvas.visuals
                                  if id(v.visual) not in before]
        self._update_axes()

    def _plot_cluster(self, bunch):
        """Plot one cluster (phy's contract; to override)."""

    def _update_axes(self):
        """Give the axes (when the canvas has some) the data bounds of the last plot."""
        axes = getattr(self.canvas, "axes", None)
        if axes is not None and getattr(self, "data_bounds", None) is not None:
            axes.reset_data_bounds(self.data_bounds)

    def on_cluster(self, up):
        """Called after a clustering action, before the new selection (phy's hook)."""

    # phy's contract -----------------------------------------------------------------------------
    @property
    def _phy_data_api(self):
        """Whether ``get_clusters_data`` has phy's signature ``(load_all=None)`` (it then reads
        ``self.cluster_ids`` and runs on the GUI thread, as in phy)."""
        return _has_phy_data_api(type(self))

    def _phy_clusters_data(self, load_all=None):
        if self._phy_data_api:
            return self.get_clusters_data(load_all=load_all)
        return self.get_clusters_data(self.cluster_ids)

    # Selection --------------------------------------------------------------------------------
    def on_select(self, cluster_ids=(), **kwargs):
        """Show these clusters (data computed in a worker when attached to a GUI)."""
        self.cluster_ids = [int(c) for c in cluster_ids]
        self.replot(**kwargs)

    def replot(self, **kwargs):
        """Fetch the data of the current clusters again, then plot."""
        cluster_ids = list(self.cluster_ids)
        if self._phy_data_api:  # phy's views read self.cluster_ids: GUI thread, as phy
            self._on_data(cluster_ids, kwargs, self.get_clusters_data(load_all=None))
        elif self._runner is not None and self.threaded:
            self._runner.submit(self.get_clusters_data, cluster_ids, key=id(self),
                                priority=self.data_priority,
                                callback=partial(self._on_data, cluster_ids, kwargs),
                                error_callback=self._on_error)
        else:
            self._on_data(cluster_ids, kwargs, self.get_clusters_data(cluster_ids))

    def _on_data(self, cluster_ids, kwargs, data):
        if cluster_ids != self.cluster_ids:
            return  # a newer selection is being prepared
        self.data = data
        self._data_cluster_ids = list(cluster_ids)

        def painted():
            emit("view_painted", self, cluster_ids)
        batch = getattr(self.canvas, "batch", None)  # OpenGL canvases: one frame, at once
        if batch is not None:
            with batch():
                self.plot(**kwargs)
                self.canvas.on_next_frame(painted)
        else:
            self.plot(**kwargs)
            self.canvas.update()
            self.canvas.on_next_frame(painted)
        self.update_status()
        self.n_plots_done += 1

    def _on_error(self, err):
        logger.error("%s could not show clusters %s: %s", self.name, self.cluster_ids, err)
        self.set_status(f"error: {err}")

    def _on_select_event(self, sender, cluster_ids, **kwargs):
        if not self.auto_update or not is_supervisor(sender):
            return
        if self.max_n_clusters and len(cluster_ids) > self.max_n_clusters:
            return
        self.on_select(cluster_ids=cluster_ids, **kwargs)

    # Colors -----------------------------------------------------------------------------------
    def get_cluster_color(self, index, alpha=1.):
        """Color of the ``index``-th selected cluster (the palette shared by every view)."""
        return selected_cluster_color(index, alpha)

    # GUI ----------------------------------------------------------------------------------------
    def _connect(self, f, **kwargs):
        connect(f, **kwargs)
        self._connected.append(f)

    def attach(self, gui):
        """Dock the view in the GUI, add its actions and follow the Supervisor's selection."""
        gui.add_view(self, position=self._default_position)
        self.gui = gui
        self._runner = TaskRunner(latest_wins=True) if getattr(gui, "enable_threading", True) \
            else None
        self.actions = Actions(gui, name=self.name, view=self,
                               default_shortcuts=self.shortcuts,
                               default_snippets=self.default_snippets)
        self.actions.add(self.toggle_auto_update, checkable=True, checked=self.auto_update,
                         show_shortcut=False)
        self.actions.add(self.screenshot, show_shortcut=False)
        self.actions.separator()
        if hasattr(self.canvas, "panzoom") and self.canvas.panzoom is not None:
            self.canvas.panzoom.enable_keyboard_pan = False  # arrows are wizard shortcuts
        self._connect(self._on_select_event, event="select")
        if _overrides(self, "on_cluster"):
            self._connect(self._on_cluster_hook, event="cluster")
        self._connect(self._on_gui_close, event="close", sender=gui)
        emit("view_attached", self, gui)

    def _on_cluster_hook(self, sender, up):
        if is_supervisor(sender):
            self.on_cluster(up)

    def _on_gui_close(self, sender=None):
        unconnect(*self._connected)
        self._connected = []
        if self._runner is not None:
            self._runner.cancel(id(self))

    def toggle_auto_update(self, checked):
        """Follow the cluster selection (or freeze the view)."""
        self.auto_update = bool(checked)

    # Status -----------------------------------------------------------------------------------
    @property
    def status(self):
        ids = ", ".join(map(str, self.cluster_ids[:8]))
        more = "…" if len(self.cluster_ids) > 8 else ""
        text = f"clusters {ids}{more}" if ids else ""
        return f"{text} {self.ex_status}".strip()

    def update_status(self):
        self.set_status(self.status)

    def set_status(self, text):
        if self.dock is not None and hasattr(self.dock, "set_status"):
            self.dock.set_status(text)

    def set_dock_status(self, text):
        """Show ``text`` in the view's dock title bar (phy 2.0's name of ``set_status``)."""
        self.set_status(text)

    # State ------------------------------------------------------------------------------------
    @property
    def state(self):
        """Persisted in the GUI state when the GUI closes."""
        return Bunch({a: getattr(self, a, None) for a in self.state_attrs + self.local_state_attrs})

    def set_state(self, state):
        for k, v in (state or {}).items():
            if k in self.state_attrs + self.local_state_attrs and v is not None:
                setattr(self, k, v)

    # Screenshot -------------------------------------------------------------------------------
    def _screenshot_path(self, path=None, dir=None):
        if path is None:
            d = Path(dir).expanduser() if dir else phy_config_dir() / "screenshots"
            d.mkdir(parents=True, exist_ok=True)
            # phy's name when a folder is given; a stable name in the default folder.
            stamp = datetime.now().strftime("%Y%m%d%H%M%S")
            path = d / (f"phy_screenshot_{stamp}_{type(self).__name__}.png" if dir
                        else f"{self.name}.png")
        return Path(path)

    def screenshot(self, path=None, dir=None):
        """Save a PNG of the view to ``path``, or into the folder ``dir`` (phy's argument;
        default ``<config>/screenshots/``); return its path."""
        path = self._screenshot_path(path, dir)
        self.canvas.screenshot(path)
        logger.info("Screenshot of %s saved to %s.", self.name, path)
        return path

    def show(self):
        """Show the view's canvas in its own window (phy: outside a GUI)."""
        return self.canvas.show()

    def close(self):
        self._on_gui_close()
        self.canvas.close()


def _wheel_sign(e):
    return float(np.sign(e.delta[1] if np.ndim(e.delta) else e.delta))


def _chain_wheel(parent, e):
    """Pass a wheel event on to the next class in the MRO (mixins combine)."""
    f = getattr(parent, "on_mouse_wheel", None)
    if f is not None:
        f(e)


class ScalingMixin:
    """``increase``/``decrease``/``reset_scaling`` actions and ctrl+wheel scaling.

    Subclasses implement ``_get_scaling_value()`` and ``_set_scaling_value(value)``.
    """

    _scaling_param_increment = 1.1
    _scaling_default = 1.

    def attach(self, gui):
        super().attach(gui)
        self.actions.add(self.increase)
        self.actions.add(self.decrease)
        self.actions.add(self.reset_scaling)
        self.actions.separator()

    def _scale(self, factor):
        self._set_scaling_value(self._get_scaling_value() * factor)

    def increase(self):
        """Increase the scaling."""
        self._scale(self._scaling_param_increment)

    def decrease(self):
        """Decrease the scaling."""
        self._scale(1. / self._scaling_param_increment)

    def reset_scaling(self):
        """Reset the scaling to its default."""
        self._set_scaling_value(self._scaling_default)

    def on_mouse_wheel(self, e):
        """ctrl+wheel changes the scaling."""
        if "Control" in getattr(e, "modifiers", ()):
            self._scale(self._scaling_param_increment ** _wheel_sign(e))
        _chain_wheel(super(), e)


class MarkerSizeMixin:
    """``increase_marker_size``/``decrease_marker_size``/``reset_marker_size`` actions."""

    _marker_size = 5.
    _default_marker_size = 5.
    _marker_size_increment = 1.2

    @property
    def marker_size(self):
        return self._marker_size

    @marker_size.setter
    def marker_size(self, value):
        self._marker_size = float(np.clip(value, .1, 100))
        self.on_marker_size_changed()

    def on_marker_size_changed(self):
        """Apply ``self.marker_size`` to the visuals (default: replot)."""
        if self.data is not None:
            self.plot()
            self.canvas.update()

    def attach(self, gui):
        super().attach(gui)
        self.actions.add(self.increase_marker_size)
        self.actions.add(self.decrease_marker_size)
        self.actions.add(self.reset_marker_size)
        self.actions.separator()

    def increase_marker_size(self):
        """Increase the marker size."""
        self.marker_size *= self._marker_size_increment

    def decrease_marker_size(self):
        """Decrease the marker size."""
        self.marker_size /= self._marker_size_increment

    def reset_marker_size(self):
        """Reset the marker size."""
        self.marker_size = self._default_marker_size

    def on_mouse_wheel(self, e):
        """alt+wheel changes the marker size."""
        if "Alt" in getattr(e, "modifiers", ()):
            self.marker_size *= self._marker_size_increment ** _wheel_sign(e)
        _chain_wheel(super(), e)


class LassoMixin:
    """Lasso (ctrl+click) selection of spikes, answering the Supervisor's ``request_split``.

    Subclasses implement ``get_lasso_points(box)`` → ``(spike_ids, points)`` with the points in
    the coordinates the lasso uses (those the visuals were given in that box).
    The handler returns None when this view has no lasso, so the Supervisor takes the first
    non-empty answer among the views.
    """

    def attach(self, gui):
        super().attach(gui)
        self.canvas.enable_lasso()
        self._connect(self.on_request_split, event="request_split")

    def get_lasso_points(self, box):
        """``(spike_ids, points)`` in the lasso's coordinates. Default (phy's contract): the
        bunches of ``get_clusters_data(load_all=True)`` with ``pos`` and ``spike_ids``
        (background bunches, ``cluster_id=None``, skipped), ``pos`` mapped from
        ``data_bounds`` to NDC."""
        bunchs = [Bunch(b) for b in (self._phy_clusters_data(load_all=True) or ())]
        bunchs = [b for b in bunchs if not ("cluster_id" in b and b.cluster_id is None)]
        if not bunchs:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 2))
        pos = np.vstack([np.c_[b.pos] for b in bunchs]).astype(np.float64)
        spike_ids = np.concatenate([np.asarray(b.spike_ids, dtype=np.int64) for b in bunchs])
        bounds = getattr(self, "data_bounds", None)
        if bounds is not None:
            pos = Range(bounds, NDC).apply(pos)
        return spike_ids, pos

    def on_request_split(self, sender=None):
        """Spike ids inside the lasso (None when there is no lasso in this view)."""
        lasso = self.canvas.lasso
        if lasso is None or lasso.count < 3 or not self.cluster_ids:
            return None
        spike_ids, points = self.get_lasso_points(lasso.box)
        spike_ids = np.asarray(spike_ids, dtype=np.int64)
        inside = lasso.in_polygon(np.asarray(points, dtype=np.float64).reshape(-1, 2))
        lasso.clear()
        return np.unique(spike_ids[inside])
