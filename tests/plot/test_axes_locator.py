"""Tick placement and labels (no GL)."""

import numpy as np
import pytest

from phyclone.plot.axes import AxisLocator, format_ticks, nice_step, nice_ticks


@pytest.mark.parametrize("span,nbins,step", [(10, 5, 2), (1, 4, .25), (7, 7, 1), (0.003, 3, .001),
                                             (1234, 5, 250), (95, 10, 10)])
def test_nice_step(span, nbins, step):
    assert nice_step(span, nbins) == pytest.approx(step)


def test_nice_ticks_are_multiples_inside():
    ticks, step = nice_ticks(-3.3, 12.1, 6)
    assert np.all((ticks >= -3.3) & (ticks <= 12.1))
    np.testing.assert_allclose(ticks / step, np.round(ticks / step))
    assert len(ticks) <= 7


def test_format_ticks():
    assert format_ticks(np.array([0., .25, .5]), .25) == ["0", "0.25", "0.50"]
    assert format_ticks(np.array([-10., 0., 10.]), 10.) == ["-10", "0", "10"]
    assert format_ticks(np.array([1e7, 2e7]), 1e7) == ["1e+07", "2e+07"]


def test_locator_view_coordinates():
    loc = AxisLocator(nbinsx=4, nbinsy=4, data_bounds=(0, -10, 100, 10))
    loc.set_view_bounds((-1, -1, 1, 1))
    # ticks in data units map back to NDC through the data bounds
    np.testing.assert_allclose(loc.xticks_view, loc.xticks / 50. - 1.)
    np.testing.assert_allclose(loc.yticks_view, loc.yticks / 10.)
    assert {"0", "50", "100"} <= set(loc.xtext)
    # ticks cover one view width on each side of the view
    assert loc.xticks.min() <= -100 + 25 and loc.xticks.max() >= 200 - 25
    loc.set_view_bounds((0, 0, .1, .1))  # zoomed in: finer ticks
    assert np.diff(loc.xticks).min() < 5
