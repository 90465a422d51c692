"""PanZoom: pan and zoom with mouse and keyboard, by changing two uniforms only.

GPU transform (after the layout): ``ndc = (pos + pan) * zoom_aspect`` where
``zoom_aspect`` is the zoom times the aspect-ratio correction (when ``aspect`` is set).
"""

import numpy as np

from phyclone.utils import Bunch, emit

from .transform import Scale, Translate, pixels_to_ndc


class PanZoom:
    """Pan: left drag, arrow keys. Zoom: right drag, wheel, + / -. Reset: R, double-click.

    ``aspect``: None (x and y zoom independently) or the aspect ratio to keep;
    ``zmin``/``zmax`` bound the zoom; ``constrain_bounds`` (xmin, ymin, xmax, ymax) or
    ``xmin``... keep the visible area inside these bounds (coordinates before pan-zoom).
    """

    _zoom_coeff = 1.5
    _wheel_coeff = .1
    _arrows = ("Left", "Right", "Up", "Down")

    def __init__(self, aspect=None, pan=(0., 0.), zoom=(1., 1.), zmin=1e-5, zmax=1e5,
                 xmin=None, xmax=None, ymin=None, ymax=None, constrain_bounds=None,
                 pan_var_name="u_pan", zoom_var_name="u_zoom", enable_mouse_wheel=True):
        if constrain_bounds is not None:
            xmin, ymin, xmax, ymax = constrain_bounds
        self.xmin, self.ymin, self.xmax, self.ymax = xmin, ymin, xmax, ymax
        self.aspect = aspect
        self.zmin, self.zmax = zmin, zmax
        self.pan_var_name, self.zoom_var_name = pan_var_name, zoom_var_name
        self.enable_mouse_wheel = enable_mouse_wheel
        self.enable_keyboard_pan = True
        self._default_pan = np.array(pan, dtype=np.float64)
        self._default_zoom = np.broadcast_to(np.asarray(zoom, dtype=np.float64), (2,)).copy()
        self._pan = self._default_pan.copy()
        self._zoom = self._default_zoom.copy()
        self._canvas_aspect = np.ones(2)
        self.canvas = None

    # State
    # ---------------------------------------------------------------------------------------

    @property
    def pan(self):
        return list(self._pan)

    @pan.setter
    def pan(self, value):
        self.set_pan_zoom(pan=value)

    @property
    def zoom(self):
        return list(self._zoom)

    @zoom.setter
    def zoom(self, value):
        self.set_pan_zoom(zoom=value)

    def set_constrain_bounds(self, bounds):
        self.xmin, self.ymin, self.xmax, self.ymax = bounds
        self.set_pan_zoom()

    def _zoom_aspect(self, zoom=None):
        zoom = self._zoom if zoom is None else np.asarray(zoom, dtype=np.float64)
        if self.aspect is None:
            return zoom
        return zoom * self._canvas_aspect * self.aspect

    def _constrain(self):
        self._zoom = np.clip(self._zoom, self.zmin, self.zmax)
        for i, (lo, hi) in enumerate(((self.xmin, self.xmax), (self.ymin, self.ymax))):
            if lo is None or hi is None:
                continue
            factor = self._zoom_aspect()[i] / self._zoom[i]
            zmin = 2. / (hi - lo) / factor  # the view may not be wider than the bounds
            self._zoom[i] = max(self._zoom[i], zmin)
            half = 1. / self._zoom_aspect()[i]
            p0, p1 = half - hi, -lo - half  # view inside [lo, hi]
            self._pan[i] = np.clip(self._pan[i], min(p0, p1), max(p0, p1))

    def set_pan_zoom(self, pan=None, zoom=None):
        """Set pan and/or zoom at once (constrained), update the uniforms, emit events."""
        old = (tuple(self._pan), tuple(self._zoom))
        if pan is not None:
            self._pan = np.array(pan, dtype=np.float64).reshape(2)
        if zoom is not None:
            self._zoom = np.broadcast_to(np.asarray(zoom, dtype=np.float64), (2,)).copy()
        self._constrain()
        self.update()
        if (tuple(self._pan), tuple(self._zoom)) != old:
            emit("pan", self, self.pan)
            emit("zoom", self, self.zoom)
            if self.canvas is not None:
                self.canvas.emit("pan_zoom", pan=self.pan, zoom=self.zoom)

    def pan_delta(self, d):
        """Pan by ``d`` in NDC (on screen)."""
        self.set_pan_zoom(pan=self._pan + np.asarray(d, dtype=np.float64) / self._zoom_aspect())

    def zoom_delta(self, d, p=(0., 0.), c=1.):
        """Zoom by exp(1.5 c d) on each axis, keeping the point ``p`` (NDC) fixed."""
        dx, dy = d
        if self.aspect is not None:
            dx = dy = dx if abs(dx) > abs(dy) else dy
        p = np.asarray(p, dtype=np.float64)
        za_old = self._zoom_aspect()
        zoom = self._zoom * np.exp(c * self._zoom_coeff * np.array([dx, dy]))
        zoom = np.clip(zoom, self.zmin, self.zmax)
        za_new = self._zoom_aspect(zoom)
        self.set_pan_zoom(pan=self._pan + p / za_new - p / za_old, zoom=zoom)

    def set_range(self, bounds, keep_aspect=False):
        """Show the rectangle ``bounds`` (x0, y0, x1, y1) in coordinates before pan-zoom."""
        b = np.asarray(bounds, dtype=np.float64)
        v0, v1 = b[:2], b[2:]
        za = 2. / (v1 - v0)
        if keep_aspect:
            za[:] = za.min()
        self.set_pan_zoom(pan=-(v0 + v1) / 2., zoom=za / (self._zoom_aspect(np.ones(2))))

    def get_range(self):
        """The visible rectangle (x0, y0, x1, y1) in coordinates before pan-zoom."""
        za = self._zoom_aspect()
        x0, y0 = -1. / za - self._pan
        x1, y1 = 1. / za - self._pan
        return (x0, y0, x1, y1)

    def reset(self):
        """Back to the initial pan and zoom."""
        self.set_pan_zoom(pan=self._default_pan, zoom=self._default_zoom)

    # Coordinates
    # ---------------------------------------------------------------------------------------

    def map(self, arr):
        """Coordinates before pan-zoom -> NDC on screen."""
        return Scale(self._zoom_aspect()).apply(Translate(self._pan).apply(arr))

    def imap(self, arr):
        """NDC on screen -> coordinates before pan-zoom."""
        return Translate(-self._pan).apply(Scale(1. / self._zoom_aspect()).apply(arr))

    def window_to_ndc(self, pos):
        """Mouse position in pixels -> coordinates before pan-zoom."""
        size = self.canvas.get_size() if self.canvas is not None else (1, 1)
        return self.imap(pixels_to_ndc(pos, size))[0]

    def _ndc(self, pos):
        return pixels_to_ndc(pos, self.canvas.get_size())

    # Events
    # ---------------------------------------------------------------------------------------

    def on_resize(self, e):
        w, h = e.width, e.height
        ar = w / max(float(h), 1.)
        self._canvas_aspect = np.array([1. / ar, 1.]) if ar > 1 else np.array([1., ar])
        self.set_pan_zoom()

    def on_mouse_move(self, e):
        if e.mouse_press_modifiers or e.mouse_press_position is None:
            return
        x, y = self._ndc(e.pos)
        x1, y1 = self._ndc(e.last_pos)
        if e.button == "Left":
            self.pan_delta((x - x1, y - y1))
        elif e.button == "Right":
            self.zoom_delta((x - x1, y - y1), self._ndc(e.mouse_press_position))

    def on_mouse_wheel(self, e):
        if not self.enable_mouse_wheel or e.modifiers:
            return
        d = e.delta * self._wheel_coeff
        self.zoom_delta((d, d), self._ndc(e.pos))

    def on_key_press(self, e):
        if e.modifiers:
            return
        k = .1
        moves = {"Left": (k, 0), "Right": (-k, 0), "Up": (0, -k), "Down": (0, k)}
        if self.enable_keyboard_pan and e.key in moves:
            self.pan_delta(moves[e.key])
        elif e.key in ("+", "="):
            self.zoom_delta((.05, .05))
        elif e.key == "-":
            self.zoom_delta((-.05, -.05))
        elif e.key == "R":
            self.reset()

    def on_mouse_double_click(self, e):
        if not e.modifiers:
            self.reset()

    # Canvas
    # ---------------------------------------------------------------------------------------

    def attach(self, canvas):
        """Add the pan-zoom transforms (last in the chain) and events to a canvas."""
        self.canvas = canvas
        canvas.panzoom = self
        canvas.gpu_transforms.add(
            [Translate(gpu_var=self.pan_var_name), Scale(gpu_var=self.zoom_var_name)],
            origin=self)
        canvas.inserter.insert_vert(
            f"uniform vec2 {self.pan_var_name};\nuniform vec2 {self.zoom_var_name};",
            "header", origin=self)
        canvas.attach_events(self)
        w, h = canvas.get_size()
        self.on_resize(Bunch(width=w, height=h))

    def update(self):
        """Send pan and zoom to the canvas uniforms (the only GPU change) and repaint."""
        if self.canvas is not None:
            self.canvas.set_uniform(self.pan_var_name, self._pan)
            self.canvas.set_uniform(self.zoom_var_name, self._zoom_aspect())
