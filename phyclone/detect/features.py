"""Waveforms, PCA features, initial clusters and templates of detected events."""

import numpy as np


def local_channels(positions, n_local):
    """For every channel, the ``n_local`` nearest channels (itself first; ties by index):
    (n_channels, n_local) int64."""
    pos = np.asarray(positions, dtype=np.float64)
    n_local = min(int(n_local), len(pos))
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=2)
    order = np.lexsort((np.broadcast_to(np.arange(len(pos)), d.shape), d), axis=1)
    return order[:, :n_local].astype(np.int64)


def neighbour_table(positions, radius):
    """Channels within ``radius`` µm of each channel (itself included), -1 padded:
    (n_channels, k) int64."""
    pos = np.asarray(positions, dtype=np.float64)
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=2)
    near = d <= radius
    k = int(near.sum(axis=1).max()) if len(pos) else 1
    out = -np.ones((len(pos), max(k, 1)), dtype=np.int64)
    for c in range(len(pos)):
        idx = np.flatnonzero(near[c])
        out[c, :len(idx)] = idx
    return out


def extract_waveforms(x, rows, channels, local, n_before, n_after):
    """Waveforms (n, n_before + n_after + 1, n_local) of ``x`` around ``rows`` on the local
    channels of each event's channel."""
    rows = np.asarray(rows, dtype=np.int64)
    t = rows[:, None] + np.arange(-n_before, n_after + 1)[None, :]
    ch = local[np.asarray(channels, dtype=np.int64)]  # (n, n_local)
    return x[t[:, :, None], ch[:, None, :]]


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
    _, _, vt = np.linalg.svd(w, full_matrices=False)
    b = vt[:n_pcs]
    b *= np.sign(b[np.arange(len(b)), np.abs(b).argmax(axis=1)])[:, None]
    return b.astype(np.float32)


def project(waveforms, basis):
    """PC features (n, n_pcs, n_local) of waveforms (n, n_samples, n_local)."""
    return np.einsum("isc,ps->ipc", waveforms, basis).astype(np.float32)


def _split_two(f, min_size, min_separation):
    """Split rows of ``f`` in two along their first principal component (2-means started at
    the quartiles): labels, or None when the parts are small or not separated."""
    fc = f - f.mean(axis=0)
    _, _, vt = np.linalg.svd(fc, full_matrices=False)
    p = fc @ vt[0]
    m = np.percentile(p, [25, 75])
    for _ in range(50):
        lab = np.abs(p - m[1]) < np.abs(p - m[0])
        if lab.all() or not lab.any():
            return None
        new = np.array([p[~lab].mean(), p[lab].mean()])
        if np.allclose(new, m):
            break
        m = new
    n1 = lab.sum()
    if min(n1, len(p) - n1) < min_size:
        return None
    s = np.sqrt(0.5 * (p[~lab].var() + p[lab].var()))
    if s == 0 or abs(m[1] - m[0]) / s < min_separation:
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
    sums = np.zeros((n_clusters, n_pcs, nl))
    np.add.at(sums, clusters, features.astype(np.float64))
    counts = np.bincount(clusters, minlength=n_clusters).astype(np.float64)
    mean = sums / np.maximum(counts, 1)[:, None, None]
    templates = np.einsum("kpc,ps->ksc", mean, basis).astype(np.float32)
    first = np.zeros(n_clusters, dtype=np.int64)
    first[clusters[::-1]] = np.arange(len(clusters))[::-1]
    template_ind = local[max_channels[first]] if n_clusters else np.zeros((0, nl), np.int64)
    return templates, template_ind.astype(np.int32)


def similar_templates(templates, template_ind, n_channels):
    """Cosine similarity between templates on the full probe: (n, n) float32."""
    n, ns, nl = templates.shape
    dense = np.zeros((n, ns, n_channels), dtype=np.float32)
    dense[np.arange(n)[:, None], :, template_ind] = templates.transpose(0, 2, 1)
    flat = dense.reshape(n, -1)
    norm = np.linalg.norm(flat, axis=1)
    norm[norm == 0] = 1
    flat /= norm[:, None]
    return (flat @ flat.T).astype(np.float32)
