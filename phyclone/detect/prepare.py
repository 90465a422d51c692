"""Before the blocks: the probe's channels and tables, the noise and thresholds per channel
(window), and the PCA basis: the :class:`~phyclone.detect.blocks.BlockContext` of a run."""

import logging
from pathlib import Path

import numpy as np

from phyclone.utils.bunch import Bunch
from phyclone.utils.errors import DataError

from .blocks import BlockContext
from .config import DetectParams
from .detectors import detect_events
from .features import channel_distances, local_channels, neighbour_table, pca_basis
from .filters import bandpass_sos, filtered_chunk
from .noise import noise_levels, sample_starts
from .probe import load_channel_positions
from .raw import read_raw
from .reference import common_reference
from .sinc import sample_and_hold_delays
from .threads import thread_map

logger = logging.getLogger(__name__)


def resolve_probe(spec, probe, channels):
    """``(cols, positions)``: raw-file columns of the enabled channels and their positions.

    ``probe``: a probe file (default: the ``prb_file`` of a klusta ``.prm``, or the
    ``channel_positions.npy`` + ``channel_map.npy`` of the folder of the params.py);
    ``channels``: raw-file channels to keep (default: every probe channel)."""
    folder = Path(spec.params_dir) if spec.params_dir is not None else None
    probe = probe if probe is not None else spec.probe_file
    if probe is not None:
        cols, pos = load_channel_positions(probe, spec.n_channels)
    elif folder is not None and (folder / "channel_positions.npy").exists():
        probe = folder / "channel_positions.npy"
        _, pos = load_channel_positions(probe, 1 << 62)
        cmap = folder / "channel_map.npy"
        cols = (np.load(cmap, allow_pickle=False).astype(np.int64).ravel()
                if cmap.exists() else np.arange(len(pos)))
        if len(cols) != len(pos) or cols.max() >= spec.n_channels or cols.min() < 0:
            raise DataError(cmap, f"does not match channel_positions.npy ({len(pos)} rows) "
                            f"and the raw data ({spec.n_channels} channels)",
                            "give --probe explicitly")
    else:
        raise DataError(spec.paths[0], "no probe: the channel positions are unknown",
                        "give --probe FILE (.prb, probeinterface .json or channel_positions.npy)")
    if channels is None and len(cols) < spec.n_channels:
        unused = sorted(set(range(spec.n_channels)) - set(cols.tolist()))
        logger.warning("%s places %d of the %d channels of the raw data: channel%s %s "
                       "unused (check --n-channels if that is unexpected).", Path(probe).name,
                       len(cols), spec.n_channels, "s" if len(unused) > 1 else "",
                       _ranges(unused))
    if channels is not None:
        channels = [int(c) for c in channels]
        missing = sorted(set(channels) - set(cols.tolist()))
        if missing:
            raise DataError(probe, f"--channels names channels {missing} that the probe does "
                            "not have", "give raw-file channel numbers listed in the probe")
        keep = np.isin(cols, channels)
        cols, pos = cols[keep], pos[keep]
    return cols, pos


def _ranges(values):
    """``0-3, 7, 9-10`` of sorted integers."""
    runs = np.split(np.asarray(values), np.flatnonzero(np.diff(values) != 1) + 1)
    return ", ".join(f"{r[0]}" if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs if len(r))


