"""Validated ``.npy`` access: header checks, memory maps, and bounded-memory scans.

Every array of a dataset goes through :class:`NpyFile`: the header is read and checked against
the file size (a truncated copy is caught before numpy sees it), the array is memory-mapped
read-only, and whole-array checks (dtype, monotonicity, NaN/inf, value ranges) read the file in
blocks with ``os.pread`` so that validating a 10-million-spike array does not leave it resident
in memory.
"""

import logging
import os
from pathlib import Path

import numpy as np

from phyclone.utils.errors import DataError

logger = logging.getLogger(__name__)

_BLOCK_BYTES = 1 << 23  # 8 MiB per pread block
_FIX_REEXPORT = "copy or re-export this file from the spike sorter again"
_KIND_NAMES = {"i": "signed integers", "u": "unsigned integers", "f": "floating-point values",
               "b": "booleans", "c": "complex numbers", "U": "strings", "S": "bytes",
               "O": "Python objects", "V": "raw records"}


class NpyFile:
    """One ``.npy`` file: validated header, lazy memory map, block reads along the first axis."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.is_file():
            raise DataError(self.path, "file not found",
                            "check that the dataset folder is complete")
        try:
            with open(self.path, "rb") as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                else:  # 2.0 and 3.0 share the layout (3.0 only allows UTF-8 field names)
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                self.offset = f.tell()
        except (ValueError, OSError, SyntaxError) as e:
            raise DataError(self.path, f"is not a valid .npy file ({e})", _FIX_REEXPORT) from None
        if dtype.hasobject:
            raise DataError(self.path, "holds Python objects (pickled data), never loaded",
                            "save it as a plain numeric array (allow_pickle=False)")
        self.shape = tuple(int(s) for s in shape)
        self.dtype = dtype
        self.fortran_order = fortran
        self.size = int(np.prod(self.shape, dtype=np.int64))
        self.nbytes = self.size * dtype.itemsize
        actual = self.path.stat().st_size - self.offset
        if actual < self.nbytes:
            raise DataError(
                self.path, f"is truncated: its header announces shape {self.shape} {dtype} "
                f"({self.nbytes} bytes of data) but the file holds only {actual} bytes",
                _FIX_REEXPORT)
        if actual > self.nbytes:
            logger.debug("%s: %d trailing bytes after the array.", self.path, actual - self.nbytes)
        self._mmap = None

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<NpyFile {self.path.name} {self.shape} {self.dtype}>"

    def load(self, mmap=True):
        """The array, memory-mapped read-only (or read in memory when ``mmap`` is False)."""
        if not mmap or self.size == 0:
            try:
                return np.load(self.path, allow_pickle=False)
            except (ValueError, OSError) as e:
                raise DataError(self.path, f"cannot be read ({e})", _FIX_REEXPORT) from None
        if self._mmap is None:
            self._mmap = np.memmap(self.path, dtype=self.dtype, mode="r", offset=self.offset,
                                   shape=self.shape, order="F" if self.fortran_order else "C")
        return self._mmap

    # Checks -------------------------------------------------------------------------------
    def require_kind(self, kinds, what, fix=None):
        """Raise unless the dtype kind is one of ``kinds`` (e.g. ``'iu'`` for integers)."""
        if self.dtype.kind not in kinds:
            expected = " or ".join(_KIND_NAMES[k] for k in kinds)
            raise DataError(self.path, f"holds {_KIND_NAMES.get(self.dtype.kind, self.dtype)} "
                            f"({self.dtype}); {what} must be {expected}",
                            fix or "save this array with an integer dtype (e.g. int64)")

    def require_index(self, what, fix=None):
        """Raise unless the array holds integers, or whole numbers stored as floats (as phylib
        casts them: accepted with one warning in the log). Returns True for whole floats.

        A fractional, NaN or infinite value raises a ``DataError`` naming its position;
        callers check the range and cast to integers themselves.
        """
        if self.dtype.kind in "iu":
            return False
        fix = fix or "save this array with an integer dtype (e.g. int64)"
        self.require_kind("iuf", what, fix)
        index = 0
        for block in self.iter_blocks():
            bad = ~np.isfinite(block)
            bad[~bad] = block[~bad] != np.floor(block[~bad])
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise DataError(self.path, f"holds {block[i]} at flat index {index + i}; {what} "
                                f"must be whole numbers ({self.dtype} is accepted only when "
                                "every value is one)", fix)
            index += len(block)
        logger.warning("%s stores %s as %s: every value is a whole number, read as integers.",
                       self.path.name, what, self.dtype)
        return True

    def require_shape(self, shape, what):
        """Raise unless the shape matches ``shape`` (``None`` entries match anything)."""
        ok = len(shape) == self.ndim and all(e is None or e == s for e, s in zip(shape, self.shape))
        if not ok:
            expected = "(" + ", ".join("n" if e is None else str(e) for e in shape) + ")"
            raise DataError(self.path, f"has shape {self.shape}, expected {expected} ({what})",
                            "check that this file belongs to this dataset")

    def vector_length(self):
        """Length of a per-spike vector stored as (n,), (n, 1) or (1, n); raise otherwise."""
        s = self.shape
        if len(s) == 1:
            return s[0]
        if len(s) == 2 and 1 in s:
            return s[0] if s[1] == 1 else s[1]
        raise DataError(self.path, f"has shape {s}, expected a vector (n,) or (n, 1)",
                        "save one value per spike")

    def load_vector(self, mmap=True):
        """A per-spike vector as a 1-D array (a view of the memory map when possible)."""
        n = self.vector_length()
        return self.load(mmap=mmap).reshape(n)

    # Block reads --------------------------------------------------------------------------
    def iter_blocks(self, block_bytes=_BLOCK_BYTES):
        """Yield consecutive blocks of the flattened array (file order) as in-memory arrays.

        Uses ``os.pread``: nothing stays resident once a block is processed.
        """
        for _, block in self._iter(block_bytes, 1):
            yield block

    def iter_rows(self, block_bytes=_BLOCK_BYTES):
        """Yield ``(first_row, block)`` with blocks of whole rows (k, *shape[1:])."""
        if self.fortran_order and self.ndim > 1:
            arr = self.load(mmap=True)
            step = max(1, block_bytes // max(1, self.nbytes // max(1, self.shape[0])))
            for i in range(0, self.shape[0], step):
                yield i, np.asarray(arr[i:i + step])
            return
        row = int(np.prod(self.shape[1:], dtype=np.int64)) if self.ndim > 1 else 1
        for start, block in self._iter(block_bytes, max(1, row)):
            yield start // max(1, row), block.reshape((-1,) + self.shape[1:])

    def _iter(self, block_bytes, align):
        itemsize = self.dtype.itemsize
        per_block = max(align, (block_bytes // max(1, itemsize)) // align * align)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            done = 0
            while done < self.size:
                n = min(per_block, self.size - done)
                buf = os.pread(fd, n * itemsize, self.offset + done * itemsize)
                if len(buf) != n * itemsize:
                    raise DataError(self.path, "could not be read completely", _FIX_REEXPORT)
                yield done, np.frombuffer(buf, dtype=self.dtype)
                done += n
        finally:
            os.close(fd)

    def scan(self, finite=False, sorted_=False, block_bytes=_BLOCK_BYTES):
        """One pass over the data: min, max, and optional finiteness / monotonicity checks.

        Returns a dict with ``min`` and ``max`` (None when empty); raises ``DataError`` when
        ``finite`` and a NaN/inf is found, or when ``sorted_`` and the values decrease.
        """
        lo = hi = prev = None
        index = 0
        for block in self.iter_blocks(block_bytes):
            if finite and block.dtype.kind == "f":
                bad = ~np.isfinite(block)
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    raise DataError(self.path, f"contains NaN or infinite values (first at flat "
                                    f"index {index + i}: {block[i]})",
                                    "replace the non-finite values or re-run the sorter")
            if sorted_:
                if prev is not None and block[0] < prev:
                    raise DataError(self.path, f"is not sorted: value {block[0]} at index {index} "
                                    f"comes after {prev}", "sort the spikes by time (and every "
                                    "per-spike array in the same order)")
                dec = np.flatnonzero(block[1:] < block[:-1])
                if len(dec):
                    i = int(dec[0])
                    raise DataError(self.path, f"is not sorted: value {block[i + 1]} at index "
                                    f"{index + i + 1} comes after {block[i]}",
                                    "sort the spikes by time (and every per-spike array in the "
                                    "same order)")
                prev = block[-1]
            if len(block):
                bmin, bmax = block.min(), block.max()
                lo = bmin if lo is None or bmin < lo else lo
                hi = bmax if hi is None or bmax > hi else hi
            index += len(block)
        return {"min": lo, "max": hi}


def check_range(npy, stats, low, high, what, fix):
    """Raise unless ``low <= stats['min']`` and ``stats['max'] < high`` (bounds may be None)."""
    if stats["min"] is None:
        return
    if low is not None and stats["min"] < low:
        raise DataError(npy.path, f"contains {stats['min']}, below {low} ({what})", fix)
    if high is not None and stats["max"] >= high:
        raise DataError(npy.path, f"contains {stats['max']}, expected values below {high} "
                        f"({what})", fix)


def load_index(npy, what, mmap=False):
    """An index array checked by :meth:`NpyFile.require_index`: integers as stored (a memory
    map when ``mmap``), whole-valued floats as an in-memory int64 copy."""
    if npy.require_index(what):
        return np.asarray(npy.load(mmap=mmap)).astype(np.int64)
    return npy.load(mmap=mmap)


def as_int64_samples(npy):
    """Per-spike integer sample vector as int64: a zero-copy memory map when stored as native
    int64/uint64 (the usual case), an in-memory int64 copy otherwise."""
    arr = npy.load_vector(mmap=True)
    native = npy.dtype.byteorder in ("=", "<" if np.little_endian else ">", "|")
    if native and npy.dtype.itemsize == 8 and not npy.fortran_order:
        return arr.view(np.int64) if npy.dtype.kind == "u" else arr
    return np.asarray(arr, dtype=np.int64)
