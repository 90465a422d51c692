"""Atomic writers for arrays too big to hold in memory (``.npy`` and flat binary).

Rows are written, in order (:meth:`~_StreamWriter.append`) or at their place
(:meth:`~_StreamWriter.write_at`), to a temporary file next to the target
(:func:`phyclone.utils.fileio.atomic_open`: fsynced, or deferred inside
``synced_together``); ``close()`` checks that the announced number of rows was written and
moves the file into place. If the writer is abandoned (exception in a ``with`` block), the
temporary file is removed and the target is left untouched. Nothing is memory-mapped, so the
process RSS stays at the size of one chunk.
"""

from pathlib import Path

import numpy as np

from phyclone.utils.fileio import atomic_open


class _Abandoned(Exception):
    """Thrown into :func:`atomic_open` to drop its temporary file."""


class _StreamWriter:
    """Base: an atomic binary file receiving C-contiguous rows of a fixed dtype and row shape."""

    def __init__(self, path, dtype, shape, fsync=False):
        self.dtype = np.dtype(dtype)
        self.shape = tuple(int(s) for s in shape)
        self.n_rows_written = 0
        self._opened = atomic_open(path, "wb", fsync=fsync)
        self._f = self._opened.__enter__()
        self.path = Path(path)
        self._write_header()
        self._start = self._f.tell()
        self._row = int(np.prod(self.shape[1:], dtype=np.int64)) * self.dtype.itemsize

    def _write_header(self):
        pass

    def append(self, rows):
        """Append rows of shape ``(k,) + shape[1:]`` (cast to the writer's dtype)."""
        self.write_at(self.n_rows_written, rows)

    def write_at(self, first, rows):
        """Write ``rows`` from row ``first`` on (each row once: the rows are counted)."""
        rows = np.ascontiguousarray(rows, dtype=self.dtype)
        if rows.shape[1:] != self.shape[1:]:
            raise ValueError(f"{self.path.name}: rows of shape {rows.shape[1:]} written to an "
                             f"array of row shape {self.shape[1:]}")
        if not 0 <= first <= self.shape[0] - len(rows) or \
                self.n_rows_written + len(rows) > self.shape[0]:
            raise ValueError(f"{self.path.name}: more than {self.shape[0]} rows written, or "
                             f"rows {first}-{first + len(rows)} beyond them")
        if rows.size:
            self._f.seek(self._start + first * self._row)
            self._f.write(memoryview(rows.reshape(-1)).cast("B"))
        self.n_rows_written += len(rows)

    def check(self):
        """Raise (a ValueError) unless every announced row was written."""
        if self.n_rows_written != self.shape[0]:
            raise ValueError(f"{self.path.name}: {self.n_rows_written} rows written, "
                             f"{self.shape[0]} announced")

    def close(self):
        """Finish the file and move it into place (it must be complete)."""
        if self._f is None:
            return
        try:
            self.check()
        except ValueError:
            self.abort()
            raise
        self._f = None
        self._opened.__exit__(None, None, None)

    def abort(self):
        """Drop the temporary file; the target is left as it was."""
        if self._f is None:
            return
        self._f = None
        self._opened.__exit__(_Abandoned, _Abandoned(), None)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()


class NpyWriter(_StreamWriter):
    """Write a ``.npy`` file of known ``shape`` and ``dtype`` (the bytes of ``np.save``)."""

    def _write_header(self):
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": self.shape}
        np.lib.format.write_array_header_1_0(self._f, header)


class RawWriter(_StreamWriter):
    """Write a flat binary file (no header), e.g. int16 raw data of shape (n_samples, n_channels)."""
