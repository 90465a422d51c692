"""MountainSort ``.mda`` arrays: header parsing and a read-only memory map.

Layout: int32 type code, int32 bytes per entry, int32 number of dimensions (negative: the
dimensions follow as int64), the dimensions, then the data in column-major order. A raw
recording is stored as (n_channels, n_samples), i.e. the same bytes as a C-order
(n_samples, n_channels) array.
"""

import struct
from pathlib import Path

import numpy as np

from phyclone.utils.errors import DataError

#: MDA type code -> NumPy dtype.
MDA_DTYPES = {-2: np.uint8, -3: np.float32, -4: np.int16, -5: np.int32, -6: np.uint16,
              -7: np.float64, -8: np.uint32}


def read_mda_header(path):
    """Return ``(dtype, dims, header_bytes)`` of an ``.mda`` file, or raise ``DataError``."""
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12:
            raise DataError(path, "is too short to hold an MDA header", "re-export the file")
        code, nbytes, ndim = struct.unpack("<iii", head)
        if code not in MDA_DTYPES:
            raise DataError(path, f"has an unknown MDA data type code {code}",
                            "re-export the file as a standard .mda array")
        dtype = np.dtype(MDA_DTYPES[code])
        if nbytes != dtype.itemsize:
            raise DataError(path, f"MDA header says {nbytes} bytes per entry for {dtype}",
                            "re-export the file as a standard .mda array")
        wide = ndim < 0
        ndim = abs(ndim)
        if not 1 <= ndim <= 50:
            raise DataError(path, f"MDA header has {ndim} dimensions", "re-export the file")
        fmt = "<" + ("q" if wide else "i") * ndim
        raw = f.read(struct.calcsize(fmt))
        if len(raw) < struct.calcsize(fmt):
            raise DataError(path, "is too short to hold its MDA header", "re-export the file")
        dims = struct.unpack(fmt, raw)
        header = 12 + len(raw)
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    size = path.stat().st_size
    if size < expected:
        raise DataError(path, f"is truncated: its MDA header announces {dims} {dtype} "
                        f"({expected} bytes) but the file holds {size} bytes", "re-export the file")
    return dtype, tuple(int(d) for d in dims), header


def open_mda_recording(path):
    """Memory-map an ``.mda`` recording (n_channels, n_samples) as (n_samples, n_channels)."""
    dtype, dims, header = read_mda_header(path)
    if len(dims) != 2:
        raise DataError(path, f"has {len(dims)} dimensions {dims}, expected (n_channels, "
                        "n_samples) for a raw recording", "point dat_path to the raw recording")
    n_channels, n_samples = dims
    if n_samples == 0:
        return np.zeros((0, n_channels), dtype=dtype)
    return np.memmap(path, dtype=dtype, mode="r", offset=header, shape=(n_samples, n_channels))
