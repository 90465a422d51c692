"""Caching context of a dataset: joblib disk cache, in-memory cache, small saved objects.

The cache folder is ``<data dir>/.phy/`` (phy's layout: joblib under ``joblib/``, memcaches
under ``memcache/<function>.pkl``, saved objects as ``<name>.json`` / ``<name>.pkl``).
A corrupt cache file is never fatal: it is logged and the value is recomputed (or empty).
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable
from functools import wraps
from pathlib import Path
from typing import Any

from .config import phy_config_dir
from .errors import DataError
from .fileio import ensure_dir_exists, load_json, load_pickle, save_json, save_pickle

logger = logging.getLogger(__name__)

_MISSING = object()


def _fullname(f: Callable[..., Any]) -> str:
    return f"{getattr(f, '__module__', None) or ''}.{getattr(f, '__qualname__', f.__name__)}"


def _safe_filename(name: str) -> str:
    return re.sub(r"[^\w.-]", "_", name)


def _writable(folder: Path) -> bool:
    try:
        ensure_dir_exists(folder)
        with tempfile.TemporaryFile(dir=folder):
            pass
        return True
    except (OSError, DataError):
        return False


class Context:
    """Disk and memory caches of one dataset, in ``cache_dir`` (usually ``<data dir>/.phy``).

    When ``cache_dir`` cannot be written (read-only dataset), a folder under
    ``<config dir>/cache/`` is used instead, with a warning.

    ``cache(f)``: disk-memoized ``f`` (joblib; for large or slow results).
    ``memcache(f)``: memory-memoized ``f`` (hashable arguments), persisted by
    ``save_memcache()`` and reloaded when the same function is memcached again.
    ``save``/``load``: small dicts as JSON or pickle, ``local`` (cache_dir) or ``global``
    (the user config folder).
    """

    cache_limit = 2 * 1024 ** 3  # bytes kept by the joblib cache

    def __init__(self, cache_dir: str | os.PathLike[str], verbose: int = 0) -> None:
        self.verbose = verbose
        cache_dir = Path(cache_dir).expanduser()
        if not _writable(cache_dir):
            digest = hashlib.sha1(str(cache_dir.resolve()).encode()).hexdigest()[:16]
            fallback = phy_config_dir() / "cache" / digest
            logger.warning("Cannot write the cache folder %s; using %s instead.",
                           cache_dir, fallback)
            cache_dir = ensure_dir_exists(fallback)
        self.cache_dir = cache_dir
        ensure_dir_exists(self.cache_dir / "memcache")
        self._memcache: dict[str, dict[Any, Any]] = {}
        self._set_memory()

    def _set_memory(self) -> None:
        from joblib import Memory  # lazily: joblib is slow to import

        self._memory = Memory(location=str(self.cache_dir), mmap_mode=None, verbose=self.verbose)
        try:
            self._memory.reduce_size(bytes_limit=self.cache_limit)
        except Exception as e:  # a damaged cache folder must not prevent opening the data
            logger.warning("Could not trim the cache in %s: %s", self.cache_dir, e)

    # Disk cache -----------------------------------------------------------------------------
    def cache(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Return a disk-memoized version of ``f`` (``self`` is not hashed for methods)."""
        try:
            args = inspect.getfullargspec(f).args
        except TypeError:
            args = []
        return self._memory.cache(f, ignore=["self"] if "self" in args else None)

    # Memory cache ---------------------------------------------------------------------------
    def _memcache_path(self, name: str) -> Path:
        return self.cache_dir / "memcache" / (_safe_filename(name) + ".pkl")

    def load_memcache(self, name: str) -> dict[Any, Any]:
        """Load (or create) the memcache dict of a function from disk; return it."""
        path = self._memcache_path(name)
        cache = {}
        if path.exists():
            try:
                cache = load_pickle(path)
                if not isinstance(cache, dict):
                    raise DataError(path, "is not a memcache dict")
                logger.debug("Loaded the memcache of %s.", name)
            except (DataError, OSError) as e:
                logger.warning("Ignoring a corrupt memcache file: %s", e)
                cache = {}
        self._memcache[name] = cache
        return cache

    def save_memcache(self) -> None:
        """Save every memcache to disk (atomically, one pickle per function)."""
        for name, cache in self._memcache.items():
            try:
                save_pickle(self._memcache_path(name), cache)
            except Exception as e:  # unpicklable results: skip this function's cache
                logger.warning("Could not save the memcache of %s: %s", name, e)

    def memcache(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Return a memory-memoized version of ``f``; unhashable arguments bypass the cache."""
        name = _fullname(f)
        cache = self.load_memcache(name)

        @wraps(f)
        def memcached(*args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(sorted(kwargs.items()))) if kwargs else args
            try:
                out = cache.get(key, _MISSING)
            except TypeError:  # unhashable arguments
                return f(*args, **kwargs)
            if out is _MISSING:
                out = cache[key] = f(*args, **kwargs)
            return out
        return memcached

    # Saved objects --------------------------------------------------------------------------
    def _path(self, name: str, location: str, ext: str) -> Path:
        if location == "local":
            folder = self.cache_dir
        elif location == "global":
            folder = phy_config_dir()
        else:
            raise ValueError(f"location must be 'local' or 'global', not {location!r}")
        return folder / (name + ext)

    def save(self, name: str, data: Any, location: str = "local", kind: str = "json") -> None:
        """Save ``data`` as ``<name>.json`` (kind='json') or ``<name>.pkl`` (kind='pickle')
        in the cache folder (location='local') or the user config folder ('global')."""
        if kind not in ("json", "pickle"):
            raise ValueError(f"kind must be 'json' or 'pickle', not {kind!r}")
        path = self._path(name, location, ".json" if kind == "json" else ".pkl")
        logger.debug("Save %s.", path)
        (save_json if kind == "json" else save_pickle)(path, data)

    def load(self, name: str, location: str = "local") -> Any:
        """Load what ``save`` wrote (JSON first, then pickle); ``{}`` if missing or corrupt."""
        for ext, loader in ((".json", load_json), (".pkl", load_pickle)):
            path = self._path(name, location, ext)
            if path.exists():
                try:
                    return loader(path)
                except (DataError, OSError) as e:
                    logger.warning("Ignoring a corrupt file: %s", e)
                    return {}
        return {}

    # Pickling -------------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_memory"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__ = state
        self._set_memory()


def cache_methods(obj: Any, memcached: Iterable[str] = (), cached: Iterable[str] = ()) -> None:
    """Replace the named methods of ``obj`` by memcached / disk-cached versions, using
    ``obj.context``."""
    for name in memcached:
        setattr(obj, name, obj.context.memcache(getattr(obj, name)))
    for name in cached:
        setattr(obj, name, obj.context.cache(getattr(obj, name)))
