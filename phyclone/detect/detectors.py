"""Event detectors on filtered blocks (numba, GIL released).

A *candidate* is a sample whose value crosses the channel's threshold and is a local
extremum in time on that channel (``sign``: -1 negative only, +1 positive only, 0 both).

- **bipolar amplitude**: every candidate.
- **dynamic multiphasic**: a candidate whose opposite phase follows or precedes it on the
  same channel within ``phase_window`` samples, with an amplitude of at least
  ``phase_ratio`` × the candidate's (the second threshold is set by the first phase).

**Spatiotemporal lockout**: a candidate is an event only when no sample within
``lockout`` samples and on a channel within the lockout radius (``neighbours``) has a larger
absolute value (ties: the earliest sample, then the lowest channel, wins). With both
polarities, a sample of the opposite polarity locks out within ``phase_window`` samples: the
smaller phase of a spike is not a second event. The decision
depends only on the samples around the candidate, so the events are the same for any
split of the recording into blocks. Event = time of the peak, max channel, amplitude.
"""

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _detect(x, x_start, t_lo, t_hi, thr, thr_len, sign, neighbours, lockout, multiphasic,
            phase_window, phase_ratio, out_t, out_c, out_a):
    """Events with local time in ``[t_lo, t_hi)`` of ``x`` (row 0 = sample ``x_start``).
    ``thr`` (n_windows, n_channels): thresholds per noise window of ``thr_len`` samples.
    ``neighbours`` (n_channels, k): channels within the lockout radius, -1 padded. Returns
    the number of events written to ``out_*`` (grown by the caller when full: returns -1)."""
    n, nc = x.shape
    k = neighbours.shape[1]
    m = 0
    span = lockout if sign != 0 else max(lockout, phase_window)
    lo_thr = np.empty(nc, dtype=np.float32)
    hi_thr = np.empty(nc, dtype=np.float32)
    hit = np.zeros(nc, dtype=np.uint8)
    row_prev = -1
    for t in range(max(t_lo, 1), min(t_hi, n - 1)):
        row = min((x_start + t) // thr_len, thr.shape[0] - 1)
        if row != row_prev:  # thresholds of this noise window; inf: never crossed
            for c in range(nc):
                th = thr[row, c]
                hi_thr[c] = th if th > 0 and sign >= 0 else np.inf
                lo_thr[c] = -th if th > 0 and sign <= 0 else -np.inf
            row_prev = row
        xt = x[t]
        any_hit = 0
        for c in range(nc):  # vectorised pre-scan
            h = (xt[c] >= hi_thr[c]) | (xt[c] <= lo_thr[c])
            hit[c] = h
            any_hit += h
        if any_hit == 0:
            continue
        for c in range(nc):
            if not hit[c]:
                continue
            v = xt[c]
            if v > 0:
                if not (v > x[t - 1, c] and v >= x[t + 1, c]):
                    continue
            elif not (v < x[t - 1, c] and v <= x[t + 1, c]):
                continue
            a = abs(v)
            if multiphasic:
                best = np.float32(0.)
                for t2 in range(max(0, t - phase_window), min(n, t + phase_window + 1)):
                    w = -x[t2, c] if v > 0 else x[t2, c]
                    if w > best:
                        best = w
                if best < phase_ratio * a:
                    continue
            ok = True
            for j in range(k):  # same instant first: rejects most candidates cheaply
                c2 = neighbours[c, j]
                if c2 < 0:
                    break
                w = xt[c2]
                if sign < 0:
                    w = -w
                elif sign == 0:
                    w = abs(w)
                if w > a or (w == a and c2 < c):
                    ok = False
                    break
            if not ok:
                continue
            for j in range(k):
                c2 = neighbours[c, j]
                if c2 < 0:
                    break
                for t2 in range(max(0, t - span), min(n, t + span + 1)):
                    w = x[t2, c2]
                    if sign < 0:
                        w = -w
                    elif sign == 0:
                        if (w > 0) != (v > 0) and abs(t2 - t) <= phase_window:
                            w = abs(w)  # the other phase of a larger spike
                        elif (w > 0) == (v > 0) and abs(t2 - t) <= lockout:
                            w = abs(w)
                        else:
                            continue
                    if w > a or (w == a and (t2 < t or (t2 == t and c2 < c))):
                        ok = False
                        break
                if not ok:
                    break
            if not ok:
                continue
            if m >= len(out_t):
                return -1
            out_t[m] = x_start + t
            out_c[m] = c
            out_a[m] = v
            m += 1
    return m


SIGNS = {"neg": -1, "pos": 1, "both": 0}


def detect_events(x, x_start, t_lo, t_hi, thresholds, thr_len, neighbours, lockout,
                  sign="both", method="bipolar", phase_window=15, phase_ratio=0.25):
    """Detect events in a filtered block ``x`` (n, n_channels) float32 whose first row is
    sample ``x_start``; keep events with local time in ``[t_lo, t_hi)``.

    Returns ``(times int64 absolute samples, channels int64, amplitudes float32)`` sorted
    by time then channel."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    thr = np.ascontiguousarray(np.atleast_2d(thresholds), dtype=np.float32)
    nb = np.ascontiguousarray(neighbours, dtype=np.int64)
    cap = max(1024, (t_hi - t_lo) * x.shape[1] // 200)
    while True:
        ot, oc = np.empty(cap, np.int64), np.empty(cap, np.int64)
        oa = np.empty(cap, np.float32)
        m = _detect(x, int(x_start), int(t_lo), int(t_hi), thr, int(thr_len), SIGNS[sign], nb,
                 int(lockout), method == "multiphasic", int(phase_window),
                 np.float32(phase_ratio), ot, oc, oa)
        if m >= 0:
            return ot[:m], oc[:m], oa[:m]
        cap *= 4
