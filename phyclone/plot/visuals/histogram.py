"""Histograms: one instanced rectangle per bin, all histograms in one draw call."""

import numpy as np

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError

from ..arrays import DEFAULT_COLOR, as_rows, split_constants
from ..base import BaseVisual


class HistogramVisual(BaseVisual):
    """Bar histograms. Data: ``hist`` (1D, or 2D with one histogram per row); ``color``
    (one RGBA or one per histogram); ``ylim`` (top of the view per histogram; default the
    maximum). Each histogram fills NDC (x: bins, y: 0..ylim). ``n_vertices`` is the total
    number of bins (one instance per bin)."""

    default_color = DEFAULT_COLOR
    _instanced = True

    def __init__(self):
        super().__init__()
        self.set_shader("histogram")
        self.set_primitive_type("triangle_strip")

    def vertex_count(self, hist=None, **kwargs):
        return np.atleast_2d(hist).size

    def validate(self, hist=None, color=None, ylim=None, **kwargs):
        if hist is None:
            raise DataError(None, "HistogramVisual needs hist", "pass hist=...")
        hist = np.asarray(hist, dtype=np.float64)
        hist = hist[np.newaxis, :] if hist.ndim == 1 else hist
        if hist.ndim != 2:
            raise DataError(None, f"hist must be 1D or 2D, got shape {hist.shape}",
                            "one row per histogram")
        n_hists = len(hist)
        if ylim is None:
            ylim = hist.max() if hist.size else 1.
        ylim = as_rows(ylim, n_hists, 1, "ylim", dtype=np.float64)
        ylim = np.where(ylim > 0, ylim, 1.)
        return Bunch(hist=hist, color=as_rows(color, n_hists, 4, "color", self.default_color),
                     ylim=ylim, _n_items=n_hists, _n_vertices=hist.size)

    def set_data(self, *args, **kwargs):
        data = self.validate(*args, **kwargs)
        hist = data.hist
        n_hists, n_bins = hist.shape
        n = hist.size
        self.n_vertices = n
        rect = np.empty((n_hists, n_bins, 4), dtype=np.float32)
        edges = np.linspace(-1., 1., n_bins + 1)
        rect[:, :, 0] = edges[:-1]
        rect[:, :, 2] = edges[1:]
        rect[:, :, 1] = -1.
        rect[:, :, 3] = -1. + 2. * hist / data.ylim
        color = np.repeat(data.color, n_bins, axis=0) if len(data.color) > 1 else data.color
        attrs, consts = split_constants({"a_color": color})
        attrs["a_rect"] = rect.reshape(n, 4)
        self.upload(attributes=attrs, constants=consts,
                    divisors={"a_rect": 1, "a_color": 1},
                    draw={"count": 4, "instances": n})
        return data
