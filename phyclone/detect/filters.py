"""Band-pass filtering and common reference of raw blocks, on a fixed grid of segments.

The recording is cut into segments of ``segment`` samples, the same whatever the block size,
thread count or scheduler. Each segment is filtered forward then backward (zero phase, the
squared Butterworth magnitude) over itself plus ``margin`` samples of raw data on both sides,
so a filtered sample depends only on its segment: any block that covers it computes the same
value, bit for bit. The numba kernel runs two sections per pass over each tile of rows, the
channel loop innermost (vectorised), and releases the GIL so blocks run in threads.
"""

import mmap
import os
from functools import lru_cache

import numba
import numpy as np

from phyclone.utils.butterworth import band_sos

from .reference import REFERENCES, reference_columns, segment_channels, segment_reference


@lru_cache(maxsize=16)
def bandpass_sos(sample_rate, low=300., high=6000., order=3):
    """Second-order sections of a Butterworth band-pass (high-pass when ``high`` is None or
    at/above Nyquist)."""
    return band_sos(sample_rate, low, high, order)


@numba.njit(cache=True, nogil=True)
def _biquads(buf, t0, t1, step, c32, z1, z2):
    """Run the cascade over rows ``t0, t0 + step, ... (excluding t1)`` of ``buf`` in place:
    two sections per pass over this tile of rows (the intermediate stays in registers:
    twice as fast as one section per pass), the channel loop innermost (vectorised)."""
    nc = buf.shape[1]
    for k in range(0, c32.shape[0] - 1, 2):
        b0, b1, b2, a1, a2 = c32[k, 0], c32[k, 1], c32[k, 2], c32[k, 4], c32[k, 5]
        d0, d1, d2, e1, e2 = (c32[k + 1, 0], c32[k + 1, 1], c32[k + 1, 2], c32[k + 1, 4],
                              c32[k + 1, 5])
        p1, p2, q1, q2 = z1[k], z2[k], z1[k + 1], z2[k + 1]
        for t in range(t0, t1, step):
            row = buf[t]
            for c in range(nc):
                x = row[c]
                y = b0 * x + p1[c]
                p1[c] = b1 * x - a1 * y + p2[c]
                p2[c] = b2 * x - a2 * y
                u = d0 * y + q1[c]
                q1[c] = d1 * y - e1 * u + q2[c]
                q2[c] = d2 * y - e2 * u
                row[c] = u
    if c32.shape[0] % 2:  # an odd section left: alone
        k = c32.shape[0] - 1
        b0, b1, b2, a1, a2 = c32[k, 0], c32[k, 1], c32[k, 2], c32[k, 4], c32[k, 5]
        p1, p2 = z1[k], z2[k]
        for t in range(t0, t1, step):
            row = buf[t]
            for c in range(nc):
                x = row[c]
                y = b0 * x + p1[c]
                p1[c] = b1 * x - a1 * y + p2[c]
                p2[c] = b2 * x - a2 * y
                row[c] = y


