"""Sequential, atomic writers for arrays too big to hold in memory (``.npy`` and flat binary).

Rows are appended in order to a temporary file next to the target; ``close()`` checks that the
announced number of rows was written and moves the file into place with ``os.replace``. If the
writer is abandoned (exception in a ``with`` block), the temporary file is removed and the target
is left untouched. Nothing is memory-mapped, so the process RSS stays at the size of one chunk.
"""

import os
import tempfile
from pathlib import Path

import numpy as np

from phyclone.utils.fileio import ensure_dir_exists


class _StreamWriter:
    """Base: an atomic binary file receiving C-contiguous rows of a fixed dtype and row shape."""

    def __init__(self, path, dtype, shape, fsync=False):
        self.path = Path(path)
        self.dtype = np.dtype(dtype)
        self.shape = tuple(int(s) for s in shape)
        self.n_rows_written = 0
        self._fsync = fsync
        ensure_dir_exists(self.path.parent)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp",
                                         dir=self.path.parent)
        self._f = os.fdopen(fd, "wb")
        self._write_header()

    def _write_header(self):
        pass

    def append(self, rows):
        """Append rows of shape ``(k,) + shape[1:]`` (cast to the writer's dtype)."""
        rows = np.ascontiguousarray(rows, dtype=self.dtype)
        if rows.shape[1:] != self.shape[1:]:
            raise ValueError(f"{self.path.name}: rows of shape {rows.shape[1:]} appended to an "
                             f"array of row shape {self.shape[1:]}")
        if self.n_rows_written + len(rows) > self.shape[0]:
            raise ValueError(f"{self.path.name}: more than {self.shape[0]} rows appended")
        if rows.size:
            self._f.write(memoryview(rows).cast("B"))
        self.n_rows_written += len(rows)

    def close(self):
        """Finish the file and move it into place (it must be complete)."""
        if self._f is None:
            return
        if self.n_rows_written != self.shape[0]:
            self.abort()
            raise ValueError(f"{self.path.name}: {self.n_rows_written} rows written, "
                             f"{self.shape[0]} announced")
        self._f.flush()
        if self._fsync:
            os.fsync(self._f.fileno())
        self._f.close()
        self._f = None
        os.replace(self._tmp, self.path)

    def abort(self):
        """Drop the temporary file; the target is left as it was."""
        if self._f is None:
            return
        self._f.close()
        self._f = None
        try:
            os.remove(self._tmp)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()


class NpyWriter(_StreamWriter):
    """Write a ``.npy`` file of known ``shape`` and ``dtype`` row chunk by row chunk."""

    def _write_header(self):
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": self.shape}
        np.lib.format.write_array_header_1_0(self._f, header)


class RawWriter(_StreamWriter):
    """Write a flat binary file (no header), e.g. int16 raw data of shape (n_samples, n_channels)."""
