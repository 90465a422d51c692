"""One block of the recording → its events and their features; blocks run in threads or on a
dask.distributed cluster, and finished blocks are kept on disk so an interrupted run resumes.

A block covers whole filter segments; it filters a margin around itself (detection needs the
samples around each candidate) and keeps the events whose peak lies inside it. Every value
it computes depends only on the samples around an event, so the events are the same for any
block size, thread count or scheduler.
"""

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from phyclone.utils.fileio import atomic_open

from .detectors import detect_events
from .features import event_features
from .filters import filtered_range
from .sinc import subsample_peaks

logger = logging.getLogger(__name__)

#: Per-event arrays of a block, in this order.
FIELDS = ("times", "channels", "amplitudes", "fine_times", "features")


@dataclass
class BlockContext:
    """What a block needs (picklable: the traces are reopened from ``spec`` where needed)."""
    spec: object            # RawSpec
    cols: np.ndarray        # raw-file column of every enabled channel
    sos: np.ndarray
    segment: int            # filter grid (samples)
    margin: int             # filter margin (samples)
    reference: str
    ref_channels: np.ndarray  # columns of ``cols`` the common reference is taken over
    thresholds: np.ndarray  # (n_windows, n_channels)
    thr_len: int
    thr_start: int          # first sample of the first noise window
    neighbours: np.ndarray  # channels within the lockout radius
    near: np.ndarray        # channels within the near radius
    prominence: np.ndarray  # per channel (filtered units)
    lockout: int            # samples after a larger sample that it locks out
    ahead: int              # samples before a larger sample that it locks out
    sign: str
    method: str
    phase_window: int
    phase_ratio: float
    local: np.ndarray       # (n_channels, n_local)
    basis: np.ndarray       # (n_pcs, n_samples)
    n_before: int
    n_after: int
    interpolate: int
    delays: np.ndarray      # sample-and-hold delays (samples) per enabled channel
    block: int              # block length (samples, whole segments)
    lo: int                 # searched range [lo, hi) in samples
    hi: int

    def __getstate__(self):
        d = dict(self.__dict__)
        d.pop("_traces", None)
        d.pop("_local", None)
        return d

    @property
    def traces(self):
        if getattr(self, "_traces", None) is None:
            self._traces = _open_cached(self.spec)
        return self._traces

    @cached_property
    def det_margin(self):
        """Samples filtered beyond a block on both sides: the detectors' and waveforms'
        reach, and the spread of the sample-and-hold delays (local channels resampled at
        their own delay). Computed once (the fields do not change)."""
        spread = int(np.ceil(np.ptp(self.delays))) + 1 if self.delayed else 0
        return (max(self.lockout, self.ahead, self.phase_window)
                + max(self.n_before, self.n_after) + 32 + spread)

    @cached_property
    def delayed(self):
        """Whether a channel has a sample-and-hold delay."""
        return bool(np.any(self.delays))

    def bounds(self, k):
        """Samples ``[a, b)`` searched in block ``k``."""
        return max(k * self.block, self.lo), min((k + 1) * self.block, self.hi)

    def filtered(self, a, b):
        """Filtered samples ``[a, b)``, in a buffer of the calling thread that the next
        call reuses (fresh arrays cost page faults: ~1/3 of the filtering time)."""
        if getattr(self, "_local", None) is None:
            self._local = threading.local()
        if not hasattr(self._local, "scratch"):
            self._local.scratch = {}
        return filtered_range(self.traces, a, b, self.cols, self.sos, self.segment,
                              self.margin, self.reference, self.ref_channels,
                              self._local.scratch)


_OPEN = {}
_OPEN_LOCK = threading.Lock()


def _open_cached(spec):
    """One open recording per process and spec (dask workers reuse it across blocks)."""
    key = (tuple(spec.paths), spec.n_channels, spec.dtype, spec.offset, spec.sample_rate)
    with _OPEN_LOCK:
        if key not in _OPEN:
            _OPEN[key] = spec.open()
        return _OPEN[key]


def events_in(ctx, x, x_start, a, b):
    """Events with peaks in ``[a, b)`` of the filtered ``x`` (row 0 = sample ``x_start``),
    with sub-sample times and PC features: a dict of :data:`FIELDS` arrays."""
    t, c, amp = detect_events(x, x_start, a - x_start, b - x_start, ctx.thresholds,
                              ctx.thr_len, ctx.neighbours, ctx.lockout, ctx.sign, ctx.method,
                              ctx.phase_window, ctx.phase_ratio, ctx.thr_start, ctx.near,
                              ctx.prominence, ctx.ahead)
    rows = t - x_start
    fine = subsample_peaks(x, rows, c, ctx.interpolate, ctx.delays) + x_start
    shift = fine - t - ctx.delays[c]  # align on the sub-sample peak (same clock as x)
    feats = event_features(x, rows, c, shift, ctx.local, ctx.basis, ctx.n_before,
                           ctx.interpolate, ctx.delays if ctx.delayed else None)
    return dict(times=t, channels=c, amplitudes=amp, fine_times=fine, features=feats)


def run_block(ctx, k):
    """Events of block ``k`` (see :func:`events_in`) and the number of samples searched."""
    a, b = ctx.bounds(k)
    if b <= a:
        return _empty(ctx), 0
    m = ctx.det_margin
    x = ctx.filtered(a - m, b + m)
    return events_in(ctx, x, a - m, a, b), b - a


