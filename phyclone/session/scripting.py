"""phy 0.x's scripting API on a Kwik dataset, headless: ``KwikSession`` (phy 0.x's
``Session``) and ``LegacyWizard`` (its ``Wizard``), on top of ``KwikModel`` and the curation
``Session`` core (Clustering, ClusterMeta, undo/redo).

    session = KwikSession('file.kwik')
    session.wizard.start()
    session.merge([3, 4])
    session.move([5], 2)        # 0 noise, 1 MUA, 2 good, 3 unsorted (or the group name)
    session.split(spike_ids)
    session.undo()
    session.save()              # atomic, into the current clustering of the .kwik

Settings live in files of our own: user settings in ``<config dir>/phyclone/
session_user_settings.json`` (plus phy 0.x's ``<config dir>/user_settings.py``, read without
executing it), per-experiment internal settings in ``<kwik dir>/.phy/phyclone/
<name>.session.json`` (written on close, never when opening).
"""

from __future__ import annotations

import logging
import numbers
import os
from collections.abc import Callable, Iterable
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.clustering import Clustering, ClusterMeta, UpdateInfo
from phyclone.clustering.checks import check_cluster_ids
from phyclone.io.kwik.model import KwikModel
from phyclone.utils.config import phy_config_dir
from phyclone.utils.fileio import load_json, save_json
from phyclone.utils.safe_python import read_python

from .session import Session as CurationSession

logger = logging.getLogger(__name__)

#: phy 0.x's integer cluster groups.
GROUP_IDS = {0: "noise", 1: "mua", 2: "good", 3: "unsorted"}
#: Groups the wizard skips (0.x: "ignored").
IGNORED_GROUPS = ("noise", "mua")


class Emitter:
    """phy 0.x's ``EventEmitter``: ``connect(func=None, event=None)`` (a decorator too; the
    event name defaults to the function name without ``on_``), ``unconnect(*funcs)``,
    ``emit(event, *args, **kwargs)`` returning the callbacks' results. No sender argument."""

    def __init__(self) -> None:
        self._callbacks: list[tuple[str, Callable[..., Any]]] = []

    def connect(self, func: Callable[..., Any] | None = None,
                event: str | None = None) -> Callable[..., Any]:
        if func is None:
            return lambda f: self.connect(f, event=event)
        if event is None:
            name = getattr(func, "__name__", "")
            if not name.startswith("on_") or len(name) == 3:
                raise ValueError(f"Cannot infer the event of {func!r}: name it on_<event> "
                                 "or pass event=...")
            event = name[3:]
        self._callbacks.append((event, func))
        return func

    def unconnect(self, *funcs: Callable[..., Any]) -> None:
        self._callbacks = [(e, f) for e, f in self._callbacks if f not in funcs]

    def emit(self, event: str, *args: Any, **kwargs: Any) -> list[Any]:
        return [f(*args, **kwargs) for e, f in list(self._callbacks) if e == event]


def _argsort(pairs: Iterable[tuple[int, float]], n_max: int | None = None) -> list[int]:
    """Items of ``[(item, value)]`` by decreasing value (ties: increasing item)."""
    out = [c for c, _ in sorted(sorted(pairs, key=itemgetter(0)), key=itemgetter(1),
                                 reverse=True)]
    return out[:n_max] if n_max is not None else out


