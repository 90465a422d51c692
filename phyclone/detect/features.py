"""Waveforms, PCA features, initial clusters and templates of detected events."""

from functools import lru_cache

import numba
import numpy as np

from .sinc import phase_projections
from . import spill
from .threads import thread_map


def channel_distances(positions):
    """Distances between channels and, per channel, the channels by distance (ties by
    index: a stable sort): what :func:`local_channels` and :func:`neighbour_table` share."""
    pos = np.asarray(positions, dtype=np.float64)
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=2)
    return d, np.argsort(d, axis=1, kind="stable")


def local_channels(positions, n_local, distances=None):
    """For every channel, the ``n_local`` nearest channels (itself first; ties by index):
    (n_channels, n_local) int64. ``distances``: :func:`channel_distances` of the positions."""
    _, order = distances or channel_distances(positions)
    return order[:, :min(int(n_local), len(order))].astype(np.int64)


def neighbour_table(positions, radius, distances=None):
    """Channels within ``radius`` µm of each channel (itself first, then by distance; ties
    by index), -1 padded: (n_channels, k) int64. ``distances``: :func:`channel_distances`."""
    d, order = distances or channel_distances(positions)
    count = (d <= radius).sum(axis=1)
    k = max(int(count.max()) if len(d) else 1, 1)
    out = order[:, :k].astype(np.int64)
    out[np.arange(k)[None, :] >= count[:, None]] = -1
    return out


@numba.njit(cache=True, nogil=True)
def _features(x, rows, chans, phases, local, proj, start, out):
    """out[i, p, j] = proj[phases[i], p] · x[rows[i] + start:..., local[chans[i], j]]
    (``out`` zeroed), row by row of ``x`` (the local channels of a row share cache lines),
    the channel loop innermost (vectorised; each sum still runs in sample order)."""
    n_pcs, length = proj.shape[1], proj.shape[2]
    nl = local.shape[1]
    v = np.empty(nl, dtype=np.float32)
    for i in range(len(rows)):
        t0 = rows[i] + start
        loc = local[chans[i]]
        pr = proj[phases[i]]
        o = out[i]
        for k in range(length):
            xr = x[t0 + k]
            for j in range(nl):
                v[j] = xr[loc[j]]
            for p in range(n_pcs):
                c = pr[p, k]
                for j in range(nl):
                    o[p, j] += c * v[j]


def event_features(x, rows, channels, shifts, local, basis, n_before, factor, delays=None):
    """PC features (n, n_pcs, n_local) of the events at ``rows`` of ``x`` on the local
    channels of their max ``channels``, each waveform first resampled at its sub-sample
    peak (``shifts``: samples on the max channel's clock, multiples of 1 / factor within
    ±1) by sinc interpolation: one projection per phase (the basis times the interpolation
    kernel). With sample-and-hold ``delays`` (samples, per column of ``x``), each local
    channel is resampled at the same instant on its own clock: the max channel's shift plus
    its delay minus the local channel's."""
    proj, pad = _projections(np.ascontiguousarray(basis, dtype=np.float32).tobytes(),
                             basis.shape, int(factor))
    out = np.zeros((len(rows), basis.shape[0], local.shape[1]), dtype=np.float32)
    if not len(rows):
        return out
    rows, channels = np.asarray(rows, np.int64), np.asarray(channels, np.int64)
    if delays is None or not np.any(delays):
        phases = np.rint(np.asarray(shifts) * factor).astype(np.int64) + factor - 1
        _features(x, rows, channels, np.clip(phases, 0, 2 * factor - 2), local, proj,
                  -n_before - pad, out)
        return out
    d = np.asarray(delays, dtype=np.float64)
    s = np.asarray(shifts, np.float64)[:, None] + d[channels][:, None] - d[local[channels]]
    whole = np.rint(s)  # rows moved by whole samples, the rest within ±1/2 by the phase
    phases = np.rint((s - whole) * factor).astype(np.int64) + factor - 1
    _features_each(x, rows, whole.astype(np.int64), channels, phases, local, proj,
                   -n_before - pad, out)
    return out


