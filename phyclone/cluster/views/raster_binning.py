"""Numpy side of the raster view: which spikes fall in a window of (time × rows), binned
into an image of screen resolution or listed one by one (no Qt, no GL).

Rows are clusters in display order (row 0 at the top). Times are in seconds, sorted.
"""

import numpy as np

from phyclone.utils import Bunch


def row_table(cluster_ids, spike_clusters_max):
    """Dense ``cluster_id -> display row`` table (-1: not shown)."""
    ids = np.asarray(cluster_ids, dtype=np.int64)
    n = int(max(spike_clusters_max, ids.max() if len(ids) else -1)) + 1
    table = np.full(max(n, 1), -1, dtype=np.int32)
    table[ids] = np.arange(len(ids), dtype=np.int32)
    return table


def spike_range(spike_times, t0, t1):
    """(i0, i1): the spikes with ``t0 <= t < t1`` (sorted times)."""
    i0, i1 = np.searchsorted(spike_times, [t0, t1], side="left")
    return int(i0), int(i1)


CHUNK = 1 << 20  # spikes binned at a time (bounds the temporary arrays)


def spike_rows(spike_clusters, table, i0, i1):
    """Display row of the spikes i0..i1 (-1: cluster not shown). Cluster ids are
    non-negative and below ``len(table)``."""
    return table[np.asarray(spike_clusters[i0:i1])]


def _bin_into(img, times, rows, window, shape):
    t0, t1, r0, r1 = window
    h, w = shape
    keep = (rows >= r0) & (rows < r1)
    times, rows = times[keep], rows[keep]
    if not len(rows):
        return
    col = ((times - t0) * (w / (t1 - t0))).astype(np.int64)
    np.clip(col, 0, w - 1, out=col)
    trow = (rows.astype(np.int64) - r0) * h // (r1 - r0)
    img[trow * w + col] = rows


def index_image(spike_times, spike_clusters, table, i0, i1, window, shape):
    """(height, width) int32 image: the display row of a spike in each texel, -1 if none,
    from the spikes i0..i1.

    ``window`` (t0, t1, r0, r1): the texels cover times [t0, t1) and rows [r0, r1) (row r0
    in texel row 0); rows are pooled when there are more rows than texel rows.
    """
    h, w = shape
    img = np.full(h * w, -1, dtype=np.int32)
    for j in range(i0, i1, CHUNK):
        k = min(j + CHUNK, i1)
        _bin_into(img, np.asarray(spike_times[j:k]), spike_rows(spike_clusters, table, j, k),
                  window, shape)
    return img.reshape(h, w)


def tick_rows(n_rows, height, tick_px):
    """Image row shown on each of ``height`` pixel rows (-1: gap between ticks) when
    ``n_rows`` image rows fill them: a tick is ``tick_px`` tall (at most 90% of a row, at
    least one pixel), centred in its row. Pooled images (as many rows as pixels, or more)
    are shown as they are."""
    if n_rows >= height:
        return np.arange(n_rows)
    row_px = height / n_rows
    p = np.arange(height) + .5
    row = np.minimum((p / row_px).astype(np.int64), n_rows - 1)
    half = max(min(tick_px, .9 * row_px), 1.) / 2
    return np.where(np.abs(p - (row + .5) * row_px) <= half, row, -1)


def _shift(img, d):
    """The image moved by ``d`` columns (empty texels come in)."""
    out = np.full_like(img, -1)
    if d > 0:
        out[:, d:] = img[:, :-d]
    else:
        out[:, :d] = img[:, -d:]
    return out


def expand(img, row_map, width_px):
    """The index image at pixel resolution: rows through ``row_map``, each lit texel
    widened to ``width_px`` texels (empty texels only are filled)."""
    base = np.where(row_map[:, None] >= 0, img[np.maximum(row_map, 0)], -1)
    out = base
    for s in range(1, int(round(width_px))):
        d = (s + 1) // 2 if s % 2 else -(s // 2)  # 1, -1, 2, -2...
        if abs(d) < img.shape[1]:
            out = np.where(out < 0, _shift(base, d), out)
    return out


def colorize(img, row_colors):
    """RGBA uint8 image: ``row_colors[row]`` where a spike is, transparent elsewhere."""
    table = np.zeros((len(row_colors) + 1, 4), dtype=np.uint8)
    table[:-1] = np.clip(np.asarray(row_colors) * 255 + .5, 0, 255).astype(np.uint8)
    return table[img]  # -1 picks the transparent last row


def regular_subset(n, n_max):
    """Indices of at most ``n_max`` of ``n`` items, regularly spaced."""
    if n <= n_max:
        return np.arange(n)
    return np.linspace(0, n - 1, n_max).astype(np.int64)


def window_frame(spike_times, spike_clusters, table, n_rows, window, shape, max_spikes):
    """What the raster shows in ``window`` (t0, t1, r0, r1): every spike when there are at
    most ``max_spikes`` of them (``mode='spikes'``: ``spike_ids``, ``rows``), otherwise the
    binned ``image`` (``mode='image'``)."""
    t0, t1, r0, r1 = window
    i0, i1 = spike_range(spike_times, t0, t1)
    out = Bunch(window=window, shape=shape, i0=i0, i1=i1, n_rows=n_rows)
    if i1 - i0 <= max_spikes:
        rows = spike_rows(spike_clusters, table, i0, i1)
        keep = np.nonzero(rows >= 0)[0]
        out.update(mode="spikes", spike_ids=i0 + keep, rows=rows[keep], image=None)
    else:
        out.update(mode="image", spike_ids=np.zeros(0, dtype=np.int64),
                   rows=np.zeros(0, dtype=np.int32),
                   image=index_image(spike_times, spike_clusters, table, i0, i1, window, shape))
    return out


def selected_spikes(spike_clusters, i0, i1, cluster_ids, max_spikes):
    """Spike ids (regular subset of at most ``max_spikes``) of these clusters in i0..i1."""
    parts = []
    for j in range(i0, i1, CHUNK):
        sc = np.asarray(spike_clusters[j:min(j + CHUNK, i1)])
        mask = np.zeros(len(sc), dtype=bool)
        for c in cluster_ids:
            mask |= sc == c
        parts.append(j + np.nonzero(mask)[0])
    ids = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    return ids[regular_subset(len(ids), max_spikes)]
