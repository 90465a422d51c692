"""The controller's session plumbing: the cache folder, the lock, the log file, the crash
journal, the curation session, saving and closing.

Everything phyclone writes about a dataset lives in ``<data dir>/.phy/phyclone/`` (the
"cache root"): phy 2's files in ``<data dir>/.phy/`` (its memcache, joblib cache and
``state.json``) are never deleted or rewritten; phy 2's ``state.json`` is only read, as the
starting GUI state. The cache root holds a lock (``lock.json``): a second instance on the
same dataset opens read-only (it may take the lock over), and every save first checks that
the files it overwrites are still those this session opened (or last saved).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from numpy.typing import ArrayLike

from phyclone.session.lock import FileStamps, FolderLock
from phyclone.utils import unconnect
from phyclone.utils.context import Context, cache_methods
from phyclone.utils.errors import DataError

from .cache import CacheKey, ResultCache
from .inherit import concatenate_parents_attributes
from .saving import save_clustering

if TYPE_CHECKING:
    from phyclone.clustering import UpdateInfo
    from phyclone.session import Session

logger = logging.getLogger(__name__)

#: What ``_clear_cache`` deletes in the cache root (files and folders phyclone writes there;
#: the journals, the backups, the log, the lock and the GUI state are kept).
CACHE_NAMES = ("memcache", "disk", "results", "cache_key.json", "new_cluster_id.json")


class SessionMixin:
    """Cache (``context``, ``cache_dir``), lock, journal and curation ``session`` of a
    controller."""

    # What the mixin uses of ControllerCore (see there).
    model: Any
    dir_path: Path
    config_dir: str | os.PathLike[str] | None
    gui_name: str
    cluster_metrics: dict[str, Callable[[int], Any]]
    _connected: list[Callable[..., Any]]
    _model_closed: bool
    _similarity: Callable[[int], list[tuple[int, float]]]
    _on_toggle_spike_reorder: Callable[[object, bool], None]
    _sync_added_spikes: Callable[[], None]
    _write_added_spikes: Callable[[ArrayLike], Path]
    _connect: Callable[..., Callable[..., Any]]

    read_only = False
    _private_cache: str | None = None

    def _cache_root(self) -> Path:
        """Folder of the cache, the lock, the crash journal and the local GUI state."""
        return self.dir_path / ".phy" / "phyclone"

    def _phy2_state_path(self) -> Path:
        """phy 2's local GUI state of this dataset (read once as a starting point)."""
        return self.dir_path / ".phy" / "state.json"

    def _starting_state_path(self) -> Path:
        """The local GUI state read while ours does not exist: phy 2's (or, in a read-only
        window, whose cache is private, the lock holder's)."""
        if self._private_cache and (self._root_dir / "state.json").is_file():
            return self._root_dir / "state.json"
        return self._phy2_state_path()

    def _max_saved_cluster_id(self) -> int | None:
        """The largest cluster id in the files on disk now (None when none)."""
        return _max_saved_cluster_id(self.dir_path)

    def _saved_files(self) -> list[Path]:
        """The files a save overwrites (checked before each save)."""
        d = self.dir_path
        return sorted({d / "spike_clusters.npy", *d.glob("cluster_*.tsv"),
                       *d.glob("cluster_*.csv")})

    def _model_cluster_labels(self) -> dict[str, dict[int, Any]]:
        """``{field: {cluster_id: value}}`` stored in the dataset, ``group`` included."""
        return dict(getattr(self.model, "metadata", {}) or {})

    def _set_cache(self, clear_cache: bool | None = None) -> None:
        """The lock, then the Context in ``_cache_root()`` (``cache_dir``; another folder when
        the dataset is read-only), cleared when asked or when the dataset changed since it was
        written. Another live instance holding the lock: read-only, with a private cache
        (deleted on close)."""
        context = Context(self._cache_root(), config_dir=self.config_dir)
        self._root_dir = context.cache_dir  # the lock and the journals, even when read-only
        self.lock = FolderLock(context.cache_dir / "lock.json")
        self.file_stamps = FileStamps(self._saved_files)
        self.file_stamps.record(background=True)
        self._private_cache = None
        try:
            self.read_only = not self.lock.acquire()
        except (OSError, DataError) as e:
            logger.warning("Cannot lock %s (%s): opening read-only.", context.cache_dir, e)
            self.read_only = True
        self.cache_key = CacheKey(self.model, self.config_dir)
        if self.read_only:
            # The holder's cache is not ours to clear or fill: its cluster ids and ours may
            # describe different clusters. A private cache for this session.
            logger.warning(self.read_only_message())
            self._private_cache = tempfile.mkdtemp(prefix="phyclone-readonly-cache-")
            context = Context(self._private_cache, config_dir=self.config_dir)
        else:
            if clear_cache:
                self._clear_cache(context.cache_dir)
            if not self.cache_key.matches(context):
                # New, written by someone else, or the dataset changed since: start afresh.
                self._clear_cache(context.cache_dir, keep_state=True)
            self.cache_key.save(context)
        self.context = context
        self.cache_dir = context.cache_dir
        self.result_cache = ResultCache(self.cache_dir / "results")

    def read_only_message(self) -> str:
        """Why this session cannot save (empty when it can)."""
        if not self.read_only:
            return ""
        return (f"{self.dir_path} is open in another phyclone window "
                f"({self.lock.describe_holder()}): opened read-only, saving is disabled. "
                "Close the other window, or take over the lock (File menu) to save here.")

    def take_over_lock(self) -> None:
        """Take the dataset's lock from the other instance: saving is allowed again (after
        the check that the files on disk are those this session opened). New cluster ids
        stay above every id saved on disk meanwhile."""
        self.lock.take_over()
        self.read_only = False
        hi = self._max_saved_cluster_id()
        if hi is not None and getattr(self, "session", None) is not None:
            self.session.clustering.reserve_cluster_ids(hi + 1)
        logger.info("Took over the lock of %s: saving is enabled.", self.dir_path)

    def _check_before_save(self) -> None:
        """Raise a DataError saying why saving now would overwrite someone else's work."""
        if self.read_only:
            raise DataError(self.dir_path, "is open in another phyclone window "
                            f"({self.lock.describe_holder()}): this window is read-only, "
                            "nothing was written", "take over the lock (File menu) to save here")
        if not self.lock.still_held():
            info = self.lock.read()
            self.read_only = True
            self.lock.holder = info
            raise DataError(self.dir_path, "was taken over by another phyclone window "
                            f"({self.lock.describe_holder()}): nothing was written",
                            "take the lock back (File menu) to save here")
        changed = self.file_stamps.changed()
        if changed:
            raise DataError(self.dir_path, f"{', '.join(changed)} changed on disk since this "
                            "session opened or last saved them (another program or window "
                            "saved): not overwritten; your work stays in the journal",
                            "reopen the folder to see the saved work, or move those files "
                            "away and save again")

    @staticmethod
    def _clear_cache(cache_dir: str | os.PathLike[str], keep_state: bool = False) -> None:
        """Delete the cached results phyclone wrote in ``cache_dir`` (``CACHE_NAMES``, and the
        local GUI state unless ``keep_state``); nothing else there is touched."""
        cache_dir = Path(cache_dir)
        names = CACHE_NAMES + (() if keep_state else ("state.json",))
        paths = [cache_dir / name for name in names if (cache_dir / name).exists()]
        if paths:
            logger.info("Clearing the cache in %s.", cache_dir)
        for path in paths:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def _clear_state(self) -> None:
        """Delete the global and local GUI state files (ours only: phy 2's is kept)."""
        from phyclone.utils.config import phy_config_dir
        for path in (phy_config_dir(self.config_dir) / self.gui_name / "state.json",
                     self.cache_dir / "state.json"):
            if path.exists():
                logger.warning("Deleting %s.", path)
                path.unlink()

    def _add_log_file(self) -> None:
        """Log everything (DEBUG) to ``.phy/phy.log`` while the controller lives."""
        path = self.cache_dir / "phy.log"
        try:
            handler = logging.FileHandler(path, encoding="utf-8")
        except OSError as e:
            logger.warning("Cannot write the log file %s: %s", path, e)
            self._log_handler = None
            return
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(logging.Formatter(
            "%(asctime)s.%(msecs)03d [%(levelname)s] %(name)s: %(message)s", "%H:%M:%S"))
        logging.getLogger("phyclone").addHandler(handler)
        self._log_handler = handler

    def _cached_names(self) -> list[str]:
        return (concatenate_parents_attributes(type(self), "_memcached") +
                concatenate_parents_attributes(type(self), "_cached"))

    def _cache_methods(self) -> None:
        """Memory-cache (``_memcached``: small per-cluster values, kept across sessions by
        the Context) and result-cache (``_cached``: arrays, see ``ResultCache``) methods."""
        cache_methods(self, concatenate_parents_attributes(type(self), "_memcached"))
        for name in concatenate_parents_attributes(type(self), "_cached"):
            setattr(self, name, self.result_cache.wrap(getattr(self, name), name))

    @property
    def journal_path(self) -> Path:
        if self._private_cache:  # read-only: not the lock holder's journal
            return self._root_dir / f"journal.readonly-{os.getpid()}.jsonl"
        return self.cache_dir / "journal.jsonl"

    def _ask_replay(self, n_actions: int) -> bool | None:
        """Whether to replay the journal of an unsaved session now; None leaves the decision
        to the GUI, which asks the user (headless: decide with ``replay_journal``)."""
        return None

    def _journal_and_new_id(self, replay_journal: bool | None) -> tuple[bool | None, int]:
        """``(replay_journal, new_cluster_id)``. Ids are never reused: new ones come after
        the largest id (in the clustering and in the cluster files on disk) and after every id
        given in earlier sessions (kept in the context), except that a replayed journal starts
        from its own first id, so that it gives the same ids again. A read-only session has
        its own journal (the lock holder's is not its to replay)."""
        from phyclone.session import Journal, fingerprint
        sc = self.model.spike_clusters
        first = int(sc.max()) + 1 if len(sc) else 0
        hi = self._max_saved_cluster_id()
        first = max(first, hi + 1) if hi is not None else first
        journal = Journal(self.journal_path)
        pending = journal.pending(fingerprint(sc))
        if pending and replay_journal is None:
            replay_journal = self._ask_replay(len(pending))
        self._pending_journal = bool(pending) and replay_journal is None
        if pending and replay_journal is not False:
            # (typed: pending actions come with a header)
            return replay_journal, max(first, int(journal.header().get("new_cluster_id") or 0))  # type: ignore[union-attr]
        stored = self.context.load("new_cluster_id").get("new_cluster_id")
        return replay_journal, max(first, int(stored)) if stored is not None else first

    def _set_session(self, replay_journal: bool | None = None) -> None:
        """The curation ``Session``: its crash journal is replayed or set aside as decided
        (``replay_journal``), or left pending for the GUI to ask."""
        from phyclone.session import Session
        metadata = self._model_cluster_labels()
        replay_journal, new_cluster_id = self._journal_and_new_id(replay_journal)
        self.session = Session(
            self.model.spike_clusters,
            cluster_groups=metadata.get("group", {}),
            cluster_labels={k: v for k, v in metadata.items() if k != "group"},
            cluster_metrics=self.cluster_metrics,
            similarity=self._similarity,
            new_cluster_id=new_cluster_id,
            journal_path=self.journal_path,
        )
        pending = bool(self.session.pending_actions())
        if replay_journal is not None or not pending:
            self.session.start_journal(replay=bool(replay_journal))
        self._sync_added_spikes()  # replayed additions of spikes
        self.session.events.connect(self._on_session_cluster, event="cluster")
        self._connect(self._on_toggle_spike_reorder, event="toggle_spike_reorder")

    def _on_session_cluster(self, session: Session, up: UpdateInfo) -> None:
        """Ids are never reused, across sessions too: remember the next one. The model
        follows the spikes added (or removed by an undo)."""
        self._sync_added_spikes()
        if up.added or up.deleted:
            self.context.save("new_cluster_id",
                              {"new_cluster_id": int(session.clustering.new_cluster_id())})

    def _check_journal_decision(self) -> None:
        """After the Supervisor asked (when the GUI was attached) whether to replay an
        unsaved session: if the user declined, that session's ids will be given again to
        other clusters, so the per-cluster caches are cleared."""
        if not self._pending_journal:
            return
        self._pending_journal = False
        if self.session.replayed:
            return
        logger.info("The unsaved session was not replayed: clearing the cluster caches.")
        self._clear_cluster_caches()

    def _clear_cluster_caches(self) -> None:
        """Forget every cached per-cluster result (memory and disk)."""
        self._clear_cache(self.cache_dir, keep_state=True)
        self.context = Context(self.cache_dir, config_dir=self.config_dir)
        self.cache_key.save(self.context)
        self.result_cache.close()
        self.result_cache = ResultCache(self.cache_dir / "results")
        for name in self._cached_names():
            self.__dict__.pop(name, None)
        self._cache_methods()

    # Saving and closing ---------------------------------------------------------------------
    @property
    def cluster_info(self) -> list[dict[str, Any]]:
        """The cluster table as a list of per-cluster dicts (``cluster_info.tsv``)."""
        return [self.session.cluster_info(c) for c in self.session.cluster_ids]

    def save(self) -> bool:
        """Save the curation (headless; the GUI saves through its Supervisor): phy's files,
        then the session is marked saved (its journal restarts). Returns True."""
        spike_clusters, groups, _ = self.session.save_data()
        labels = [(f, self.session.get_labels(f)) for f in self.session.cluster_meta.fields]
        self.on_save_clustering(self, spike_clusters, groups, *labels)
        self.session.mark_saved()
        return True

    def on_save_clustering(self, sender: object, spike_clusters: ArrayLike,
                           groups: dict[int, str], *labels: tuple[str, dict[int, Any]]) -> None:
        """Write phy's files (``spike_clusters.npy``, ``cluster_group.tsv``,
        ``cluster_<label>.tsv``, ``cluster_info.tsv``), each atomically, unless another
        window holds the lock or the files changed on disk since they were read."""
        self._check_before_save()
        added = len(self.session.added_spikes) > 0  # written with every per-spike file
        save_clustering(self.model, spike_clusters, groups, labels, self.cluster_info,
                        write_spike_clusters=self._write_added_spikes if added else None)
        self.file_stamps.record()
        self.cache_key.save(self.context, self.session.clustering.spike_clusters)
        self.context.save_memcache()

    def close(self, close_model: bool = True) -> None:
        """Save the memory caches, close the journal, release the model's files (once the
        views' worker threads are done with them)."""
        for f in self._connected:
            unconnect(f)
        self._connected = []
        try:
            self.context.save_memcache()
        except OSError as e:
            logger.warning("Could not save the cache: %s", e)
        session = getattr(self, "session", None)
        if session is not None:
            session.close()
        self.result_cache.close()
        for sparse in self.__dict__.pop("_row_readers", {}).values():
            if sparse is not None:
                sparse.data.close()
        if close_model and not self._model_closed and hasattr(self.model, "close"):
            self.model.close()
            self._model_closed = True
        if self._log_handler is not None:
            logging.getLogger("phyclone").removeHandler(self._log_handler)
            self._log_handler.close()
            self._log_handler = None
        self.lock.release()
        if self._private_cache:
            shutil.rmtree(self._private_cache, ignore_errors=True)
            self._private_cache = None


def _max_saved_cluster_id(dir_path: str | os.PathLike[str]) -> int | None:
    """The largest cluster id in the dataset's ``spike_clusters.npy`` and ``cluster_*.tsv``
    files as they are on disk now (None when there is none)."""
    import numpy as np

    from phyclone.utils.fileio import read_tsv
    dir_path = Path(dir_path)
    ids: list[int] = []
    try:
        sc = np.load(dir_path / "spike_clusters.npy", mmap_mode="r", allow_pickle=False)
        if sc.size and np.issubdtype(sc.dtype, np.integer):
            ids.append(int(sc.max()))
    except (OSError, ValueError):
        pass
    for path in dir_path.glob("cluster_*.tsv"):
        try:
            rows = read_tsv(path)
        except Exception:  # an unreadable file is reported by the model
            continue
        ids.extend(int(r["cluster_id"]) for r in rows
                   if isinstance(r.get("cluster_id"), int))
    return max(ids) if ids else None
