"""numba kernels of template matching (cached on disk, GIL released, threads over events/samples).

An event at sample ``t`` is compared with template ``j`` on the block samples
``[t + offset[j], t + offset[j] + n_s)``.

Match error (spyke): ``sum_{c,k} ((T[k, c] - E[k, c]) * w[k, c]) ** 2`` with
``w = max(|T|, |E|)`` (``signal``) or a fixed weight array (none / spatial / temporal).
"""

import numba
import numpy as np

_OPTS = dict(cache=True, nogil=True, parallel=True, fastmath=True)


@numba.njit(cache=True, inline="always")
def _shift(q):
    """The ``q``-th alignment tried: 0, -1, +1, -2, +2, ... (the likeliest first, so that
    its error bounds the others' and their sums stop early)."""
    return (q + 1) // 2 * (1 - 2 * (q % 2))


@numba.njit(**_OPTS)
def pair_errors(block_t, ev_t, ev_ch, nb_ch, nb_col, ev_first, ev_count, pair_tpl, dense,
                wdense, n_s, offsets, signal, n_shifts, out_err, out_shift):
    """Mode A: error of every (event, candidate template) pair over the channels around the
    event's max channel (``nb_ch[ev_ch[i]]``, block columns ``nb_col``; templates are zero
    beyond their radius, so the errors of one event are comparable), best of
    ``2 n_shifts + 1`` alignments. ``block_t`` is (n_columns, n_samples);
    ``dense``/``wdense`` (n_t, n_channels, n_lanes) hold the ``n_s`` template samples
    zero-padded to a whole number of SIMD vectors (``matching.lanes``): the sums run over
    all the lanes and the padding's terms (``e ** 4`` with ``signal``, 0 with fixed
    weights) are taken off (the exact ``n_s`` loop at the block's end); ``ev_first[i]``,
    ``ev_count[i]``: event ``i``'s pairs in ``pair_tpl``."""
    n_ev = len(ev_t)
    n_b = block_t.shape[1]
    n_lanes = dense.shape[2]
    n_nb = nb_ch.shape[1]
    for i in numba.prange(n_ev):
        chs = nb_ch[ev_ch[i]]
        cols = nb_col[ev_ch[i]]
        for p in range(ev_first[i], ev_first[i] + ev_count[i]):
            j = pair_tpl[p]
            best = np.inf
            best_sh = 0
            for q in range(2 * n_shifts + 1):
                sh = _shift(q)
                t0 = ev_t[i] + offsets[j] + sh
                if t0 < 0 or t0 + n_s > n_b:
                    continue
                n_k = n_lanes if t0 + n_lanes <= n_b else n_s
                s = 0.
                for c in range(n_nb):
                    ch = chs[c]
                    if ch < 0:
                        break
                    tj = dense[j, ch]
                    e_row = block_t[cols[c]]
                    acc = np.float32(0.)
                    if signal:
                        for k in range(n_k):
                            x = tj[k]
                            e = e_row[t0 + k]
                            d = x - e
                            w = max(abs(x), abs(e))
                            acc += d * d * w * w
                        for k in range(n_s, n_k):  # the padding: x = 0, w = |e|
                            e = e_row[t0 + k]
                            acc -= e * e * e * e
                    else:
                        wj = wdense[j, ch]
                        for k in range(n_k):
                            d = tj[k] - e_row[t0 + k]
                            w = wj[k]
                            acc += d * d * w * w
                    s += acc
                    if s > best:
                        break
                if s < best:
                    best = s
                    best_sh = sh
            out_err[p] = best
            out_shift[p] = best_sh


@numba.njit(**_OPTS)
def slide(block, t_first, t_stop, tpl, chans, weights, order_k, order_c, signal, bound,
          peak_fraction, out):
    """Mode B: error of a template at every block sample in ``[t_first, t_stop)``.

    Only where the data at the template's largest sample has its sign and at least
    ``peak_fraction`` of its size (else +inf). Terms are summed in ``order`` (largest
    template samples first; the first term is that sample) and the sum stops past ``bound``:
    values below ``bound`` are exact, the others are only known to be >= bound."""
    n_t = t_stop - t_first
    n_terms = len(order_k)
    pk, pc = order_k[0], order_c[0]
    tp = tpl[pk, pc]
    for i in numba.prange(n_t):
        t0 = t_first + i
        ep = block[t0 + pk, chans[pc]]
        if ep * tp < peak_fraction * tp * tp:
            out[i] = np.inf
            continue
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