def _empty(ctx):
    nl = ctx.local.shape[1]
    return dict(times=np.zeros(0, np.int64), channels=np.zeros(0, np.int64),
                amplitudes=np.zeros(0, np.float32), fine_times=np.zeros(0, np.float64),
                features=np.zeros((0, len(ctx.basis), nl), np.float32))


def _read_batch(path):
    """The :data:`FIELDS` arrays of a batch file."""
    with np.load(path, allow_pickle=False) as f:
        return {n: f[n] for n in FIELDS}


#: Bytes of events a :class:`BlockStore` holds before writing them.
PENDING_BYTES = 32 << 20


class BlockStore:
    """Finished blocks of a run, kept in ``folder`` (ours: ``<out>/.phy/phyclone/detect``),
    valid only for the same recording and parameters (``key``). Blocks are written in
    batches (one file per ``every`` seconds of work or :data:`PENDING_BYTES`, and whatever
    is pending when the run is interrupted: :meth:`flush`), each file written atomically."""

    def __init__(self, folder, key, every=5.):
        self.folder = Path(folder)
        self.key = hashlib.sha256(key.encode()).hexdigest()[:16]
        self.blocks = self.folder / "blocks"
        self.every = every
        self._pending = []
        self._bytes = 0
        self._last = time.perf_counter()
        self._index = {}
        run = self.folder / "run.json"
        same = False
        if run.exists():
            try:
                same = json.loads(run.read_text()).get("key") == self.key
            except ValueError:
                same = False
        if not same:
            self.clear()
            self.blocks.mkdir(parents=True, exist_ok=True)
            with atomic_open(run, "w", fsync=False) as f:  # lost in a crash: no resume
                f.write(json.dumps({"key": self.key}))
        for path in sorted(self.blocks.glob("blocks_*.npz")):
            try:
                with np.load(path, allow_pickle=False) as f:
                    ids, counts, ns = f["blocks"], f["counts"], f["n_samples"]
            except (OSError, ValueError, KeyError):
                continue  # unreadable: its blocks are run again
            self._add(path, ids, counts, ns)

    def _add(self, path, ids, counts, n_samples):
        bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        for i, k in enumerate(np.asarray(ids).tolist()):
            self._index[k] = (path, bounds[i], bounds[i + 1], int(n_samples[i]))

    def cached(self, blocks):
        """``(k, (events, n_samples))`` of the written blocks among ``blocks``, file by file
        (each read once; the events copied out of it). Unreadable files are skipped: their
        blocks are run again."""
        for path, entries in self._by_file((k, k, None) for k in blocks):
            try:
                arrays = _read_batch(path)
            except (OSError, ValueError, KeyError):
                continue
            for k, a, b, ns, _ in entries:
                yield k, ({n: v[a:b].copy() for n, v in arrays.items()}, ns)

    def events(self, selection):
        """``(i, events)``: the first ``m`` events of each written block ``k`` of
        ``selection`` ((k, m) pairs; ``i`` the pair's index), file by file (each read
        once)."""
        for path, entries in self._by_file((i, k, m) for i, (k, m) in enumerate(selection)):
            arrays = _read_batch(path)
            for i, a, _, _, m in entries:
                yield i, {n: v[a:a + m] for n, v in arrays.items()}

    def _by_file(self, items):
        """``{path: [(tag, first, stop, n_samples, extra)]}`` of the written blocks of
        ``items`` ((tag, block, extra) triples)."""
        files = {}
        for tag, k, extra in items:
            if k in self._index:
                path, a, b, ns = self._index[k]
                files.setdefault(path, []).append((tag, a, b, ns, extra))
        return files.items()

    def save(self, k, ev, n_samples):
        """Keep block ``k``; written with the others once ``every`` seconds have passed, or
        once they hold :data:`PENDING_BYTES`."""
        self._pending.append((k, ev, n_samples))
        self._bytes += sum(v.nbytes for v in ev.values())
        if time.perf_counter() - self._last >= self.every or self._bytes >= PENDING_BYTES:
            self.flush()

    def flush(self):
        """Write the pending blocks into one file."""
        self._last = time.perf_counter()
        self._bytes = 0
        if not self._pending:
            return
        ks, evs, ns = zip(*self._pending)
        self._pending = []
        arrays = {n: np.concatenate([ev[n] for ev in evs]) for n in FIELDS}
        path = self.blocks / f"blocks_{min(ks):07d}_{len(ks)}.npz"
        counts = [len(ev["times"]) for ev in evs]
        with atomic_open(path, "wb", fsync=False) as f:
            np.savez(f, blocks=np.asarray(ks, np.int64), n_samples=np.asarray(ns, np.int64),
                     counts=np.asarray(counts, np.int64), **arrays)
        self._add(path, ks, counts, ns)

    def clear(self):
        """Remove our block files, and their folder when nothing else is left in it."""
        self._pending = []
        if self.blocks.exists():
            for p in self.blocks.glob("block*_*.npz"):
                p.unlink()
            try:
                self.blocks.rmdir()
            except OSError:  # not empty: someone else's files
                pass
        run = self.folder / "run.json"
        if run.exists():
            run.unlink()
