"""Features of synthetic spikes: temporal PCs, template similarity, template features, and the
model-based pc_features of spikes beyond the raw data.

Model (exact in distribution for isolated spikes): a spike of template ``t`` with amplitude ``a``
has the whitened waveform ``a · T_t + N`` where ``N`` is whitened band-limited noise, independent
across channels, of temporal autocorrelation ``R``. Its projection on the temporal PCs ``U`` is
``a · Uᵀ T_t + Uᵀ N`` (noise covariance ``Uᵀ R U`` per channel), and on template ``j`` it is
``a · <T_t, T_j> + <N, T_j>`` (covariance ``<T_j, R T_k>``). What the model leaves out: other
spikes overlapping in time, which the raw-data projections (``synthesize_raw``) do include.
"""

import numpy as np
from numba import njit
from scipy.linalg import toeplitz

from phyclone.utils.bunch import Bunch


def temporal_pcs(templates, n_pcs=3):
    """(n_samples, n_pcs) orthonormal temporal principal components of all template channels,
    each also shifted by ±1 and ±2 samples (the timing jitter of real spikes).

    Signs are fixed so that templates project positively on average on their peak channel (as
    KiloSort: a negative trough gives a positive first feature, which phy's depth estimate needs).
    """
    x = templates.transpose(0, 2, 1).reshape(-1, templates.shape[1]).astype(np.float64)
    x = np.concatenate([np.roll(x, shift, axis=1) for shift in (0, -2, -1, 1, 2)])
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    u = vt[:n_pcs].T
    sign = np.sign(templates[:, :, 0].astype(np.float64).sum(axis=0) @ u)
    u *= np.where(sign == 0, 1., sign)[None, :]
    return u.astype(np.float32)


def _channel_lookup(template_ind, n_channels):
    """(n_templates, n_channels) int32: local index of each channel in each template, or -1."""
    loc = np.full((len(template_ind), n_channels), -1, dtype=np.int32)
    rows = np.repeat(np.arange(len(template_ind)), template_ind.shape[1])
    loc[rows, template_ind.ravel()] = np.tile(np.arange(template_ind.shape[1]), len(template_ind))
    return loc


@njit(cache=True, nogil=True)
def _similarity(x, ind, loc, max_lag):  # pragma: no cover
    """max over lags |l| ≤ max_lag of Σ_channels Σ_s x_a[s, c] x_b[s + l, c] for every pair."""
    n_t, ns, n_loc = x.shape
    out = np.zeros((n_t, n_t), dtype=np.float32)
    acc = np.zeros(2 * max_lag + 1)
    for a in range(n_t):
        for b in range(a, n_t):
            acc[:] = 0.
            common = 0
            for k in range(n_loc):
                kb = loc[b, ind[a, k]]
                if kb < 0:
                    continue
                common += 1
                for li in range(2 * max_lag + 1):
                    lag = li - max_lag
                    s_lo = max(0, -lag)
                    s_hi = min(ns, ns - lag)
                    v = 0.
                    for s in range(s_lo, s_hi):
                        v += x[a, s, k] * x[b, s + lag, kb]
                    acc[li] += v
            if common:
                out[a, b] = out[b, a] = acc.max()
    return out


def similar_templates(templates, template_ind, n_channels, max_lag=10):
    """(n_templates, n_templates) float32 similarity of unit-norm templates (as KiloSort's
    ``similar_templates.npy``: best normalised cross-correlation over small lags, diagonal 1)."""
    loc = _channel_lookup(template_ind, n_channels)
    sim = _similarity(templates.astype(np.float32), template_ind, loc, max_lag)
    np.fill_diagonal(sim, 1.)
    return sim


@njit(cache=True, nogil=True)
def _pair_dots(x, y, ind, loc, pairs):  # pragma: no cover
    """out[p] = Σ over common channels Σ_s x[a, s, k] y[b, s, kb] for each pair (a, b)."""
    n_loc, ns = x.shape[2], x.shape[1]
    out = np.zeros(pairs.shape[0])
    for p in range(pairs.shape[0]):
        a, b = pairs[p, 0], pairs[p, 1]
        v = 0.
        for k in range(n_loc):
            kb = loc[b, ind[a, k]]
            if kb < 0:
                continue
            for s in range(ns):
                v += x[a, s, k] * y[b, s, kb]
        out[p] = v
    return out


