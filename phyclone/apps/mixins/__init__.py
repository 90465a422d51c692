"""Parts of the controllers (phy's mixins): data of the waveform, feature, template and trace
views, amplitudes, statistics, view creators and the GUI."""

from .features import FeatureMixin
from .templates import TemplateMixin
from .traces import TraceMixin
from .waveforms import WaveformMixin

__all__ = ["FeatureMixin", "TemplateMixin", "TraceMixin", "WaveformMixin"]
