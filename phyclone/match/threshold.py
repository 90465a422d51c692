"""The automatic threshold: the trough of the bimodal histogram of match errors.

Rule (stated in docs/match.md): take ``log10`` of the errors; histogram them in ``N_BINS``
bins between the 0.5th and 99.5th percentiles; smooth with a Gaussian of ``SMOOTH_BINS``
bins; its peaks are the local maxima higher than ``MIN_PEAK`` × the highest one. Walking from
the lowest errors up, two neighbouring peaks are two modes when the lowest point between
them is below ``DIP`` × the lower of the two (else they are one mode, represented by the
higher): the threshold is the centre of that lowest bin between the first (members') mode
and the next one. With a single peak (no other unit near
the template) the threshold is ``median + UNIMODAL_MADS`` × MAD above it (log scale).
"""

import numpy as np

N_BINS = 100
SMOOTH_BINS = 2.0
MIN_PEAK = 0.05
DIP = 0.5
UNIMODAL_MADS = 5.0


def _smooth(h, sigma):
    r = int(np.ceil(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    return np.convolve(h, k / k.sum(), mode="same")


def log_histogram(errors, n_bins=N_BINS):
    """(counts, edges in log10 units) of the positive finite errors."""
    x = np.log10(np.asarray(errors, dtype=np.float64))
    x = x[np.isfinite(x)]
    if not len(x):
        return np.zeros(n_bins), np.linspace(0, 1, n_bins + 1)
    lo, hi = np.percentile(x, [0.5, 99.5])
    if hi <= lo:
        lo, hi = lo - .5, hi + .5
    return np.histogram(np.clip(x, lo, hi), bins=n_bins, range=(lo, hi))


def expected_error(templates, noise, weighting="signal", weights=None):
    """The match error a template's own spikes would have in Gaussian noise of standard
    deviation ``noise`` (per channel) with spike times on the sample grid: E[sum (d w)^2]
    with d^2 = noise^2 + T'^2 / 12 (a uniform sub-sample offset, T' the slope per sample)
    and w^2 = T^2 + 3 noise^2 (``signal``) or the fixed weights."""
    noise = np.asarray(noise, dtype=np.float64)
    out = np.zeros(len(templates.data))
    for j in range(len(out)):
        ch = templates.channels[j]
        k = ch >= 0
        s2 = noise[ch[k]][None, :] ** 2
        T = templates.data[j][:, k].astype(np.float64)
        d2 = s2 + np.gradient(T, axis=0) ** 2 / 12.
        w2 = T ** 2 + 3 * s2 if weighting == "signal" else weights[j][:, k] ** 2
        out[j] = np.sum(d2 * w2)
    return out


def auto_threshold(errors, n_bins=N_BINS, expected=None):
    """The suggested threshold (error units) of a template's candidate errors (see module).
    ``expected``: the error of its own spikes in noise (``expected_error``): the trough is
    searched between ``FLOOR_FACTOR`` and ``CAP_FACTOR`` × it (the lowest point of the
    smoothed log histogram there; the middle of the first run of equal lowest values)."""
    errors = np.asarray(errors, dtype=np.float64)
    x = np.log10(errors[np.isfinite(errors) & (errors > 0)])
    if expected is not None:
        return _with_expected(errors, x, float(expected), n_bins)
    if not len(x):
        return np.inf
    h, edges = log_histogram(errors, n_bins)
    s = _smooth(h.astype(np.float64), SMOOTH_BINS)
    centers = 0.5 * (edges[1:] + edges[:-1])
    peaks = [i for i in range(len(s)) if s[i] > 0 and (i == 0 or s[i] > s[i - 1])
             and (i == len(s) - 1 or s[i] >= s[i + 1])]
    peaks = [i for i in peaks if s[i] >= MIN_PEAK * s.max()]
    a = peaks[0] if peaks else 0
    for b in peaks[1:]:
        trough = a + int(np.argmin(s[a:b + 1]))
        if s[trough] < DIP * min(s[a], s[b]):
            return float(10 ** centers[trough])
        a = a if s[a] >= s[b] else b  # no real dip: one mode
    med = np.median(x)
    mad = 1.4826 * np.median(np.abs(x - med))
    return float(10 ** (med + UNIMODAL_MADS * max(mad, 0.05)))


FLOOR_FACTOR = 6.
CAP_FACTOR = 40.
#: Sliding (mode B) accepts a minimum only below ``SLIDE_FACTOR`` × the expected error of
#: the template's own spikes (and below its threshold).
SLIDE_FACTOR = 3.


def slide_threshold(threshold, expected):
    """The bound of the spikes found by sliding a template: its threshold, but at most
    ``SLIDE_FACTOR`` × ``expected`` (``expected_error``). The threshold sits at the trough
    between the template's spikes and the *detected events* of other units; sliding also
    meets every noise window of the recording, whose lowest errors against a template a few
    times the noise reach ~3-6 × the expected error, while an isolated spike's error stays
    below ~2 × it."""
    if expected is None:
        return threshold
    return np.minimum(threshold, SLIDE_FACTOR * np.asarray(expected, dtype=np.float64))


def _with_expected(errors, x, expected, n_bins):
    lo, hi = np.log10(FLOOR_FACTOR * expected), np.log10(CAP_FACTOR * expected)
    pad = 3 * SMOOTH_BINS * (hi - lo) / n_bins
    h, edges = np.histogram(x, bins=n_bins + int(6 * SMOOTH_BINS),
                            range=(lo - pad, hi + pad))
    s = _smooth(h.astype(np.float64), SMOOTH_BINS)
    centers = 0.5 * (edges[1:] + edges[:-1])
    inside = np.nonzero((centers >= lo) & (centers <= hi))[0]
    v = s[inside]
    low = np.nonzero(v <= v.min() + 1e-6 * max(v.max(), 1.))[0]
    run = low[:np.argmax(np.r_[np.diff(low) > 1, True]) + 1]  # the first run of minima
    return float(10 ** centers[inside[(run[0] + run[-1]) // 2]])
