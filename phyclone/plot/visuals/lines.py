"""Line segments and polygon outlines."""

import numpy as np

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError

from ..arrays import as_rows, get_data_bounds, normalize_pos, split_constants
from ..base import BaseVisual
from ..transform import NDC


class LineVisual(BaseVisual):
    """Independent segments. Data: ``pos`` (n, 4) rows x0, y0, x1, y1; ``color`` (one RGBA
    or one per segment); ``data_bounds`` (default NDC; 4 numbers or one row per segment).
    ``n_vertices`` is 2 per segment."""

    default_color = (.3, .3, .3, 1.)

    def __init__(self):
        super().__init__()
        self.set_shader("line")
        self.set_primitive_type("lines")
        self.set_data_range(NDC)

    def vertex_count(self, pos=None, **kwargs):
        return 2 * len(np.atleast_2d(pos))

    def validate(self, pos=None, color=None, data_bounds=None, **kwargs):
        if pos is None:
            raise DataError(None, "LineVisual needs pos (n, 4)", "pass pos=...")
        pos = np.atleast_2d(np.asarray(pos, dtype=np.float64))
        if pos.shape[1] != 4:
            raise DataError(None, f"LineVisual pos must be (n, 4), got {pos.shape}",
                            "one row x0, y0, x1, y1 per segment")
        n = len(pos)
        return Bunch(pos=pos, color=as_rows(color, n, 4, "color", self.default_color),
                     data_bounds=get_data_bounds(data_bounds, n=n),
                     _n_items=n, _n_vertices=2 * n)

    def set_data(self, *args, **kwargs):
        data = self.validate(*args, **kwargs)
        n = len(data.pos)
        self.n_vertices = 2 * n
        b = data.data_bounds
        self.data_range.from_bounds = b
        per_vertex = np.repeat(b, 2, axis=0) if len(b) > 1 else b
        pos = normalize_pos(data.pos.reshape(-1, 2), per_vertex)
        color = np.repeat(data.color, 2, axis=0) if len(data.color) > 1 else data.color
        attrs, consts = split_constants({"a_color": color})
        attrs["a_position"] = pos
        self.upload(attributes=attrs, constants=consts, draw={"count": 2 * n})
        return data


class PolygonVisual(BaseVisual):
    """A closed outline. Data: ``pos`` (n, 2) vertices; ``data_bounds`` (default NDC).
    The colour is ``color`` (constructor or data; white by default)."""

    default_color = (1., 1., 1., 1.)

    def __init__(self, color=None):
        super().__init__()
        self.set_shader("line")
        self.set_primitive_type("line_loop")
        self.set_data_range(NDC)
        self.color = tuple(color) if color is not None else self.default_color

    def vertex_count(self, pos=None, **kwargs):
        return len(np.atleast_2d(pos)) if pos is not None and np.size(pos) else 0

    def validate(self, pos=None, data_bounds=None, color=None, **kwargs):
        pos = np.zeros((0, 2)) if pos is None else np.asarray(pos, dtype=np.float64)
        pos = pos.reshape(-1, 2)
        return Bunch(pos=pos, data_bounds=get_data_bounds(data_bounds),
                     color=as_rows(color, 1, 4, "color", self.color),
                     _n_items=len(pos), _n_vertices=len(pos))

    def set_data(self, *args, **kwargs):
        data = self.validate(*args, **kwargs)
        n = len(data.pos)
        self.n_vertices = n
        self.data_range.from_bounds = data.data_bounds
        self.upload(attributes={"a_position": normalize_pos(data.pos, data.data_bounds)},
                    constants={"a_color": data.color[0]}, draw={"count": n})
        return data