def _noise_table(traces, p, sos, margin, cols, lo, hi, jobs=1):
    """Noise (n_windows, n_channels), thresholds, window length (samples), the filtered
    noise chunks (for the PCA basis) and the channels (indices into ``cols``) the common
    reference is taken over; filtered in ``jobs`` threads.

    A channel's noise in a window comes from the chunks where its raw samples are not
    constant (a disconnected or stuck channel, or part of one): it is 0 where all are, and
    so are its thresholds (no events, no lockout). The reference is taken over the channels
    not constant in every chunk, less those constant in the chunk or segment at hand (it
    would give flat ones the others' noise; see :func:`filtered_range`), and only over 2 or
    more (over one, it would cancel it)."""
    sr = traces.sample_rate
    chunk = max(1, int(round(p.noise_chunk_duration * sr)))
    win = int(round(p.noise_window * sr)) if p.noise_window else None
    windows = [(lo, hi)] if win is None else [
        (a, min(hi, a + win)) for a in range(lo, hi, win)]
    starts = [sample_starts(a, b, chunk, p.noise_chunks).tolist() for a, b in windows]

    xs, flat = zip(*thread_map(lambda s: filtered_chunk(traces, s, s + chunk, cols, sos,
                                                        margin),
                               [s for w in starts for s in w], jobs))
    flat = np.array(flat, dtype=bool).reshape(len(xs), len(cols))
    ref = np.flatnonzero(~flat.all(axis=0))
    if p.reference != "none":
        if len(ref) < 2:
            logger.warning("%d channel(s) not flat: no common reference.", len(ref))
        thread_map(lambda i: common_reference(xs[i], p.reference, ref, flat[i]),
                   range(len(xs)), jobs)
    table, i = [], 0
    for w in starts:
        xw, fw = xs[i:i + len(w)], flat[i:i + len(w)]
        noise = noise_levels(xw, p.noise, jobs)
        for c in np.flatnonzero(fw.any(axis=0)):  # flat in some chunks: the others only
            keep = [x[:, c:c + 1] for x, f in zip(xw, fw[:, c]) if not f]
            noise[c] = noise_levels(keep, p.noise)[0] if keep else 0
        table.append(noise)
        i += len(w)
    noise = np.asarray(table, dtype=np.float32)
    dead = noise <= 0
    thr = noise * np.float32(p.threshold)
    if p.fixed_threshold is not None:
        thr[:] = np.float32(p.fixed_threshold)
    thr[dead] = 0  # dead channels (in a window): no events, no lockout from them
    chunks = list(zip([s for w in starts for s in w], xs))
    return noise, thr, (win or (1 << 62)), chunks, ref


def prepare(raw, probe=None, channels=None, params=None, n_channels=None, sample_rate=None,
            dtype=None, offset=None, jobs=1):
    """Open the recording, resolve the probe, estimate the noise (``jobs`` threads) and the
    PCA basis: the :class:`BlockContext` of a run and a Bunch of run information."""
    p = params or DetectParams()
    p.check()
    traces, spec = read_raw(raw, n_channels, sample_rate, dtype, offset)
    try:
        return _prepare(traces, spec, probe, channels, p, jobs)
    except BaseException:
        traces.close()
        raise


#: Values (samples × channels) of the noise chunks below which threads would cost more
#: than they save before the blocks (0.5 M at 32 channels: a few milliseconds of work).
SMALL_PREPARE = 1 << 21


