"""Box layouts from positions, closest box, point in polygon (against brute force)."""

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays
from matplotlib.path import Path

from phyclone.plot.geometry import get_closest_box, get_non_overlapping_boxes, in_polygon


def _overlap(pos, size):
    w, h = size
    dx = np.abs(pos[:, None, 0] - pos[None, :, 0])
    dy = np.abs(pos[:, None, 1] - pos[None, :, 1])
    over = (dx < 2 * w - 1e-9) & (dy < 2 * h - 1e-9)
    np.fill_diagonal(over, False)
    return over.any()


@settings(max_examples=60, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 40), st.just(2)), elements=st.integers(0, 30),
              unique=False), st.booleans())
def test_boxes_do_not_overlap_and_fit(pos, keep):
    pos = np.unique(pos, axis=0).astype(float)
    c, (w, h) = get_non_overlapping_boxes(pos, keep_aspect_ratio=keep, margin=.1)
    assert w > 0 and h > 0
    assert not _overlap(c, (w, h))
    assert np.all(c[:, 0] - w >= -1 - 1e-9) and np.all(c[:, 0] + w <= 1 + 1e-9)
    assert np.all(c[:, 1] - h >= -1 - 1e-9) and np.all(c[:, 1] + h <= 1 + 1e-9)


def test_probe_like_layout_keeps_geometry():
    x = np.tile([43., 11., 59., 27.], 48)
    y = np.repeat(np.arange(96) * 20., 2)
    c, size = get_non_overlapping_boxes(np.c_[x, y])
    assert not _overlap(c, size)
    # order preserved on both axes
    assert np.all(np.diff(c[np.argsort(x, kind="stable"), 0]) >= 0)
    assert np.all(np.diff(c[:, 1][np.argsort(y, kind="stable")]) >= 0)


def test_single_box_fills_the_view():
    c, size = get_non_overlapping_boxes([[5., 5.]])
    np.testing.assert_allclose(c, [[0, 0]])
    assert size == (1., 1.)


def test_closest_box():
    pos = np.array([[-.5, 0], [.5, 0], [0, .8]])
    assert get_closest_box((.4, .1), pos, (.2, .2)) == 1
    assert get_closest_box((0, .6), pos, (.2, .2)) == 2


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, (300, 2), elements=st.floats(-1, 1)),
       arrays(np.float64, st.tuples(st.integers(3, 9), st.just(2)), elements=st.floats(-1, 1)))
def test_in_polygon_matches_matplotlib(points, poly):
    ours = in_polygon(points, poly)
    ref = Path(poly).contains_points(points)
    # Points within 1e-9 of an edge may go either way; compare the others.
    d = np.min([_seg_dist(points, a, b) for a, b in zip(poly, np.roll(poly, -1, 0))], axis=0)
    far = d > 1e-6
    np.testing.assert_array_equal(ours[far], ref[far])


def _seg_dist(p, a, b):
    ab = b - a
    t = np.clip(((p - a) @ ab) / max(ab @ ab, 1e-300), 0, 1)
    return np.linalg.norm(p - (a + t[:, None] * ab), axis=1)


def test_in_polygon_square():
    sq = [[0, 0], [1, 0], [1, 1], [0, 1]]
    np.testing.assert_array_equal(in_polygon([[.5, .5], [1.5, .5], [-.1, .2]], sq),
                                  [True, False, False])
    assert not in_polygon([[.5, .5]], sq[:2]).any()


def test_fit_boxes_with_explicit_size():
    from phyclone.plot.geometry import fit_boxes
    pos = np.array([[0., 0.], [10., 0.], [0., 40.]])
    c, (w, h) = fit_boxes(pos, (2., 5.), margin=.1)
    assert np.all(np.abs(c[:, 0]) + w <= .9 + 1e-9) and np.all(np.abs(c[:, 1]) + h <= .9 + 1e-9)
    kx, ky = (c[1, 0] - c[0, 0]) / 10, (c[2, 1] - c[0, 1]) / 40  # units -> NDC per axis
    np.testing.assert_allclose((w, h), (2 * kx, 5 * ky))
    c, (w, h) = fit_boxes(pos, (2., 5.), keep_aspect_ratio=True)
    np.testing.assert_allclose((c[1, 0] - c[0, 0]) / (c[2, 1] - c[0, 1]), 10 / 40)
    np.testing.assert_allclose(w / h, 2 / 5)