@numba.njit(cache=True, nogil=True, fastmath=True)
def _pair_error(block_t, t0, chs, cols, tj, wj, signal, bound):
    n_s = tj.shape[1]
    s = 0.
    for c in range(len(chs)):
        ch = chs[c]
        if ch < 0:
            break
        if cols[c] < 0:  # not in the block (mode B reads the slid template's channels)
            continue
        e_row = block_t[cols[c]]
        acc = np.float32(0.)
        for k in range(n_s):
            x = tj[ch, k]
            e = e_row[t0 + k]
            d = x - e
            w = max(abs(x), abs(e)) if signal else wj[ch, k]
            acc += d * d * w * w
        s += acc
        if s > bound:
            break
    return s


@numba.njit(cache=True, nogil=True, fastmath=True)
def _add_template(block_t, t0, wf, cols, sign):
    """Add ``sign`` × a subtracted waveform ``wf`` (n_c, n_sub) whose channel ``c`` is block
    row ``cols[c]`` (-1: not in the block) at samples ``[t0, t0 + n_sub)`` (clipped)."""
    n_b = block_t.shape[1]
    k0 = max(0, -t0)
    k1 = min(wf.shape[1], n_b - t0)
    for c in range(len(cols)):
        col = cols[c]
        if col < 0:
            continue
        row = block_t[col]
        w = wf[c]
        for k in range(k0, k1):
            row[t0 + k] += sign * w[k]


@numba.njit(cache=True, nogil=True, fastmath=True)
def peel(block_t, ev_t, ev_ch, nb_ch, nb_col, ev_first, ev_count, pair_tpl, dense, wdense,
         sub, sub_delta, tpl_col, offsets, signal, n_shifts, n_passes, thresholds, exact,
         out_err, out_shift, out_sub, out_t0):
    """Mode A with collisions resolved: events in decreasing amplitude order are matched on
    the residual (``block_t`` is modified in place), and the best template is subtracted
    when it explains the event better than nothing (error below that of a zero template) and
    is below its threshold. Each further pass adds an event's template back and matches it
    again on the residual of all the others. What is subtracted is ``sub[j]`` (n_c, n_sub;
    channel ``c`` at block row ``tpl_col[j, c]``), starting ``sub_delta[j]`` samples after
    the compared window. ``out_sub[i]``: the template index subtracted for event ``i`` (-1:
    none), ``out_t0[i]`` its compared window's start. ``exact``: every pair's error is
    computed in full (for histograms); else a sum stops once above the event's best so far
    (only the best pair's error is then exact)."""
    n_ev = len(ev_t)
    n_b = block_t.shape[1]
    n_s = dense.shape[2]
    amp = np.empty(n_ev)
    for i in range(n_ev):
        c0 = nb_col[ev_ch[i], 0]
        amp[i] = abs(block_t[c0, ev_t[i]]) if 0 <= ev_t[i] < n_b else 0.
    zero = np.zeros((dense.shape[1], n_s), dtype=np.float32)
    sub_t0 = out_t0
    sub_t0[:] = 0
    out_sub[:] = -1
    order = np.argsort(-amp)
    for _ in range(n_passes):
        for i in order:
            if out_sub[i] >= 0:  # matched again on the residual of the others
                j = out_sub[i]
                _add_template(block_t, sub_t0[i] + sub_delta[j], sub[j], tpl_col[j], 1.)
                out_sub[i] = -1
            chs = nb_ch[ev_ch[i]]
            cols = nb_col[ev_ch[i]]
            best_p = -1
            best = np.inf
            best_sh = 0
            for p in range(ev_first[i], ev_first[i] + ev_count[i]):
                j = pair_tpl[p]
                pb = np.inf
                psh = 0
                for q in range(2 * n_shifts + 1):
                    sh = _shift(q)
                    t0 = ev_t[i] + offsets[j] + sh
                    if t0 < 0 or t0 + n_s > n_b:
                        continue
                    s = _pair_error(block_t, t0, chs, cols, dense[j], wdense[j], signal,
                                    pb if exact else min(pb, best))
                    if s < pb:
                        pb = s
                        psh = sh
                out_err[p] = pb
                out_shift[p] = psh
                if pb < best:
                    best, best_p, best_sh = pb, p, psh
            if best_p < 0:
                continue
            j = pair_tpl[best_p]
            t0 = ev_t[i] + offsets[j] + best_sh
            if best >= thresholds[j]:
                continue
            null = _pair_error(block_t, t0, chs, cols, zero, zero, signal, np.inf)
            if best < null:
                out_sub[i] = j
                sub_t0[i] = t0
                _add_template(block_t, t0 + sub_delta[j], sub[j], tpl_col[j], -1.)


