"""Compiled loops of the software splatter (``softraster``): markers and one-pixel line
segments drawn into a float32 RGBA layer of premultiplied colours (row 0 at the bottom,
as OpenGL), blended in drawing order with OpenGL's "over" blending.

Inputs are the transform feedback rows of the visual's vertex shader: clip position
(x, y, z, w), colour (r, g, b, a), and for markers the size in pixels; optionally the
clipping position ``v_clip_pos``, kept inside ``bounds`` (x0, y0, x1, y1) as the fragment
shader's discard does. ``rect`` receives the touched pixels (i0, j0, i1, j1). The kernels
draw only the layer rows [jlo, jhi): bands of rows can be drawn by several threads at once
(each pixel still blends in drawing order).
"""

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _blend(layer, j, i, r, g, b, a):
    k = 1. - a
    layer[j, i, 0] = r * a + layer[j, i, 0] * k
    layer[j, i, 1] = g * a + layer[j, i, 1] * k
    layer[j, i, 2] = b * a + layer[j, i, 2] * k
    layer[j, i, 3] = a + layer[j, i, 3] * k


@njit(cache=True, nogil=True, inline="always")
def _grow(rect, i0, j0, i1, j1):
    if i0 < rect[0]:
        rect[0] = i0
    if j0 < rect[1]:
        rect[1] = j0
    if i1 > rect[2]:
        rect[2] = i1
    if j1 > rect[3]:
        rect[3] = j1


@njit(cache=True, nogil=True, inline="always")
def _snap(v):
    """Window coordinates on the rasterizer's subpixel grid (1/256 pixel, as llvmpipe)."""
    return np.floor(v * 256. + .5) / 256.


@njit(cache=True, nogil=True, inline="always")
def _inside(data, k, clip_col, bounds):
    if clip_col < 0:
        return True
    x, y = data[k, clip_col], data[k, clip_col + 1]
    return bounds[0] <= x <= bounds[2] and bounds[1] <= y <= bounds[3]


@njit(cache=True, nogil=True, fastmath=True)
def points(layer, data, pos_col, color_col, size_col, clip_col, bounds, square, rect,
           jlo, jhi):
    """Markers (discs, or squares) of the scatter fragment shader: pixel centres within the
    sprite (``size`` pixels wide), coverage ``clamp(0.5 - d, 0, 1)`` where ``d`` is the
    signed distance to the shape of diameter ``size - 1`` (branch-free inner loop: a zero
    coverage blends nothing)."""
    h, w = layer.shape[0], layer.shape[1]
    rect[0], rect[1], rect[2], rect[3] = w, h, 0, 0
    zero, one, half_ = np.float32(0.), np.float32(1.), np.float32(.5)
    for k in range(data.shape[0]):
        cw = data[k, pos_col + 3]
        if cw <= 0.:
            continue
        x, y = data[k, pos_col] / cw, data[k, pos_col + 1] / cw
        if not (-1. <= x <= 1. and -1. <= y <= 1.) or not _inside(data, k, clip_col, bounds):
            continue  # OpenGL drops points whose centre is clipped
        s = data[k, size_col]
        a = data[k, color_col + 3]
        if s <= 0. or a <= 0.:
            continue
        px, py = np.float32(_snap((x + 1.) * .5 * w)), np.float32(_snap((y + 1.) * .5 * h))
        half = .5 * s
        i0 = max(0, int(np.ceil(px - half - .5)))
        i1 = min(w, int(np.ceil(px + half - .5)))
        j0 = max(jlo, int(np.ceil(py - half - .5)))
        j1 = min(jhi, int(np.ceil(py + half - .5)))
        if i0 >= i1 or j0 >= j1:
            continue
        _grow(rect, i0, j0, i1, j1)
        r, g, b = data[k, color_col], data[k, color_col + 1], data[k, color_col + 2]
        inner = np.float32(.5 * (s - 1.) * (.9 if square else 1.))
        for j in range(j0, j1):
            dy = np.float32(j + .5) - py
            row = layer[j]
            for i in range(i0, i1):
                dx = np.float32(i + .5) - px
                if square:
                    d = max(abs(dx), abs(dy)) - inner
                else:
                    d = np.sqrt(dx * dx + dy * dy) - inner
                al = a * min(max(half_ - d, zero), one)
                k1 = one - al
                row[i, 0] = r * al + row[i, 0] * k1
                row[i, 1] = g * al + row[i, 1] * k1
                row[i, 2] = b * al + row[i, 2] * k1
                row[i, 3] = al + row[i, 3] * k1