@numba.njit(cache=True, nogil=True)
def _filter_segments(raw, raw_start, cols, seg_starts, seg_stops, margin, lo, hi, sos, out,
                     buf, skip, tail, mode, ref, flat):
    """Filter the segments ``[seg_starts[i], seg_stops[i])`` (absolute samples) of ``raw``
    (covering ``[raw_start, raw_start + len(raw))``, columns ``cols``) forward-backward with
    ``margin`` raw samples on both sides; write the samples in ``[lo, hi)`` into ``out``
    (row 0 = sample ``lo``). Each segment starts from a zero state after removing the mean of
    its first 32 raw samples. Time is processed in tiles of 128 samples (time tile →
    section pair → time → channel). ``buf``: scratch, at least (segment + 2 margin, len(cols)).
    Segments with ``skip[i]`` are left out (known already). A computed segment that ends
    after ``hi`` is still filtered whole: it is copied into ``tail`` and 1 is returned
    (the next block of a sequential run starts with it). With a reference (``mode``, see
    :func:`~.reference.segment_reference`) over the columns ``ref`` less those ``flat[i]``,
    each tile's rows are referenced as soon as they are written (still in the cache: a
    pass over the block in memory less)."""
    nc = len(cols)
    ns = sos.shape[0]
    tile = 128
    z1 = np.zeros((ns, nc), dtype=np.float32)
    z2 = np.zeros((ns, nc), dtype=np.float32)
    dc = np.empty(nc, dtype=np.float32)
    c32 = sos.astype(np.float32)
    c0 = cols[0] if nc else 0
    contiguous = True
    for c in range(nc):
        contiguous = contiguous and cols[c] == c0 + c
    filled = 0
    for i in range(len(seg_starts)):
        if skip[i]:
            continue
        a = seg_starts[i] - margin
        b = seg_stops[i] + margin
        keep_lo = max(seg_starts[i], lo)
        keep_hi = min(seg_stops[i], hi)
        if keep_hi <= keep_lo:
            continue
        keep = segment_channels(mode, ref, flat[i])
        n0 = min(32, b - a)
        dc[:] = 0.
        for t in range(n0):
            for c in range(nc):
                dc[c] += np.float32(raw[a - raw_start + t, cols[c]])
        for c in range(nc):
            dc[c] /= n0
        z1[:] = 0.
        z2[:] = 0.
        for t0 in range(0, b - a, tile):  # each tile converted, then filtered (in cache)
            t1 = min(b - a, t0 + tile)
            for t in range(t0, t1):
                r = a - raw_start + t
                if contiguous:  # a plain (vectorised) conversion
                    src = raw[r, c0:c0 + nc]
                    for c in range(nc):
                        buf[t, c] = np.float32(src[c]) - dc[c]
                else:
                    for c in range(nc):
                        buf[t, c] = np.float32(raw[r, cols[c]]) - dc[c]
            _biquads(buf, t0, t1, 1, c32, z1, z2)
        z1[:] = 0.
        z2[:] = 0.
        stop = keep_lo - a - 1
        for t0 in range(b - a - 1, stop, -tile):  # each tile filtered, then copied out
            t1 = max(stop, t0 - tile)
            _biquads(buf, t0, t1, -1, c32, z1, z2)
            r0, r1 = max(t1 + 1, keep_lo - a), min(t0 + 1, keep_hi - a)
            for t in range(r0, r1):
                for c in range(nc):
                    out[t + a - lo, c] = buf[t, c]
            if mode and r1 > r0:
                segment_reference(out[r0 + a - lo:r1 + a - lo], mode, keep, flat[i])
        if seg_stops[i] > hi and keep_lo == seg_starts[i]:
            for t in range(seg_starts[i], seg_stops[i]):  # (the rows in out: referenced)
                for c in range(nc):
                    tail[t - seg_starts[i], c] = out[t - lo, c] if t < hi else buf[t - a, c]
            if mode:
                segment_reference(tail[hi - seg_starts[i]:seg_stops[i] - seg_starts[i]],
                                  mode, keep, flat[i])
            filled = 1
    return filled