@numba.njit(cache=True, nogil=True, parallel=True, fastmath=True)
def slide_all(block_t, t_first, t_stop, dense, wdense, tpl_ch, tpl_col, order_k, order_c,
              n_terms, offsets, signal, thresholds, peak_fraction, out):
    """Mode B for every template at once: ``out[j, i]`` is the error of template ``j`` placed
    for a spike at block sample ``t_first + i`` (window start ``+ offsets[j]``), summed in
    each template's ``order`` (largest terms first) and stopped past its threshold; +inf
    where the data at the template's largest sample lacks its sign or ``peak_fraction`` of
    its size."""
    n_t = dense.shape[0]
    n_b = block_t.shape[1]
    for j in numba.prange(n_t):
        thr = thresholds[j]
        pk, pc = order_k[j, 0], order_c[j, 0]
        tp = dense[j, tpl_ch[j, pc], pk]
        prow = block_t[tpl_col[j, pc]]
        for i in range(t_stop - t_first):
            t0 = t_first + i + offsets[j]
            if t0 < 0 or t0 + dense.shape[2] > n_b or \
                    prow[t0 + pk] * tp < peak_fraction * tp * tp:
                out[j, i] = np.inf
                continue
            s = 0.
            for m in range(n_terms[j]):
                k = order_k[j, m]
                c = order_c[j, m]
                x = dense[j, tpl_ch[j, c], k]
                e = block_t[tpl_col[j, c], t0 + k]
                d = x - e
                w = max(abs(x), abs(e)) if signal else wdense[j, tpl_ch[j, c], k]
                s += d * d * w * w
                if s > thr:
                    break
            out[j, i] = s


@numba.njit(cache=True, nogil=True, fastmath=True)
def accept_minima(block_t, cand_j, cand_i, t_first, dense, wdense, sub, sub_delta, tpl_col,
                  nb_ch, nb_col, max_ch, offsets, signal, thresholds, out_ok, out_err):
    """Candidates (template ``cand_j``, spike at block sample ``t_first + cand_i``), best
    first: each is matched again on the current residual and accepted (then subtracted) when
    still below its threshold and better than a zero template, on the channels around the
    template's max channel."""
    n_s = dense.shape[2]
    zero = np.zeros((dense.shape[1], n_s), dtype=np.float32)
    for q in range(len(cand_j)):
        j = cand_j[q]
        t0 = t_first + cand_i[q] + offsets[j]
        chs = nb_ch[max_ch[j]]
        cols = nb_col[max_ch[j]]
        e = _pair_error(block_t, t0, chs, cols, dense[j], wdense[j], signal, thresholds[j])
        out_err[q] = e
        out_ok[q] = False
        if e < thresholds[j]:
            null = _pair_error(block_t, t0, chs, cols, zero, zero, signal, np.inf)
            if e < null:
                out_ok[q] = True
                _add_template(block_t, t0 + sub_delta[j], sub[j], tpl_col[j], -1.)