@numba.njit(cache=True, nogil=True)
def _features_each(x, rows, moves, chans, phases, local, proj, start, out):
    """:func:`_features` with a row move and a phase per event and local channel:
    out[i, p, j] = proj[phases[i, j], p] · x[rows[i] + moves[i, j] + start:..., local[...]]."""
    n_pcs, length = proj.shape[1], proj.shape[2]
    for i in range(len(rows)):
        loc = local[chans[i]]
        o = out[i]
        for j in range(len(loc)):
            t0 = rows[i] + moves[i, j] + start
            pr = proj[phases[i, j]]
            for k in range(length):
                v = x[t0 + k, loc[j]]
                for p in range(n_pcs):
                    o[p, j] += pr[p, k] * v


@lru_cache(maxsize=8)
def _projections(basis_bytes, shape, factor):
    """:func:`phase_projections` of a basis given by its bytes (computed once per run)."""
    return phase_projections(np.frombuffer(basis_bytes, np.float32).reshape(shape), factor)


def pca_basis(waveforms, n_pcs):
    """First ``n_pcs`` principal components (n_pcs, n_samples) of single-channel
    waveforms (n, n_samples); their signs fixed so that the largest coefficient is
    positive. Too few waveforms: the first cosine (DCT) functions."""
    w = np.asarray(waveforms, dtype=np.float64)
    ns = w.shape[1]
    if len(w) < 4 * n_pcs:
        t = (np.arange(ns) + .5) / ns
        b = np.array([np.cos(np.pi * k * t) for k in range(n_pcs)])
        return (b / np.linalg.norm(b, axis=1, keepdims=True)).astype(np.float32)
    _, vecs = np.linalg.eigh(w.T @ w)  # principal axes (uncentred, as KiloSort's wPCA)
    b = vecs[:, ::-1][:, :n_pcs].T.copy()
    b *= np.sign(b[np.arange(len(b)), np.abs(b).argmax(axis=1)])[:, None]
    return b.astype(np.float32)


