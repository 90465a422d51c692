"""Visuals: scatter, plot, histogram, lines, polygon, text, image."""

from ..arrays import DEFAULT_COLOR
from .histogram import HistogramVisual
from .image import ImageVisual
from .lines import LineVisual, PolygonVisual
from .plot import PlotVisual, UniformPlotVisual
from .scatter import MARKERS, ScatterVisual, UniformScatterVisual
from .text import TextVisual
