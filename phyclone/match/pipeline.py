"""Whole-recording matching of all templates: the detected events are peeled (matched in
decreasing amplitude order on the residual, each best template subtracted), then every
template is slid over the residual to find the spikes detection missed (accepted best first,
each subtracted). Thresholds: the automatic ones, from the errors of a few pilot blocks."""

import logging
import time

import numpy as np
from tqdm import tqdm

from phyclone.utils import Bunch

from . import kernels
from .blocks import block_ranges, check_filter, noise_levels, read_filtered
from .matching import (N_SHIFTS, PEAK_FRACTION, TOLERANCE_UM, dense_templates, lanes,
                       match_events, near_templates, neighbourhoods, subtraction_arrays,
                       template_errors)
from .threshold import auto_threshold, expected_error, slide_threshold
from .weights import weight_arrays

logger = logging.getLogger(__name__)

#: Pilot: this many 1 s blocks spread over the recording give the automatic thresholds.
PILOT_BLOCKS = 4
#: Templates whose peak is below this many times the noise of their max channel are not
#: slid (their matches would be noise); their detected events are still peeled.
MIN_SLIDE_SNR = 3.
#: A detected event takes its best template when the error is below the error of no
#: template and below this many times the template's threshold: by default any template
#: that explains it (every unit has a template: an event detected is a spike, only its
#: template is in question); 1 when units without templates fire in the recording. The
#: spikes found by sliding must be below ``threshold.slide_threshold``.
EVENT_FACTOR = np.inf


def pilot_thresholds(traces, templates, event_samples, event_channels, channel_positions,
                     weighting="signal", tolerance_um=TOLERANCE_UM, n_shifts=N_SHIFTS,
                     filter="bandpass", n_blocks=PILOT_BLOCKS, time_range=None, noise=None):
    """Automatic threshold of every template (``auto_threshold`` with the error expected in
    the measured noise) from the peeled errors of its candidate events in ``n_blocks``
    blocks spread over the time range."""
    sr = float(traces.sample_rate)
    a, b = (0., traces.n_samples / sr) if time_range is None else time_range
    starts = np.linspace(a, max(a, b - 1.), n_blocks)
    errs = [[] for _ in range(len(templates.ids))]
    for s in starts:
        r = match_events(traces, templates, event_samples, event_channels, channel_positions,
                         weighting=weighting, tolerance_um=tolerance_um, n_shifts=n_shifts,
                         time_range=(s, min(b, s + 1.)), filter=filter, peel=True)
        for j in range(len(errs)):
            errs[j].append(template_errors(r, j)[1])
    w = weight_arrays(templates, channel_positions, weighting, sr)
    noise = noise_levels(traces, filter=filter) if noise is None else noise
    mu = expected_error(templates, noise, weighting, w)
    return np.array([auto_threshold(np.concatenate(e), expected=m) for e, m in zip(errs, mu)])


def _orders(templates, w, signal):
    """Per template: (k, c) of its terms, largest first, and their number."""
    n_t, n_s, n_c = templates.data.shape
    ok = np.zeros((n_t, n_s * n_c), dtype=np.int64)
    oc = np.zeros((n_t, n_s * n_c), dtype=np.int64)
    n = np.zeros(n_t, dtype=np.int64)
    for j in range(n_t):
        valid = templates.channels[j] >= 0
        size = np.abs(templates.data[j]) * (1. if signal else w[j])
        size[:, ~valid] = -1.
        order = np.argsort(-size, axis=None, kind="stable")
        k, c = np.unravel_index(order, size.shape)
        n[j] = valid.sum() * n_s
        ok[j], oc[j] = k, c
    return ok, oc, n


def _best_is_own(block_t, cj, ci, offsets, max_ch, near_all, nb, nb_col, padded, signal,
                 n_shifts):
    """Whether each candidate (template ``cj``, spike at block sample ``ci``) is matched
    best by its own template among the templates near its max channel (mode A error on the
    residual, peaks aligned): a template slid alone (``slide_templates``) must not take
    another unit's spike."""
    if not len(cj):
        return np.zeros(0, dtype=bool)
    half = padded[2] // 2
    ev_ch = max_ch[cj]
    near = near_all[ev_ch]
    pe, pt = np.nonzero(near)
    counts = near.sum(axis=1).astype(np.int64)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    err = np.empty(len(pt))
    kernels.pair_errors(block_t, ci + offsets[cj] + half, ev_ch, nb, nb_col, first, counts,
                        pt.astype(np.int64), *padded,
                        np.full(len(padded[0]), -half, dtype=np.int64), signal, int(n_shifts),
                        err, np.empty(len(pt), dtype=np.int64))
    best = np.full(len(cj), -1)
    o = np.lexsort((err, pe))
    keep = np.r_[True, pe[o][1:] != pe[o][:-1]]
    best[pe[o][keep]] = pt[o][keep]
    return best == cj