@njit(cache=True, nogil=True, inline="always")
def _segment(layer, data, k0, k1, pos_col, color_col, clip_col, bounds, rect, w, h, jlo, jhi):
    """Pixels of the segment k0 -> k1 (colour of k1, OpenGL's provoking vertex), after
    OpenGL's diamond-exit rule: along the major axis, the pixel centres crossed in
    [start, end) and the pixel row (column) under the line there; plus the start pixel
    when the segment starts inside its diamond past its centre, minus the end pixel when
    the segment ends inside its diamond (it belongs to the next segment)."""
    w0, w1 = data[k0, pos_col + 3], data[k1, pos_col + 3]
    if w0 <= 0. or w1 <= 0.:
        return
    x0 = _snap((data[k0, pos_col] / w0 + 1.) * .5 * w)
    y0 = _snap((data[k0, pos_col + 1] / w0 + 1.) * .5 * h)
    x1 = _snap((data[k1, pos_col] / w1 + 1.) * .5 * w)
    y1 = _snap((data[k1, pos_col + 1] / w1 + 1.) * .5 * h)
    if max(y0, y1) < jlo - 1 or min(y0, y1) > jhi + 1:
        return  # every pixel row of the segment is in [floor(min) - 1, ceil(max)]
    r, g, b, a = (data[k1, color_col], data[k1, color_col + 1], data[k1, color_col + 2],
                  data[k1, color_col + 3])
    if a <= 0.:
        return
    dx, dy = x1 - x0, y1 - y0
    xmajor = abs(dx) >= abs(dy)
    u0, u1, v0, dv = (x0, x1, y0, dy) if xmajor else (y0, y1, x0, dx)
    du = u1 - u0
    if du == 0.:
        return
    if du > 0.:
        first, last, step = int(np.ceil(u0 - .5)), int(np.ceil(u1 - .5)), 1
    else:
        first, last, step = int(np.floor(u0 - .5)), int(np.floor(u1 - .5)), -1
    n_u = w if xmajor else h
    n_v = h if xmajor else w
    v1 = v0 + dv
    ms, vs = int(np.floor(u0)), int(np.floor(v0))
    start_in = abs(u0 - ms - .5) + abs(v0 - vs - .5) < .5 and (ms + .5 - u0) * step < 0.
    me, ve = int(np.floor(u1)), int(np.floor(v1))
    end_in = abs(u1 - me - .5) + abs(v1 - ve - .5) < .5
    if start_in:
        first -= step
    m_lo, m_hi = (0, n_u) if xmajor else (max(0, jlo), min(n_u, jhi))
    for m in range(first, last, step):
        if m < m_lo or m >= m_hi:
            continue
        if start_in and m == first:
            t, v = 0., vs
        else:
            t = (m + .5 - u0) / du
            v = int(np.ceil(v0 + t * dv)) - 1  # on a pixel boundary: the lower one (llvmpipe)
        if v < 0 or v >= n_v or (end_in and m == me and v == ve):
            continue
        i, j = (m, v) if xmajor else (v, m)
        if j < jlo or j >= jhi:
            continue
        if clip_col >= 0:
            cx = data[k0, clip_col] + t * (data[k1, clip_col] - data[k0, clip_col])
            cy = data[k0, clip_col + 1] + t * (data[k1, clip_col + 1] - data[k0, clip_col + 1])
            if not (bounds[0] <= cx <= bounds[2] and bounds[1] <= cy <= bounds[3]):
                continue
        _grow(rect, i, j, i + 1, j + 1)
        _blend(layer, j, i, r, g, b, a)


@njit(cache=True, nogil=True)
def strips(layer, data, pos_col, color_col, clip_col, bounds, firsts, counts, rect, jlo, jhi):
    """Line strips (vertices ``firsts[s]`` .. ``firsts[s] + counts[s] - 1``), one pixel wide."""
    h, w = layer.shape[0], layer.shape[1]
    rect[0], rect[1], rect[2], rect[3] = w, h, 0, 0
    for s in range(len(firsts)):
        for k in range(firsts[s], firsts[s] + counts[s] - 1):
            _segment(layer, data, k, k + 1, pos_col, color_col, clip_col, bounds, rect, w, h,
                     jlo, jhi)


@njit(cache=True, nogil=True)
def to_rgba8(layer, rect):
    """The ``rect`` part of the layer as premultiplied RGBA8; that part of the layer is
    cleared (transparent) for the next visual."""
    i0, j0, i1, j1 = rect[0], rect[1], max(rect[0], rect[2]), max(rect[1], rect[3])
    out = np.empty((j1 - j0, i1 - i0, 4), dtype=np.uint8)
    for j in range(j0, j1):
        for i in range(i0, i1):
            for c in range(4):
                v = layer[j, i, c] * 255. + .5
                out[j - j0, i - i0, c] = 255 if v >= 255. else (0 if v <= 0. else np.uint8(v))
                layer[j, i, c] = 0.
    return out


def warm_up():
    """Compile (or load from numba's cache) every kernel."""
    layer = np.zeros((4, 4, 4), dtype=np.float32)
    data = np.zeros((2, 9), dtype=np.float32)
    data[:, 3] = 1.
    data[:, 7] = 1.
    data[:, 8] = 2.
    rect = np.zeros(4, dtype=np.int64)
    bounds = np.zeros(4)
    points(layer, data, 0, 4, 8, -1, bounds, False, rect, 0, 4)
    strips(layer, data, 0, 4, -1, bounds, np.zeros(1, np.int64), np.full(1, 2, np.int64), rect,
           0, 4)
    to_rgba8(layer, rect)
