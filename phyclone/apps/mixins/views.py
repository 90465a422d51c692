"""View creators: one function per view class, building the view from the controller's data
methods (phy's ``create_*_view``). View classes are imported from ``phyclone.cluster.views``
only when a view is created, so a headless controller never imports Qt or OpenGL."""

import importlib
import logging
from functools import partial

import numpy as np

from phyclone.utils import connect, emit, unconnect

logger = logging.getLogger(__name__)


def view_class(name):
    """The view class ``name`` from ``phyclone.cluster.views`` (None if it does not exist)."""
    try:
        module = importlib.import_module("phyclone.cluster.views")
    except ImportError as e:
        logger.warning("The views cannot be imported: %s", e)
        return None
    cls = getattr(module, name, None)
    if cls is None:
        logger.warning("There is no %s in phyclone.cluster.views.", name)
    return cls


def on_view_closed(view, *callbacks):
    """Disconnect ``callbacks`` from the event bus when ``view`` is closed."""
    def on_close_view(view_, gui):
        unconnect(*callbacks, on_close_view)
    connect(on_close_view, event="close_view", sender=view)


class ViewsMixin:
    """``view_creator``: ``{view name: function returning a new view}``; one per view class
    (plus one per ``spike_<name>.npy`` attribute)."""

    def _set_view_creator(self):
        self.view_creator = {
            "ClusterScatterView": self.create_cluster_scatter_view,
            "CorrelogramView": self.create_correlogram_view,
            "ISIView": partial(self._create_histogram_view, "ISIView", self._get_isi),
            "FiringRateView": partial(self._create_histogram_view, "FiringRateView",
                                      self._get_firing_rate),
            "AmplitudeView": self.create_amplitude_view,
            "ProbeView": self.create_probe_view,
            "RasterView": self.create_raster_view,
            "IPythonView": self.create_ipython_view,
        }
        from phyclone.match.events import can_match
        if can_match(self.model):
            self.view_creator["MatchView"] = self.create_match_view
        if getattr(self, "events_path", None) is not None:
            self.view_creator["EventView"] = self.create_event_view
        for name in sorted(getattr(self.model, "spike_attributes", {}) or {}):
            view_name = f"Spike{name.title().replace('_', '')}View"
            self.view_creator[view_name] = partial(self._create_spike_attribute_view,
                                                   view_name, name)

    # Views showing the selected clusters ------------------------------------------------------
    def create_correlogram_view(self):
        cls = view_class("CorrelogramView")
        if cls is None:
            return None
        return cls(correlograms=self._get_correlograms, firing_rate=self._get_correlograms_rate,
                   sample_rate=self.model.sample_rate)

    def _create_histogram_view(self, class_name, method):
        cls = view_class(class_name)
        return cls(cluster_stat=method) if cls is not None else None

    def create_amplitude_view(self):
        cls = view_class("AmplitudeView")
        functions = self._get_amplitude_functions()
        if cls is None or not functions:
            return None
        if len(functions) > 1:  # phy: raw amplitudes are slow and partial, not offered
            functions.pop("raw", None)
        # Template amplitudes first when there are some: exact, and cheap to read (PC
        # features of 20,000 spikes are not); the GUI state keeps the user's choice.
        view = cls(amplitudes={name: partial(self._amplitude_getter, name=name)
                               for name in sorted(functions)},
                   amplitudes_type="template" if "template" in functions else None,
                   duration=self.model.duration)

        def replot(*args, **kwargs):
            if getattr(view, "amplitudes_type", None) in ("feature", "raw"):
                view.plot()

        def on_toggle_spike_reorder(sender, checked):
            view.plot()

        def on_time_range_selected(sender, interval):
            if hasattr(view, "show_time_range"):
                view.show_time_range(interval)

        connect(replot, event="selected_channel_changed")
        connect(replot, event="selected_feature_changed")
        connect(on_toggle_spike_reorder, event="toggle_spike_reorder")
        connect(on_time_range_selected, event="time_range_selected")
        on_view_closed(view, replot, on_toggle_spike_reorder, on_time_range_selected)
        return view

    def create_match_view(self):
        """Template matching of the selected cluster (``phyclone.match``)."""
        cls = view_class("MatchView")
        if cls is None:
            return None
        from phyclone.match.matcher import Matcher
        from phyclone.utils import Bunch
        state = {}

        def matcher():  # a new one when spikes were added, removed (undo) or renumbered (save)
            if state.get("samples") is not self.model.spike_samples:
                state["matcher"] = Matcher(self.model)
                state["samples"] = self.model.spike_samples
            return state["matcher"]

        def match(cluster_id):
            m = matcher()
            res = m.match([cluster_id], self.supervisor.clustering.spike_clusters)
            state["result"] = res
            r = res.clusters[cluster_id]
            return Bunch(spike_ids=r.spike_ids, errors=r.errors, members=r.members,
                         threshold=r.threshold, max_channels=m.event_channels[r.spike_ids],
                         times=np.asarray(self.model.spike_samples)[r.spike_ids]
                         / self.model.sample_rate)

        def find_missed(cluster_id, threshold):
            # over the residual of the neighbouring clusters' spikes; the automatic threshold
            # (not moved by the user) also bounds the sliding (threshold.slide_threshold)
            res = state["result"]
            auto = threshold is None or threshold == res.clusters[cluster_id].threshold
            return matcher().missed(res, cluster_id, None if auto else threshold, peel=True)

        def add_missed(cluster_id, missed):
            return self.add_missed_spikes(cluster_id, matcher(), state["result"], missed)

        return cls(match=match, assign=self.supervisor.assign_matched, find_missed=find_missed,
                   add_missed=add_missed, add_refusal=self.add_spikes_refusal,
                   export_folder=(self.export_template_folder
                                  if getattr(self.model, "kwik_path", None) is not None
                                  else None))

    def create_probe_view(self):
        cls = view_class("ProbeView")
        if cls is None:
            return None
        return cls(positions=self.model.channel_positions, best_channels=self.get_best_channels,
                   channel_labels=self._get_channel_labels())

    def _create_spike_attribute_view(self, view_name, name):
        base = view_class("ScatterView")
        if base is None:
            return None
        cls = type(view_name, (base,), {})
        return cls(coords=partial(self._spike_attribute_coords, name))

    def create_event_view(self):
        """PSTH and raster of the selected clusters around the events of ``--events``."""
        cls = view_class("EventView")
        if cls is None or self.events_path is None:
            return None
        from phyclone.io.events import load_events
        events = load_events(self.events_path, self.model.sample_rate)

        def spike_samples(cluster_id):  # in time order (added spikes come last by id)
            return np.sort(self.model.spike_samples[self._spikes_of(cluster_id)])

        return cls(events=events, spike_samples=spike_samples,
                   sample_rate=self.model.sample_rate, event_name=self.events_path.stem)

    # Views showing every cluster (they follow the cluster view by themselves) --------------------------------------------------------------
    def create_cluster_scatter_view(self):
        cls = view_class("ClusterScatterView")
        if cls is None:
            return None
        return cls(cluster_ids=self.supervisor.clustering.cluster_ids,
                   cluster_info=self.supervisor.get_cluster_info)

    def create_raster_view(self):
        cls = view_class("RasterView")
        if cls is None:
            return None
        return cls(lambda: self.model.spike_times, self.supervisor.clustering.spike_clusters,
                   cluster_ids=self.supervisor.shown_cluster_ids)

    def create_ipython_view(self):
        from phyclone.gui import IPythonView
        try:
            view = IPythonView()
        except ImportError as e:
            logger.warning("%s", e)
            return None
        view.start_kernel()
        view.inject(controller=self, c=self, m=self.model, s=self.supervisor, emit=emit,
                    connect=connect)
        return view
