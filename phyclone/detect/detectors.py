"""Event detectors on filtered blocks (numba, GIL released).

A *candidate* is a sample whose value crosses the channel's threshold and is a local
extremum in time on that channel (``sign``: -1 negative only, +1 positive only, 0 both).

- **bipolar amplitude**: every candidate.
- **dynamic multiphasic**: a candidate whose opposite phase follows or precedes it on the
  same channel within ``phase_window`` samples, with an amplitude of at least
  ``phase_ratio`` × the candidate's (the second threshold is set by the first phase).

**Spatiotemporal lockout**, in two steps (magnitudes in the candidate's polarity; ties: the
earliest sample, then the lowest channel, wins). The lockout time of a larger sample is
``lockout`` samples after it and ``ahead`` samples before it: a candidate up to ``lockout``
samples after a larger sample, or up to ``ahead`` samples before one, is "within the
lockout".

1. a candidate is a *peak* when no sample within the lockout on a channel within the near
   radius (``near``) is larger, and either no sample within the lockout radius
   (``neighbours``) is larger either, or it stands out of the other near channels by at
   least ``prominence[c]`` (a multiple of the channel's noise): the footprint of a larger
   spike whose own peak lies further away does not hide it;
2. a peak is an event unless a larger peak lies within the lockout radius and time.

With ``near`` = ``neighbours`` this is the classic rule (an event is the largest sample of
its neighbourhood). With both polarities, a sample of the opposite polarity locks out within
``phase_window`` samples: the smaller phase of a spike is not a second event. Every decision
looks only at the samples around the candidate (twice the longer lockout at most), so the events
are the same for any split of the recording into blocks. Event = time of the peak, max
channel, amplitude.
"""

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _magnitude(w, v, dt, sign, lockout, ahead, phase_window):
    """Magnitude of sample ``w`` (``dt`` samples after the candidate of value ``v``; < 0:
    before it); -1 when it cannot lock the candidate out."""
    if (w > 0) != (v > 0) and sign == 0:  # another spike's phase
        return abs(w) if abs(dt) <= phase_window else np.float32(-1.)
    if dt < -lockout or dt > ahead:
        return np.float32(-1.)
    return -w if sign < 0 else (w if sign > 0 else abs(w))


@numba.njit(cache=True, nogil=True)
def _dominated(x, t, c, v, a, table, span, sign, lockout, ahead, phase_window):
    """Whether a sample within ``span`` samples of ``t`` on a channel of ``table[c]`` is
    larger than the candidate (value ``v``, magnitude ``a``); and the largest magnitude
    on the other channels of the table."""
    n = x.shape[0]
    largest = np.float32(0.)
    for j in range(table.shape[1]):  # same instant first: rejects most candidates cheaply
        c2 = table[c, j]
        if c2 < 0:
            break
        w = _magnitude(x[t, c2], v, 0, sign, lockout, ahead, phase_window)
        if w > a or (w == a and c2 < c):
            return True, largest
    for j in range(table.shape[1]):
        c2 = table[c, j]
        if c2 < 0:
            break
        for t2 in range(max(0, t - span), min(n, t + span + 1)):
            w = _magnitude(x[t2, c2], v, t2 - t, sign, lockout, ahead, phase_window)
            if w > a or (w == a and (t2 < t or (t2 == t and c2 < c))):
                return True, largest
            if c2 != c and w > largest:
                largest = w
    return False, largest


