"""PlotCanvas: the canvas views use (layouts, pan-zoom, lasso, axes, one-call plotting)."""

from .axes import Axes
from .canvas import BaseCanvas
from .interact import BaseLayout, Boxed, Grid, Stacked
from .lasso import Lasso
from .mpl_canvas import PlotCanvasMpl  # noqa: F401 (phy's phy.plot.plot.PlotCanvasMpl)
from .panzoom import PanZoom
from .transform import NDC, Range
from .visuals import (
    HistogramVisual, ImageVisual, LineVisual, PlotVisual, PolygonVisual, ScatterVisual,
    TextVisual, UniformPlotVisual, UniformScatterVisual,
)


class PlotCanvas(BaseCanvas):
    """A canvas with an optional layout, pan-zoom (on by default), lasso and axes.

    ``canvas[i, j].scatter(...)`` draws in subplot (i, j); ``add_visual(visual, **data)``
    adds and sets data (or the visual's accumulated batch) in one call.
    """

    has_panzoom = True
    has_axes = False
    has_lasso = False
    constrain_bounds = (-2, -2, +2, +2)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.layout = None
        self.interact = None
        self.panzoom = None
        self.axes = None
        self.lasso = None
        self.grid = self.boxed = self.stacked = None
        self.n_plots = 1
        self._current_box_index = (0,)
        self._enabled = False

    def _enable(self):
        self._enabled = True
        if self.has_panzoom and self.panzoom is None:
            self.enable_panzoom()
        if self.has_axes and self.axes is None:
            self.enable_axes()
        if self.has_lasso and self.lasso is None:
            self.enable_lasso()

    def set_layout(self, layout=None, shape=None, n_plots=None, origin=None, box_pos=None,
                   box_size=None, has_clip=True, keep_aspect_ratio=False, box_bounds=None):
        """Set the layout: 'grid' (``shape``), 'boxed' (``box_pos``, ``box_size``, or phy 2.0's
        NDC ``box_bounds``), 'stacked' (``n_plots``, ``origin``), a BaseLayout, or None."""
        if self.layout is not None:
            self.layout.detach()
        self.grid = self.boxed = self.stacked = None
        if layout == "grid":
            self.grid = lay = Grid(shape or (1, 1), has_clip=has_clip)
            self._current_box_index = (0, 0)
            self.n_plots = lay.shape[0] * lay.shape[1]
        elif layout == "boxed":
            self.boxed = lay = Boxed(box_pos=box_pos, box_size=box_size,
                                     keep_aspect_ratio=keep_aspect_ratio, box_bounds=box_bounds)
            self._current_box_index = (0,)
            self.n_plots = lay.n_boxes
        elif layout == "stacked":
            self.stacked = lay = Stacked(n_plots, origin=origin)
            self._current_box_index = (0,)
            self.n_plots = lay.n_boxes
        elif isinstance(layout, BaseLayout):
            lay = layout
        elif layout is None:
            lay = None
        else:
            raise ValueError(f"unknown layout {layout!r}: grid, boxed, stacked or None")
        self.interact = lay
        if lay is not None:
            lay.attach(self)
        else:
            self.layout = None
        self.update()
        return lay

    def __getitem__(self, box_index):
        """``canvas[i, j]``: the next plotting calls draw in that box."""
        self._current_box_index = box_index if isinstance(box_index, tuple) else (box_index,)
        return self

    @property
    def canvas(self):
        return self

    def add_visual(self, visual, *args, **kwargs):
        """Add a visual; remaining arguments (or its batch) are passed to ``set_data``.

        Reserved keywords: ``clearable``, ``key``, ``exclude_origins``, ``box_index``.
        """
        if not self._enabled:
            self._enable()
        super().add_visual(visual, clearable=kwargs.pop("clearable", True),
                           key=kwargs.pop("key", None),
                           exclude_origins=kwargs.pop("exclude_origins", ()))
        self.update_visual(visual, *args, **kwargs)
        return visual

    def update_visual(self, visual, *args, **kwargs):
        """Set the data of a visual: explicit arguments, or the visual's accumulated batch
        (``add_batch_data``), then its box index. Safe from a worker thread."""
        if not self._enabled:
            self._enable()
        kwargs.update(visual.batch_data)
        box_index = kwargs.pop("box_index", None)
        if not args and not kwargs and box_index is None:
            return visual
        data = visual.set_data(*args, **kwargs) if (args or kwargs) else None
        if self.layout is not None and (data is not None or box_index is not None):
            if box_index is None:
                box_index = self._current_box_index
                box_index = box_index[0] if len(box_index) == 1 else box_index
            visual.set_box_index(box_index, data=data)
        return visual

    # One-call plotting
    # ---------------------------------------------------------------------------------------

    def scatter(self, *args, **kwargs):
        return self.add_visual(ScatterVisual(marker=kwargs.pop("marker", None)), *args, **kwargs)

    def uscatter(self, *args, **kwargs):
        return self.add_visual(UniformScatterVisual(
            marker=kwargs.pop("marker", None), color=kwargs.pop("color", None),
            size=kwargs.pop("size", None)), *args, **kwargs)

    def plot(self, *args, **kwargs):
        return self.add_visual(PlotVisual(), *args, **kwargs)

    def uplot(self, *args, **kwargs):
        return self.add_visual(UniformPlotVisual(color=kwargs.pop("color", None)),
                               *args, **kwargs)

    def lines(self, *args, **kwargs):
        return self.add_visual(LineVisual(), *args, **kwargs)

    def text(self, *args, **kwargs):
        return self.add_visual(TextVisual(color=kwargs.pop("color", None),
                                          font_size=kwargs.pop("font_size", None)),
                               *args, **kwargs)

    def polygon(self, *args, **kwargs):
        return self.add_visual(PolygonVisual(), *args, **kwargs)

    def hist(self, *args, **kwargs):
        return self.add_visual(HistogramVisual(), *args, **kwargs)

    def image(self, *args, **kwargs):
        return self.add_visual(ImageVisual(), *args, **kwargs)

    # Interacts
    # ---------------------------------------------------------------------------------------

    def enable_panzoom(self, **kwargs):
        """Attach a PanZoom (keyword arguments go to PanZoom); once per canvas."""
        if self.panzoom is None:
            kwargs.setdefault("constrain_bounds", self.constrain_bounds)
            self.panzoom = PanZoom(**kwargs)
            self.panzoom.attach(self)
        return self.panzoom

    def enable_lasso(self):
        """Attach a Lasso (ctrl+click); once per canvas."""
        if self.lasso is None:
            self.lasso = Lasso()
            self.lasso.attach(self)
        return self.lasso

    def enable_axes(self, data_bounds=None, show_x=True, show_y=True):
        """Attach Axes; a second call only resets their data bounds."""
        if self.axes is None:
            self.axes = Axes(data_bounds=data_bounds, show_x=show_x, show_y=show_y)
            self.axes.attach(self)
        elif data_bounds is not None:
            self.axes.reset_data_bounds(data_bounds)
        return self.axes

    # Coordinates
    # ---------------------------------------------------------------------------------------

    def window_to_data(self, pos, data_bounds=None):
        """(box, (x, y)) of a mouse position in pixels: the box under the mouse (None
        without layout) and the position in data coordinates (``data_bounds`` being the
        data bounds the visuals of that box were set with; NDC by default)."""
        if self.layout is not None:
            box, xy = self.layout.box_map(pos)
        else:
            box, xy = None, tuple(self.window_to_ndc(pos))
        xy = Range(NDC, data_bounds if data_bounds is not None else NDC).apply([xy])[0]
        return box, (float(xy[0]), float(xy[1]))
