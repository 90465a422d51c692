"""Waveforms, PCA features, initial clusters and templates of detected events."""

from functools import lru_cache

import numba
import numpy as np

from .sinc import phase_projections


def local_channels(positions, n_local):
    """For every channel, the ``n_local`` nearest channels (itself first; ties by index):
    (n_channels, n_local) int64."""
    pos = np.asarray(positions, dtype=np.float64)
    n_local = min(int(n_local), len(pos))
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=2)
    order = np.lexsort((np.broadcast_to(np.arange(len(pos)), d.shape), d), axis=1)
    return order[:, :n_local].astype(np.int64)


def neighbour_table(positions, radius):
    """Channels within ``radius`` µm of each channel (itself first, then by distance), -1
    padded: (n_channels, k) int64."""
    pos = np.asarray(positions, dtype=np.float64)
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=2)
    near = d <= radius
    k = int(near.sum(axis=1).max()) if len(pos) else 1
    out = -np.ones((len(pos), max(k, 1)), dtype=np.int64)
    for c in range(len(pos)):  # nearest first: a larger neighbour is found sooner
        idx = np.flatnonzero(near[c])
        idx = idx[np.lexsort((idx, d[c, idx]))]
        out[c, :len(idx)] = idx
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


def event_features(x, rows, channels, shifts, local, basis, n_before, factor):
    """PC features (n, n_pcs, n_local) of the events at ``rows`` of ``x`` on the local
    channels of their max ``channels``, each waveform first resampled at its sub-sample
    peak (``shifts``: samples, multiples of 1 / factor within ±1) by sinc interpolation:
    one projection per phase (the basis times the interpolation kernel)."""
    proj, pad = _projections(np.ascontiguousarray(basis, dtype=np.float32).tobytes(),
                             basis.shape, int(factor))
    phases = np.rint(np.asarray(shifts) * factor).astype(np.int64) + factor - 1
    out = np.zeros((len(rows), basis.shape[0], local.shape[1]), dtype=np.float32)
    if len(rows):
        _features(x, np.asarray(rows, np.int64), np.asarray(channels, np.int64),
                  np.clip(phases, 0, 2 * factor - 2), local, proj, -n_before - pad, out)
    return out


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
    q = np.sort(p)
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


def _split_two(f, min_size, min_separation):
    """Split rows of ``f`` in two along their first principal component (2-means started at
    the quartiles): labels, or None when the parts are small or not separated."""
    p, lab, m0, m1 = _first_pc_and_two_means(np.ascontiguousarray(f, dtype=np.float64))
    n1 = int(lab.sum())
    if min(n1, len(p) - n1) < min_size:
        return None
    s = np.sqrt(0.5 * (p[~lab].var() + p[lab].var()))
    if s == 0 or abs(m1 - m0) / s < min_separation:
        return None
    return lab


def initial_clusters(max_channels, features, split=True, min_size=50, min_separation=4.0,
                     max_depth=3):
    """Cluster ids: one cluster per max channel, each optionally split further (recursively,
    at most ``max_depth`` times) by 2-means on its first local principal component when the
    two parts are separated by ``min_separation`` pooled standard deviations. Deterministic;
    ids are numbered by max channel then by split."""
    max_channels = np.asarray(max_channels, dtype=np.int64)
    out = np.zeros(len(max_channels), dtype=np.int64)
    next_id = 0
    order = np.argsort(max_channels, kind="stable")
    bounds = np.flatnonzero(np.diff(max_channels[order])) + 1
    for group in np.split(order, bounds):
        if not len(group):
            continue
        parts = [group]
        if split:
            for _ in range(max_depth):
                new = []
                for g in parts:
                    lab = None
                    if len(g) >= 2 * min_size:
                        lab = _split_two(features[g].reshape(len(g), -1).astype(np.float64),
                                         min_size, min_separation)
                    new.extend([g] if lab is None else [g[~lab], g[lab]])
                if len(new) == len(parts):
                    break
                parts = new
        for g in parts:
            out[g] = next_id
            next_id += 1
    return out


def templates_from_features(clusters, features, max_channels, local, basis):
    """Mean waveforms rebuilt from the mean PC features of each cluster:
    ``templates`` (n_clusters, n_samples, n_local) and ``template_ind`` (n_clusters,
    n_local), the local channels of each cluster's max channel."""
    n_clusters = int(clusters.max()) + 1 if len(clusters) else 0
    n_pcs, ns = basis.shape
    nl = local.shape[1]
    counts = np.bincount(clusters, minlength=n_clusters)
    sums = np.zeros((n_clusters, n_pcs, nl))
    order = np.argsort(clusters, kind="stable")
    present = np.flatnonzero(counts)
    starts = np.concatenate([[0], np.cumsum(counts)])[present]
    if len(present):  # each cluster's features summed in spike order
        sums[present] = np.add.reduceat(features[order], starts, axis=0, dtype=np.float64)
    counts = counts.astype(np.float64)
    mean = sums / np.maximum(counts, 1)[:, None, None]
    templates = np.einsum("kpc,ps->ksc", mean, basis).astype(np.float32)
    first = np.zeros(n_clusters, dtype=np.int64)
    first[clusters[::-1]] = np.arange(len(clusters))[::-1]
    template_ind = local[max_channels[first]] if n_clusters else np.zeros((0, nl), np.int64)
    return templates, template_ind.astype(np.int32)


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
