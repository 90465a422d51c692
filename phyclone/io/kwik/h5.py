"""HDF5 helpers (h5py underneath): ``open_h5`` returns a ``File`` with path-based accessors.

Attribute values are returned in plain Python form: byte strings (and the one-element byte
arrays klusta writes) become ``str``, arrays of byte strings become lists of ``str``, NumPy
scalars become Python scalars. ``edit_h5`` edits a copy of a file and replaces the original
only when every change succeeded, so a crash never leaves a half-written file.
"""

import logging
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import h5py
import numpy as np

from phyclone.utils.errors import DataError

logger = logging.getLogger(__name__)

_NO_DEFAULT = object()
_MODES = ("r", "r+", "a", "w", "w-", "x")


def _decode(value):
    """Attribute value → plain Python (str, list of str, int, float, or ndarray)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SO" or value.dtype.kind == "U":
            items = [_decode(v) for v in value.ravel().tolist()]
            return items[0] if value.size == 1 else items
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _encode(value):
    """Python value → something h5py stores as an attribute."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return np.array([v.encode("utf-8") for v in value])
    return value


class File:
    """An open HDF5 file addressed by '/'-separated paths (h5py underneath)."""

    def __init__(self, filename, mode="r"):
        self.filename = str(filename)
        self.mode = mode
        self._h5py_file = None

    # Opening and closing ------------------------------------------------------------------
    def open(self, mode=None):
        """(Re)open the file; errors name the file."""
        if mode is not None:
            self.mode = mode
        if self.mode not in _MODES:
            raise ValueError(f"unknown HDF5 open mode {self.mode!r} (use one of {_MODES})")
        if self.is_open():
            self.close()
        path = Path(self.filename)
        if self.mode in ("r", "r+") and not path.exists():
            raise DataError(path, "file not found", "check the path")
        if self.mode in ("r", "r+", "a") and path.exists():
            if path.is_dir():
                raise DataError(path, "is a folder, not an HDF5 file", "give the path of the file")
            if not h5py.is_hdf5(str(path)):
                raise DataError(path, "is not an HDF5 file (empty, truncated or another format)",
                                "check that this is the right file, or restore it from a backup")
        try:
            self._h5py_file = h5py.File(self.filename, self.mode)
        except (OSError, ValueError) as e:
            raise DataError(path, f"cannot be opened as HDF5 in mode {self.mode!r} ({e})",
                            "check that the file is not corrupt, locked by another program, "
                            "or read-only") from None
        return self

    def is_open(self):
        return self._h5py_file is not None and bool(self._h5py_file.id.valid)

    def close(self):
        if self._h5py_file is not None and self._h5py_file.id.valid:
            self._h5py_file.close()
        self._h5py_file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        state = "open" if self.is_open() else "closed"
        return f"<File {self.filename!r} ({self.mode}, {state})>"

    @property
    def h5py_file(self):
        """The underlying ``h5py.File`` (None when closed)."""
        return self._h5py_file

    def _f(self):
        if not self.is_open():
            raise ValueError(f"the HDF5 file {self.filename} is closed")
        return self._h5py_file

    def _writable(self):
        f = self._f()
        if f.mode != "r+":
            raise DataError(self.filename, "is open read-only and cannot be modified",
                            "open it with mode 'a'")
        return f

    def _get(self, path):
        f = self._f()
        if path not in f:
            raise KeyError(f"{self.filename}: no HDF5 object at {path!r}")
        return f[path]

    # Datasets -----------------------------------------------------------------------------
    def exists(self, path):
        """Whether a group or dataset exists at ``path``."""
        return path in self._f()

    __contains__ = exists

    def read(self, path):
        """The h5py dataset (or group) at ``path``; datasets are read lazily by slicing."""
        return self._get(path)

    def write(self, path, array=None, overwrite=False, shape=None, dtype=None, **kwargs):
        """Create a dataset at ``path`` (parent groups are created). Return the h5py dataset.

        ``array`` gives the data; or ``shape`` and ``dtype`` make an empty dataset. An existing
        dataset is replaced only with ``overwrite=True``.
        """
        f = self._writable()
        if path in f:
            if not overwrite:
                raise ValueError(f"{self.filename}: {path!r} already exists "
                                 "(pass overwrite=True to replace it)")
            del f[path]
        if array is not None:
            return f.create_dataset(path, data=np.asarray(array), **kwargs)
        if shape is None or dtype is None:
            raise ValueError("give an array, or a shape and a dtype")
        return f.create_dataset(path, shape=shape, dtype=dtype, **kwargs)

    # Attributes ---------------------------------------------------------------------------
    def attrs(self, path="/"):
        """Names of the attributes of the object at ``path``."""
        return list(self._get(path).attrs.keys())

    def has_attr(self, path, name):
        f = self._f()
        return path in f and name in f[path].attrs

    def read_attr(self, path, name, default=_NO_DEFAULT):
        """One attribute, decoded; ``default`` when it (or ``path``) is missing, else KeyError."""
        f = self._f()
        if path not in f or name not in f[path].attrs:
            if default is not _NO_DEFAULT:
                return default
            raise KeyError(f"{self.filename}: no attribute {name!r} at {path!r}")
        try:
            value = f[path].attrs[name]
        except OSError as e:  # e.g. an attribute of an unsupported type
            raise DataError(self.filename, f"attribute {name!r} at {path!r} cannot be read ({e})",
                            "rewrite this attribute") from None
        return _decode(value)

    def read_attrs(self, path):
        """All attributes of ``path`` as a dict (decoded)."""
        return {name: self.read_attr(path, name) for name in self.attrs(path)}

    def write_attr(self, path, name, value):
        """Write an attribute; the group at ``path`` is created if needed."""
        f = self._writable()
        if path not in f:
            f.require_group(path)
        f[path].attrs[name] = _encode(value)

    # Hierarchy ----------------------------------------------------------------------------
    def children(self, path="/"):
        """Names of the children (groups and datasets) of the group at ``path``."""
        obj = self._get(path)
        return list(obj.keys()) if isinstance(obj, h5py.Group) else []

    def groups(self, path="/"):
        """Names of the sub-groups of ``path``."""
        obj = self._get(path)
        if not isinstance(obj, h5py.Group):
            return []
        return [k for k in obj.keys() if issubclass(obj.get(k, getclass=True), h5py.Group)]

    def datasets(self, path="/"):
        """Names of the datasets directly in ``path``."""
        obj = self._get(path)
        if not isinstance(obj, h5py.Group):
            return []
        return [k for k in obj.keys() if issubclass(obj.get(k, getclass=True), h5py.Dataset)]

    def copy(self, path, new_path):
        """Copy a group or dataset (recursively, with attributes)."""
        f = self._writable()
        self._check_move(path, new_path)
        f.copy(path, new_path)

    def move(self, path, new_path):
        """Move (rename) a group or dataset."""
        f = self._writable()
        self._check_move(path, new_path)
        parent = new_path.rsplit("/", 1)[0]
        if parent:
            f.require_group(parent)
        f.move(path, new_path)

    def _check_move(self, path, new_path):
        f = self._f()
        if path not in f:
            raise KeyError(f"{self.filename}: no HDF5 object at {path!r}")
        if new_path in f:
            raise ValueError(f"{self.filename}: {new_path!r} already exists")

    def delete(self, path):
        """Delete a group or dataset."""
        f = self._writable()
        if path not in f:
            raise KeyError(f"{self.filename}: no HDF5 object at {path!r}")
        del f[path]

    def describe(self):
        """A text tree of the file: groups, datasets (shape, dtype) and attributes."""
        lines = [f"{self.filename}"]
        root_attrs = self.read_attrs("/")
        lines += [f"  @{k} = {v!r}" for k, v in sorted(root_attrs.items())]

        def visit(name, obj):
            depth = name.count("/") + 1
            pad = "  " * depth
            if isinstance(obj, h5py.Dataset):
                lines.append(f"{pad}{name.rsplit('/', 1)[-1]}  {obj.shape} {obj.dtype}")
            else:
                lines.append(f"{pad}{name.rsplit('/', 1)[-1]}/")
            for k in obj.attrs:
                try:
                    v = _decode(obj.attrs[k])
                except OSError:
                    v = "<unreadable>"
                lines.append(f"{pad}  @{k} = {v!r}")

        self._f().visititems(visit)
        return "\n".join(lines)


