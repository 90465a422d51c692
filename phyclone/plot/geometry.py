"""Box layouts from probe geometry and point-in-polygon tests (numpy only)."""

import numpy as np

from phyclone.utils.errors import DataError


def _pareto_pairs(pos, chunk=512):
    """Pairs (|dy|, |dx|) of distinct boxes that can constrain the box size.

    Two boxes of half sizes (w, h) overlap iff |dx| < 2w and |dy| < 2h, so a pair only
    matters through its (|dy|, |dx|); pairs dominated by another (both larger) are dropped.
    """
    n = len(pos)
    fronts = []
    for i0 in range(0, n, chunk):
        a = pos[i0:i0 + chunk]
        dx = np.abs(a[:, None, 0] - pos[None, :, 0])
        dy = np.abs(a[:, None, 1] - pos[None, :, 1])
        upper = np.arange(i0, i0 + len(a))[:, None] < np.arange(n)[None, :]
        keep = upper & ((dx > 0) | (dy > 0))
        fronts.append(_front(dy[keep], dx[keep]))
    if not fronts:
        return np.zeros((0, 2))
    front = np.concatenate(fronts)
    return _front(front[:, 0], front[:, 1])


def _front(dy, dx):
    """Pareto-minimal (dy, dx) pairs, sorted by increasing dy."""
    if len(dy) == 0:
        return np.zeros((0, 2))
    order = np.lexsort((dx, dy))
    dy, dx = dy[order], dx[order]
    running = np.minimum.accumulate(dx)
    keep = np.r_[True, dx[1:] < running[:-1]]
    return np.c_[dy[keep], dx[keep]]


def get_non_overlapping_boxes(box_pos, keep_aspect_ratio=False, margin=0.):
    """Normalized centres (n, 2) and half size (w, h) of the largest non-overlapping boxes.

    ``box_pos`` is in any unit (e.g. channel positions in microns). Boxes are as large as
    possible (largest area) without overlapping, then everything is scaled so that every
    box lies in [-1 + margin, 1 - margin]. With ``keep_aspect_ratio`` x and y get the same
    scaling (the probe keeps its shape).
    """
    pos = np.asarray(box_pos, dtype=np.float64)
    if pos.ndim != 2 or pos.shape[1] != 2 or len(pos) == 0:
        raise DataError(None, f"box_pos must be a non-empty (n, 2) array, got {pos.shape}",
                        "pass one (x, y) position per box")
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    extent = hi - lo
    flat = extent <= 0  # all boxes aligned on this axis: centres at 0, boxes can span it
    if keep_aspect_ratio:
        extent[:] = max(extent.max(), 1e-12)
    extent = np.where(extent > 0, extent, 1.)
    unit = (pos - (lo + hi) / 2.) / extent * 2.  # in [-1, 1] on each non-degenerate axis

    def final(v, axis):  # half size once the layout is scaled back into [-1, 1]
        return min(v, 1.) if flat[axis] else v / (1. + v)

    front = _pareto_pairs(unit)
    # Candidate heights: just touching each constraining pair, or the full height.
    best, best_wh = -1., (1., 1.)
    dys = np.r_[front[:, 0], 2.] if len(front) else np.array([2.])
    for H in np.unique(np.minimum(dys, 2.)):
        if H <= 0:
            continue
        blocking = front[front[:, 0] < H, 1] if len(front) else np.zeros(0)
        w, h = min(blocking.min() if len(blocking) else 2., 2.) / 2., H / 2.
        if keep_aspect_ratio:
            w = h = min(w, h)
        area = final(w, 0) * final(h, 1)
        if area > best:
            best, best_wh = area, (w, h)
    w, h = best_wh
    scale = np.array([final(w, 0) / w, final(h, 1) / h]) * (1. - margin)
    if keep_aspect_ratio:
        scale[:] = scale.min()
    return unit * scale, (w * scale[0], h * scale[1])


def fit_boxes(box_pos, box_size, keep_aspect_ratio=False, margin=0.):
    """Normalized centres and half size of boxes of a given half size (same unit as
    ``box_pos``), scaled so that every box lies in [-1 + margin, 1 - margin]."""
    pos = np.asarray(box_pos, dtype=np.float64).reshape(-1, 2)
    size = np.broadcast_to(np.asarray(box_size, dtype=np.float64), (2,))
    if np.any(size <= 0):
        raise DataError(None, f"box_size must be positive, got {tuple(size)}",
                        "pass the half width and half height of the boxes")
    centre = (pos.min(axis=0) + pos.max(axis=0)) / 2.
    k = (1. - margin) / (np.abs(pos - centre).max(axis=0) + size)
    if keep_aspect_ratio:
        k[:] = k.min()
    return (pos - centre) * k, (float(size[0] * k[0]), float(size[1] * k[1]))


def get_closest_box(pos, box_pos, box_size):
    """Index of the box whose centre is closest to ``pos`` (distances in box units)."""
    d = (np.asarray(box_pos) - np.asarray(pos)[None, :]) / np.asarray(box_size)[None, :]
    return int(np.argmin((d ** 2).sum(axis=1)))


def in_polygon(points, polygon):
    """Boolean mask of the points (n, 2) strictly inside a polygon (m, 2) (even-odd rule)."""
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    inside = np.zeros(len(points), dtype=bool)
    if len(poly) < 3 or len(points) == 0:
        return inside
    (x0, y0), (x1, y1) = poly.min(axis=0), poly.max(axis=0)
    cand = np.nonzero((points[:, 0] >= x0) & (points[:, 0] <= x1) &
                      (points[:, 1] >= y0) & (points[:, 1] <= y1))[0]
    px, py = points[cand, 0], points[cand, 1]
    res = np.zeros(len(cand), dtype=bool)
    for (ax, ay), (bx, by) in zip(poly, np.roll(poly, -1, axis=0)):
        if ay == by:
            continue
        crosses = (ay > py) != (by > py)
        xint = ax + (py - ay) * (bx - ax) / (by - ay)
        res ^= crosses & (px < xint)
    inside[cand] = res
    return inside
