"""Lasso: draw a polygon with ctrl+click and find the points inside."""

import logging

import numpy as np

from phyclone.utils import emit

from .geometry import in_polygon
from .visuals import PolygonVisual

logger = logging.getLogger(__name__)


class Lasso:
    """Ctrl + left click adds a vertex (in the coordinates of the box of the first click,
    before layout and pan-zoom: the coordinates visuals use); ctrl + right click clears.

    ``polygon`` is the (n, 2) vertex array, ``box`` the box it was drawn in,
    ``in_polygon(points)`` the mask of points inside. Emits ``lasso_updated(canvas, polygon)``.
    """

    def __init__(self, color=(1., 1., 1., .8)):
        self._points = []
        self.canvas = None
        self.visual = None
        self.box = None
        self.color = color

    @property
    def polygon(self):
        return np.array(self._points, dtype=np.float64).reshape(-1, 2)

    @property
    def count(self):
        return len(self._points)

    def add(self, pos):
        """Add a vertex."""
        x, y = np.ravel(pos)[:2]
        self._points.append((float(x), float(y)))
        self._update_visual()

    def clear(self):
        """Remove every vertex."""
        self._points = []
        self.box = None
        self._update_visual()

    def in_polygon(self, pos):
        """Boolean mask of the points (n, 2) inside the lasso polygon."""
        return in_polygon(pos, self.polygon)

    def attach(self, canvas):
        """Add the lasso's polygon visual and events to a canvas."""
        self.canvas = canvas
        canvas.lasso = self
        canvas.attach_events(self)
        self.visual = PolygonVisual(color=self.color)
        canvas.add_visual(self.visual, clearable=False)

    def _update_visual(self):
        if self.visual is None:
            return
        self.visual.set_data(pos=self.polygon)
        if self.box is not None:
            self.visual.set_box_index(self.box)

    def on_mouse_click(self, e):
        if "Control" not in e.modifiers:
            return
        if e.button != "Left":
            self.clear()
            emit("lasso_updated", self.canvas, self.polygon)
            return
        layout = getattr(self.canvas, "layout", None)
        if layout is not None:
            box, pos = layout.box_map(e.pos)
            if self.box is None:
                self.box = box
            if box != self.box:  # stay in the box of the first click
                return
        else:
            pos = self.canvas.window_to_ndc(e.pos)
        self.add(pos)
        logger.debug("Lasso has %d points.", self.count)
        emit("lasso_updated", self.canvas, self.polygon)
