"""Pixel lookups on rendered images for the plot tests."""

import numpy as np

W, H = 200, 160


def ndc_to_pixel(xy, size=(W, H)):
    """Centre of the pixel (column, row) where NDC ``xy`` lands."""
    x, y = xy
    return (x + 1) / 2 * size[0], (1 - y) / 2 * size[1]


def lit(img, color=(255, 0, 0), tol=90):
    """Mask of the pixels close to ``color`` (RGB)."""
    d = np.abs(img[:, :, :3].astype(int) - np.asarray(color)[None, None, :]).max(axis=2)
    return d <= tol


def centroid(mask):
    """(x, y) pixel coordinates (centres) of the mask's centre of mass."""
    ys, xs = np.nonzero(mask)
    assert len(xs), "nothing drawn"
    return xs.mean() + .5, ys.mean() + .5


def not_black(img):
    return img[:, :, :3].max(axis=2) > 30
