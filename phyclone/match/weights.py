"""Weightings of the match error (spyke): ``signal`` (w = max(|template|, |event|), the
default), ``none``, ``spatial`` (Gaussian of the distance to the template's max channel),
``temporal`` (Gaussian of the time to the template's peak) and ``spatiotemporal`` (both)."""

import numpy as np

WEIGHTINGS = ("signal", "none", "spatial", "temporal", "spatiotemporal")
#: Gaussian widths of the spatial (µm) and temporal (ms) weightings.
SIGMA_UM = 50.
SIGMA_MS = 0.25


def check_weighting(weighting):
    if weighting not in WEIGHTINGS:
        raise ValueError(f"unknown weighting {weighting!r}: use one of {', '.join(WEIGHTINGS)}")
    return weighting


def weight_arrays(templates, channel_positions, weighting, sample_rate, sigma_um=SIGMA_UM,
                  sigma_ms=SIGMA_MS):
    """Fixed weights (n_t, n_s, n_c) float32 of a weighting (ones for ``signal``/``none``)."""
    check_weighting(weighting)
    n_t, n_s, n_c = templates.data.shape
    w = np.ones((n_t, n_s, n_c), dtype=np.float32)
    if weighting in ("spatial", "spatiotemporal"):
        pos = np.asarray(channel_positions, dtype=np.float64)
        ch = np.maximum(templates.channels, 0)
        d = np.linalg.norm(pos[ch] - pos[templates.max_channels][:, None, :], axis=2)
        w *= np.exp(-0.5 * (d / sigma_um) ** 2)[:, None, :].astype(np.float32)
    if weighting in ("temporal", "spatiotemporal"):
        k = (np.arange(n_s) - n_s // 2) / (float(sample_rate) * 1e-3)
        w *= np.exp(-0.5 * (k / sigma_ms) ** 2)[None, :, None].astype(np.float32)
    w[templates.channels[:, None, :].repeat(n_s, axis=1) < 0] = 0.
    return w
