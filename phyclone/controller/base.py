"""ControllerCore: the headless controller, everything of phy's ``BaseController`` but the GUI.

It owns the model (the dataset as stored on disk), the caching ``Context`` in
``<data dir>/.phy/phyclone/`` and the curation ``Session`` (clustering, labels, undo, crash journal).
Its ``get_*`` methods give the views their data in phy's ``Bunch`` formats, computed from the
clustering's spikes-per-cluster index (the one source of truth for which spikes a cluster
holds) and integer spike samples. Per-cluster results are cached by cluster id: ids are
never reused, so those caches never go stale.

Nothing in ``phyclone.controller`` imports Qt (an import-linter contract): a script or a
notebook builds a controller, merges, splits, labels (``controller.session``) and saves
(``controller.save()``) without a display. ``phyclone.apps.base.BaseController`` adds the
Supervisor, the views and the GUI on top.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.utils import Bunch, attach_plugins, connect, emit
from phyclone.utils.errors import DataError

from .added_spikes import AddedSpikesMixin
from .amplitudes import AmplitudeMixin
from .inherit import concatenate_parents_attributes
from .raw_filter import RawDataFilter
from .rows import RowReader
from .session import SessionMixin
from .spikes import SpikeSelector
from .stats import StatsMixin

logger = logging.getLogger(__name__)

_EMPTY = np.zeros(0, dtype=np.int64)


class Selection(Bunch):
    """What is selected: clusters (from the session), and ``channel_id``, ``feature_pc``,
    ``spike_ids``, ``do_reorder`` set by the views."""

    def __init__(self, controller: ControllerCore) -> None:
        super().__init__()
        self.controller = controller

    @property
    def cluster_ids(self) -> list[int]:
        return self.controller.session.selected


class ControllerCore(SessionMixin, AddedSpikesMixin, AmplitudeMixin, StatsMixin):
    """Headless controller of a dataset (phy's ``BaseController`` constructor and attributes).

    Constructor
    -----------
    dir_path : data folder (default: the model's)
    config_dir : user configuration folder (default ``~/.phy``)
    model : the model; created by ``_create_model(dir_path, **kwargs)`` when None
    clear_cache, clear_state : delete phyclone's cache (``<data dir>/.phy/phyclone``) / its
        GUI state files first (phy 2's files in ``.phy`` are never deleted)
    enable_threading : prepare the views' data in worker threads
    replay_journal : replay the crash journal of an unfinished session (True / False);
        None asks the user when the GUI is created
    plugins, plugin_dirs : extra plugins to attach, extra folders to load plugins from
    events : file of event times (``.npy`` / ``.tsv``) for the event view

    Methods subclasses override: ``_create_model``, ``get_best_channels(cluster_id)``,
    ``get_channel_amplitudes(cluster_id)``.
    """

    gui_name = "BaseGUI"
    gui_version = 2
    default_show_mapped_channels = True

    n_spikes_amplitudes = 10000
    n_spikes_amplitudes_background = 10000
    n_chunks_kept = 20

    _state_params: tuple[str, ...] = ("n_spikes_amplitudes", "n_spikes_amplitudes_background",
                                      "n_spikes_correlograms", "raw_data_filter_name")
    _memcached: tuple[str, ...] = ("get_mean_firing_rate", "get_best_channels", "get_channel_shank",
                                   "get_probe_depth")
    _cached: tuple[str, ...] = ()
    _new_views: tuple[str, ...] = ("ClusterScatterView", "CorrelogramView", "AmplitudeView",
                                   "ISIView", "FiringRateView", "ProbeView")
    default_views: Sequence[str] | None = None

    def __init__(self, dir_path: str | os.PathLike[str] | None = None,
                 config_dir: str | os.PathLike[str] | None = None, model: Any = None,
                 clear_cache: bool | None = None, clear_state: bool | None = None,
                 enable_threading: bool = True, replay_journal: bool | None = None,
                 plugins: Iterable[str] | None = None,
                 plugin_dirs: Iterable[str | os.PathLike[str]] | None = None,
                 events: str | os.PathLike[str] | None = None, **kwargs: Any) -> None:
        self._enable_threading = enable_threading
        if dir_path is None and model is not None:
            dir_path = getattr(model, "dir_path", None)
        if not dir_path or not Path(dir_path).is_dir():
            raise DataError(dir_path, "is not a data folder",
                            "pass the folder holding params.py (or the model)")
        self.dir_path = Path(dir_path).resolve()
        self.config_dir = config_dir
        self.events_path = Path(events) if events else None
        self.model = self._create_model(dir_path=self.dir_path, **kwargs) if model is None \
            else model
        self._model_closed = False
        self._connected = []  # global event callbacks to remove on close
        self._set_cache(clear_cache)
        self._add_log_file()

        self.raw_data_filter = RawDataFilter()
        self.raw_data_filter.add_default_filter(self.model.sample_rate)
        self._set_view_creator()
        self._set_cluster_metrics()
        self._set_similarity_functions()
        if self.default_views is None:
            self.default_views = concatenate_parents_attributes(type(self), "_new_views")
        if self.events_path is not None:
            self.default_views = tuple(self.default_views) + ("EventView",)
        if clear_state:
            self._clear_state()
        self.selection = Selection(self)

        # Plugins come before the session so that they can add metrics, similarity
        # functions or listen to the events raised while it is set up.
        self.attached_plugins = attach_plugins(self, plugins=plugins, config_dir=config_dir,
                                               dirs=plugin_dirs)
        self._cache_methods()
        self._set_session(replay_journal)
        self._set_selector()
        try:
            emit("controller_ready", self)
        except Exception:  # a failing plugin must not prevent opening the data
            logger.exception("Error in a controller_ready callback.")

    # Set-up ---------------------------------------------------------------------------------
    def _create_model(self, dir_path: Path | None = None, **kwargs: Any) -> Any:
        """Return the model of the dataset (to be overridden)."""
        raise NotImplementedError("Pass a model or override _create_model().")

    def _set_view_creator(self) -> None:
        """``view_creator``: ``{view name: function returning a new view}`` (none headless;
        the GUI layer, ``phyclone.apps``, fills it)."""
        self.view_creator: dict[str, Callable[..., Any]] = {}

    def _set_cluster_metrics(self) -> None:
        """Columns of the cluster view (plugins may add more)."""
        self.cluster_metrics = {"ch": self.get_best_channel_label}
        if getattr(self.model, "channel_shanks", None) is not None:
            self.cluster_metrics["sh"] = self.get_channel_shank
        self.cluster_metrics["depth"] = self.get_probe_depth
        self.cluster_metrics["fr"] = self.get_mean_firing_rate

    def _set_similarity_functions(self) -> None:
        """``{name: function cluster_id -> [(other, similarity), ...]}``; ``self.similarity``
        names the one the similarity view uses."""
        self.similarity_functions = {"peak_channel": self.peak_channel_similarity}
        self.similarity = "peak_channel"

    def _set_selector(self) -> None:
        traces = getattr(self.model, "traces", None)
        bounds = getattr(traces, "chunk_bounds", None)
        if bounds is None:
            last = int(self.model.spike_samples[-1]) + 1 if self.model.n_spikes else 1
            bounds = [0, last]
        self.selector = SpikeSelector(self._spikes_of, self.model.spike_samples, bounds,
                                      self.n_chunks_kept)

    def _connect(self, f: Callable[..., Any], **kwargs: Any) -> Callable[..., Any]:
        connect(f, **kwargs)
        self._connected.append(f)
        return f

    def _on_toggle_spike_reorder(self, sender: object, checked: bool) -> None:
        self.selection.do_reorder = bool(checked)

    @property
    def raw_data_filter_name(self) -> str:
        return self.raw_data_filter.current

    @raw_data_filter_name.setter
    def raw_data_filter_name(self, name: str | None) -> None:
        self.raw_data_filter.set(name)

    # Channels ---------------------------------------------------------------------------------
    def _get_channel_labels(self, channel_ids: ArrayLike | None = None) -> list[str]:
        """Labels of channels: their column in the raw data file (channel_map) by default."""
        if channel_ids is None:
            channel_ids = np.arange(self.model.n_channels)
        channel_ids = np.asarray(channel_ids, dtype=np.int64)
        mapped = getattr(self.model, "show_mapped_channels", self.default_show_mapped_channels)
        mapping = getattr(self.model, "channel_mapping", None)
        labels = mapping[channel_ids] if (mapped and mapping is not None) else channel_ids
        return [f"{ch}" for ch in labels]

    def get_best_channels(self, cluster_id: int) -> NDArray[np.int64]:
        """Best channels of a cluster, by decreasing relevance (to be overridden)."""
        raise NotImplementedError

    def get_channel_amplitudes(self, cluster_id: int
                               ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """``(channel_ids, relative amplitudes in [0, 1])`` of a cluster (to be overridden)."""
        raise NotImplementedError

    def get_best_channel(self, cluster_id: int) -> int:
        """The first of the cluster's best channels."""
        channel_ids = self.get_best_channels(cluster_id)
        return int(channel_ids[0]) if len(channel_ids) else 0

    def get_best_channel_label(self, cluster_id: int) -> int:
        """The best channel as shown in the cluster view (``ch``): its raw data column."""
        ch = self.get_best_channel(cluster_id)
        mapped = getattr(self.model, "show_mapped_channels", self.default_show_mapped_channels)
        mapping = getattr(self.model, "channel_mapping", None)
        return int(mapping[ch]) if (mapped and mapping is not None) else ch

    def get_channel_shank(self, cluster_id: int) -> int:
        """Shank of the cluster's best channel."""
        return int(self.model.channel_shanks[self.get_best_channel(cluster_id)])

    def get_probe_depth(self, cluster_id: int) -> float:
        """Depth (y position) of the cluster's best channel."""
        return float(self.model.channel_positions[self.get_best_channel(cluster_id), 1])

    def get_clusters_on_channel(self, channel_id: int) -> list[int]:
        """Clusters having ``channel_id`` among their best channels."""
        return [int(c) for c in self.session.clustering.cluster_ids
                if channel_id in self.get_best_channels(int(c))]

    def get_mean_firing_rate(self, cluster_id: int) -> float:
        """Spikes per second over the recording (phy: n_spikes / max(1, duration))."""
        return self.session.n_spikes(cluster_id) / max(1., float(self.model.duration))

    # Similarity -------------------------------------------------------------------------------
    def _similarity(self, cluster_id: int) -> list[tuple[int, float]]:
        return self.similarity_functions[self.similarity](cluster_id)

    def peak_channel_similarity(self, cluster_id: int, n_max: int = 100) -> list[tuple[int, float]]:
        """Clusters whose best channel is close to this cluster's, the closest first:
        similarity ``1 / (1 + distance / pitch)`` (1 on the same channel), same shank only."""
        pos = np.asarray(self.model.channel_positions, dtype=np.float64)
        shanks = getattr(self.model, "channel_shanks", None)
        ids = np.asarray(self.session.clustering.cluster_ids, dtype=np.int64)
        peaks = np.array([self.get_best_channel(int(c)) for c in ids], dtype=np.int64)
        ch = self.get_best_channel(cluster_id)
        d = np.sqrt(((pos[peaks] - pos[ch]) ** 2).sum(axis=1))
        sim = 1. / (1. + d / self._channel_pitch)
        if shanks is not None:
            sim[np.asarray(shanks)[peaks] != shanks[ch]] = 0.
        order = np.argsort(-sim, kind="stable")[:n_max]
        return [(int(ids[i]), float(sim[i])) for i in order if sim[i] > 0]

    @cached_property
    def _channel_pitch(self) -> float:
        return _pitch(self.model.channel_positions)

    # Spikes -----------------------------------------------------------------------------------
    def _spikes_of(self, cluster_id: int) -> NDArray[np.int64]:
        """Sorted spikes of a cluster from the clustering's index (empty if it is gone)."""
        spc = self.session.clustering.spikes_per_cluster
        return spc[cluster_id] if cluster_id in spc else _EMPTY

    def get_spike_ids(self, cluster_id: int, n: int | None = None, **kwargs: Any
                      ) -> NDArray[np.int64]:
        """Up to ``n`` regularly spaced spikes of a cluster (all when None)."""
        return self.selector(n, [cluster_id], **kwargs)

    def get_spike_times(self, cluster_id: int, n: int | None = None) -> NDArray[np.float64]:
        """Times (s) of the spikes of ``get_spike_ids(cluster_id, n)``."""
        return self._spike_times(self.get_spike_ids(cluster_id, n=n))

    def _spike_times(self, spike_ids: ArrayLike) -> NDArray[np.float64]:
        return np.asarray(self.model.spike_samples[spike_ids]) / float(self.model.sample_rate)

    def get_background_spike_ids(self, n: int | None = None) -> NDArray[np.int64]:
        """About ``n`` regularly spaced spikes of the whole recording (all when None)."""
        ns = int(self.model.n_spikes)
        return np.arange(0, ns, max(1, ns // n) if n else 1, dtype=np.int64)

    def _get_spike_times_reordered(self, spike_ids: ArrayLike) -> NDArray[np.float64]:
        """Spike times (s), reordered ones when spike reordering is on and available."""
        reordered = getattr(self.model, "spike_samples_reordered", None)
        samples = reordered if (self.selection.get("do_reorder") and reordered is not None) \
            else self.model.spike_samples
        return np.asarray(samples[spike_ids]) / float(self.model.sample_rate)

    def get_split_spikes(self, cluster_ids: Iterable[int], spike_ids: ArrayLike, mask: ArrayLike
                         ) -> NDArray[np.int64]:
        """Spikes of ``cluster_ids`` to split off from a lasso drawn in a view: those among
        ``spike_ids`` (the view's points) where ``mask`` is true, restricted to the clusters."""
        spike_ids = np.asarray(spike_ids, dtype=np.int64)[np.asarray(mask, dtype=bool)]
        keep = np.isin(self.session.clustering.get_spike_clusters(spike_ids),
                       np.asarray(list(cluster_ids), dtype=np.int64))
        return np.unique(spike_ids[keep])  # type: ignore[index]  # an array (see above)

    def _sparse_rows(self, name: str) -> Bunch | None:
        """The model's sparse features ``name`` with rows read by ``pread`` (see
        ``phyclone.controller.rows``); None when the model has none."""
        readers = self.__dict__.setdefault("_row_readers", {})
        if name not in readers:
            sparse = getattr(self.model, name, None)
            readers[name] = None if sparse is None else Bunch(
                data=RowReader(sparse.data), cols=sparse.cols, rows=sparse.rows)
        return readers[name]

    def warm_up_caches(self) -> None:
        """Compute what the first selections need (a worker runs this at start-up)."""

def _pitch(positions: ArrayLike) -> float:
    """Typical distance between neighbouring channels (median nearest-neighbour distance,
    from at most 512 channels)."""
    pos = np.asarray(positions, dtype=np.float64)
    if len(pos) < 2:
        return 1.
    sub = np.arange(0, len(pos), max(1, len(pos) // 512))
    d = np.sqrt(((pos[sub, None, :] - pos[None, :, :]) ** 2).sum(-1))
    d[np.arange(len(sub)), sub] = np.inf
    nn = d.min(axis=1)
    nn = nn[np.isfinite(nn) & (nn > 0)]
    return float(np.median(nn)) if len(nn) else 1.
