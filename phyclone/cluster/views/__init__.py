"""Manual clustering views: one module per view, on the ``ManualClusteringView`` base."""

from .amplitude import AmplitudeView
from .base import LassoMixin, ManualClusteringView, MarkerSizeMixin, ScalingMixin
from .cluscatter import ClusterScatterView
from .correlogram import CorrelogramView
from .event import EventView
from .feature import FeatureView
from .firing_rate import FiringRateView
from .global_view import BaseColorView, BaseGlobalView
from .histogram import HistogramView
from .isi import ISIView
from .match import MatchView
from .matplotlib_view import ManualClusteringViewMatplotlib
from .probe import ProbeView
from .raster import RasterView
from .rotating import RotatingProperty
from .scatter import (
    ScatterView, make_spike_attribute_view, spike_attribute_coords, spike_attribute_view_class,
    spike_attribute_view_name,
)
from .template import TemplateView
from .template_feature import TemplateFeatureView
from .trace import TraceView, select_traces
from .trace_image import TraceImageView
from .waveform import WaveformView

__all__ = [
    "AmplitudeView", "FeatureView", "LassoMixin", "ManualClusteringView",
    "ManualClusteringViewMatplotlib", "MarkerSizeMixin", "ProbeView", "RotatingProperty",
    "ScalingMixin", "ScatterView", "TemplateFeatureView", "WaveformView",
    "make_spike_attribute_view", "spike_attribute_coords", "spike_attribute_view_class",
    "spike_attribute_view_name",
    "BaseColorView", "BaseGlobalView", "ClusterScatterView", "CorrelogramView",
    "FiringRateView", "HistogramView", "ISIView", "RasterView", "TemplateView",
    "EventView", "MatchView", "TraceImageView", "TraceView", "select_traces",
]