@numba.njit(cache=True, nogil=True)
def _peaks(x, x_start, t_lo, t_hi, thr, thr_len, thr_start, sign, near, neighbours, lockout,
           ahead, prominence, multiphasic, phase_window, phase_ratio, out_t, out_c, out_a, out_s):
    """The peaks (step 1) with local time in ``[t_lo, t_hi)`` of ``x`` (row 0 = sample
    ``x_start``), in time order: ``out_s`` tells whether no larger sample lies within the
    lockout radius (then no larger peak does either). ``thr`` (n_windows, n_channels):
    thresholds per noise window of ``thr_len`` samples, the first starting at sample
    ``thr_start``. Returns the number of peaks written (-1: the outputs are too small)."""
    n, nc = x.shape
    m = 0
    span = max(lockout, ahead) if sign != 0 else max(lockout, ahead, phase_window)
    same = near.shape[1] == neighbours.shape[1] and np.all(near == neighbours)
    lo_thr = np.empty(nc, dtype=np.float32)
    hi_thr = np.empty(nc, dtype=np.float32)
    hit = np.zeros(-(-nc // 8) * 8, dtype=np.uint8)  # (whole words: read 8 at a time)
    words = hit.view(np.uint64)
    row_prev = -1
    for t in range(max(t_lo, 1), min(t_hi, n - 1)):
        row = min(max((x_start + t - thr_start) // thr_len, 0), thr.shape[0] - 1)
        if row != row_prev:  # thresholds of this noise window; NaN: never crossed
            for c in range(nc):
                th = thr[row, c]
                hi_thr[c] = th if th > 0 and sign >= 0 else np.nan
                lo_thr[c] = -th if th > 0 and sign <= 0 else np.nan
            row_prev = row
        xt = x[t]
        crossed = 0
        for c in range(nc):  # vectorised pre-scan, without stores
            crossed += (xt[c] >= hi_thr[c]) | (xt[c] <= lo_thr[c])
        if crossed == 0:
            continue
        xp, xn = x[t - 1], x[t + 1]
        for c in range(nc):  # the candidates: crossings that are extrema in time (vectorised)
            v = xt[c]
            hit[c] = ((v >= hi_thr[c]) & (v > xp[c]) & (v >= xn[c])) | \
                ((v <= lo_thr[c]) & (v < xp[c]) & (v <= xn[c]))
        for wi in range(len(words)):  # 8 channels at a time: most have none
            if words[wi] == 0:
                continue
            for c in range(8 * wi, min(nc, 8 * wi + 8)):
                if not hit[c]:
                    continue
                v = xt[c]
                a = abs(v)
                if multiphasic:
                    best = np.float32(0.)
                    for t2 in range(max(0, t - phase_window), min(n, t + phase_window + 1)):
                        w = -x[t2, c] if v > 0 else x[t2, c]
                        if w > best:
                            best = w
                    if best < phase_ratio * a:
                        continue
                blocked, largest = _dominated(x, t, c, v, a, near, span, sign, lockout, ahead,
                                              phase_window)
                if blocked:
                    continue
                strict = same or not _dominated(x, t, c, v, a, neighbours, span, sign, lockout,
                                                 ahead, phase_window)[0]
                if not strict and a - largest < prominence[c]:
                    continue
                if m >= len(out_t):
                    return -1
                out_t[m] = t
                out_c[m] = c
                out_a[m] = v
                out_s[m] = strict
                m += 1
    return m


@numba.njit(cache=True, nogil=True)
def _events(pt, pc, pa, ps, t_lo, t_hi, neighbours, lockout, ahead, sign, keep):
    """Step 2: ``keep[i]`` for the peaks in ``[t_lo, t_hi)`` that no larger peak within the
    lockout radius, up to ``lockout`` samples before or ``ahead`` after, locks out (``pt``
    sorted)."""
    j0 = 0
    for i in range(len(pt)):
        t = pt[i]
        while pt[j0] < t - lockout:
            j0 += 1
        if t < t_lo or t >= t_hi:
            continue
        if ps[i]:
            keep[i] = True
            continue
        a = abs(pa[i])
        ok = True
        j = j0
        while ok and j < len(pt) and pt[j] <= t + ahead:
            if j != i and (sign != 0 or (pa[j] > 0) == (pa[i] > 0)):
                b = abs(pa[j])
                if b > a or (b == a and (pt[j] < t or (pt[j] == t and pc[j] < pc[i]))):
                    for q in range(neighbours.shape[1]):
                        c2 = neighbours[pc[i], q]
                        if c2 < 0:
                            break
                        if c2 == pc[j]:
                            ok = False
                            break
            j += 1
        keep[i] = ok


SIGNS = {"neg": -1, "pos": 1, "both": 0}


def detect_events(x, x_start, t_lo, t_hi, thresholds, thr_len, neighbours, lockout,
                  sign="both", method="bipolar", phase_window=15, phase_ratio=0.25,
                  thr_start=0, near=None, prominence=None, ahead=None):
    """Detect events in a filtered block ``x`` (n, n_channels) float32 whose first row is
    sample ``x_start``; keep events with local time in ``[t_lo, t_hi)``. ``neighbours``,
    ``near``: channel tables (:func:`~phyclone.detect.features.neighbour_table`) of the
    lockout and near radii (``near`` None: the classic rule); ``prominence``: per channel,
    in filtered units; ``ahead``: samples after a candidate within which a larger sample
    locks it out (None: ``lockout``, symmetric).

    Returns ``(times int64 absolute samples, channels int64, amplitudes float32)`` sorted
    by time then channel."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    thr = np.ascontiguousarray(np.atleast_2d(thresholds), dtype=np.float32)
    nb = np.ascontiguousarray(neighbours, dtype=np.int64)
    near = nb if near is None else np.ascontiguousarray(near, dtype=np.int64)
    prom = np.zeros(x.shape[1], np.float32) if prominence is None else \
        np.ascontiguousarray(prominence, dtype=np.float32)
    ahead = int(lockout) if ahead is None else int(ahead)
    span = max(int(lockout), ahead)
    lo, hi = int(t_lo) - span, int(t_hi) + span  # the peaks step 2 needs
    cap = max(1024, (hi - lo) * x.shape[1] // 200)
    while True:
        pt, pc = np.empty(cap, np.int64), np.empty(cap, np.int64)
        pa, ps = np.empty(cap, np.float32), np.empty(cap, np.bool_)
        m = _peaks(x, int(x_start), lo, hi, thr, int(thr_len), int(thr_start), SIGNS[sign],
                   near, nb, int(lockout), ahead, prom, method == "multiphasic", int(phase_window),
                   np.float32(phase_ratio), pt, pc, pa, ps)
        if m >= 0:
            break
        cap *= 4
    pt, pc, pa, ps = pt[:m], pc[:m], pa[:m], ps[:m]
    keep = np.zeros(m, np.bool_)
    _events(pt, pc, pa, ps, int(t_lo), int(t_hi), nb, int(lockout), ahead, SIGNS[sign], keep)
    return pt[keep] + int(x_start), pc[keep], pa[keep]