@numba.njit(cache=True, nogil=True)
def _first_pc_and_two_means(f):
    """Projections of the centred rows of ``f`` on their first principal axis (power
    iteration from a fixed start: deterministic), 2-means of the projections started at
    their quartiles: (projections, labels, mean of each part)."""
    n, d = f.shape
    fc = f - f.sum(axis=0) / n
    cov = fc.T @ fc
    v = np.ones(d) / np.sqrt(d)
    for _ in range(200):
        w = cov @ v
        norm = np.sqrt((w * w).sum())
        if norm == 0:
            break
        w /= norm
        if np.abs(w - v).max() < 1e-10:
            v = w
            break
        v = w
    p = fc @ v
    q = np.partition(p, (n // 4, (3 * n) // 4))  # (the two quartiles only)
    m0, m1 = q[n // 4], q[(3 * n) // 4]
    lab = np.zeros(n, dtype=np.bool_)
    for _ in range(100):
        s0 = s1 = 0.
        n0 = n1 = 0
        for i in range(n):
            lab[i] = abs(p[i] - m1) < abs(p[i] - m0)
            if lab[i]:
                s1 += p[i]
                n1 += 1
            else:
                s0 += p[i]
                n0 += 1
        if n0 == 0 or n1 == 0:
            break
        new0, new1 = s0 / n0, s1 / n1
        if new0 == m0 and new1 == m1:
            break
        m0, m1 = new0, new1
    return p, lab, m0, m1


@numba.njit(cache=True, nogil=True)
def _split_groups(features, order, bounds, g0, g1, split, min_size, min_separation,
                  max_depth, parts, n_parts):
    """Clusters of the groups ``g0 <= g < g1``: group ``g`` holds the rows
    ``order[bounds[g]:bounds[g + 1]]`` of ``features`` (n, d). Each group is split depth
    first (at most ``max_depth`` times along a branch) by :func:`_first_pc_and_two_means`
    while both parts have ``min_size`` rows and are ``min_separation`` pooled standard
    deviations apart. Writes the part of every row within its group into ``parts`` (by
    position in ``order``, reordered so that parts are contiguous) and the number of parts
    of every group into ``n_parts``."""
    d = features.shape[1]
    stack = np.empty((max_depth + 2, 3), dtype=np.int64)  # (start, stop, depth)
    for g in range(g0, g1):
        a, b = bounds[g], bounds[g + 1]
        idx = order[a:b]  # rows of the group, in spike order; each part stays in order
        stack[0, 0], stack[0, 1], stack[0, 2] = 0, b - a, 0
        top, count = 1, 0
        while top:
            top -= 1
            s, e, depth = stack[top, 0], stack[top, 1], stack[top, 2]
            n = e - s
            n1 = 0
            if split and depth < max_depth and n >= 2 * min_size:
                f = np.empty((n, d))
                for i in range(n):
                    f[i] = features[idx[s + i]]
                p, lab, m0, m1 = _first_pc_and_two_means(f)
                n1 = int(lab.sum())
                if min(n1, n - n1) < min_size:
                    n1 = 0
                else:  # pooled variance of the projections of the two parts
                    v0 = v1 = 0.
                    for i in range(n):
                        if lab[i]:
                            v1 += (p[i] - m1) ** 2
                        else:
                            v0 += (p[i] - m0) ** 2
                    sd = np.sqrt(0.5 * (v0 / (n - n1) + v1 / n1))
                    if sd == 0 or abs(m1 - m0) / sd < min_separation:
                        n1 = 0
            if n1 == 0:
                parts[a + s:a + e] = count
                count += 1
                continue
            sub = idx[s:e].copy()  # stable: the first part, then the second
            i0, i1 = s, s + n - n1
            for i in range(n):
                if lab[i]:
                    idx[i1] = sub[i]
                    i1 += 1
                else:
                    idx[i0] = sub[i]
                    i0 += 1
            stack[top, 0], stack[top, 1], stack[top, 2] = s + n - n1, e, depth + 1
            stack[top + 1, 0], stack[top + 1, 1], stack[top + 1, 2] = s, s + n - n1, depth + 1
            top += 2
        n_parts[g] = count


def initial_clusters(max_channels, features, split=True, min_size=50, min_separation=4.0,
                     max_depth=3, jobs=1):
    """Cluster ids: one cluster per max channel, each optionally split further (recursively,
    at most ``max_depth`` times) by 2-means on its first local principal component when the
    two parts are separated by ``min_separation`` pooled standard deviations. Deterministic;
    ids (int32) are numbered by max channel then by split. The channels are shared among
    ``jobs`` threads. ``features``: an array, or a :class:`~phyclone.detect.spill.NpyFile` read in
    passes over ranges of channels of at most :data:`~phyclone.detect.spill.MEMORY_BUDGET`
    bytes of features each."""
    max_channels = np.asarray(max_channels)
    if max_channels.dtype.kind not in "iu":
        max_channels = max_channels.astype(np.int64)
    n = len(max_channels)
    if not n:
        return np.zeros(0, dtype=np.int32)
    small = max_channels.astype(np.int16) if max_channels.max() < 1 << 15 else max_channels
    order = np.argsort(small, kind="stable")  # radix sort for 16-bit ids
    bounds = np.r_[0, np.flatnonzero(np.diff(small[order])) + 1, n].astype(np.int64)
    del small
    n_groups = len(bounds) - 1
    parts = np.zeros(n, dtype=np.int32)  # (4 bytes per event: runs of 1e7 events)
    n_parts = np.zeros(n_groups, dtype=np.int64)
    rest = (bool(split), int(min_size), float(min_separation), int(max_depth))
    if not isinstance(features, spill.NpyFile):
        f = np.ascontiguousarray(features, dtype=np.float32).reshape(n, -1)
        _split_in_threads(f, order, bounds, rest, parts, n_parts, jobs)
    else:  # a pass over the file per range of groups, their features gathered
        row = features.row * 4
        n_passes = -(-n * row // spill.MEMORY_BUDGET)
        edges = _range_edges(bounds, n_passes)
        for g0, g1 in zip(edges[:-1], edges[1:]):
            a, b = bounds[g0], bounds[g1]
            f = features.rows(order[a:b]).astype(np.float32, copy=False).reshape(b - a, -1)
            p, m = np.zeros(b - a, dtype=np.int32), np.zeros(g1 - g0, dtype=np.int64)
            local = np.arange(b - a)  # reordered in place, as ``order`` is in memory
            _split_in_threads(f, local, bounds[g0:g1 + 1] - a, rest, p, m, jobs)
            order[a:b] = order[a:b][local]
            parts[a:b], n_parts[g0:g1] = p, m
            del f
    first = np.r_[0, np.cumsum(n_parts)[:-1]].astype(np.int32)
    parts += np.repeat(first, np.diff(bounds))
    out = np.empty(n, dtype=np.int32)
    out[order] = parts
    return out


def _range_edges(bounds, n_ranges):
    """Group indices cutting the groups of ``bounds`` into ``n_ranges`` ranges of about
    equal event counts (fewer when there are fewer groups)."""
    n_groups, n = len(bounds) - 1, bounds[-1]
    n_ranges = max(1, min(int(n_ranges), n_groups))
    inner = np.searchsorted(bounds, np.linspace(0, n, n_ranges + 1)[1:-1]).tolist()
    return sorted(set([0] + inner + [n_groups]))


def _split_in_threads(f, order, bounds, rest, parts, n_parts, jobs):
    """:func:`_split_groups` of every group, in ``jobs`` threads: 4 ranges of equal event
    counts per thread, taken in turn by the free thread (the splits make the time per event
    uneven)."""
    n_groups = len(bounds) - 1
    jobs = max(1, min(int(jobs), n_groups))
    edges = _range_edges(bounds, 1 if jobs == 1 else 4 * jobs)
    thread_map(lambda ab: _split_groups(f, order, bounds, ab[0], ab[1], *rest, parts, n_parts),
               zip(edges[:-1], edges[1:]), jobs)


@numba.njit(cache=True, nogil=True)
def _cluster_sums(clusters, features, sums):
    """sums[k] += features[i] for every spike i of cluster k, in spike order."""
    for i in range(len(clusters)):
        s = sums[clusters[i]]
        x = features[i]
        for j in range(len(x)):
            s[j] += x[j]


def templates_from_features(clusters, features, max_channels, local, basis):
    """Mean waveforms rebuilt from the mean PC features of each cluster (``features``: an
    array, or a :class:`~phyclone.detect.spill.NpyFile` read in chunks):
    ``templates`` (n_clusters, n_samples, n_local) and ``template_ind`` (n_clusters,
    n_local), the local channels of each cluster's max channel."""
    clusters = np.asarray(clusters)
    n_clusters = int(clusters.max()) + 1 if len(clusters) else 0
    n_pcs, ns = basis.shape
    nl = local.shape[1]
    sums = np.zeros((n_clusters, n_pcs * nl))
    chunks = features.chunks() if isinstance(features, spill.NpyFile) else [(0, features)]
    for start, f in chunks:  # (a file: chunk by chunk, in the same spike order)
        _cluster_sums(clusters[start:start + len(f)], np.ascontiguousarray(
            f, dtype=np.float32).reshape(len(f), n_pcs * nl), sums)
    counts = np.bincount(clusters, minlength=n_clusters).astype(np.float64)
    mean = sums.reshape(n_clusters, n_pcs, nl) / np.maximum(counts, 1)[:, None, None]
    templates = np.einsum("kpc,ps->ksc", mean, basis).astype(np.float32)
    first = _first_spikes(clusters, n_clusters)
    template_ind = local[max_channels[first]] if n_clusters else np.zeros((0, nl), np.int64)
    return templates, template_ind.astype(np.int32)


@numba.njit(cache=True, nogil=True)
def _first_spikes(clusters, n_clusters):
    """The first spike of every cluster (0 for an empty one)."""
    first = np.full(n_clusters, -1, dtype=np.int64)
    for i in range(len(clusters)):
        if first[clusters[i]] < 0:
            first[clusters[i]] = i
    return np.maximum(first, 0)


@numba.njit(cache=True, nogil=True)
def _sparse_dots(templates, template_ind, n_channels):
    """Dot products of sparse templates (only pairs sharing channels are non-zero)."""
    n, ns, nl = templates.shape
    out = np.zeros((n, n), dtype=np.float64)
    slot = -np.ones(n_channels, dtype=np.int64)
    for k in range(n):
        for j in range(nl):
            slot[template_ind[k, j]] = j
        for m in range(k, n):
            s = 0.
            for j2 in range(nl):
                j = slot[template_ind[m, j2]]
                if j < 0:
                    continue
                for t in range(ns):
                    s += templates[k, t, j] * templates[m, t, j2]
            out[k, m] = out[m, k] = s
        for j in range(nl):
            slot[template_ind[k, j]] = -1
    return out


def similar_templates(templates, template_ind, n_channels):
    """Cosine similarity between templates on the full probe: (n, n) float32."""
    if not len(templates):
        return np.zeros((0, 0), dtype=np.float32)
    dots = _sparse_dots(np.ascontiguousarray(templates, dtype=np.float64),
                        np.ascontiguousarray(template_ind, dtype=np.int64), int(n_channels))
    norm = np.sqrt(np.diag(dots))
    norm[norm == 0] = 1
    return (dots / norm[:, None] / norm[None, :]).astype(np.float32)
