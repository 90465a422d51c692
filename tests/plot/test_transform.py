"""CPU transforms: apply, inverse, chains (property tests)."""

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

from phyclone.plot.transform import (
    NDC, Clip, Range, Scale, Subplot, TransformChain, Translate, extend_bounds, ndc_to_pixels,
    pixels_to_ndc, range_transform, subplot_bounds,
)

finite = st.floats(-1e3, 1e3, allow_nan=False)
nonzero = st.floats(.01, 100.) | st.floats(-100., -.01)
points = arrays(np.float64, st.tuples(st.integers(1, 20), st.just(2)), elements=finite)


def bounds():
    return st.tuples(finite, finite, st.floats(.1, 100), st.floats(.1, 100)).map(
        lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3]))


@given(points, st.tuples(finite, finite))
def test_translate_inverse(pos, d):
    t = Translate(d)
    np.testing.assert_allclose(t.apply(pos), pos + d)
    np.testing.assert_allclose(t.inverse().apply(t.apply(pos)), pos, atol=1e-9)


@given(points, st.tuples(nonzero, nonzero))
def test_scale_inverse(pos, s):
    t = Scale(s)
    np.testing.assert_allclose(t.apply(pos), pos * s)
    np.testing.assert_allclose(t.inverse().apply(t.apply(pos)), pos, rtol=1e-9, atol=1e-9)


@given(points, bounds(), bounds())
def test_range_maps_corners_and_inverts(pos, a, b):
    r = Range(a, b)
    np.testing.assert_allclose(r.apply([a[:2], a[2:]]), [b[:2], b[2:]], atol=1e-7)
    np.testing.assert_allclose(r.inverse().apply(r.apply(pos)), pos, rtol=1e-7, atol=1e-6)


def test_range_per_row_bounds():
    pos = np.array([[0., 0.], [10., 10.]])
    b = np.array([[0, 0, 1, 1], [0, 0, 20, 20]], dtype=float)
    np.testing.assert_allclose(range_transform(b, NDC, pos), [[-1, -1], [0, 0]])


def test_range_float32_stays_float32():
    out = Range((0, 0, 10, 10), NDC).apply(np.array([[5, 5]], dtype=np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 0]])


@pytest.mark.parametrize("shape,index,expected", [
    ((2, 2), (0, 0), (-1, 0, 0, 1)), ((2, 2), (1, 1), (0, -1, 1, 0)),
    ((1, 3), (0, 2), (1 / 3, -1, 1, 1)),
])
def test_subplot_bounds(shape, index, expected):
    np.testing.assert_allclose(subplot_bounds(shape, index), expected)
    s = Subplot(shape, index)
    np.testing.assert_allclose(s.apply([[-1, -1], [1, 1]]), [expected[:2], expected[2:]])
    with pytest.raises(IndexError):
        subplot_bounds(shape, (shape[0], 0))


def test_callable_parameters_are_read_at_apply_time():
    amount = [1., 2.]
    t = Translate(lambda: amount)
    amount[0] = 5.
    np.testing.assert_allclose(t.apply([[0, 0]]), [[5, 2]])
    np.testing.assert_allclose(t.inverse().apply([[5, 2]]), [[0, 0]])


@given(points)
def test_chain_inverse(pos):
    chain = TransformChain([Translate((1, -2)), Scale((2, .5)), Range((0, 0, 4, 4), NDC),
                            Clip((-1, -1, 1, 1)), Subplot((3, 2), (1, 0))])
    np.testing.assert_allclose(chain.inverse().apply(chain.apply(pos)), pos, rtol=1e-7, atol=1e-6)


def test_chain_origins_and_insertion():
    a, b = object(), object()
    chain = TransformChain()
    t1, t2, t3 = Translate((1, 1)), Scale((2, 2)), Translate((0, 1))
    chain.add([t1], origin=a).add(t2, origin=b).add(t3, index=0)
    assert chain.transforms == [t3, t1, t2]
    assert chain.get("Scale") is t2
    chain.remove_origin(a)
    assert chain.transforms == [t3, t2]
    both = chain + Translate((5, 5))
    assert len(both) == 3 and len(chain) == 2


def test_clip_apply_keeps_inside():
    np.testing.assert_array_equal(Clip((0, 0, 1, 1)).apply([[.5, .5], [2, .5]]), [[.5, .5]])


@given(arrays(np.float64, (5, 2), elements=st.floats(0, 500)))
def test_pixels_ndc_roundtrip(pix):
    np.testing.assert_allclose(ndc_to_pixels(pixels_to_ndc(pix, (500, 300)), (500, 300)), pix,
                               atol=1e-9)


def test_pixels_to_ndc_orientation():
    np.testing.assert_allclose(pixels_to_ndc((0, 0), (200, 100)), (-1, 1))
    np.testing.assert_allclose(pixels_to_ndc((200, 100), (200, 100)), (1, -1))


def test_extend_bounds():
    assert extend_bounds([(0, 0, 1, 1), (-1, .5, .5, 2)]) == (-1, 0, 1, 2)
    assert extend_bounds([(1, 1, 1, 1)]) == (0, 0, 2, 2)
