"""``detect()``: raw recording → events (and a template-gui folder with ``out_dir``)."""

import json
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np

from phyclone.utils.bunch import Bunch
from phyclone.utils.errors import DataError

from .blocks import FIELDS, BlockContext, BlockStore, events_in, run_block
from .config import DetectParams
from .detectors import detect_events
from .features import channel_distances, local_channels, neighbour_table, pca_basis
from .filters import bandpass_sos, common_reference, filtered_chunk
from .noise import noise_levels, sample_starts
from .probe import load_channel_positions
from .raw import read_raw
from .sinc import sample_and_hold_delays
from . import spill
from .threads import thread_map

logger = logging.getLogger(__name__)

#: Blocks per run of a thread at most (a run filters each segment once; a new run filters
#: the segments that its first and last blocks share with the neighbouring runs again).
RUN_BLOCKS = 32


def resolve_probe(spec, probe, channels):
    """``(cols, positions)``: raw-file columns of the enabled channels and their positions.

    ``probe``: a probe file (default: the ``channel_positions.npy`` + ``channel_map.npy`` of
    the folder of the params.py); ``channels``: raw-file channels to keep (default: every
    probe channel)."""
    folder = Path(spec.params_dir) if spec.params_dir is not None else None
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
    return np.array([np.median(c[c > 0]) if (c > 0).any() else 0. for c in noise.T])


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


