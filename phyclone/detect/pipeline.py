"""``detect()``: raw recording → events (and a template-gui folder with ``out_dir``): the blocks
run in threads or on a dask cluster, gathered, written (:mod:`.prepare` makes their context)."""

import json
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import numpy as np

from phyclone.utils.bunch import Bunch
from phyclone.utils.errors import DataError

from .blocks import FIELDS, BlockStore, events_in, run_block
from .config import DetectParams
from .prepare import prepare
from . import spill

#: Blocks per run of a thread at most (a run filters each segment once; a new run filters
#: the segments that its first and last blocks share with the neighbouring runs again).
RUN_BLOCKS = 32


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
