"""Fixture for plot tests: a small PlotCanvas (pixel helpers are in plot_pixels.py)."""

import pytest

from plot_pixels import H, W


@pytest.fixture
def canvas(qapp):
    from phyclone.plot import PlotCanvas
    c = PlotCanvas()
    c.resize(W, H)
    yield c
    c.close()
