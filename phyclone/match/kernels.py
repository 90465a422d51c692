"""numba kernels of template matching (cached on disk, GIL released, threads over events/samples).

Data layout: a block of filtered data ``(n_samples, n_channels)`` float32; a template ``j`` is
``data[j]`` (n_s, n_c) on channels ``channels[j]`` (-1 pads), aligned so that an event at
sample ``t`` is compared with the block samples ``[t + offset[j], t + offset[j] + n_s)``.

Match error (spyke): ``sum_{c,k} ((T[k, c] - E[k, c]) * w[k, c]) ** 2`` with
``w = max(|T|, |E|)`` (``signal``) or a fixed weight array (none / spatial / temporal).
"""

import numba
import numpy as np

_OPTS = dict(cache=True, nogil=True, parallel=True, fastmath=True)


@numba.njit(cache=True, nogil=True, fastmath=True, inline="always")
def error(block, t0, tpl, chans, weights, signal, bound):
    """Match error of a template placed at block sample ``t0``; stops past ``bound``."""
    n_s, n_c = tpl.shape
    s = 0.
    for c in range(n_c):
        ch = chans[c]
        if ch < 0:
            break
        for k in range(n_s):
            x = tpl[k, c]
            e = block[t0 + k, ch]
            d = x - e
            if signal:
                w = max(abs(x), abs(e))
            else:
                w = weights[k, c]
            s += d * d * w * w
        if s > bound:
            return s
    return s


@numba.njit(**_OPTS)
def pair_errors(block, ev_t, ev_first, ev_count, pair_tpl, data, channels, weights, offsets,
                 signal, n_shifts, out_err, out_shift):
    """Mode A: error of every (event, candidate template) pair, the best of ``2 n_shifts + 1``
    alignments. ``ev_first[i]``/``ev_count[i]``: event ``i``'s pairs in ``pair_tpl``."""
    n_ev = len(ev_t)
    n_b = block.shape[0]
    for i in numba.prange(n_ev):
        for p in range(ev_first[i], ev_first[i] + ev_count[i]):
            j = pair_tpl[p]
            n_s = data.shape[1]
            best = np.inf
            best_sh = 0
            for sh in range(-n_shifts, n_shifts + 1):
                t0 = ev_t[i] + offsets[j] + sh
                if t0 < 0 or t0 + n_s > n_b:
                    continue
                e = error(block, t0, data[j], channels[j], weights[j], signal, best)
                if e < best:
                    best = e
                    best_sh = sh
            out_err[p] = best
            out_shift[p] = best_sh


@numba.njit(**_OPTS)
def slide(block, t_first, t_stop, tpl, chans, weights, order_k, order_c, signal, bound, out):
    """Mode B: error of a template at every block sample in ``[t_first, t_stop)``.

    Terms are summed in ``order`` (largest template samples first) and the sum stops past
    ``bound``: values below ``bound`` are exact, the others are only known to be >= bound."""
    n_t = t_stop - t_first
    n_terms = len(order_k)
    for i in numba.prange(n_t):
        t0 = t_first + i
        s = 0.
        for m in range(n_terms):
            k = order_k[m]
            c = order_c[m]
            x = tpl[k, c]
            e = block[t0 + k, chans[c]]
            d = x - e
            if signal:
                w = max(abs(x), abs(e))
            else:
                w = weights[k, c]
            s += d * d * w * w
            if s > bound:
                break
        out[i] = s


@numba.njit(cache=True, nogil=True)
def local_minima(err, bound, half_width, out):
    """Indices of the values below ``bound`` that are the minimum of their +-half_width
    neighbourhood (the first of equal values); returns their count, written to ``out``."""
    n = len(err)
    k = 0
    for i in range(n):
        v = err[i]
        if v >= bound:
            continue
        ok = True
        for j in range(max(0, i - half_width), min(n, i + half_width + 1)):
            if err[j] < v or (err[j] == v and j < i):
                ok = False
                break
        if ok:
            out[k] = i
            k += 1
    return k