def _prepare(traces, spec, probe, channels, p, jobs=1):
    cols, pos = resolve_probe(spec, probe, channels)
    sr = traces.sample_rate
    if p.noise_chunks * p.noise_chunk_duration * sr * len(cols) < SMALL_PREPARE:
        jobs = 1
    n = traces.n_samples
    lo, hi = 0, n
    if p.time_range is not None:
        lo = int(round(p.time_range[0] * sr))
        hi = min(n, int(round(p.time_range[1] * sr)))
        if lo >= n:
            raise DataError(spec.paths[0], f"--time-range starts at {p.time_range[0]} s, after "
                            f"the end of the recording ({n / sr:.3f} s)", "give a smaller start")
        if hi <= lo:
            raise DataError(spec.paths[0], f"--time-range {p.time_range[0]} {p.time_range[1]} "
                            "holds no sample", "give a longer range")
    segment = max(64, int(round(p.segment_duration * sr)))
    block = segment * max(1, int(round(p.block_duration * sr / segment)))
    margin = int(round(p.filter_margin_ms * 1e-3 * sr))
    high = p.high if p.high and p.high < 0.5 * sr else None
    if p.low >= 0.5 * sr or (high is not None and high <= p.low):
        raise DataError(None, f"band {p.low}-{p.high} Hz is not valid at {sr:g} Hz",
                        "give --band LOW HIGH with LOW < HIGH < sample_rate / 2")
    sos = bandpass_sos(float(sr), float(p.low), high, int(p.order))
    # with threads, the probe tables while the noise is estimated
    (neighbours, near, local), (noise, thr, thr_len, chunks, ref) = thread_map(
        lambda f: f(), [lambda: _probe_tables(pos, p),
                        lambda: _noise_table(traces, p, sos, margin, cols, lo, hi, jobs)],
        min(jobs, 2))
    n_before = int(round(p.ms_before * 1e-3 * sr))
    n_after = int(round(p.ms_after * 1e-3 * sr))
    delays = sample_and_hold_delays(spec.n_channels, sr, p.sh_delay_us,
                                    p.channels_per_board)[cols] if p.sh_delay_us else \
        np.zeros(len(cols))
    ctx = BlockContext(
        spec=spec, cols=cols, sos=sos, segment=segment, margin=margin, reference=p.reference,
        ref_channels=ref,
        thresholds=thr, thr_len=int(thr_len), thr_start=lo,
        neighbours=neighbours, near=near,
        prominence=(p.prominence * _typical(noise)).astype(np.float32),
        lockout=int(round(p.lockout_us * 1e-6 * sr)), sign=p.sign, method=p.method,
        ahead=int(round((p.lockout_us if p.lockout_before_us is None else p.lockout_before_us)
                        * 1e-6 * sr)),
        phase_window=int(round(p.phase_window_us * 1e-6 * sr)), phase_ratio=p.phase_ratio,
        local=local, basis=None, n_before=n_before, n_after=n_after,
        interpolate=int(p.interpolate), delays=delays, block=block, lo=lo, hi=hi)
    ctx._traces = traces
    ctx.basis = _basis(ctx, chunks, p.n_pcs, jobs)
    info = Bunch(spec=spec, positions=pos, cols=cols, noise=noise, thresholds=thr,
                 sample_rate=sr, n_samples=n, params=p)
    return ctx, info


def _typical(noise):
    """Median noise of each channel over the windows where it is not dead (0 if none)."""
    typical = np.median(noise, axis=0)  # (float32, as the noise)
    for c in np.flatnonzero((noise <= 0).any(axis=0)):  # dead in some windows: the others
        live = noise[:, c][noise[:, c] > 0]
        typical[c] = np.median(live) if len(live) else 0.
    return typical


def _probe_tables(pos, p):
    """Channels within the lockout and near radii, and each channel's local channels."""
    dist = channel_distances(pos)
    return (neighbour_table(pos, p.lockout_um, dist),
            neighbour_table(pos, min(p.near_um, p.lockout_um), dist),
            local_channels(pos, p.n_local, dist))


def _basis(ctx, chunks, n_pcs, jobs=1):
    """PCA basis of the max-channel waveforms of the events found in the noise chunks
    (``jobs`` threads)."""
    m = ctx.det_margin
    ns = ctx.n_before + ctx.n_after + 1

    def waveforms(chunk):
        start, x = chunk
        if len(x) <= 2 * m:
            return np.zeros((0, ns), np.float32)
        t, c, _ = detect_events(x, start, m, len(x) - m, ctx.thresholds, ctx.thr_len,
                                ctx.neighbours, ctx.lockout, ctx.sign, ctx.method,
                                ctx.phase_window, ctx.phase_ratio, ctx.thr_start, ctx.near,
                                ctx.prominence, ctx.ahead)
        return x[t[:, None] - start + np.arange(-ctx.n_before, ctx.n_after + 1), c[:, None]]
    ws = thread_map(waveforms, chunks, jobs)
    return pca_basis(np.concatenate(ws) if ws else np.zeros((0, ns)), n_pcs)
