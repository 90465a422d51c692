"""PanZoom arithmetic without a canvas: map/imap, ranges, zoom around a point, bounds."""

import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

from phyclone.plot.panzoom import PanZoom

f = st.floats(-5, 5)
z = st.floats(.05, 50)
pts = arrays(np.float64, (6, 2), elements=st.floats(-10, 10))


@given(f, f, z, z, pts, st.sampled_from([None, 1., 2.]))
def test_map_imap_identity(px, py, zx, zy, pos, aspect):
    pz = PanZoom(aspect=aspect, zmin=1e-3, zmax=1e3)
    pz._canvas_aspect = np.array([.75, 1.])
    pz.set_pan_zoom(pan=(px, py), zoom=(zx, zy))
    np.testing.assert_allclose(pz.imap(pz.map(pos)), pos, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(pz.map(pz.imap(pos)), pos, rtol=1e-9, atol=1e-9)


@given(st.tuples(st.floats(-3, 3), st.floats(-3, 3), st.floats(.1, 4), st.floats(.1, 4)))
def test_set_range_get_range(b):
    x0, y0, w, h = b
    pz = PanZoom(zmin=1e-3, zmax=1e3)
    pz.set_range((x0, y0, x0 + w, y0 + h))
    np.testing.assert_allclose(pz.get_range(), (x0, y0, x0 + w, y0 + h), atol=1e-9)


@given(st.tuples(st.floats(-.9, .9), st.floats(-.9, .9)), st.floats(-1, 1), st.floats(-1, 1))
def test_zoom_keeps_the_point_under_the_mouse(p, dx, dy):
    pz = PanZoom(zmin=1e-3, zmax=1e3)
    pz.set_pan_zoom(pan=(.3, -.2), zoom=(2., 3.))
    before = pz.imap([p])
    pz.zoom_delta((dx, dy), p)
    np.testing.assert_allclose(pz.imap([p]), before, atol=1e-9)


def test_constrain_bounds_and_zoom_limits():
    pz = PanZoom(constrain_bounds=(-2, -2, 2, 2), zmin=.01, zmax=10)
    pz.zoom = .1  # would show [-10, 10]: limited to the bounds' width
    x0, y0, x1, y1 = pz.get_range()
    assert x0 >= -2 - 1e-9 and x1 <= 2 + 1e-9
    pz.set_pan_zoom(pan=(100, 0), zoom=(4, 4))
    x0, y0, x1, y1 = pz.get_range()
    assert x0 >= -2 - 1e-9 and x1 <= 2 + 1e-9
    pz.zoom = 1e6
    assert pz.zoom == [10, 10]


def test_pan_delta_and_reset():
    pz = PanZoom()
    pz.pan_delta((.5, 0))
    np.testing.assert_allclose(pz.pan, (.5, 0))
    pz.zoom = 2
    pz.pan_delta((.5, 0))  # a screen delta is divided by the zoom
    np.testing.assert_allclose(pz.pan, (.75, 0))
    pz.reset()
    assert pz.pan == [0, 0] and pz.zoom == [1, 1]