def template_feature_model(templates, template_ind, n_channels, similarity, autocorr, n_tf=32):
    """Neighbours, mean projections and noise Cholesky factors of the template features.

    Returns a Bunch: ``ind`` (n_templates, n_tf) uint32 (each template's most similar templates,
    itself first), ``mean`` (n_templates, n_tf) (zero-lag overlap of unit-norm templates) and
    ``chol`` (n_templates, n_tf, n_tf) float64 with ``chol @ chol.T`` the noise covariance.
    """
    n_t = len(templates)
    n_tf = min(n_tf, n_t)
    sim = similarity.astype(np.float64).copy()
    np.fill_diagonal(sim, np.inf)
    ind = np.argsort(-sim, axis=1, kind="stable")[:, :n_tf]
    loc = _channel_lookup(template_ind, n_channels)
    x = templates.astype(np.float64)
    rx = np.einsum("uv,tvk->tuk", toeplitz(autocorr), x)
    pairs = np.stack([np.repeat(np.arange(n_t), n_tf), ind.ravel()], axis=1)
    mean = _pair_dots(x, x, template_ind, loc, pairs).reshape(n_t, n_tf)
    jk = np.stack(np.meshgrid(np.arange(n_tf), np.arange(n_tf), indexing="ij"), -1).reshape(-1, 2)
    cov_pairs = np.concatenate([ind[:, jk[:, 0]].reshape(-1, 1), ind[:, jk[:, 1]].reshape(-1, 1)], 1)
    cov = _pair_dots(x, rx, template_ind, loc, cov_pairs).reshape(n_t, n_tf, n_tf)
    cov = .5 * (cov + cov.transpose(0, 2, 1)) + 1e-6 * np.eye(n_tf)[None]
    return Bunch(ind=ind.astype(np.uint32), mean=mean, chol=np.linalg.cholesky(cov))


class FeatureModel:
    """Draws pc_features, template features and spike positions of chunks of spikes."""

    def __init__(self, units, pcs, autocorr, tf_model, position_noise_um=6.):
        self.units = units
        self.tf = tf_model
        # mean pc projection per template and unit amplitude: (n_templates, n_pcs, n_loc)
        self.pc_mean = np.einsum("sp,tsk->tpk", pcs.astype(np.float64),
                                 units.templates.astype(np.float64)).astype(np.float32)
        self.pc_chol = np.linalg.cholesky(pcs.T.astype(np.float64) @ toeplitz(autocorr)
                                          @ pcs.astype(np.float64)).astype(np.float32)
        self.tf_mean = tf_model.mean.astype(np.float32)
        self.tf_chol = tf_model.chol.astype(np.float32)
        self.position_noise = position_noise_um

    def pc_features(self, rng, templates, amplitudes):
        """(n, n_pcs, n_loc) float32 pc_features drawn from the model."""
        n_pcs, n_loc = self.pc_mean.shape[1:]
        out = self.pc_mean[templates]
        out *= amplitudes.astype(np.float32)[:, None, None]
        z = rng.standard_normal((len(templates), n_pcs, n_loc), dtype=np.float32)
        for p in range(n_pcs):  # correlated noise across PCs, independent across channels
            for q in range(p + 1):
                out[:, p, :] += self.pc_chol[p, q] * z[:, q, :]
        return out

    def template_features(self, rng, templates, amplitudes):
        """(n, n_tf) float32 projections on each spike's template's neighbour templates."""
        z = rng.standard_normal((len(templates), self.tf.ind.shape[1]), dtype=np.float32)
        order = np.argsort(templates, kind="stable")
        bounds = np.r_[0, np.cumsum(np.bincount(templates, minlength=len(self.tf_chol)))]
        for t in np.nonzero(np.diff(bounds))[0]:  # z is i.i.d.: use its rows in sorted order
            rows = slice(bounds[t], bounds[t + 1])
            z[rows] = z[rows] @ self.tf_chol[t].T
        out = self.tf_mean[templates]
        out *= amplitudes.astype(np.float32)[:, None]
        out[order] += z
        return out

    def spike_positions(self, rng, templates, amplitudes):
        """(n, 2) float32 estimated (x, y) positions: unit position + noise shrinking with SNR."""
        units = self.units
        spread = self.position_noise * units.base_amplitude[templates] / amplitudes
        noise = rng.standard_normal((len(templates), 2)) * spread[:, None]
        return (units.position[templates, :2] + noise).astype(np.float32)
