"""numba's cached kernels kept in step with the sources they were compiled from.

numba keys a cached kernel (``cache=True``: ``*.nbi`` / ``*.nbc`` files in the
``__pycache__`` beside its module, or under ``$NUMBA_CACHE_DIR``) on its own source file
only, so a kernel that calls a kernel of another module keeps the callee's old code after an
edit of the callee's file alone (in a developer's checkout; an installed release never
changes). :func:`sync_kernel_cache` runs before any kernel is called: when a source file of
the package changed since the cache files were written (a stamp of the sources' sizes and
modification times, kept with them), it deletes them, and numba compiles again.
"""

import hashlib
import os
from pathlib import Path

#: The stamp of the sources, kept with the cache files of the package's top folder.
STAMP = "phyclone-kernels.stamp"


def _walk(root: str) -> tuple[str, list[str]]:
    """``(stamp, folders)``: a digest of the paths, sizes and modification times of the
    ``.py`` files under ``root``, and the folders holding them."""
    h = hashlib.sha256()
    folders = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        sources = sorted(f for f in files if f.endswith(".py"))
        if sources:
            folders.append(folder)
        for name in sources:
            st = os.stat(os.path.join(folder, name))
            h.update(f"{folder}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest(), folders


def _cache_dir(folder: str | os.PathLike[str]) -> str:
    """Where numba caches the kernels of the modules in ``folder`` (its own rule)."""
    path = os.path.abspath(folder)
    env = os.environ.get("NUMBA_CACHE_DIR")
    if not env:
        return os.path.join(path, "__pycache__")
    digest = hashlib.sha1(path.encode()).hexdigest()
    return os.path.join(env, f"{os.path.basename(path)}_{digest}")


def sync_kernel_cache(root: str | os.PathLike[str]) -> bool:
    """Delete the numba cache files of the package folder ``root`` when its sources changed
    since the last call that found them current: True when it did. Silent where the cache
    cannot be written (numba then caches elsewhere, and an installed package does not
    change)."""
    top = os.path.abspath(root)
    try:
        stamp, folders = _walk(top)
        marker = Path(_cache_dir(top)) / STAMP
        if marker.exists() and marker.read_text() == stamp:
            return False
        for folder in folders:
            cache = Path(_cache_dir(folder))
            for f in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
                f.unlink(missing_ok=True)
        marker.parent.mkdir(parents=True, exist_ok=True)
        tmp = marker.with_name(f"{STAMP}.{os.getpid()}.tmp")
        tmp.write_text(stamp)
        os.replace(tmp, marker)
    except OSError:
        return False
    return True
