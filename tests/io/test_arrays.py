"""Validated .npy access: headers, memory maps, block scans."""

import numpy as np
import pytest

from phyclone.io.arrays import NpyFile, as_int64_samples
from phyclone.io.template.sparse import from_sparse
from phyclone.utils.errors import DataError


def test_uint64_samples_are_a_zero_copy_view(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(10, dtype=np.uint64).reshape(-1, 1))
    out = as_int64_samples(NpyFile(tmp_path / "a.npy"))
    assert out.dtype == np.int64 and out.shape == (10,) and isinstance(out, np.memmap)
    assert not out.flags.writeable


@pytest.mark.parametrize("dtype", [">i8", "<u4", "i2"])
def test_other_integer_samples_are_converted(tmp_path, dtype):
    np.save(tmp_path / "a.npy", np.arange(10).astype(dtype))
    out = as_int64_samples(NpyFile(tmp_path / "a.npy"))
    assert out.dtype == np.int64 and out.tolist() == list(range(10))


def test_header_versions_fortran_and_empty(tmp_path):
    a = np.asfortranarray(np.random.default_rng(0).normal(size=(7, 5, 3)))
    with open(tmp_path / "f.npy", "wb") as f:
        np.lib.format.write_array(f, a, version=(2, 0))
    npy = NpyFile(tmp_path / "f.npy")
    assert npy.fortran_order and npy.shape == (7, 5, 3)
    np.testing.assert_array_equal(npy.load(), a)
    rows = np.concatenate([blk for _, blk in npy.iter_rows(block_bytes=100)])
    np.testing.assert_array_equal(rows, a)
    np.save(tmp_path / "e.npy", np.zeros((0, 4)))
    assert NpyFile(tmp_path / "e.npy").load().shape == (0, 4)
    assert NpyFile(tmp_path / "e.npy").scan() == {"min": None, "max": None}


def test_scan_across_blocks(tmp_path):
    a = np.arange(1000, dtype=np.int64)
    a[500] = 499  # equal values are fine (non-decreasing)
    np.save(tmp_path / "a.npy", a)
    assert NpyFile(tmp_path / "a.npy").scan(sorted_=True, block_bytes=64) == {"min": 0, "max": 999}
    a[512] = 3  # a decrease exactly at a block boundary (64 bytes = 8 values)
    np.save(tmp_path / "a.npy", a)
    with pytest.raises(DataError, match="value 3 at index 512 comes after 511"):
        NpyFile(tmp_path / "a.npy").scan(sorted_=True, block_bytes=64)
    b = np.ones(100, dtype=np.float32)
    b[77] = -np.inf
    np.save(tmp_path / "b.npy", b)
    with pytest.raises(DataError, match="flat index 77"):
        NpyFile(tmp_path / "b.npy").scan(finite=True, block_bytes=16)


def test_missing_and_trailing_bytes(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        NpyFile(tmp_path / "nope.npy")
    np.save(tmp_path / "a.npy", np.arange(5))
    with open(tmp_path / "a.npy", "ab") as f:
        f.write(b"extra")
    np.testing.assert_array_equal(NpyFile(tmp_path / "a.npy").load(), np.arange(5))


def test_from_sparse():
    data = np.arange(2 * 3 * 2).reshape(2, 3, 2)
    cols = np.array([[4, 0, -1], [1, 4, 2]])
    out = from_sparse(data, cols, [4, 1, 7])
    assert out.shape == (2, 3, 2)
    np.testing.assert_array_equal(out[0], [data[0, 0], [0, 0], [0, 0]])
    np.testing.assert_array_equal(out[1], [data[1, 1], data[1, 0], [0, 0]])
    with pytest.raises(ValueError):
        from_sparse(data, cols, [1, 1])
