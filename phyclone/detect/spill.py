"""Events of runs too large to hold in memory: ``.npy`` files written block by block
(:class:`phyclone.io.npy_stream.NpyWriter`) and read back in chunks, with plain reads (the
pages of a memory map would count in the process's memory as long as it is mapped)."""

from pathlib import Path

import numpy as np
from numpy.lib import format as npformat

#: Bytes of events (~180 per event) a run keeps in memory; beyond, they go through files.
MEMORY_BUDGET = 128 << 20
#: Bytes read at once from an event file.
CHUNK_BYTES = 16 << 20


class NpyFile:
    """An ``.npy`` file read in chunks of rows: ``len``, ``shape``, ``dtype``,
    :meth:`chunks` and :meth:`rows`."""

    def __init__(self, path):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            version = npformat.read_magic(f)
            read = npformat.read_array_header_1_0 if version == (1, 0) else \
                npformat.read_array_header_2_0
            self.shape, fortran, self.dtype = read(f)
            self.offset = f.tell()
        if fortran or not self.shape:
            raise ValueError(f"{self.path}: not a C-ordered array of rows")
        self.row = int(np.prod(self.shape[1:], dtype=np.int64))

    def __len__(self):
        return self.shape[0]

    def _step(self):
        return max(1, CHUNK_BYTES // max(1, self.row * self.dtype.itemsize))

    def _read(self, f, start, m):
        f.seek(self.offset + start * self.row * self.dtype.itemsize)
        rows = np.fromfile(f, dtype=self.dtype, count=m * self.row)
        if len(rows) != m * self.row:
            raise ValueError(f"{self.path}: shorter than its header says")
        return rows.reshape((m,) + tuple(self.shape[1:]))

    def chunks(self):
        """``(start, rows)`` from the first row to the last, in chunks of
        :data:`CHUNK_BYTES`."""
        with open(self.path, "rb") as f:
            for start in range(0, len(self), self._step()):
                yield start, self._read(f, start, min(self._step(), len(self) - start))

    def rows(self, index):
        """The rows ``index`` (any order), reading the chunks that hold them once."""
        index = np.asarray(index, dtype=np.int64)
        by_row = np.argsort(index, kind="stable")
        wanted = index[by_row]
        out = np.empty((len(index),) + tuple(self.shape[1:]), dtype=self.dtype)
        step = self._step()
        with open(self.path, "rb") as f:
            for start in np.unique(wanted // step * step).tolist():
                rows = self._read(f, start, min(step, len(self) - start))
                i, j = np.searchsorted(wanted, [start, start + len(rows)])
                out[by_row[i:j]] = rows[wanted[i:j] - start]
        return out
