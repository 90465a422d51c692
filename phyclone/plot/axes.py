"""Axes: grid lines and tick labels following pan and zoom, at "nice" tick values."""

import math

import numpy as np

from .transform import NDC, Range
from .visuals import LineVisual, TextVisual

_STEPS = (1., 2., 2.5, 5., 10.)


def nice_step(span, nbins):
    """The smallest step in {1, 2, 2.5, 5} x 10^k giving at most ``nbins`` intervals."""
    raw = abs(span) / max(nbins, 1)
    if raw <= 0 or not np.isfinite(raw):
        return 1.
    mag = 10. ** math.floor(math.log10(raw))
    return next(s * mag for s in _STEPS if s * mag >= raw * (1 - 1e-9))


def nice_ticks(lo, hi, nbins):
    """Multiples of ``nice_step`` in [lo, hi]."""
    step = nice_step(hi - lo, nbins)
    return np.arange(math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9) + 1) * step, step


def format_ticks(ticks, step):
    """Labels with as many decimals as the step needs ('%g' style for extreme values)."""
    big = np.max(np.abs(ticks)) if len(ticks) else 0
    if big >= 1e6 or step < 1e-4:
        return [f"{v:.4g}" for v in ticks]
    decimals = 0  # fewest decimals writing the step exactly (0.25 -> 2, 5 -> 0)
    while decimals < 12 and abs(step * 10 ** decimals - round(step * 10 ** decimals)) > 1e-6:
        decimals += 1
    return [f"{v:.{decimals}f}" if abs(v) > step * 1e-6 else "0" for v in ticks]


class AxisLocator:
    """Tick positions for a view. ``data_bounds``: data coordinates of the unzoomed view
    (NDC by default); ``set_view_bounds`` (NDC, before pan-zoom) computes ``xticks``,
    ``yticks`` (data), ``xticks_view``, ``yticks_view`` (NDC), ``xtext``, ``ytext``.

    Ticks cover the view and one view-size margin on each side so that panning only moves
    them on the GPU until the view leaves the covered range.
    """

    def __init__(self, nbinsx=None, nbinsy=None, data_bounds=None):
        self.data_bounds = tuple(data_bounds) if data_bounds is not None else NDC
        self.set_nbins(nbinsx, nbinsy)
        self.set_view_bounds(NDC)

    def set_nbins(self, nbinsx=None, nbinsy=None):
        self.nbinsx = int(nbinsx or 6)
        self.nbinsy = int(nbinsy or 5)

    def set_view_bounds(self, view_bounds=None):
        x0, y0, x1, y1 = view_bounds if view_bounds is not None else NDC
        w, h = x1 - x0, y1 - y0
        self.covered = (x0 - w, y0 - h, x1 + w, y1 + h)
        self.view_size = (w, h)
        to_data = Range(NDC, self.data_bounds)
        (dx0, dy0), (dx1, dy1) = to_data.apply([self.covered[:2], self.covered[2:]])
        self.xticks, xstep = nice_ticks(min(dx0, dx1), max(dx0, dx1), 3 * self.nbinsx)
        self.yticks, ystep = nice_ticks(min(dy0, dy1), max(dy0, dy1), 3 * self.nbinsy)
        to_view = to_data.inverse()
        self.xticks_view = to_view.apply(np.c_[self.xticks, np.zeros(len(self.xticks))])[:, 0]
        self.yticks_view = to_view.apply(np.c_[np.zeros(len(self.yticks)), self.yticks])[:, 1]
        self.xtext = format_ticks(self.xticks, xstep)
        self.ytext = format_ticks(self.yticks, ystep)


def _fix_coordinate(visual, coord):
    """Keep ``coord`` of the visual's positions out of pan-zoom (e.g. x grid lines span the
    whole height whatever the vertical pan)."""
    visual.inserter.insert_vert(f"gl_Position.{coord} = pos_orig.{coord};", "after_transforms")


class Axes:
    """Grid lines and tick labels that follow pan and zoom.

    ``data_bounds``: data coordinates of the unzoomed view; ``color`` of the grid;
    ``show_x``/``show_y``: vertical/horizontal lines and labels.
    """

    default_color = (1., 1., 1., .25)
    label_color = (1., 1., 1., .75)

    def __init__(self, data_bounds=None, color=None, show_x=True, show_y=True):
        self.show_x, self.show_y = show_x, show_y
        self.color = color or self.default_color
        self.canvas = None
        self.xvisual, self.txvisual = LineVisual(), TextVisual(color=self.label_color)
        self.yvisual, self.tyvisual = LineVisual(), TextVisual(color=self.label_color)
        for v in (self.xvisual, self.txvisual):
            _fix_coordinate(v, "y")
        for v in (self.yvisual, self.tyvisual):
            _fix_coordinate(v, "x")
        self.locator = AxisLocator(data_bounds=data_bounds)

    def reset_data_bounds(self, data_bounds, do_update=True):
        """New data coordinates of the unzoomed view."""
        nx, ny = self.locator.nbinsx, self.locator.nbinsy
        self.locator = AxisLocator(nx, ny, data_bounds)
        if do_update:
            self.update_visuals()

    def attach(self, canvas):
        """Add the axes visuals (outside any layout, with pan-zoom) to a canvas."""
        self.canvas = canvas
        canvas.axes = self
        layout = getattr(canvas, "layout", None)
        exclude = (layout,) if layout is not None else ()
        visuals = ([self.xvisual, self.txvisual] if self.show_x else []) + \
                  ([self.yvisual, self.tyvisual] if self.show_y else [])
        for v in visuals:
            canvas.add_visual(v, clearable=False, exclude_origins=exclude)
        canvas.attach_events(self)
        self.on_resize(None)

    def _view_bounds(self):
        pz = getattr(self.canvas, "panzoom", None)
        return pz.get_range() if pz is not None else NDC

    def update_visuals(self):
        """Recompute the ticks for the current view and upload them."""
        loc = self.locator
        loc.set_view_bounds(self._view_bounds())
        if self.show_x:
            xv = loc.xticks_view
            one = np.ones(len(xv))
            self.xvisual.set_data(pos=np.c_[xv, -one, xv, one], color=self.color)
            self.txvisual.set_data(pos=np.c_[xv, -one], text=loc.xtext, anchor=(0, 1.1))
        if self.show_y:
            yv = loc.yticks_view
            one = np.ones(len(yv))
            self.yvisual.set_data(pos=np.c_[-one, yv, one, yv], color=self.color)
            self.tyvisual.set_data(pos=np.c_[-one, yv], text=loc.ytext, anchor=(1.1, 0))

    def on_pan_zoom(self, e):
        """Recompute the ticks only when the view left the covered range or the zoom level
        changed noticeably; otherwise pan-zoom moves them on the GPU."""
        x0, y0, x1, y1 = self._view_bounds()
        cx0, cy0, cx1, cy1 = self.locator.covered
        w0, h0 = self.locator.view_size
        ratio = max((x1 - x0) / w0, w0 / (x1 - x0), (y1 - y0) / h0, h0 / (y1 - y0))
        if x0 < cx0 or x1 > cx1 or y0 < cy0 or y1 > cy1 or ratio > 1.5:
            self.update_visuals()

    def on_resize(self, e):
        w, h = self.canvas.get_size()
        self.locator.set_nbins(max(2, w // 120), max(2, h // 70))
        self.update_visuals()