class LegacyWizard:
    """phy 0.x's wizard: best clusters by decreasing quality, and, once a best cluster is
    pinned, its closest matches by decreasing similarity. Noise and MUA clusters are skipped.

    ``set_quality_function(func)`` (``func(cluster) -> float``) and
    ``set_similarity_function(func)`` (``func(cluster, other) -> float``) are usable as
    decorators. ``next()`` / ``previous()`` / ``first()`` / ``last()`` move in the match list
    when a cluster is pinned, in the best list otherwise.
    """

    _best_list: list[int]  # set by reset()
    _match_list: list[int]
    _best: int | None
    _match: int | None

    def __init__(self, session: KwikSession) -> None:
        self._session = session
        self._quality: Callable[[int], float] | None = None
        self._similarity: Callable[[int, int], float] | None = None
        self.reset()

    def reset(self) -> None:
        self._best_list, self._match_list = [], []
        self._best = self._match = None
        self._pinned = False

    # Functions ------------------------------------------------------------------------------
    def set_quality_function(self, func: Callable[[int], float]) -> Callable[[int], float]:
        self._quality = func
        return func

    def set_similarity_function(self, func: Callable[[int, int], float]
                                ) -> Callable[[int, int], float]:
        self._similarity = func
        return func

    # Data -----------------------------------------------------------------------------------
    @property
    def cluster_ids(self) -> list[int]:
        return [int(c) for c in self._session.cluster_ids]

    @property
    def n_clusters(self) -> int:
        return len(self.cluster_ids)

    @property
    def cluster_groups(self) -> dict[int, str]:
        return self._session.cluster_groups

    def cluster_status(self, cluster: int) -> str | None:
        """'ignored' (noise, MUA), 'good', or None (unsorted)."""
        group = self._session.cluster_groups.get(int(cluster), "unsorted")
        if group in IGNORED_GROUPS:
            return "ignored"
        return None if group == "unsorted" else group

    def _candidates(self) -> list[int]:
        return [c for c in self.cluster_ids if self.cluster_status(c) != "ignored"]

    @property
    def n_processed(self) -> int:
        """Number of clusters with a group other than unsorted."""
        return sum(self.cluster_status(c) is not None for c in self.cluster_ids)

    def best_clusters(self, n_max: int | None = None,
                      quality: Callable[[int], float] | None = None) -> list[int]:
        """Non-ignored clusters by decreasing quality."""
        quality = quality or self._quality or self._session.n_spikes
        return _argsort([(c, quality(c)) for c in self._candidates()], n_max)

    def most_similar_clusters(self, cluster: int | None = None, n_max: int | None = None,
                              similarity: Callable[[int, int], float] | None = None
                              ) -> list[int]:
        """Non-ignored clusters other than ``cluster`` (default: the best) by decreasing
        similarity to it."""
        cluster = self._best if cluster is None else int(cluster)
        if cluster is None:
            return []
        check_cluster_ids([cluster], self._session.clustering.spikes_per_cluster)
        similarity = similarity or self._similarity or self._session.default_similarity
        return _argsort([(c, similarity(cluster, c)) for c in self._candidates()
                         if c != cluster], n_max)

    # State ----------------------------------------------------------------------------------
    @property
    def best(self) -> int | None:
        return self._best

    @property
    def match(self) -> int | None:
        return self._match

    @property
    def best_list(self) -> list[int]:
        return list(self._best_list)

    @property
    def match_list(self) -> list[int]:
        return list(self._match_list)

    @property
    def pinned(self) -> bool:
        return self._pinned

    @property
    def selection(self) -> list[int]:
        """``[best]`` or ``[best, match]``."""
        return [c for c in (self._best, self._match) if c is not None]

    def _set_best(self, cluster: int | None) -> None:
        self._best = cluster
        if self._pinned:
            self._set_matches()

    def _set_matches(self) -> None:
        self._match_list = self.most_similar_clusters(self._best)
        self._match = self._match_list[0] if self._match_list else None

    # Navigation -----------------------------------------------------------------------------
    def start(self) -> list[int]:
        """Compute the best list and select its first cluster (unpinned)."""
        self.unpin()
        self._best_list = self.best_clusters()
        self._best = self._best_list[0] if self._best_list else None
        return self.selection

    @staticmethod
    def _move(items: list[int], current: int | None, step: int) -> int | None:
        if not items:
            return None
        if current not in items:
            return items[0] if step > 0 else items[-1]
        i = min(max(items.index(current) + step, 0), len(items) - 1)
        return items[i]

    def next_best(self) -> list[int]:
        self._set_best(self._move(self._best_list, self._best, 1))
        return self.selection

    def previous_best(self) -> list[int]:
        self._set_best(self._move(self._best_list, self._best, -1))
        return self.selection

    def next_match(self) -> list[int]:
        self._match = self._move(self._match_list, self._match, 1)
        return self.selection

    def previous_match(self) -> list[int]:
        self._match = self._move(self._match_list, self._match, -1)
        return self.selection

    def next(self) -> list[int]:
        return self.next_match() if self._pinned else self.next_best()

    def previous(self) -> list[int]:
        return self.previous_match() if self._pinned else self.previous_best()

    def first(self) -> list[int]:
        items = self._match_list if self._pinned else self._best_list
        if items:
            if self._pinned:
                self._match = items[0]
            else:
                self._set_best(items[0])
        return self.selection

    def last(self) -> list[int]:
        items = self._match_list if self._pinned else self._best_list
        if items:
            if self._pinned:
                self._match = items[-1]
            else:
                self._set_best(items[-1])
        return self.selection

    def pin(self, cluster: int | None = None) -> list[int]:
        """Pin the best cluster (or ``cluster``, which becomes the best): its closest matches
        become the match list."""
        if cluster is not None:
            self._best = check_cluster_ids([cluster],
                                           self._session.clustering.spikes_per_cluster)[0]
        if self._best is None:
            self.start()
        if self._best is None:
            return self.selection
        self._pinned = True
        self._set_matches()
        return self.selection

    def unpin(self) -> list[int]:
        self._pinned = False
        self._match_list, self._match = [], None
        return self.selection

    # Updates --------------------------------------------------------------------------------
    def on_cluster(self, up: UpdateInfo) -> None:
        """Follow a clustering change: a merged cluster becomes the best one, a split selects
        the first new cluster, a best / match moved to noise or MUA is replaced by the next
        one."""
        if self._best is None:  # not started
            return
        old_best_list, old_matches = self._best_list, self._match_list
        self._best_list = self.best_clusters()
        if up.get("description", "").startswith("metadata") and not up.get("history"):
            changed = set(up.get("metadata_changed") or [])
            if self._pinned and self._match in changed:
                self._match_list = self.most_similar_clusters(self._best)
                self._match = self._next_in(old_matches, self._match, self._match_list)
            elif self._best in changed and self._best not in self._best_list:
                self._set_best(self._next_in(old_best_list, self._best, self._best_list))
            return
        existing = self._session.clustering.spikes_per_cluster
        added = list(up.get("added") or [])
        lost = self._best not in existing or (self._pinned and self._match not in existing)
        if lost and added and not up.get("history"):
            self._set_best(added[0])
        elif self._best not in existing:
            self._set_best(self._best_list[0] if self._best_list else None)
        elif self._pinned:
            self._set_matches()

    @staticmethod
    def _next_in(old_order: list[int], current: int | None, new_list: list[int]) -> int | None:
        """The item after ``current`` in ``old_order`` that is still in ``new_list``."""
        if current in old_order:
            for c in old_order[old_order.index(current) + 1:]:
                if c in new_list:
                    return c
        return new_list[0] if new_list else None


