"""Text: strings at positions, drawn from a run-time font atlas (one instance per glyph)."""

import numpy as np

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError

from ..arrays import as_rows, get_data_bounds, get_pos, normalize_pos, split_constants
from ..base import BaseVisual
from ..batch import box_constant, box_rows
from ..transform import NDC
from .font_atlas import get_atlas, glyph_cells


class TextVisual(BaseVisual):
    """Strings at positions, crisp at every zoom (pixel-aligned glyphs from a font atlas).

    Constructor: ``color`` (RGBA, white by default), ``font_size`` (points, 8 by default).
    Data: ``pos`` (n, 2); ``text`` (n strings); ``anchor`` ((2,) or (n, 2)): where the
    string sits relative to its position, in units of half the string's width and height:
    (0, 0) centred, (1, 1) position at the lower left of the string, (1, -1) at its upper
    left, (-1, 1) at its lower right, (-1, -1) at its upper right; values beyond +/-1 add a
    margin. ``color`` per string (optional); ``data_bounds`` (default NDC).
    ``n_vertices`` is the number of characters (one instance per glyph).
    """

    default_color = (1., 1., 1., 1.)
    default_font_size = 8.
    _init_keywords = ("color",)
    _noconcat = ("text",)
    _instanced = True

    def __init__(self, color=None, font_size=None):
        super().__init__()
        self.set_shader("text")
        self.set_primitive_type("triangle_strip")
        self.set_data_range(NDC)
        self.color = tuple(color) if color is not None else self.default_color
        self.font_size = float(font_size or self.default_font_size)
        if self.font_size <= 0:
            raise DataError(None, f"font_size must be positive, got {font_size}", "pass > 0")
        self._lengths = np.zeros(0, dtype=np.int64)
        self._atlas_key = None

    def vertex_count(self, text=None, **kwargs):
        if isinstance(text, str):
            return len(text)
        return sum(map(len, text or ()))

    def validate(self, pos=None, text=None, anchor=None, data_bounds=None, color=None,
                 **kwargs):
        text = [] if text is None else [text] if isinstance(text, str) else list(text)
        n = len(text)
        pos = np.zeros((n, 2)) if pos is None else get_pos(pos=pos)
        if len(pos) != n:
            raise DataError(None, f"{len(pos)} positions for {n} strings",
                            "pass one position per string")
        return Bunch(
            pos=pos, text=text,
            anchor=as_rows(anchor, n, 2, "anchor", (0., 0.), dtype=np.float64),
            color=as_rows(color, n, 4, "color", self.color),
            data_bounds=get_data_bounds(data_bounds, pos, n),
            _n_items=n, _n_vertices=self.vertex_count(text=text))

    def set_data(self, *args, **kwargs):
        data = self.validate(*args, **kwargs)
        text = data.text
        n = len(text)
        try:
            joined = "".join(text)
        except TypeError:
            raise DataError(None, "text must be a list of strings",
                            "convert the values with str()") from None
        lengths = np.fromiter(map(len, text), dtype=np.int64, count=n)
        self._lengths = lengths
        cells = glyph_cells(joined).astype(np.float32)
        n_glyphs = len(cells)
        self.n_vertices = n_glyphs
        self.data_range.from_bounds = data.data_bounds
        pos = normalize_pos(data.pos, data.data_bounds)
        # Glyph x offset in cells: its index in the string, shifted by the anchor.
        anchor = np.broadcast_to(data.anchor, (n, 2))
        shift = np.cumsum(lengths) - lengths - (anchor[:, 0] - 1.) / 2. * lengths
        offset_x = np.arange(n_glyphs, dtype=np.float32)
        offset_x -= np.repeat(shift.astype(np.float32), lengths)
        # Line offset (in line heights), usually the same for every string.
        line = (anchor[:, 1:] - 1.) / 2.
        line = np.repeat(line, lengths, axis=0) if len(data.anchor) > 1 else line[:1]
        color = np.repeat(data.color, lengths, axis=0) if len(data.color) > 1 else data.color
        attrs, consts = split_constants({"a_color": color, "a_line": line})
        attrs.update(a_position=np.repeat(pos, lengths, axis=0), a_offset=offset_x,
                     a_glyph=cells)
        get_atlas(self.font_size, self._pixel_ratio())  # built here, not in the GL thread
        self.upload(attributes=attrs, constants=consts,
                    divisors={k: 1 for k in ("a_position", "a_offset", "a_line", "a_glyph",
                                             "a_color")},
                    draw={"count": 4, "instances": n_glyphs})
        return data

    def set_box_index(self, box_index, data=None):
        """One box for all, one per string, or one per glyph."""
        lengths = self._lengths
        if box_constant(box_index, self.n_vertices) is None and len(lengths) != self.n_vertices:
            b = np.asarray(box_index)
            if len(b) == len(lengths):
                box_index = np.repeat(box_rows(b, len(b)), lengths, axis=0)
        super().set_box_index(box_index, data=data)

    def _pixel_ratio(self):
        return float(getattr(self.canvas, "pixel_ratio", 1.))

    def gl_flush(self):
        ratio = self._pixel_ratio()
        key = (self.font_size, ratio)
        if key != self._atlas_key:
            self._atlas_key = key
            atlas = get_atlas(self.font_size, ratio)
            self.upload(textures={"u_atlas": atlas.image},
                        uniforms={"u_cell_size": atlas.cell_size,
                                  "u_atlas_columns": float(atlas.columns)}, notify=False)
        super().gl_flush()
