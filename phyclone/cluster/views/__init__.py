"""Manual clustering views: one module per view, on the ``ManualClusteringView`` base."""

from .base import LassoMixin, ManualClusteringView, MarkerSizeMixin, ScalingMixin
from .matplotlib_view import ManualClusteringViewMatplotlib
from .event import EventView
from .trace import TraceView, select_traces
from .trace_image import TraceImageView

__all__ = [
    "LassoMixin", "ManualClusteringView", "ManualClusteringViewMatplotlib", "MarkerSizeMixin",
    "ScalingMixin",
    "EventView", "TraceImageView", "TraceView", "select_traces",
]
