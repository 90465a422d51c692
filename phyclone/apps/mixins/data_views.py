"""The view creators of the data mixins (phy's ``WaveformMixin``, ``FeatureMixin``,
``TemplateMixin``, ``TraceMixin``): each adds its views to the controller's
``view_creator``; the data they show comes from ``phyclone.controller``'s mixins."""

import numpy as np

from phyclone.controller.features import FeatureDataMixin
from phyclone.controller.templates import TemplateDataMixin
from phyclone.controller.traces import TraceDataMixin
from phyclone.controller.waveforms import WaveformDataMixin
from phyclone.utils import connect

from .views import on_view_closed, view_class


class WaveformMixin(WaveformDataMixin):
    """Waveform view."""

    def _set_view_creator(self):
        super()._set_view_creator()
        self.view_creator["WaveformView"] = self.create_waveform_view

    def create_waveform_view(self):
        cls = view_class("WaveformView")
        waveforms = self._get_waveforms_dict()
        if cls is None or not waveforms:
            return None
        view = cls(waveforms=waveforms, sample_rate=self.model.sample_rate)
        view.ex_status = self.raw_data_filter.current
        return view


class FeatureMixin(FeatureDataMixin):
    """Feature view."""

    def _set_view_creator(self):
        super()._set_view_creator()
        self.view_creator["FeatureView"] = self.create_feature_view

    def create_feature_view(self):
        cls = view_class("FeatureView")
        if cls is None or getattr(self.model, "features", None) is None:
            return None
        view = cls(features=self._get_features,
                   attributes={"time": self._get_feature_view_spike_times})

        def on_toggle_spike_reorder(sender, checked):
            view.replot() if hasattr(view, "replot") else view.plot()

        connect(on_toggle_spike_reorder, event="toggle_spike_reorder")
        on_view_closed(view, on_toggle_spike_reorder)
        return view


class TemplateMixin(TemplateDataMixin):
    """Template and template feature views."""

    def _set_view_creator(self):
        super()._set_view_creator()
        self.view_creator["TemplateView"] = self.create_template_view
        self.view_creator["TemplateFeatureView"] = self.create_template_feature_view

    def create_template_view(self):
        cls = view_class("TemplateView")
        if cls is None:
            return None
        return cls(templates=self._get_all_templates,
                   channel_ids=np.arange(self.model.n_channels),
                   channel_labels=self._get_channel_labels(),
                   cluster_ids=self.supervisor.shown_cluster_ids)

    def create_template_feature_view(self):
        cls = view_class("TemplateFeatureView")
        if cls is None or getattr(self.model, "sparse_template_features", None) is None:
            return None
        return cls(coords=self._get_template_features)


class TraceMixin(TraceDataMixin):
    """Trace and trace image views."""

    def _set_view_creator(self):
        super()._set_view_creator()
        self.view_creator["TraceView"] = self.create_trace_view
        self.view_creator["TraceImageView"] = self.create_trace_image_view

    def _trace_view_kwargs(self):
        return dict(sample_rate=self.model.sample_rate, duration=self.model.duration,
                    n_channels=self.model.n_channels,
                    channel_labels=self._get_channel_labels(),
                    channel_positions=self.model.channel_positions)

    def create_trace_view(self):
        cls = view_class("TraceView")
        if cls is None or getattr(self.model, "traces", None) is None:
            return None
        views = []

        def traces(interval):
            show_all = bool(views and getattr(views[0], "show_all_spikes", False))
            return self._get_traces(interval, show_all_spikes=show_all)

        view = cls(traces=traces, spike_times=self._trace_spike_times,
                   **self._trace_view_kwargs())
        views.append(view)
        view.ex_status = self.raw_data_filter.current

        def on_select_time(sender, time):
            view.go_to(time)

        connect(on_select_time, event="select_time")
        on_view_closed(view, on_select_time)
        return view

    def create_trace_image_view(self):
        cls = view_class("TraceImageView")
        if cls is None or getattr(self.model, "traces", None) is None:
            return None
        view = cls(traces=self._get_traces, **self._trace_view_kwargs())

        def on_select_time(sender, time):
            view.go_to(time)

        connect(on_select_time, event="select_time")
        on_view_closed(view, on_select_time)
        return view