def segment_bounds(n_samples, segment, lo, hi):
    """Start and stop samples of the grid segments that intersect ``[lo, hi)``."""
    k0 = max(0, lo // segment)
    k1 = min(-(-n_samples // segment), -(-hi // segment))
    starts = np.arange(k0, k1, dtype=np.int64) * segment
    return starts, np.minimum(starts + segment, n_samples)


def read_padded(traces, a, b, scratch=None):
    """Raw samples ``[a, b)`` (all file channels) as an array; beyond the recording the
    first/last sample is repeated. A single flat file is mapped (:func:`_windowed`), or at
    the edges of the recording read with ``os.preadv`` straight into a reused buffer."""
    n = traces.n_samples
    a0, b0 = max(0, a), min(n, b)
    part = traces._parts[0]
    if len(traces._parts) == 1 and isinstance(part.array, np.memmap) and b0 > a0:
        row = part.array.shape[1] * part.array.dtype.itemsize
        if a0 == a and b0 == b:
            return _windowed(part.array, a, b, scratch)
        arr = _buffer(scratch, "raw_" + part.array.dtype.str, (b - a, part.array.shape[1]),
                      part.array.dtype)
        fd = os.open(part.array.filename, os.O_RDONLY)
        try:
            view = memoryview(arr[a0 - a:b0 - a]).cast("B")
            pos = part.array.offset + a0 * row
            while len(view):  # preadv may return fewer bytes than asked
                got = os.preadv(fd, [view], pos)
                if got <= 0:
                    raise OSError(f"{part.array.filename}: unexpected end of file")
                view, pos = view[got:], pos + got
        finally:
            os.close(fd)
        arr[:a0 - a] = arr[a0 - a]  # the edges: first / last sample repeated
        arr[b0 - a:] = arr[b0 - a - 1]
        return arr
    arr = traces.read(a0, b0, np.arange(traces.n_channels_raw))
    if a0 == a and b0 == b:
        return arr
    return np.pad(arr, ((a0 - a, b - b0), (0, 0)), mode="edge")


def _mapped(array, a, b):
    """Rows ``[a, b)`` of a memory-mapped ``array``, mapped on their own with their pages
    read in at once (``MAP_POPULATE``): the conversion then reads the page cache directly
    (no copy), and the mapping is released with the returned array (memory stays bounded
    whatever the file length)."""
    row = array.shape[1] * array.dtype.itemsize
    pos = array.offset + a * row
    start = pos - pos % mmap.ALLOCATIONGRANULARITY
    fd = os.open(array.filename, os.O_RDONLY)
    try:
        mm = mmap.mmap(fd, pos - start + (b - a) * row, flags=mmap.MAP_SHARED | _POPULATE,
                       prot=mmap.PROT_READ, offset=start)
    finally:
        os.close(fd)
    return np.frombuffer(mm, dtype=array.dtype, count=(b - a) * array.shape[1],
                         offset=pos - start).reshape(b - a, array.shape[1])


_POPULATE = getattr(mmap, "MAP_POPULATE", 0)  # Linux

#: Bytes of the raw file a thread keeps mapped for its next blocks (with ``scratch``).
WINDOW_BYTES = 32 << 20


def _windowed(array, a, b, scratch):
    """Rows ``[a, b)`` of a memory-mapped ``array``: from the window of the file that
    ``scratch`` keeps mapped when it covers them, else from a new window of
    :data:`WINDOW_BYTES` from row ``a`` (the previous one released): a thread reading
    short blocks in order maps its file a few times instead of at every block."""
    if scratch is None:
        return _mapped(array, a, b)
    key = (array.filename, array.offset, array.shape, array.dtype.str)
    win = scratch.get("window")
    if win is None or win[0] != key or a < win[1] or b > win[1] + len(win[2]):
        scratch.pop("window", None)
        row = array.shape[1] * array.dtype.itemsize
        stop = min(array.shape[0], max(b, a + WINDOW_BYTES // row))
        win = scratch["window"] = (key, a, _mapped(array, a, stop))
    return win[2][a - win[1]:b - win[1]]


#: Rows of the last whole segment of a range kept for the next call of a sequential run
#: (which starts a block margin before the end of this one).
KEEP_ROWS = 2048


def filtered_range(traces, lo, hi, cols, sos, segment, margin, reference="none",
                   ref_channels=None, scratch=None):
    """Filtered (and referenced) samples ``[lo, hi)`` on raw columns ``cols``: float32
    (hi - lo, len(cols)), identical for any ``lo``/``hi`` (the segment grid); zeros outside
    the recording. ``scratch``: a dict whose buffers are reused across calls (one per
    thread; the returned array is then one of them, valid until the next call). The next
    call of a sequential run reuses the segment that this range ends into and the last
    :data:`KEEP_ROWS` rows of its last whole segment instead of filtering them again."""
    lo, hi = int(lo), int(hi)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    shape = (max(0, hi - lo), len(cols))
    out = _buffer(scratch, "out", shape)
    a0, b0 = max(lo, 0), min(hi, traces.n_samples)
    out[:max(0, a0 - lo)] = 0
    out[max(0, b0 - lo):] = 0
    if b0 <= a0:  # wholly outside the recording (zeros)
        return out
    starts, stops = segment_bounds(traces.n_samples, segment, a0, b0)
    if not len(starts) or not len(cols):
        return out
    mode = REFERENCES[reference]
    ref = reference_columns(ref_channels, len(cols))
    # Parts of segments filtered (and referenced) by the previous call of this thread:
    # {start: (first, rows)}
    key = (id(traces), cols.tobytes(), np.asarray(sos).tobytes(), segment, margin, mode,
           ref.tobytes())
    cache = scratch.get("segments", {}) if scratch is not None else {}
    if cache.get("key") != key:
        cache = {"key": key}
    first_rows = starts.tolist()
    last_rows = stops.tolist()
    # with a reference, the channels constant over each segment (flat: left out of it)
    flat = np.zeros((len(starts), len(cols)), dtype=np.bool_)
    todo = []  # the segments to filter
    for i, (s0, s1) in enumerate(zip(first_rows, last_rows)):
        k0, k1 = max(s0, lo), min(s1, hi)
        first, rows = cache.get(s0, (None, None))
        if first is not None and first <= k0 and k1 <= first + len(rows):
            out[k0 - lo:k1 - lo] = rows[k0 - first:k1 - first]  # before the buffers change
        else:
            todo.append(i)
    tail = _buffer(scratch, "tail", (segment, len(cols)))
    filled = 0
    if todo:
        buf = _buffer(scratch, "buf", (segment + 2 * margin, len(cols)))
        sos64 = np.ascontiguousarray(sos, dtype=np.float64)
        # Segments whose margins reach beyond the recording are filtered on their own (a
        # small padded copy), the others straight from the file's rows.
        n = traces.n_samples
        for group in _runs(todo, [first_rows[i] >= margin and last_rows[i] + margin <= n
                                  for i in todo]):
            a = first_rows[group[0]] - margin
            b = last_rows[group[-1]] + margin
            only = np.ones(len(starts), dtype=np.uint8)
            only[group] = 0
            raw = read_padded(traces, a, b, scratch)
            if mode:
                _flat_columns(raw, a, cols, starts, stops, only, flat)
            filled |= _filter_segments(raw, a, cols, starts, stops, int(margin), lo, hi,
                                       sos64, out, buf, only, tail, mode, ref, flat)
    if scratch is not None:  # rows for the next call (filtered and referenced)
        new = {"key": key}
        inner = [i for i, (s0, s1) in enumerate(zip(first_rows, last_rows))
                 if s0 >= lo and s1 <= hi]
        if inner:  # the end of the last whole segment of this range, copied
            s0, s1 = first_rows[inner[-1]], last_rows[inner[-1]]
            first = max(s0, s1 - KEEP_ROWS)
            kept = _buffer(scratch, "kept", (s1 - first, len(cols)))
            kept[:] = out[first - lo:s1 - lo]
            new[s0] = (first, kept)
        if filled:  # the segment this range ends into, filtered whole
            s0 = first_rows[todo[-1]]
            new[s0] = (s0, tail[:last_rows[todo[-1]] - s0])
        scratch["segments"] = new
    return out


def _runs(items, labels):
    """``items`` cut into runs of consecutive items with the same label."""
    runs = []
    for i, (item, label) in enumerate(zip(items, labels)):
        if i and label == labels[i - 1]:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


@numba.njit(cache=True, nogil=True)
def _flat_columns(raw, raw_start, cols, seg_starts, seg_stops, skip, flat):
    """``flat[i, c]``: column ``cols[c]`` of ``raw`` is constant over segment ``i`` (for
    the segments not in ``skip``, of 32 samples or more: a shorter one, at the end of the
    recording, tells nothing)."""
    for i in range(len(seg_starts)):
        if not skip[i] and seg_stops[i] - seg_starts[i] >= 32:
            _constant_columns(raw, seg_starts[i] - raw_start, seg_stops[i] - raw_start, cols,
                              flat[i])


@numba.njit(cache=True, nogil=True)
def _constant_columns(raw, r0, r1, cols, constant):
    """``constant[c]``: column ``cols[c]`` of ``raw`` is constant over the rows ``[r0, r1)``
    (set, never cleared). Stops looking once every column has varied (at once for live
    data)."""
    left = np.arange(len(cols))  # columns constant so far: left[:m]
    m = len(cols)
    for r in range(r0 + 1, r1):
        j = 0
        while j < m:
            c = left[j]
            if raw[r, cols[c]] != raw[r0, cols[c]]:
                m -= 1
                left[j] = left[m]
            else:
                j += 1
        if m == 0:
            break
    for j in range(m):
        constant[left[j]] = True


def filtered_chunk(traces, lo, hi, cols, sos, margin):
    """Filtered samples ``[lo, hi)`` (within the recording) on raw columns ``cols``,
    filtered as one segment of their own with ``margin`` raw samples on both sides: for
    samples read on their own (the noise chunks), a third of the work of the segment grid,
    but the values depend on ``lo`` and ``hi``. Also returns which columns are flat
    (constant raw samples over the chunk)."""
    lo, hi = max(0, int(lo)), min(int(hi), traces.n_samples)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    out = np.zeros((max(0, hi - lo), len(cols)), dtype=np.float32)
    if hi <= lo or not len(cols):
        return out, np.zeros(len(cols), dtype=np.bool_)
    raw = read_padded(traces, lo - margin, hi + margin)
    _filter_segments(raw, lo - margin, cols, np.array([lo], np.int64), np.array([hi], np.int64),
                     int(margin), lo, hi, np.ascontiguousarray(sos, dtype=np.float64), out,
                     np.empty((hi - lo + 2 * margin, len(cols)), np.float32),
                     np.zeros(1, np.uint8), np.empty((0, len(cols)), np.float32), 0,
                     np.zeros(0, np.int64), np.zeros((1, len(cols)), np.bool_))
    flat = np.zeros(len(cols), dtype=np.bool_)
    _constant_columns(raw, margin, margin + hi - lo, cols, flat)
    return out, flat


def _buffer(scratch, name, shape, dtype=np.float32):
    """An array of ``shape``: from ``scratch`` (grown when too small) or new."""
    if scratch is None:
        return np.empty(shape, dtype=dtype)
    size = shape[0] * shape[1]
    arr = scratch.get(name)
    if arr is None or arr.size < size:
        arr = scratch[name] = np.empty(size, dtype=dtype)
    return arr[:size].reshape(shape)
