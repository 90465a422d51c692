"""The controller's caches in ``<data dir>/.phy/phyclone/``: when they are valid, and the
on-disk cache of per-cluster results.

Per-cluster results are cached by cluster id. Ids are never reused within a dataset's
history, so they stay valid across sessions, unless the dataset changed behind phyclone's
back (a new spike sorting run in the same folder, a script rewriting ``spike_clusters.npy``).
``CacheKey`` fingerprints what the results depend on; a mismatch at start-up clears the cache
instead of showing stale data. The key is signed with a secret of the user's configuration
folder, and read as JSON only: a cache that this user did not write (e.g. shipped inside a
downloaded dataset) is cleared before anything in it is used (its pickles are signed too, and
never unpickled unless their signature checks, see ``phyclone.utils.signing``).

``ResultCache`` stores larger results (waveforms, features, correlograms) as ``.npz`` +
JSON (no pickle), written by a background thread so that computing a result never waits for
the disk, with a small in-memory LRU in front.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import wraps
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.session import fingerprint
from phyclone.utils import Bunch
from phyclone.utils.context import Context
from phyclone.utils.fileio import atomic_open, ensure_dir_exists, load_json
from phyclone.utils.signing import user_secret

logger = logging.getLogger(__name__)

_NAME = "cache_key"


class CacheKey:
    """Fingerprint of a model's spikes, templates and (saved) clustering, signed by the
    user's secret."""

    def __init__(self, model: Any, config_dir: str | os.PathLike[str] | None = None) -> None:
        self.base = {
            "n_spikes": int(model.n_spikes),
            "n_channels": int(getattr(model, "n_channels", 0) or 0),
            "n_templates": int(getattr(model, "n_templates", 0) or 0),
            "sample_rate": float(model.sample_rate),
            "spike_samples": fingerprint(np.asarray(model.spike_samples)),
            "spike_templates": fingerprint(np.asarray(getattr(model, "spike_templates", []))),
        }
        self.spike_clusters = fingerprint(np.asarray(model.spike_clusters))
        self._secret = user_secret(config_dir)

    def _signature(self, cache_dir: Path, base: Any, spike_clusters: Any) -> str:
        text = json.dumps([str(cache_dir), base, spike_clusters], sort_keys=True)
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()

    def matches(self, context: Context) -> bool:
        """Whether the context's cache was written by this user for this dataset."""
        try:  # JSON only: nothing is unpickled before the signature was checked
            stored = load_json(context.cache_dir / (_NAME + ".json"))
        except Exception:  # missing or unreadable: not ours
            stored = None
        if not isinstance(stored, dict) or not stored:
            return False
        signature = self._signature(context.cache_dir, stored.get("base"),
                                    stored.get("spike_clusters"))
        return hmac.compare_digest(str(stored.get("signature", "")), signature) and \
            stored.get("base") == self.base and \
            stored.get("spike_clusters") == self.spike_clusters

    def save(self, context: Context, spike_clusters: ArrayLike | None = None) -> None:
        """Store the key (after a save, with the saved ``spike_clusters``)."""
        if spike_clusters is not None:
            self.spike_clusters = fingerprint(np.asarray(spike_clusters))
        context.save(_NAME, {"base": self.base, "spike_clusters": self.spike_clusters,
                             "signature": self._signature(context.cache_dir, self.base,
                                                          self.spike_clusters)})


# Results on disk, without pickle ---------------------------------------------------------------

