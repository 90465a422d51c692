"""The GUI parts of the controllers (phy's mixins): the view creators of the waveform,
feature, template and trace data (``phyclone.controller``), the other views, and the GUI."""

from .data_views import FeatureMixin, TemplateMixin, TraceMixin, WaveformMixin

__all__ = ["FeatureMixin", "TemplateMixin", "TraceMixin", "WaveformMixin"]
