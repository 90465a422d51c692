"""phyclone.io.kwik.h5: File accessors, attribute decoding, clear errors, atomic edits."""

import os

import h5py
import numpy as np
import pytest

from phyclone.io.kwik.h5 import dataset_memmap, edit_h5, open_h5
from phyclone.utils.errors import DataError


@pytest.fixture
def h5path(tmp_path):
    path = tmp_path / "test.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("/a/b/data", data=np.arange(10))
        f.create_dataset("/chunked", data=np.ones((100, 3)), chunks=(10, 3), compression="gzip")
        f["/a"].attrs["number"] = np.int64(3)
        f["/a"].attrs["klusta_str"] = np.array([b"synth"])  # klusta's one-element byte arrays
        f["/a"].attrs["klusta_list"] = np.array([b"x.dat", b"y.dat"])
        f["/a"].attrs["vlen_str"] = "hello"
        f["/a"].attrs["array"] = np.array([1., 2.])
    return path


def test_read_and_hierarchy(h5path):
    with open_h5(h5path) as f:
        assert f.is_open() and f.h5py_file is not None
        assert f.exists("/a/b/data") and "/a/b" in f and not f.exists("/nope")
        np.testing.assert_array_equal(f.read("/a/b/data")[2:5], [2, 3, 4])
        assert sorted(f.children("/")) == ["a", "chunked"]
        assert f.groups("/") == ["a"]
        assert f.datasets("/") == ["chunked"]
        assert f.datasets("/a/b") == ["data"]
        assert f.children("/a/b/data") == []
        text = f.describe()
        assert "data  (10,) int64" in text and "@klusta_str = 'synth'" in text
    assert not f.is_open()


def test_attributes_decoded(h5path):
    with open_h5(h5path) as f:
        assert f.read_attr("/a", "number") == 3 and isinstance(f.read_attr("/a", "number"), int)
        assert f.read_attr("/a", "klusta_str") == "synth"
        assert f.read_attr("/a", "klusta_list") == ["x.dat", "y.dat"]
        assert f.read_attr("/a", "vlen_str") == "hello"
        np.testing.assert_array_equal(f.read_attr("/a", "array"), [1., 2.])
        assert f.has_attr("/a", "number") and not f.has_attr("/a", "nope")
        assert not f.has_attr("/nope", "number")
        assert f.read_attr("/a", "nope", None) is None
        with pytest.raises(KeyError):
            f.read_attr("/a", "nope")
        assert set(f.attrs("/a")) == {"number", "klusta_str", "klusta_list", "vlen_str", "array"}
        assert f.read_attrs("/a")["klusta_str"] == "synth"


def test_write_copy_move_delete(h5path):
    with open_h5(h5path, "a") as f:
        f.write("/new/group/x", np.arange(3))
        with pytest.raises(ValueError, match="already exists"):
            f.write("/new/group/x", np.arange(4))
        f.write("/new/group/x", np.arange(4), overwrite=True)
        f.write("/empty", shape=(5, 2), dtype=np.float32)
        f.write_attr("/created/on/demand", "name", "hello")
        f.write_attr("/new", "names", ["a", "b"])
        f.copy("/a", "/a_copy")
        f.move("/new/group", "/moved/here")
        with pytest.raises(ValueError):
            f.copy("/a", "/a_copy")
        f.delete("/chunked")
        with pytest.raises(KeyError):
            f.delete("/chunked")
    with open_h5(h5path) as f:
        np.testing.assert_array_equal(f.read("/moved/here/x")[:], np.arange(4))
        assert f.read("/empty").shape == (5, 2)
        assert f.read_attr("/created/on/demand", "name") == "hello"
        assert f.read_attr("/new", "names") == ["a", "b"]
        assert f.read_attr("/a_copy", "klusta_str") == "synth"
        np.testing.assert_array_equal(f.read("/a_copy/b/data")[:], np.arange(10))
        assert not f.exists("/new/group") and not f.exists("/chunked")


def test_read_only_write_is_clear_error(h5path):
    with open_h5(h5path) as f:
        with pytest.raises(DataError, match="read-only"):
            f.write_attr("/a", "x", 1)


@pytest.mark.parametrize("content", [b"", b"not an hdf5 file at all" * 10,
                                     b"\x89HDF\r\n\x1a\n" + b"\x00" * 30])
def test_not_hdf5_gives_data_error(tmp_path, content):
    path = tmp_path / "bad.kwik"
    path.write_bytes(content)
    with pytest.raises(DataError, match="bad.kwik"):
        open_h5(path)


def test_truncated_hdf5_gives_data_error(h5path):
    data = h5path.read_bytes()
    h5path.write_bytes(data[:len(data) // 3])
    with pytest.raises(DataError, match="test.h5"):
        with open_h5(h5path) as f:
            f.read("/a/b/data")[:]


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="not found"):
        open_h5(tmp_path / "nope.h5")
    with pytest.raises(DataError, match="folder"):
        open_h5(tmp_path)


def test_memmap_only_for_contiguous(h5path):
    with open_h5(h5path) as f:
        mm = dataset_memmap(h5path, f.read("/a/b/data"))
        np.testing.assert_array_equal(mm, np.arange(10))
        assert dataset_memmap(h5path, f.read("/chunked")) is None


def test_edit_h5_commits_on_success(h5path):
    with edit_h5(h5path) as f:
        f.write_attr("/a", "number", 4)
    with open_h5(h5path) as f:
        assert f.read_attr("/a", "number") == 4
    assert os.listdir(h5path.parent) == ["test.h5"]


def test_edit_h5_leaves_original_intact_on_error(h5path):
    before = h5path.read_bytes()
    with pytest.raises(RuntimeError):
        with edit_h5(h5path) as f:
            f.write_attr("/a", "number", 5)
            f.write("/big", np.zeros(1000))
            raise RuntimeError("killed mid-save")
    assert h5path.read_bytes() == before
    assert os.listdir(h5path.parent) == ["test.h5"]