def _encode(value: Any, arrays: dict[str, NDArray[Any]]) -> Any:
    """JSON-able tree of ``value``; arrays go into ``arrays`` (name -> array)."""
    if isinstance(value, np.ndarray):
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {"__array__": name}
    if isinstance(value, dict):
        return {"__bunch__": {str(k): _encode(v, arrays) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"__list__": [_encode(v, arrays) for v in value],
                "tuple": isinstance(value, tuple)}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _decode(tree: Any, arrays: dict[str, NDArray[Any]]) -> Any:
    if isinstance(tree, dict):
        if "__array__" in tree:
            return arrays[tree["__array__"]]
        if "__bunch__" in tree:
            return Bunch({k: _decode(v, arrays) for k, v in tree["__bunch__"].items()})
        if "__list__" in tree:
            items = [_decode(v, arrays) for v in tree["__list__"]]
            return tuple(items) if tree.get("tuple") else items
    return tree


def _copy(value: Any) -> Any:
    """A copy that callers may modify without touching the cached value."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return Bunch({k: _copy(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


class ResultCache:
    """Results of methods by arguments: in memory (an LRU of ``max_items`` per method) and
    in ``folder/<method>/<hash>.npz`` (written in the background once no result was
    computed for ``write_delay`` seconds: files are for the next session, the CPU is for the
    views while the user is selecting clusters)."""

    max_items = 64
    write_delay = 1.

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._memory: dict[str, OrderedDict[Hashable, Any]] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[Path, Hashable, Any] | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._last_schedule = 0.
        self._closing = threading.Event()

    def _path(self, name: str, key: Hashable) -> Path:
        digest = hashlib.sha1(repr(key).encode()).hexdigest()
        return self.folder / name / f"{digest}.npz"

    def _get_memory(self, name: str, key: Hashable) -> tuple[bool, Any]:
        with self._lock:
            lru = self._memory.setdefault(name, OrderedDict())
            if key in lru:
                lru.move_to_end(key)
                return True, lru[key]
        return False, None

    def _put_memory(self, name: str, key: Hashable, value: Any) -> None:
        with self._lock:
            lru = self._memory.setdefault(name, OrderedDict())
            lru[key] = value
            while len(lru) > self.max_items:
                lru.popitem(last=False)

    def _load(self, path: Path, key: Hashable) -> tuple[bool, Any]:
        try:
            with np.load(path, allow_pickle=False) as f:
                meta = json.loads(str(f["__meta__"]))
                if meta["key"] != repr(key):
                    return False, None
                arrays = {k: f[k] for k in f.files if k != "__meta__"}
            return True, _decode(meta["tree"], arrays)
        except FileNotFoundError:
            return False, None
        except Exception as e:  # a damaged cache file: recompute
            logger.debug("Ignoring the cache file %s: %s", path, e)
            return False, None

    def _write(self, path: Path, key: Hashable, value: Any) -> None:
        arrays: dict[str, NDArray[Any]] = {}
        tree = _encode(value, arrays)
        meta = np.array(json.dumps({"key": repr(key), "tree": tree}))
        ensure_dir_exists(path.parent)
        with atomic_open(path, "wb", fsync=False) as f:
            np.savez(f, __meta__=meta, **arrays)  # type: ignore[arg-type]  # keys are a0, a1...

    def _wait_idle(self) -> None:
        """Sleep until no result was scheduled for ``write_delay`` s (or the cache closes)."""
        while True:
            left = self._last_schedule + self.write_delay - time.monotonic()
            if left <= 0 or self._closing.wait(left):
                return

    def _writer_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                self._queue.task_done()
                return
            self._wait_idle()
            try:
                self._write(*item)
            except Exception as e:
                logger.debug("Could not write the cache file %s: %s", item[0], e)
            finally:
                self._queue.task_done()

    def _schedule(self, path: Path, key: Hashable, value: Any) -> None:
        if self._writer is None:
            self._writer = threading.Thread(target=self._writer_loop, daemon=True,
                                             name="phyclone-cache-writer")
            self._writer.start()
        self._last_schedule = time.monotonic()
        self._queue.put((path, key, value))

    def wrap(self, f: Callable[..., Any], name: str) -> Callable[..., Any]:
        """``f`` with its results cached (arguments must have a stable ``repr``)."""
        @wraps(f)
        def cached(*args: Any, **kwargs: Any) -> Any:
            key = (args, tuple(sorted(kwargs.items())))
            found, value = self._get_memory(name, key)
            if not found:
                path = self._path(name, key)
                found, value = self._load(path, key)
                if not found:
                    value = f(*args, **kwargs)
                    try:
                        _encode(value, {})
                    except TypeError:
                        return value  # not cacheable on disk: not cached at all
                    self._schedule(path, key, value)
                self._put_memory(name, key, value)
            return _copy(value)
        return cached

    def close(self) -> None:
        """Write what is scheduled, then stop the writer thread."""
        if self._writer is not None:
            self._closing.set()
            self._queue.put(None)
            self._queue.join()
            self._writer = None
            self._closing.clear()
