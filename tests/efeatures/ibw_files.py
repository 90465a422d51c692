"""Minimal Igor binary wave files (version 2) for the reader tests."""

import struct

import numpy as np

def write_ibw_v2(path, data, units, dx):
    """A minimal Igor binary wave, version 2 (float32 data, little endian)."""
    data = np.asarray(data, dtype='<f4')
    wh = struct.pack('<hI20shhI4s4sihddhhhddccIiIccII',
                     2, 0, b'wave', 0, 0, 0, units.encode().ljust(4, b'\0'), b's\0\0\0',
                     len(data), 0, dx, 0.0, 0, 0, 0, 0.0, 0.0, b'\0', b'\0', 0, 0, 0, b'\0',
                     b'\0', 0, 0)
    bh = struct.pack('<hiiih', 2, len(wh) + data.nbytes + 16, 0, 0, 0)
    with open(path, 'wb') as f:
        f.write(bh + wh + data.tobytes() + bytes(16))