def block_order(ctx, random_order, seed):
    """Indices of the blocks to run, in the order of the search."""
    ks = np.arange(ctx.lo // ctx.block, -(-ctx.hi // ctx.block))
    if random_order:
        ks = np.random.default_rng(seed).permutation(ks)
    return ks.tolist()


def _key(ctx, p):
    d = dict(spec=[ctx.spec.paths, ctx.spec.n_channels, ctx.spec.dtype, ctx.spec.offset,
                   ctx.spec.sample_rate, [Path(q).stat().st_size for q in ctx.spec.paths]],
             cols=ctx.cols.tolist(), params=p.to_dict(), block=ctx.block)
    return json.dumps(d, sort_keys=True, default=str)


def run_blocks(ctx, order, jobs=1, scheduler=None, store=None, max_events=None,
               progress=True):
    """Run the blocks (threads, or a dask.distributed cluster at ``scheduler``), except
    those an interrupted run left in ``store``, stopping
    once ``max_events`` events are found: ``{block: (events, n_samples)}``, the run time,
    and the event count of every block. With a ``store``, the events are dropped from
    memory (None) once they add up to :data:`~phyclone.detect.spill.MEMORY_BUDGET` bytes:
    they are then read back from the store."""
    from tqdm import tqdm
    results, counts, total, searched, held = {}, {}, 0, 0, 0
    sr = ctx.spec.sample_rate
    t0 = time.perf_counter()
    bar = tqdm(total=len(order), unit="block", disable=not progress, desc="detect")

    def done(k, res):
        nonlocal total, searched, held
        ev, n = res
        counts[k] = len(ev["times"])
        total += counts[k]
        searched += n
        if store is not None and held is not None:
            held += sum(v.nbytes for v in ev.values())
            if held > spill.MEMORY_BUDGET:  # from now on, in the store only
                held = None
                for j in results:
                    results[j] = (None, results[j][1])
        results[k] = res if held is not None else (None, n)
        bar.update(1)
        dt = time.perf_counter() - t0
        bar.set_postfix_str(f"{total} events, ×{searched / sr / max(dt, 1e-9):.1f} real time")

    if store is not None:  # blocks of an interrupted run
        for k, res in store.cached(order):
            done(k, res)
    todo = [k for k in order if k not in results]

    def enough():
        if max_events is None:
            return False
        n = 0
        for k in order:  # events of the first blocks of the search order, all finished
            if k not in counts:
                return False
            n += counts[k]
            if n >= max_events:
                return True
        return False

    def finish(k, res):
        if store is not None:
            store.save(k, *res)
        done(k, res)

    try:
        if scheduler is not None:
            _run_dask(ctx, todo, scheduler, finish, enough)
        elif jobs <= 1:
            for k in todo:
                if enough():
                    break
                finish(k, run_block(ctx, k))
        else:
            _run_threads(ctx, todo, jobs, finish, enough)
    except BaseException:
        if store is not None:
            store.flush()  # the finished blocks, for the next run
        raise
    finally:
        bar.close()
    return results, time.perf_counter() - t0, counts


def _run_threads(ctx, todo, jobs, finish, enough):
    """Runs of consecutive blocks (each reusing the filtered segments of the one before)
    in ``jobs`` threads; every block is finished (kept, counted) as soon as it is done. The
    runs (at most :data:`RUN_BLOCKS` blocks) are a multiple of ``jobs`` in number and of
    equal lengths within one block, so that no thread is left alone with the last ones.
    On an error, an interruption or enough events, the threads stop after their current
    block, and the blocks finished meanwhile are kept too (for a resumed run)."""
    if not todo or enough():
        return
    n_runs = jobs * -(-len(todo) // (RUN_BLOCKS * jobs))
    runs = [r.tolist() for r in np.array_split(np.asarray(todo, dtype=np.int64), n_runs)
            if len(r)]
    stop = threading.Event()
    finished = queue.SimpleQueue()  # (block, result); (None, error); (None, None): run over

    def work(run):
        try:
            for k in run:
                if stop.is_set():
                    break
                finished.put((k, run_block(ctx, k)))
        except BaseException as e:  # raised again in the calling thread
            stop.set()
            finished.put((None, e))
        finally:
            finished.put((None, None))
    ex = ThreadPoolExecutor(jobs, thread_name_prefix="phy-detect")
    complete = False
    try:
        for run in runs:
            ex.submit(work, run)
        left = len(runs)
        while left:
            k, res = finished.get()
            if k is None:
                if res is not None:
                    raise res
                left -= 1
                continue
            finish(k, res)
            if enough():
                return
        complete = True
    finally:
        # once every run is done, the idle threads end (releasing their buffers and file
        # windows: milliseconds) while the events are written; else the running blocks
        # finish before the recording is closed, and are kept
        stop.set()
        ex.shutdown(wait=not complete, cancel_futures=True)
        _keep_finished(finished, finish)


def _keep_finished(finished, finish):
    """Finish the blocks left in the queue ``finished`` (stopped run: for a resume)."""
    while True:
        try:
            k, res = finished.get_nowait()
        except queue.Empty:
            return
        if k is not None:
            try:
                finish(k, res)
            except Exception:  # the run's own error is being raised
                return


#: Seconds to wait for a dask scheduler to answer.
CONNECT_TIMEOUT = 10


def connect(scheduler):
    """``(client, own)``: a dask.distributed client of ``scheduler`` (an address, or a
    client returned as is, ``own`` False); one clear error when it cannot be reached."""
    if hasattr(scheduler, "submit"):
        return scheduler, False
    try:
        from distributed import Client
    except ImportError:
        raise DataError(None, "--scheduler needs dask.distributed",
                        "pip install 'phyclone[dask]'") from None
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT), True
    except (OSError, ValueError, TypeError) as e:  # (timeouts are OSErrors)
        raise DataError(None, f"cannot reach a dask scheduler at {scheduler!r} ({e})",
                        "start one (`dask scheduler`, or a LocalCluster) and give its "
                        "address, e.g. --scheduler tcp://HOST:8786") from None


def _run_dask(ctx, todo, scheduler, finish, enough):
    if not todo or enough():
        return
    client, own = connect(scheduler)
    try:
        from distributed import as_completed
        remote = client.scatter(ctx, broadcast=True)
        futures = {client.submit(run_block, remote, k, pure=False): k for k in todo}
        try:
            for f in as_completed(futures):  # each block kept as soon as it is done
                finish(futures[f], f.result())
                if enough():
                    return
        finally:
            client.cancel(list(futures))
    finally:
        if own:
            client.close()


def gather_events(results, order, max_events=None):
    """The events of the blocks kept (:func:`_selection`: the first of the search order,
    up to ``max_events``) in time order, then channel; None when no block ran."""
    counts = {k: len(r[0]["times"]) for k, r in results.items()}
    selection = _selection(counts, order, max_events)
    if not selection:
        return None
    parts = [ev for _, ev in _in_time_order(
        (k, {f: v[:m] for f, v in results[k][0].items()}) for k, m in selection)]
    return {f: np.concatenate([q[f] for q in parts]) for f in FIELDS}


@lru_cache(maxsize=1)
def _blas_libraries():
    """The BLAS libraries loaded, listed once per process (the scan takes milliseconds)."""
    import scipy.linalg  # noqa: F401  (its BLAS, which numba's kernels call, loaded first)
    from threadpoolctl import ThreadpoolController
    return ThreadpoolController()


def _one_blas_thread():
    """A context limiting the BLAS libraries to one thread."""
    return _blas_libraries().limit(limits=1)


def detect(raw, probe=None, out_dir=None, channels=None, n_channels=None, sample_rate=None,
           dtype=None, offset=None, jobs=1, scheduler=None, progress=False, force=False,
           **kwargs):
    """Detect spikes in a raw recording; write a template-gui folder when ``out_dir`` is given.

    ``raw``: a raw file, a list of files (end to end) or a template-gui ``params.py``;
    ``probe``: a ``.prb``, probeinterface ``.json`` or ``channel_positions.npy`` file;
    ``channels``: raw-file channels to use; other keyword arguments are
    :class:`DetectParams` fields. Returns a Bunch: ``times`` (int64 samples, sorted),
    ``channels`` (index into ``channel_map``), ``amplitudes``, ``fine_times`` (sub-sample,
    float samples), ``features`` (n, n_pcs, n_local), ``channel_map``, ``positions``,
    ``noise``, ``thresholds``, ``sample_rate``, ``timings`` and, with ``out_dir``, the
    written ``params_path``. With ``out_dir`` and more events than
    :data:`~phyclone.detect.spill.MEMORY_BUDGET` holds, ``times``, ``fine_times``,
    ``features`` and ``channels`` (int32) are read-only memory maps of the written files."""
    with _one_blas_thread():  # small matrices only: BLAS threads would just contend
        return _detect(raw, probe, out_dir, channels, n_channels, sample_rate, dtype, offset,
                       jobs, scheduler, progress, force, DetectParams.from_kwargs(**kwargs))


def _detect(raw, probe, out_dir, channels, n_channels, sample_rate, dtype, offset, jobs,
            scheduler, progress, force, p):
    t0 = time.perf_counter()
    out_dir = Path(out_dir) if out_dir is not None else None
    ctx, info = prepare(raw, probe, channels, p, n_channels, sample_rate, dtype, offset,
                        jobs if scheduler is None else 1)
    own = False
    try:
        if out_dir is not None:
            from .output import check_out_dir
            check_out_dir(out_dir, info.spec, force)
        if scheduler is not None:  # reached before anything is written
            scheduler, own = connect(scheduler)
        t_prep = time.perf_counter() - t0
        order = block_order(ctx, p.random_order, p.seed)
        store = None
        if out_dir is not None:
            store = BlockStore(out_dir / ".phy" / "phyclone" / "detect", _key(ctx, p))
        results, t_run, counts = run_blocks(ctx, order, jobs, scheduler, store,
                                            p.max_events, progress)
    finally:
        if own:
            scheduler.close()
        ctx.traces.close()  # the memory maps / decompressors of the raw files
    events = None
    if any(r[0] is None for r in results.values()):  # more than fits in memory: streamed
        store.flush()
        selection = _selection(counts, order, p.max_events)
        offsets = np.r_[0, np.cumsum([m for _, m in selection])].tolist()
        events = Bunch(pieces=((offsets[i], ev) for i, ev in
                               _in_time_order(store.events(selection))), n=offsets[-1])
        ev = {}
    else:
        ev = gather_events(results, order, p.max_events) or events_in(
            ctx, np.zeros((0, len(ctx.cols)), np.float32), 0, 0, 0)
    searched = sum(r[1] for r in results.values())
    del results
    out = Bunch(ev, channel_map=ctx.cols, positions=info.positions, noise=info.noise,
                thresholds=info.thresholds, sample_rate=info.sample_rate,
                n_samples=info.n_samples, basis=ctx.basis, local=ctx.local, spec=info.spec,
                params=p, searched=searched,
                segment=ctx.segment, margin=ctx.margin, thr_len=ctx.thr_len,
                thr_start=ctx.thr_start, ref_channels=ctx.ref_channels)
    out.timings = dict(prepare=t_prep, blocks=t_run)
    if out_dir is not None:
        from .output import write_folder
        t1 = time.perf_counter()
        out.params_path = write_folder(out_dir, out, p, jobs if scheduler is None else 1,
                                       events)
        out.timings["write"] = time.perf_counter() - t1
        store.clear()
        if events is not None:  # the written files, mapped (read when used)
            out.update({field: np.load(out_dir / name, mmap_mode="r") for name, field in (
                ("spike_times.npy", "times"), ("spike_fine_times.npy", "fine_times"),
                ("pc_features.npy", "features"), ("spike_max_channels.npy", "channels"))})
            out.amplitudes = events.amplitudes  # (signed)
    return out


def _selection(counts, order, max_events):
    """``(block, n_events)`` of the blocks whose events are kept, in time order: the first
    blocks of the search order ``order`` that finished, up to ``max_events`` events."""
    selection, n = [], 0
    for k in order:
        if k not in counts:
            break
        m = counts[k] if max_events is None else min(counts[k], max_events - n)
        selection.append((k, m))
        n += m
        if max_events is not None and n >= max_events:
            break
    return sorted(selection)


def _in_time_order(pieces):
    """Each ``(tag, events)`` piece's events sorted by time, then channel."""
    for tag, ev in pieces:
        t, c = ev["times"], ev["channels"]
        if not np.all((t[1:] > t[:-1]) | ((t[1:] == t[:-1]) & (c[1:] > c[:-1]))):
            idx = np.lexsort((c, t))
            ev = {f: v[idx] for f, v in ev.items()}
        yield tag, ev
