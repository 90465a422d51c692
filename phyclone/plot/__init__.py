"""OpenGL plotting engine (phy.plot's API): canvas, visuals, transforms, layouts, interacts.

Make a canvas, set a layout, add visuals (possibly batched), attach pan-zoom/lasso/axes::

    canvas = PlotCanvas()
    canvas.set_layout('grid', shape=(2, 2))
    visual = ScatterVisual()
    canvas.add_visual(visual)
    for i, cluster in enumerate(clusters):
        visual.add_batch_data(pos=cluster.pos, color=cluster.color, box_index=(i // 2, i % 2))
    canvas.update_visual(visual)       # one draw call for every cluster
    canvas.enable_axes(); canvas.enable_lasso()
    image = canvas.grab_image()        # (h, w, 4) uint8
"""

# ruff: noqa: E402 (the environment is prepared before the modules importing OpenGL)
from phyclone.utils.runtime import prepare_imports

prepare_imports()  # before OpenGL is imported: GLX, no glGetError after every call

from .arrays import DEFAULT_COLOR, get_linear_x
from .axes import AxisLocator, Axes
from .base import BaseVisual
from .batch import BatchAccumulator
from .canvas import BaseCanvas
from .geometry import get_non_overlapping_boxes, in_polygon
from .inserter import GLSLInserter
from .interact import BaseLayout, Boxed, Grid, Stacked
from .lasso import Lasso
from .mpl_canvas import PlotCanvasMpl
from .panzoom import PanZoom
from .plot import PlotCanvas
from .transform import (
    NDC, Clip, Range, Scale, Subplot, TransformChain, Translate, extend_bounds,
    pixels_to_ndc, subplot_bounds,
)
from .visuals import (
    MARKERS, HistogramVisual, ImageVisual, LineVisual, PlotVisual, PolygonVisual,
    ScatterVisual, TextVisual, UniformPlotVisual, UniformScatterVisual,
)
