"""Mode A (every event against the templates near it) and mode B (a template slid over every
sample of a time range: the spikes detection missed)."""

import logging

import numpy as np
from tqdm import tqdm

from phyclone.utils import Bunch

from . import kernels
from .blocks import block_ranges, read_filtered
from .templates import subtracted_waveforms
from .threshold import slide_threshold
from .weights import weight_arrays

logger = logging.getLogger(__name__)

#: Defaults: max-channel tolerance (µm), alignment search (samples), explained-event window (ms).
TOLERANCE_UM = 100.
N_SHIFTS = 1
EXPLAIN_MS = 0.5
#: Mode B looks only where the data at the template's largest sample reaches this fraction
#: of it (same sign).
PEAK_FRACTION = 0.5


def _time_range(traces, time_range):
    if time_range is None:
        return 0, int(traces.n_samples)
    sr = float(traces.sample_rate)
    a, b = (int(round(float(x) * sr)) for x in time_range)
    return max(0, a), min(int(traces.n_samples), b)


def near_templates(event_channels, templates, channel_positions, tolerance_um=TOLERANCE_UM):
    """(n_events, n_templates) bool: the template's max channel lies within the tolerance of
    the event's max channel."""
    pos = np.asarray(channel_positions, dtype=np.float64)
    d = np.linalg.norm(pos[np.asarray(event_channels)][:, None, :]
                       - pos[templates.max_channels][None, :, :], axis=2)
    return d <= tolerance_um + 1e-9


def neighbourhoods(channel_positions, radius_um):
    """(n_channels, n_max) channels within ``radius_um`` of each channel, nearest first
    (itself first), -1 padded."""
    pos = np.asarray(channel_positions, dtype=np.float64)
    d = np.linalg.norm(pos[:, None, :] - pos[None, :, :], axis=2)
    np.fill_diagonal(d, -1.)
    order = np.argsort(d, axis=1, kind="stable")
    ds = np.take_along_axis(d, order, axis=1)
    n_max = int((ds <= radius_um).sum(axis=1).max())
    out = np.where(ds[:, :n_max] <= radius_um, order[:, :n_max], -1)
    return out.astype(np.int64)


def dense_templates(templates, weights, n_channels):
    """Templates and weights on every channel, zero beyond their radius: (n_t, n_channels,
    n_s) float32 each."""
    n_t, n_s, n_c = templates.data.shape
    dense = np.zeros((n_t, n_channels, n_s), dtype=np.float32)
    wdense = np.zeros((n_t, n_channels, n_s), dtype=np.float32)
    for j in range(n_t):
        k = templates.channels[j] >= 0
        dense[j, templates.channels[j][k]] = templates.data[j][:, k].T
        wdense[j, templates.channels[j][k]] = weights[j][:, k].T
    return dense, wdense


#: float32 lanes of the widest SIMD vectors the kernels are compiled for (AVX-512).
LANES = 16