class KwikSession(Emitter):
    """phy 0.x's manual clustering ``Session`` on a ``.kwik`` file (headless).

    Events (``connect``): ``open()``, ``close()``, ``cluster(up)`` after every clustering or
    group change (undo and redo included).
    """

    def __init__(self, kwik_path: str | os.PathLike[str] | None = None,
                 model: KwikModel | None = None, channel_group: int | None = None,
                 clustering: str | None = None,
                 phy_user_dir: str | os.PathLike[str] | None = None,
                 waveform_filter: bool = True) -> None:
        super().__init__()
        self.phy_user_dir = phy_config_dir(phy_user_dir)
        # Typed as when a dataset is open; None until open() and after close().
        self.model: KwikModel = None  # type: ignore[assignment]  # see _require_open()
        self.curation: CurationSession = None  # type: ignore[assignment]  # idem
        self._waveform_filter = waveform_filter
        self._user_settings: dict[str, Any] = {}
        self._internal_settings: dict[str, Any] = {}
        self._mean_masks: dict[int, NDArray[np.float64]] = {}
        self.wizard = LegacyWizard(self)
        self.connect(self.on_open)
        self.connect(self.on_close)
        self.connect(self.wizard.on_cluster, event="cluster")
        self.load_user_settings()
        if kwik_path is not None or model is not None:
            self.open(kwik_path, model=model, channel_group=channel_group,
                      clustering=clustering)

    # Opening and closing ----------------------------------------------------------------------
    def open(self, kwik_path: str | os.PathLike[str] | None = None,
             model: KwikModel | None = None, channel_group: int | None = None,
             clustering: str | None = None) -> None:
        """Open a ``.kwik`` file (or take an open ``KwikModel``); emits ``open``."""
        if model is None:
            if kwik_path is None:
                raise ValueError("Give the path of a .kwik file (or a KwikModel).")
            model = KwikModel(kwik_path, channel_group=channel_group, clustering=clustering,
                              waveform_filter=self._waveform_filter)
        if self.model is not None and self.model is not model:
            self.close()
        self.model = model
        self.emit("open")

    def on_open(self) -> None:
        """Start curating the current channel group and clustering of the model."""
        m = self.model
        labels = {k: v for k, v in m.cluster_labels.items() if k != "group"}
        self.curation = CurationSession(
            m.spike_clusters, cluster_groups=m.cluster_groups, cluster_labels=labels,
            sort=("n_spikes", "desc"))
        self.curation.events.connect(self._on_core_cluster, event="cluster")
        self._mean_masks = {}
        self._internal_settings = load_json(self._internal_settings_path())
        self.wizard.reset()

    def _on_core_cluster(self, sender: object, up: UpdateInfo) -> None:
        self._mean_masks = {c: v for c, v in self._mean_masks.items()
                            if c in self.curation.clustering.spikes_per_cluster}
        self.emit("cluster", up)

    def close(self) -> None:
        """Close the dataset (unsaved changes are lost); emits ``close``."""
        if self.model is None:
            return
        self.emit("close")
        self.model.close()
        self.model = self.curation = None  # type: ignore[assignment]  # closed

    def on_close(self) -> None:
        """Save the internal settings of the experiment."""
        if self._internal_settings:
            save_json(self._internal_settings_path(), self._internal_settings)

    def _require_open(self) -> None:
        if self.model is None:
            raise RuntimeError("No dataset is open: call session.open('file.kwik') first.")

    def change_channel_group(self, channel_group: int) -> None:
        """Curate another channel group (unsaved changes of the current one are lost)."""
        self._require_open()
        self.model.channel_group = channel_group
        self.emit("open")

    def change_clustering(self, clustering: str) -> None:
        """Curate another clustering of the current channel group."""
        self._require_open()
        self.model.clustering = clustering
        self.emit("open")

    # Clusters -------------------------------------------------------------------------------
    @property
    def clustering(self) -> Clustering:
        """The ``Clustering`` being edited."""
        self._require_open()
        return self.curation.clustering

    @property
    def cluster_metadata(self) -> ClusterMeta:
        """The ``ClusterMeta`` (field ``group`` and the labels)."""
        self._require_open()
        return self.curation.cluster_meta

    @property
    def cluster_ids(self) -> NDArray[np.int64]:
        self._require_open()
        return np.asarray(self.curation.cluster_ids)

    @property
    def n_clusters(self) -> int:
        return len(self.cluster_ids)

    def n_spikes(self, cluster: int) -> int:
        return self.curation.n_spikes(cluster)

    @property
    def cluster_groups(self) -> dict[int, str]:
        """``{cluster: group name}`` of every cluster (lower case, default 'unsorted')."""
        self._require_open()
        return {int(c): self.curation.cluster_meta.get("group", c) or "unsorted"
                for c in self.curation.cluster_ids}

    @property
    def has_unsaved_changes(self) -> bool:
        return self.curation is not None and self.curation.is_dirty

    def default_similarity(self, cluster: int, other: int) -> float:
        """Channel overlap of two clusters: cosine of their mean masks (on at most 1000 spikes
        each); without a .kwx, 0."""
        a, b = self._mean_mask(cluster), self._mean_mask(other)
        if a is None or b is None:
            return 0.0
        n = float(np.linalg.norm(a) * np.linalg.norm(b))
        return float(a @ b / n) if n else 0.0

    def _mean_mask(self, cluster: int) -> NDArray[np.float64] | None:
        if self.model.features_masks is None:
            return None
        if cluster not in self._mean_masks:
            spikes = self.curation.clustering.spikes_per_cluster[cluster]
            if len(spikes) > 1000:
                spikes = spikes[np.linspace(0, len(spikes) - 1, 1000).astype(np.int64)]
            masks = np.asarray(self.model.get_masks(spikes), dtype=np.float64)
            self._mean_masks[cluster] = masks.reshape(len(spikes), -1).mean(axis=0)
        return self._mean_masks[cluster]

    # Actions --------------------------------------------------------------------------------
    def merge(self, clusters: Iterable[int]) -> UpdateInfo | None:
        """Merge clusters into a new one; return the UpdateInfo."""
        self._require_open()
        clusters = check_cluster_ids(clusters, self.curation.clustering.spikes_per_cluster)
        if len(set(clusters)) < 2:
            raise ValueError(f"Merging needs at least two different clusters, got {clusters}.")
        return self.curation.merge(clusters)

    def split(self, spikes: ArrayLike) -> UpdateInfo | None:
        """Make a new cluster out of ``spikes`` (the rest of each touched cluster gets a new
        id too); return the UpdateInfo."""
        self._require_open()
        return self.curation.split(spikes)

    def _group_name(self, group: int | str) -> str:
        if isinstance(group, (bool, np.bool_)):
            raise ValueError(f"A cluster group is an int 0-3 or a name, got {group!r}.")
        if isinstance(group, numbers.Integral):
            names = {int(k): str(v).lower() for k, v in self.model.cluster_group_names.items()}
            names = {**GROUP_IDS, **names}
            if int(group) not in names:
                raise ValueError(f"Unknown cluster group {group}: the groups are {names}.")
            return names[int(group)]
        if isinstance(group, str) and group.strip():
            return group.strip().lower()
        raise ValueError(f"A cluster group is an int (0 noise, 1 MUA, 2 good, 3 unsorted) or "
                         f"a name, got {group!r}.")

    def move(self, clusters: int | Iterable[int], group: int | str) -> UpdateInfo | None:
        """Move clusters to a group: 0 noise, 1 MUA, 2 good, 3 unsorted (or the group name)."""
        self._require_open()
        clusters = check_cluster_ids(clusters, self.curation.clustering.spikes_per_cluster)
        return self.curation.label("group", self._group_name(group), cluster_ids=clusters)

    def undo(self) -> UpdateInfo | None:
        self._require_open()
        return self.curation.undo()

    def redo(self) -> UpdateInfo | None:
        self._require_open()
        return self.curation.redo()

    def save(self) -> None:
        """Save the clustering, the groups and the labels into the .kwik (atomically)."""
        self._require_open()
        spike_clusters, groups, labels = self.curation.save_data()
        self.model.save(spike_clusters, groups, *labels)
        self.curation.mark_saved()
        self.emit("save")

    # Settings -------------------------------------------------------------------------------
    @property
    def _user_settings_path(self) -> Path:
        return self.phy_user_dir / "phyclone" / "session_user_settings.json"

    def _internal_settings_path(self) -> Path:
        path = Path(self.model.kwik_path)
        return path.parent / ".phy" / "phyclone" / f"{path.stem}.session.json"

    def load_user_settings(self) -> dict[str, Any]:
        """(Re)load the user settings: phy 0.x's ``user_settings.py`` (read as assignments
        of literals, never executed) then ours (JSON)."""
        settings = {}
        legacy = self.phy_user_dir / "user_settings.py"
        if legacy.exists():
            settings.update(read_python(legacy))
        settings.update(load_json(self._user_settings_path))
        self._user_settings = settings
        return dict(settings)

    def get_user_settings(self, key: str, default: Any = None) -> Any:
        return self._user_settings.get(key, default)

    def set_user_settings(self, key: str | dict[str, Any], value: Any = None,
                          **kwargs: Any) -> None:
        """Set (and save) one user setting, or several as ``key`` dict / keywords."""
        items = dict(key) if isinstance(key, dict) else {key: value}
        items.update(kwargs)
        self._user_settings.update(items)
        stored = load_json(self._user_settings_path)
        stored.update(items)
        save_json(self._user_settings_path, stored)

    def get_internal_settings(self, key: str, default: Any = None) -> Any:
        return self._internal_settings.get(key, default)

    def set_internal_settings(self, key: str, value: Any) -> None:
        """Per-experiment setting, saved when the session closes."""
        self._internal_settings[key] = value

    def __repr__(self) -> str:
        if self.model is None:
            return "<KwikSession (no dataset)>"
        return (f"<KwikSession {self.model.kwik_path.name} group {self.model.channel_group} "
                f"clustering {self.model.clustering!r}: {self.n_clusters} clusters>")
