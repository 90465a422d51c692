"""numba's cached kernels kept in step with the sources they were compiled from.

numba keys a cached kernel (``cache=True``: ``*.nbi`` / ``*.nbc`` files in the
``__pycache__`` beside its module, or under ``$NUMBA_CACHE_DIR``) on its own source file
only, so a kernel that calls a kernel of another module keeps the callee's old code after an
edit of the callee's file alone (in a developer's checkout; an installed release never
changes). :func:`sync_kernel_cache` runs before any kernel is called: when a source file that
may define kernels (it mentions numba or jit) changed since the last run (sizes and
modification times kept with the cache), it deletes the package's cache files, and numba
compiles again.
"""

import hashlib
import json
import os
from pathlib import Path

#: The sources' sizes, modification times and use of numba, kept with the cache files of the
#: package's top folder.
STAMP = "phyclone-kernels.json"


def _sources(root: str) -> dict[str, tuple[int, int]]:
    """``{path relative to root: (size, mtime_ns)}`` of the ``.py`` files under ``root``."""
    out: dict[str, tuple[int, int]] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                st = os.stat(path)
                out[os.path.relpath(path, root)] = (st.st_size, st.st_mtime_ns)
    return out


def _may_define_kernels(path: Path) -> bool:
    """Whether the source at ``path`` mentions numba or a jit decorator (``stats._jit``)."""
    src = path.read_bytes()
    return b"numba" in src or b"jit" in src


def _cache_dir(folder: str | os.PathLike[str]) -> str:
    """Where numba caches the kernels of the modules in ``folder`` (its own rule)."""
    path = os.path.abspath(folder)
    env = os.environ.get("NUMBA_CACHE_DIR")
    if not env:
        return os.path.join(path, "__pycache__")
    digest = hashlib.sha1(path.encode()).hexdigest()
    return os.path.join(env, f"{os.path.basename(path)}_{digest}")


def sync_kernel_cache(root: str | os.PathLike[str]) -> bool:
    """Delete the numba cache files of the package folder ``root`` when a source file that
    may define kernels changed (or appeared, or went) since the last call, or when there is
    no record of the sources yet: True when it did. Silent where the cache cannot be written
    (numba then caches elsewhere, and an installed package does not change)."""
    top = os.path.abspath(root)
    marker = Path(_cache_dir(top)) / STAMP
    where = next((p for p in (marker.parent, *marker.parents) if p.exists()), None)
    if where is None or not os.access(where, os.W_OK):  # (a read-only install: nothing to do)
        return False
    try:
        try:
            known = {k: tuple(v) for k, v in json.loads(marker.read_text()).items()}
        except (OSError, ValueError, AttributeError, TypeError):
            known = None
        now: dict[str, tuple] = {}
        for rel, stat in _sources(top).items():
            old = (known or {}).get(rel)
            uses = old[2] if old and old[:2] == stat else _may_define_kernels(Path(top, rel))
            now[rel] = (*stat, uses)
        kernels = {k: v for k, v in now.items() if v[2]}
        stale = known is None or kernels != {k: v for k, v in known.items() if v[2]}
        if stale:
            for folder in {os.path.dirname(os.path.join(top, rel)) for rel in now}:
                cache = Path(_cache_dir(folder))
                for f in [*cache.glob("*.nbi"), *cache.glob("*.nbc")]:
                    f.unlink(missing_ok=True)
        if now != known:
            marker.parent.mkdir(parents=True, exist_ok=True)
            tmp = marker.with_name(f"{STAMP}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(now))
            os.replace(tmp, marker)
    except OSError:
        return False
    return stale


def is_cached(module_file: str | os.PathLike[str], name: str) -> bool:
    """Whether numba holds a cached compilation of the kernel ``name`` of the module at
    ``module_file`` (its index file: a first run would compile it)."""
    stem = Path(module_file).stem
    return any(Path(_cache_dir(Path(module_file).parent)).glob(f"{stem}.{name}-*.nbi"))