def lanes(dense, wdense):
    """``dense``/``wdense`` zero-padded along the samples to a multiple of ``LANES`` (for
    ``kernels.pair_errors``), and the number of samples ``n_s``."""
    n_s = dense.shape[2]
    n = -(-n_s // LANES) * LANES
    if n == n_s:
        return dense, wdense, n_s
    pad = ((0, 0), (0, 0), (0, n - n_s))
    return np.pad(dense, pad), np.pad(wdense, pad), n_s


def subtraction_arrays(templates):
    """What peeling subtracts: (waveforms (n_t, n_c, n_sub) float32, their start relative to
    the compared window (n_t,), their start relative to the spike time (n_t,))."""
    data, offsets = subtracted_waveforms(templates)
    sub = np.ascontiguousarray(np.transpose(data, (0, 2, 1)), dtype=np.float32)
    return sub, offsets - np.asarray(templates.offsets, dtype=np.int64), offsets


def match_events(traces, templates, event_samples, event_channels, channel_positions,
                 weighting="signal", tolerance_um=TOLERANCE_UM, n_shifts=N_SHIFTS,
                 time_range=None, filter="highpass", peel=False, n_passes=2,
                 progress=False):
    """Mode A: the match error of every event against every template whose max channel lies
    within ``tolerance_um`` of the event's max channel, on the channels within the
    templates' radius of the event's max channel (best of ``2 n_shifts + 1`` alignments).

    ``peel``: resolve collisions (all the recording's templates given): events are matched in
    decreasing amplitude order on the residual, each best template subtracted when it
    explains the event, ``n_passes`` times (see ``kernels.peel``); ``subtracted`` then says
    which.

    Returns ``Bunch(event (n_pairs,) event indices, template (n_pairs,) template indices,
    error, shift, best (n_events,) best template index or -1, best_error, n_comparisons,
    kernel_time, subtracted (n_events,))``.
    """
    import time
    t = np.asarray(event_samples, dtype=np.int64).reshape(-1)
    ech = np.asarray(event_channels, dtype=np.int64).reshape(-1)
    if len(t) != len(ech):
        raise ValueError("event_samples and event_channels must have the same length")
    start, stop = _time_range(traces, time_range)
    order = np.argsort(t, kind="stable")
    ts = t[order]
    n_ch = traces.n_channels
    w = weight_arrays(templates, channel_positions, weighting, traces.sample_rate)
    dense, wdense = dense_templates(templates, w, n_ch)
    padded = lanes(dense, wdense)
    signal = weighting == "signal"
    nb = neighbourhoods(channel_positions, templates.radius_um)
    # channels read: the neighbourhoods of the event channels that have candidates
    has = near_templates(np.arange(n_ch), templates, channel_positions, tolerance_um).any(1)
    ev_chans = np.unique(ech[(t >= start) & (t < stop)])
    ev_chans = ev_chans[has[ev_chans]]
    used = nb[ev_chans][nb[ev_chans] >= 0]
    if peel:  # the templates are subtracted on all their channels
        used = np.r_[used, templates.channels[templates.channels >= 0]]
    used = np.unique(used)
    col = np.full(n_ch, -1, dtype=np.int64)
    col[used] = np.arange(len(used))
    nb_col = np.where(nb >= 0, col[np.maximum(nb, 0)], -1)
    tpl_ch = np.ascontiguousarray(templates.channels, dtype=np.int64)
    tpl_col = np.where(tpl_ch >= 0, col[np.maximum(tpl_ch, 0)], -1)
    subtracted = np.full(len(t), -1, dtype=np.int64)
    offsets = np.asarray(templates.offsets, dtype=np.int64)
    n_s = dense.shape[2]
    lo = int(offsets.min()) - n_shifts
    hi = int(offsets.max()) + n_s + n_shifts
    if peel:
        sub, sub_delta, sub_off = subtraction_arrays(templates)
        lo = min(lo, int(sub_off.min()) - n_shifts)
        hi = max(hi, int((sub_off + sub.shape[2]).max()) + n_shifts)
    ev, tp, er, sh = [], [], [], []
    kernel_time = 0.
    for b0, b1 in tqdm(block_ranges(start, stop), desc="matching", unit="block",
                       disable=not progress):
        i0, i1 = np.searchsorted(ts, [b0, b1])
        if i1 == i0 or not len(used):
            continue
        idx = order[i0:i1]
        near = near_templates(ech[idx], templates, channel_positions, tolerance_um)
        pe, pt = np.nonzero(near)
        counts = near.sum(axis=1).astype(np.int64)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        block = read_filtered(traces, b0 + lo, b1 + hi, used, filter=filter)
        block_t = np.ascontiguousarray(block.T)
        err = np.empty(len(pt), dtype=np.float64)
        shift = np.empty(len(pt), dtype=np.int64)
        k0 = time.perf_counter()
        if peel:
            done = np.empty(len(idx), dtype=np.int64)
            kernels.peel(block_t, ts[i0:i1] - (b0 + lo), ech[idx], nb, nb_col, first, counts,
                         pt.astype(np.int64), dense, wdense, sub, sub_delta, tpl_col, offsets,
                         signal,
                         int(n_shifts), int(n_passes), np.full(len(offsets), np.inf), True, err,
                         shift, done, np.empty(len(idx), dtype=np.int64))
            subtracted[idx] = done
        else:
            kernels.pair_errors(block_t, ts[i0:i1] - (b0 + lo), ech[idx], nb, nb_col, first,
                                counts, pt.astype(np.int64), *padded, offsets, signal,
                                int(n_shifts), err, shift)
        kernel_time += time.perf_counter() - k0
        ev.append(idx[pe])
        tp.append(pt)
        er.append(err)
        sh.append(shift)
    cat = (lambda x, dt: np.concatenate(x).astype(dt) if x else np.zeros(0, dt))
    out = Bunch(event=cat(ev, np.int64), template=cat(tp, np.int64), error=cat(er, np.float64),
                shift=cat(sh, np.int64), kernel_time=kernel_time, subtracted=subtracted)
    out.n_comparisons = len(out.event)
    out.best, out.best_error = best_per_event(out, len(t))
    return out


def best_per_event(pairs, n_events):
    """The best template (index, -1 if none) and its error of every event."""
    best = np.full(n_events, -1, dtype=np.int64)
    best_error = np.full(n_events, np.inf)
    if len(pairs.event):
        o = np.lexsort((pairs.error, pairs.event))  # by event, then error
        e = pairs.event[o]
        keep = np.r_[True, e[1:] != e[:-1]]
        best[e[keep]] = pairs.template[o][keep]
        best_error[e[keep]] = pairs.error[o][keep]
    return best, best_error


def template_errors(pairs, j):
    """(event indices, errors) of the candidate events of template ``j`` (mode A output)."""
    m = pairs.template == j
    return pairs.event[m], pairs.error[m]


def find_missed_spikes(traces, templates, j, threshold, event_samples=None,
                       event_channels=None, channel_positions=None, weighting="signal",
                       tolerance_um=TOLERANCE_UM, explain_ms=EXPLAIN_MS, time_range=None,
                       filter="highpass", progress=False, expected=None, compete=True,
                       peel=False):
    """Mode B: slide template ``j`` over every sample of ``time_range`` (seconds, default the
    whole recording); return the local minima of the match error below ``threshold`` that no
    detected event explains (an event within ``explain_ms`` whose max channel lies within
    ``tolerance_um`` of the template's): ``Bunch(spike_samples, errors, n_minima)``, the spike
    samples in the convention of the template's source spikes. ``expected``: the error
    expected of the template's own spikes (``threshold.expected_error``); the threshold is
    then at most ``threshold.SLIDE_FACTOR`` × it (``threshold.slide_threshold``).
    ``compete``: keep only the spikes where template ``j`` matches better than the other
    templates given whose max channel lies within ``tolerance_um`` of its own, and better
    than no spike (mode A error, peaks aligned): a minimum of ``j``'s error may be another
    unit's undetected spike, or a residue of peeling. ``peel``: before sliding, the detected events whose templates may reach the
    slid template's channels are peeled with the templates given (``kernels.peel``, one
    pass, on those channels): the spikes that overlap a detected neighbour are found on
    the residual."""
    start, stop = _time_range(traces, time_range)
    threshold = float(slide_threshold(threshold, expected))
    w = weight_arrays(templates, channel_positions, weighting, traces.sample_rate)[j]
    signal = weighting == "signal"
    chans = templates.channels[j]
    chans = chans[chans >= 0]
    tpl = np.ascontiguousarray(templates.data[j][:, :len(chans)], dtype=np.float32)
    w = np.ascontiguousarray(w[:, :len(chans)])
    # Largest terms first, so that most samples stop after a few terms.
    size = np.abs(tpl) * (1. if signal else w)
    order = np.argsort(-size, axis=None, kind="stable")
    ok, oc = np.unravel_index(order, tpl.shape)
    ok, oc = ok.astype(np.int64), oc.astype(np.int64)
    n_s = tpl.shape[0]
    off = int(templates.offsets[j])
    hw = n_s // 2  # minima closer than half a window are one spike
    found, errs, best = [], [], []
    rivals = _rivals(templates, j, channel_positions, weighting, tolerance_um,
                     traces.sample_rate, chans, traces.n_channels) if compete else None
    peeler = _peeler(templates, j, chans, event_samples, event_channels, channel_positions,
                     weighting, tolerance_um, traces.sample_rate, traces.n_channels) \
        if peel and event_samples is not None else None
    # window starts t0 = spike + off, for spikes in [start, stop)
    for b0, b1 in tqdm(block_ranges(start + off, stop + off), desc="sliding", unit="block",
                       disable=not progress):
        a0 = b0 - hw  # also the neighbours of the block's first/last samples
        a1 = b1 + hw
        block = read_filtered(traces, a0, a1 + n_s, chans, filter=filter)
        if peeler is not None:
            block = _peel_block(block, a0, peeler, signal)
        err = np.empty(a1 - a0, dtype=np.float64)
        kernels.slide(block, 0, a1 - a0, tpl, np.arange(len(chans)), w, ok, oc, signal,
                      float(threshold), PEAK_FRACTION, err)
        mins = np.empty(len(err), dtype=np.int64)
        k = kernels.local_minima(err, float(threshold), hw, mins)
        mins = mins[:k]
        mins = mins[(mins >= hw) & (mins < hw + (b1 - b0))]
        found.append(a0 + mins - off)
        errs.append(err[mins])
        if rivals is not None:
            best.append(_best_is_own(block, mins + hw, rivals, signal))
    spikes = np.concatenate(found) if found else np.zeros(0, np.int64)
    errors = np.concatenate(errs) if errs else np.zeros(0)
    n_min = len(spikes)
    if rivals is not None and len(spikes):
        own = np.concatenate(best)
        spikes, errors = spikes[own], errors[own]
    if event_samples is not None and len(spikes):
        keep = ~explained(spikes, templates.max_channels[j], event_samples, event_channels,
                          channel_positions, tolerance_um,
                          int(round(explain_ms * 1e-3 * traces.sample_rate)))
        spikes, errors = spikes[keep], errors[keep]
    return Bunch(spike_samples=spikes.astype(np.int64), errors=errors, n_minima=n_min)


def _peeler(templates, j, chans, event_samples, event_channels, channel_positions, weighting,
            tolerance_um, sample_rate, n_channels):
    """What ``_peel_block`` needs: the events whose max channel lies within the tolerance
    of template ``j``'s (matched on the block's channels, most of theirs; farther events
    matched on a few channels were mis-subtracted and left residues), sorted, and the
    templates on the block's columns (``chans``)."""
    pos = np.asarray(channel_positions, dtype=np.float64)
    ev_t = np.asarray(event_samples, dtype=np.int64)
    ev_c = np.asarray(event_channels, dtype=np.int64)
    reach = tolerance_um
    near_all = near_templates(np.arange(n_channels), templates, pos, tolerance_um)
    m = (np.linalg.norm(pos[ev_c] - pos[templates.max_channels[j]], axis=1) <= reach + 1e-9)
    m &= near_all[ev_c].any(axis=1)
    o = np.argsort(ev_t[m], kind="stable")
    col = np.full(n_channels, -1, dtype=np.int64)
    col[chans] = np.arange(len(chans))
    nb = neighbourhoods(pos, templates.radius_um)
    tpl_ch = np.asarray(templates.channels, dtype=np.int64)
    w = weight_arrays(templates, pos, weighting, sample_rate)
    dense, wdense = dense_templates(templates, w, n_channels)
    sub, sub_delta, sub_off = subtraction_arrays(templates)
    return Bunch(t=ev_t[m][o], ch=ev_c[m][o], near_all=near_all, nb=nb,
                 nb_col=np.where(nb >= 0, col[np.maximum(nb, 0)], -1),
                 tpl_col=np.where(tpl_ch >= 0, col[np.maximum(tpl_ch, 0)], -1),
                 dense=dense, wdense=wdense, sub=sub, sub_delta=sub_delta,
                 offsets=np.asarray(templates.offsets, dtype=np.int64))


def _peel_block(block, a0, peeler, signal):
    """The residual of ``block`` (n_samples, chans; row 0 = sample ``a0``) once its events
    are peeled."""
    i0, i1 = np.searchsorted(peeler.t, [a0, a0 + len(block)])
    if i1 == i0:
        return block
    ech = peeler.ch[i0:i1]
    near = peeler.near_all[ech]
    pe, pt = np.nonzero(near)
    counts = near.sum(axis=1).astype(np.int64)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    n = i1 - i0
    block_t = np.ascontiguousarray(block.T)
    kernels.peel(block_t, peeler.t[i0:i1] - a0, ech, peeler.nb, peeler.nb_col, first, counts,
                 pt.astype(np.int64), peeler.dense, peeler.wdense, peeler.sub,
                 peeler.sub_delta, peeler.tpl_col, peeler.offsets, signal, N_SHIFTS, 1,
                 np.full(len(peeler.offsets), np.inf), False, np.empty(len(pt)),
                 np.empty(len(pt), dtype=np.int64), np.empty(n, dtype=np.int64),
                 np.empty(n, dtype=np.int64))
    return np.ascontiguousarray(block_t.T)


def _rivals(templates, j, channel_positions, weighting, tolerance_um, sample_rate, chans,
            n_channels):
    """What ``_best_is_own`` needs to compare template ``j`` with the templates whose max
    channel lies within the tolerance of its own and with no spike (a zero template with
    ``j``'s weights), on ``j``'s channels ``chans`` (the block's columns), peaks aligned."""
    near = np.nonzero(near_templates(templates.max_channels[j:j + 1], templates,
                                     channel_positions, tolerance_um)[0])[0]
    from .templates import subset
    sub = subset(templates, near)
    dense, wdense = dense_templates(sub, weight_arrays(sub, channel_positions, weighting,
                                                       sample_rate), n_channels)
    own = int(np.nonzero(near == j)[0][0])
    dense = np.concatenate([dense, np.zeros_like(dense[:1])])
    wdense = np.concatenate([wdense, wdense[own:own + 1]])
    n_s = dense.shape[2]
    return Bunch(own=own, dense=dense, wdense=wdense,
                 nb_ch=np.asarray(chans, dtype=np.int64)[None, :],
                 nb_col=np.arange(len(chans), dtype=np.int64)[None, :],
                 offsets=np.full(len(dense), -(n_s // 2), dtype=np.int64),
                 pair_tpl=np.arange(len(dense), dtype=np.int64))


def _best_is_own(block, peak_rows, rivals, signal):
    """Whether the slid template is the best of ``rivals`` at each peak row of ``block``
    (n_samples, chans) (the mode A error, best of 3 alignments)."""
    n, n_r = len(peak_rows), len(rivals.offsets)
    if not n:
        return np.zeros(0, dtype=bool)
    err = np.empty(n * n_r)
    shift = np.empty(n * n_r, dtype=np.int64)
    kernels.pair_errors(np.ascontiguousarray(block.T), peak_rows.astype(np.int64),
                        np.zeros(n, dtype=np.int64), rivals.nb_ch, rivals.nb_col,
                        np.arange(n, dtype=np.int64) * n_r, np.full(n, n_r, dtype=np.int64),
                        np.tile(rivals.pair_tpl, n), *lanes(rivals.dense, rivals.wdense),
                        rivals.offsets, signal, N_SHIFTS, err, shift)
    return err.reshape(n, n_r).argmin(axis=1) == rivals.own


def explained(spike_samples, max_channel, event_samples, event_channels, channel_positions,
              tolerance_um, window):
    """Whether a detected event lies within ``window`` samples of each spike, with a max
    channel within ``tolerance_um`` of ``max_channel``."""
    pos = np.asarray(channel_positions, dtype=np.float64)
    ev_t = np.asarray(event_samples, dtype=np.int64)
    ev_c = np.asarray(event_channels, dtype=np.int64)
    close = np.linalg.norm(pos[ev_c] - pos[max_channel], axis=1) <= tolerance_um + 1e-9
    ev = np.sort(ev_t[close])
    if not len(ev):
        return np.zeros(len(spike_samples), dtype=bool)
    i = np.searchsorted(ev, spike_samples)
    left = np.abs(spike_samples - ev[np.maximum(i - 1, 0)])
    right = np.abs(ev[np.minimum(i, len(ev) - 1)] - spike_samples)
    return np.minimum(left, right) <= window