def open_h5(filename, mode="r"):
    """Open an HDF5 file; use as a context manager or call ``close()``.

    Errors (missing file, not HDF5, corrupt, locked) raise a ``DataError`` naming the file.
    """
    return File(filename, mode=mode).open()


def dataset_memmap(filename, dataset):
    """A read-only ``np.memmap`` of a contiguous, uncompressed dataset, else None.

    Reading through the memmap bypasses HDF5 (fast fancy indexing, no decompression).
    """
    if dataset.chunks is not None or dataset.compression is not None or dataset.size == 0:
        return None
    offset = dataset.id.get_offset()
    if offset is None or dataset.dtype.kind not in "biuf":
        return None
    return np.memmap(filename, mode="r", dtype=dataset.dtype, offset=offset, shape=dataset.shape)


@contextmanager
def edit_h5(filename):
    """Edit an HDF5 file atomically: yield a ``File`` open on a copy next to it; on success the
    copy replaces the original (``os.replace``); on any error the copy is removed and the
    original is untouched."""
    path = Path(filename)
    if not path.exists():
        raise DataError(path, "file not found", "check the path")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
        shutil.copymode(path, tmp)
        f = File(tmp, mode="a").open()
        try:
            yield f
            f.h5py_file.flush()
        finally:
            f.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        logger.debug("Saved %s.", path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