def match_recording(traces, templates, event_samples, event_channels, channel_positions,
                    thresholds=None, weighting="signal", tolerance_um=TOLERANCE_UM,
                    n_shifts=N_SHIFTS, filter="bandpass", time_range=None, slide=True,
                    n_rounds=2, slide_templates=None, progress=False, event_factor=EVENT_FACTOR,
                    noise=None):
    """Match all templates over the recording (see module). ``slide_templates``: the
    indices of the templates slid (default all; e.g. one cluster's template, the others
    only peeling their events: mode B on the residual); templates whose peak is below
    ``MIN_SLIDE_SNR`` × the noise are never slid. ``event_factor``: see ``EVENT_FACTOR``.
    ``noise``: the per-channel noise of the filtered data (``blocks.noise_levels``), when
    known already.
    Returns ``Bunch(spike_samples,
    spike_templates (template indices), errors, detected (bool: from a detected event),
    thresholds, timings)``, sorted by time."""
    check_filter(filter)
    t_start = time.perf_counter()
    t = np.asarray(event_samples, dtype=np.int64).reshape(-1)
    ech = np.asarray(event_channels, dtype=np.int64).reshape(-1)
    noise = noise_levels(traces, filter=filter) if noise is None else np.asarray(noise)
    if thresholds is None:
        thresholds = pilot_thresholds(traces, templates, t, ech, channel_positions, weighting,
                                      tolerance_um, n_shifts, filter, time_range=time_range,
                                      noise=noise)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    t_pilot = time.perf_counter() - t_start
    sr = float(traces.sample_rate)
    start, stop = (0, traces.n_samples) if time_range is None else (
        max(0, int(round(time_range[0] * sr))), min(traces.n_samples,
                                                    int(round(time_range[1] * sr))))
    n_ch = traces.n_channels
    near_all = near_templates(np.arange(n_ch), templates, channel_positions, tolerance_um)
    keep = near_all[ech].any(axis=1)  # events without a candidate template are ignored
    t, ech = t[keep], ech[keep]
    order = np.argsort(t, kind="stable")
    ts, ech = t[order], ech[order]
    w = weight_arrays(templates, channel_positions, weighting, sr)
    slide_thr = slide_threshold(thresholds, expected_error(templates, noise, weighting, w))
    dense, wdense = dense_templates(templates, w, n_ch)
    padded = lanes(dense, wdense)
    signal = weighting == "signal"
    nb = neighbourhoods(channel_positions, templates.radius_um)
    tpl_ch = np.ascontiguousarray(templates.channels, dtype=np.int64)
    used = np.unique(np.r_[nb[templates.max_channels][nb[templates.max_channels] >= 0],
                           tpl_ch[tpl_ch >= 0],
                           nb[np.unique(ech)][nb[np.unique(ech)] >= 0]])
    col = np.full(n_ch, -1, dtype=np.int64)
    col[used] = np.arange(len(used))
    nb_col = np.where(nb >= 0, col[np.maximum(nb, 0)], -1)
    tpl_col = np.where(tpl_ch >= 0, col[np.maximum(tpl_ch, 0)], -1)
    offsets = np.asarray(templates.offsets, dtype=np.int64)
    max_ch = np.asarray(templates.max_channels, dtype=np.int64)
    n_s = dense.shape[2]
    ok, oc, n_terms = _orders(templates, w, signal)
    hw = n_s // 2
    wf_sub, sub_delta, sub_off = subtraction_arrays(templates)
    lo = min(int(offsets.min()), int(sub_off.min())) - max(n_shifts, hw) - 1
    hi = max(int(offsets.max()) + n_s, int((sub_off + wf_sub.shape[2]).max())) + \
        max(n_shifts, hw) + 1
    slid = np.zeros(len(dense), dtype=bool)
    slid[np.arange(len(dense)) if slide_templates is None else slide_templates] = True
    peak = np.abs(templates.data[:, templates.data.shape[1] // 2, 0])
    slid &= peak >= MIN_SLIDE_SNR * noise[max_ch]
    out_t, out_j, out_e, out_d = [], [], [], []
    timing = dict(filter=0., peel=0., slide=0.)
    for b0, b1 in tqdm(block_ranges(start, stop), desc="matching", unit="block",
                       disable=not progress):
        c0 = time.perf_counter()
        block_t = np.ascontiguousarray(read_filtered(traces, b0 + lo, b1 + hi, used,
                                                     filter=filter).T)
        c1 = time.perf_counter()
        timing["filter"] += c1 - c0
        i0, i1 = np.searchsorted(ts, [b0, b1])
        if i1 > i0:
            near = near_all[ech[i0:i1]]
            pe, pt = np.nonzero(near)
            counts = near.sum(axis=1).astype(np.int64)
            first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
            n_ev = i1 - i0
            sub = np.empty(n_ev, dtype=np.int64)
            sub_t0 = np.empty(n_ev, dtype=np.int64)
            err = np.empty(len(pt), dtype=np.float64)
            kernels.peel(block_t, ts[i0:i1] - (b0 + lo), ech[i0:i1], nb, nb_col, first,
                         counts, pt.astype(np.int64), dense, wdense, wf_sub, sub_delta,
                         tpl_col, offsets, signal, int(n_shifts), 2,
                         event_factor * thresholds, False, err,
                         np.empty(len(pt), dtype=np.int64), sub, sub_t0)
            m = sub >= 0
            out_t.append(sub_t0[m] - offsets[sub[m]] + b0 + lo)
            out_j.append(sub[m])
            # the error of the subtracted template
            pe_err = np.full(n_ev, np.inf)
            sel = pt == sub[pe]
            pe_err[pe[sel]] = err[sel]
            out_e.append(pe_err[m])
            out_d.append(np.ones(m.sum(), dtype=bool))
        c2 = time.perf_counter()
        timing["peel"] += c2 - c1
        if slide:
            t_first, t_stop = b0 - (b0 + lo), b1 - (b0 + lo)
            for _ in range(n_rounds):
                errs = np.empty((len(dense), t_stop - t_first + 2 * hw))
                kernels.slide_all(block_t, t_first - hw, t_stop + hw, dense, wdense, tpl_ch,
                                  tpl_col, ok, oc, n_terms * slid, offsets, signal,
                                  np.where(slid, slide_thr, -1.), PEAK_FRACTION, errs)
                cj, ci, ce = [], [], []
                mins = np.empty(errs.shape[1], dtype=np.int64)
                for j in np.nonzero(slid)[0]:
                    k = kernels.local_minima(errs[j], slide_thr[j], hw, mins)
                    i = mins[:k]
                    i = i[(i >= hw) & (i < hw + t_stop - t_first)]
                    cj.append(np.full(len(i), j))
                    ci.append(i - hw)
                    ce.append(errs[j, i] / slide_thr[j])
                if not cj:
                    break
                cj, ci, ce = np.concatenate(cj), np.concatenate(ci), np.concatenate(ce)
                if not len(cj):
                    break
                o = np.argsort(ce, kind="stable")
                cj, ci = cj[o].astype(np.int64), ci[o].astype(np.int64)
                own = _best_is_own(block_t, cj, ci + t_first, offsets, max_ch, near_all,
                                   nb, nb_col, padded, signal, n_shifts)
                cj, ci = cj[own], ci[own]
                acc = np.empty(len(cj), dtype=np.bool_)
                aerr = np.empty(len(cj))
                kernels.accept_minima(block_t, cj, ci, t_first, dense, wdense, wf_sub, sub_delta,
                                      tpl_col, nb, nb_col, max_ch, offsets, signal, slide_thr, acc,
                                      aerr)
                out_t.append(b0 + ci[acc])
                out_j.append(cj[acc])
                out_e.append(aerr[acc])
                out_d.append(np.zeros(acc.sum(), dtype=bool))
                if not acc.any():
                    break
        timing["slide"] += time.perf_counter() - c2
    cat = (lambda x, dt: np.concatenate(x).astype(dt) if x else np.zeros(0, dt))
    st, sj, se, sd = cat(out_t, np.int64), cat(out_j, np.int64), cat(out_e, np.float64), \
        cat(out_d, bool)
    o = np.argsort(st, kind="stable")
    timing["pilot"] = t_pilot
    timing["total"] = time.perf_counter() - t_start
    return Bunch(spike_samples=st[o], spike_templates=sj[o], errors=se[o], detected=sd[o],
                 thresholds=thresholds, timings=timing)
