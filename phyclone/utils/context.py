"""Caching context of a dataset: disk cache, in-memory cache, small saved objects.

The cache folder is given by the caller (the controllers use ``<data dir>/.phy/phyclone/``,
a folder of phyclone's own: phy 2's files in ``.phy/`` are never read as cache, rewritten or
deleted). Layout: ``disk/<function>/<hash>.pkl`` (``cache(f)``), ``memcache/<function>.pkl``
(``memcache(f)``), ``<name>.json`` / ``<name>.pkl`` (``save``).

Every pickle is signed with the user's secret (``phyclone.utils.signing``) and is loaded only
when its signature checks: a pickle that this user's phyclone did not write, e.g. shipped inside
a downloaded dataset, is never unpickled. A corrupt or foreign cache file is never fatal: it is
logged and the value is recomputed (or empty).
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
from .fileio import ensure_dir_exists, load_json, save_json
from .signing import dump_signed_pickle, load_signed_pickle

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


def _args_hash(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    import joblib  # lazily: slow to import; hashes arrays by content (pickles in memory only)
    return joblib.hash((args, sorted(kwargs.items())))


class Context:
    """Disk and memory caches of one dataset, in ``cache_dir`` (the controllers use
    ``<data dir>/.phy/phyclone``).

    When ``cache_dir`` cannot be written (read-only dataset), a folder under
    ``<config dir>/cache/`` is used instead, with a warning.

    ``cache(f)``: disk-memoized ``f`` (for large or slow results).
    ``memcache(f)``: memory-memoized ``f`` (hashable arguments), persisted by
    ``save_memcache()`` and reloaded when the same function is memcached again.
    ``save``/``load``: small dicts as JSON or (signed) pickle, ``local`` (cache_dir) or
    ``global`` (the user config folder).
    ``config_dir``: the user config folder holding the secret that signs the pickles.
    """

    cache_limit = 2 * 1024 ** 3  # bytes kept by the disk cache

    def __init__(self, cache_dir: str | os.PathLike[str], verbose: int = 0,
                 config_dir: str | os.PathLike[str] | None = None) -> None:
        self.verbose = verbose
        self.config_dir = config_dir
        cache_dir = Path(cache_dir).expanduser()
        if not _writable(cache_dir):
            digest = hashlib.sha1(str(cache_dir.resolve()).encode()).hexdigest()[:16]
            fallback = phy_config_dir(config_dir) / "cache" / digest
            logger.warning("Cannot write the cache folder %s; using %s instead.",
                           cache_dir, fallback)
            cache_dir = ensure_dir_exists(fallback)
        self.cache_dir = cache_dir
        self._memcache: dict[str, dict[Any, Any]] = {}
        self._trim()

    # Disk cache -----------------------------------------------------------------------------
    def _trim(self) -> None:
        """Delete the oldest disk cache files beyond ``cache_limit`` bytes."""
        root = self.cache_dir / "disk"
        if not root.is_dir():
            return
        try:
            files = [(p.stat().st_mtime, p.stat().st_size, p) for p in root.rglob("*.pkl")]
        except OSError as e:
            logger.warning("Could not trim the cache in %s: %s", root, e)
            return
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files, key=lambda t: t[0]):
            if total <= self.cache_limit:
                break
            path.unlink(missing_ok=True)
            total -= size

    def cache(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Return a disk-memoized version of ``f`` (``self`` is not hashed for methods)."""
        try:
            skip_self = inspect.getfullargspec(f).args[:1] == ["self"]
        except TypeError:
            skip_self = False
        name = _safe_filename(_fullname(f))
        skip_self = skip_self and not inspect.ismethod(f)

        @wraps(f)
        def cached(*args: Any, **kwargs: Any) -> Any:
            try:
                digest = _args_hash(args[1:] if skip_self else args, kwargs)
            except Exception:  # arguments that cannot be hashed: not cached
                return f(*args, **kwargs)
            role = f"disk/{name}/{digest}"
            path = self.cache_dir / (role + ".pkl")
            if path.exists():
                try:
                    return load_signed_pickle(path, role, self.config_dir)
                except (DataError, OSError) as e:
                    logger.warning("Ignoring a cache file: %s", e)
            out = f(*args, **kwargs)
            try:
                dump_signed_pickle(path, out, role, self.config_dir)
            except Exception as e:  # unpicklable result, full disk: not cached
                logger.debug("Could not cache %s: %s", role, e)
            return out
        return cached

    # Memory cache ---------------------------------------------------------------------------
    def _memcache_path(self, name: str) -> Path:
        return self.cache_dir / "memcache" / (_safe_filename(name) + ".pkl")

    def load_memcache(self, name: str) -> dict[Any, Any]:
        """Load (or create) the memcache dict of a function from disk; return it."""
        path = self._memcache_path(name)
        cache = {}
        if path.exists():
            try:
                cache = load_signed_pickle(path, "memcache/" + path.stem, self.config_dir)
                if not isinstance(cache, dict):
                    raise DataError(path, "is not a memcache dict")
                logger.debug("Loaded the memcache of %s.", name)
            except (DataError, OSError) as e:
                logger.warning("Ignoring a corrupt memcache file: %s", e)
                cache = {}
        self._memcache[name] = cache
        return cache

    def save_memcache(self) -> None:
        """Save every memcache to disk (atomically, one signed pickle per function)."""
        for name, cache in self._memcache.items():
            path = self._memcache_path(name)
            try:
                dump_signed_pickle(path, cache, "memcache/" + path.stem, self.config_dir)
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
            folder = phy_config_dir(self.config_dir)
        else:
            raise ValueError(f"location must be 'local' or 'global', not {location!r}")
        return folder / (name + ext)

    def save(self, name: str, data: Any, location: str = "local", kind: str = "json") -> None:
        """Save ``data`` as ``<name>.json`` (kind='json') or ``<name>.pkl`` (kind='pickle',
        signed) in the cache folder (location='local') or the user config folder ('global')."""
        if kind not in ("json", "pickle"):
            raise ValueError(f"kind must be 'json' or 'pickle', not {kind!r}")
        path = self._path(name, location, ".json" if kind == "json" else ".pkl")
        logger.debug("Save %s.", path)
        if kind == "json":
            save_json(path, data)
        else:
            dump_signed_pickle(path, data, "save/" + name, self.config_dir)

    def load(self, name: str, location: str = "local") -> Any:
        """Load what ``save`` wrote (JSON first, then a pickle signed by this user: any
        other pickle is never unpickled); ``{}`` if missing, corrupt or not signed."""
        path = self._path(name, location, ".json")
        loaders = ((path, load_json),
                   (self._path(name, location, ".pkl"),
                    lambda p: load_signed_pickle(p, "save/" + name, self.config_dir)))
        for path, loader in loaders:
            if path.exists():
                try:
                    return loader(path)
                except (DataError, OSError) as e:
                    logger.warning("Ignoring a corrupt or foreign file: %s", e)
                    return {}
        return {}

    # Pickling -------------------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__.copy()

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__ = state


def cache_methods(obj: Any, memcached: Iterable[str] = (), cached: Iterable[str] = ()) -> None:
    """Replace the named methods of ``obj`` by memcached / disk-cached versions, using
    ``obj.context``."""
    for name in memcached:
        setattr(obj, name, obj.context.memcache(getattr(obj, name)))
    for name in cached:
        setattr(obj, name, obj.context.cache(getattr(obj, name)))
