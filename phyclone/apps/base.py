"""BaseController: the data side of a manual clustering GUI (phy's ``phy.apps.base``).

The controller owns the model (the dataset as stored on disk), the caching ``Context`` in
``<data dir>/.phy/`` and the ``Supervisor`` (clustering, labels, undo, crash journal). Its
``get_*`` methods give the views their data in phy's ``Bunch`` formats, computed from the
clustering's spikes-per-cluster index (the one source of truth for which spikes a cluster
holds) and integer spike samples. Per-cluster results are cached by cluster id: ids are
never reused, so those caches never go stale.

Importing this module imports no Qt: scripts can build a controller, merge, split, label and
save without a display. The view and GUI parts come from mixins (``phyclone.apps.mixins``)
that import Qt only when a GUI is created.
"""

import inspect
import logging
import shutil
from functools import cached_property
from pathlib import Path

import numpy as np

from phyclone.utils import Bunch, attach_plugins, connect, emit, unconnect
from phyclone.utils.context import Context, cache_methods
from phyclone.utils.errors import DataError

from .cache import CacheKey
from .mixins.amplitudes import AmplitudeMixin
from .mixins.gui import GUIMixin
from .mixins.stats import StatsMixin
from .mixins.views import ViewsMixin
from .raw_filter import RawDataFilter
from .rows import RowReader
from .saving import save_clustering
from .spikes import SpikeSelector

logger = logging.getLogger(__name__)

_EMPTY = np.zeros(0, dtype=np.int64)


def concatenate_parents_attributes(cls, name):
    """Concatenation of the tuples ``name`` defined by ``cls`` and its parents (MRO order),
    without duplicates."""
    out = []
    for klass in inspect.getmro(cls):
        for item in klass.__dict__.get(name, ()):
            if item not in out:
                out.append(item)
    return out


class Selection(Bunch):
    """What is selected in the GUI: clusters (from the Supervisor), and ``channel_id``,
    ``feature_pc``, ``spike_ids``, ``do_reorder`` set by the views."""

    def __init__(self, controller):
        super().__init__()
        self.controller = controller

    @property
    def cluster_ids(self):
        return self.controller.supervisor.selected


class BaseController(GUIMixin, ViewsMixin, AmplitudeMixin, StatsMixin):
    """Base controller of a manual clustering GUI (phy's constructor and attributes).

    Constructor
    -----------
    dir_path : data folder (default: the model's)
    config_dir : user configuration folder (default ``~/.phy``)
    model : the model; created by ``_create_model(dir_path, **kwargs)`` when None
    clear_cache, clear_state : delete ``<data dir>/.phy`` / the GUI state files first
    enable_threading : prepare the views' data in worker threads
    replay_journal : replay the crash journal of an unfinished session (True / False);
        None asks the user when the GUI is created
    plugins, plugin_dirs : extra plugins to attach, extra folders to load plugins from
    events : file of event times (``.npy`` / ``.tsv``) for the event view

    Methods subclasses override: ``_create_model``, ``_set_view_creator``,
    ``get_best_channels(cluster_id)``, ``get_channel_amplitudes(cluster_id)``.
    """

    gui_name = "BaseGUI"
    gui_version = 2
    default_show_mapped_channels = True

    n_spikes_amplitudes = 10000
    n_spikes_amplitudes_background = 10000
    n_chunks_kept = 20

    _state_params = ("n_spikes_amplitudes", "n_spikes_amplitudes_background",
                     "n_spikes_correlograms", "raw_data_filter_name")
    _memcached = ("get_mean_firing_rate", "get_best_channels", "get_channel_shank",
                  "get_probe_depth")
    _cached = ()
    _new_views = ("ClusterScatterView", "CorrelogramView", "AmplitudeView", "ISIView",
                  "FiringRateView", "ProbeView")
    default_views = None

    def __init__(self, dir_path=None, config_dir=None, model=None, clear_cache=None,
                 clear_state=None, enable_threading=True, replay_journal=None, plugins=None,
                 plugin_dirs=None, events=None, **kwargs):
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

        # Plugins come before the Supervisor so that they can add metrics, similarity
        # functions or listen to the events raised while it is set up.
        self.attached_plugins = attach_plugins(self, plugins=plugins, config_dir=config_dir,
                                               dirs=plugin_dirs)
        self._cache_methods()
        self._set_supervisor(replay_journal)
        self._set_selector()
        emit("controller_ready", self)

    # Set-up ---------------------------------------------------------------------------------
    def _create_model(self, dir_path=None, **kwargs):
        """Return the model of the dataset (to be overridden)."""
        raise NotImplementedError("Pass a model or override _create_model().")

    def _set_cache(self, clear_cache=None):
        """The Context in ``<data dir>/.phy`` (``cache_dir``; another folder when the dataset
        is read-only), cleared when asked or when the dataset changed since it was written."""
        if clear_cache:
            self._clear_cache(self.dir_path / ".phy")
        self.context = Context(self.dir_path / ".phy")
        self.cache_dir = self.context.cache_dir
        self.cache_key = CacheKey(self.model)
        if not self.cache_key.matches(self.context):
            logger.info("The dataset changed since its cache was written: clearing the cache.")
            self._clear_cache(self.cache_dir, keep_state=True)
            self.context = Context(self.cache_dir)
        self.cache_key.save(self.context)

    @staticmethod
    def _clear_cache(cache_dir, keep_state=False):
        """Delete the cached results in ``cache_dir``; the crash journal and the backups of
        spike_clusters.npy are always kept, the local GUI state when ``keep_state``."""
        cache_dir = Path(cache_dir)
        if not cache_dir.is_dir():
            return
        logger.warning("Deleting the cache in %s.", cache_dir)
        for path in cache_dir.iterdir():
            if path.name.startswith("journal") or path.name == "backup" or (
                    keep_state and path.name == "state.json"):
                continue
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)

    def _clear_state(self):
        """Delete the global and local GUI state files."""
        from phyclone.utils.config import phy_config_dir
        for path in (phy_config_dir(self.config_dir) / self.gui_name / "state.json",
                     self.cache_dir / "state.json"):
            if path.exists():
                logger.warning("Deleting %s.", path)
                path.unlink()

    def _add_log_file(self):
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

    def _set_cluster_metrics(self):
        """Columns of the cluster view (plugins may add more)."""
        self.cluster_metrics = {"ch": self.get_best_channel_label}
        if getattr(self.model, "channel_shanks", None) is not None:
            self.cluster_metrics["sh"] = self.get_channel_shank
        self.cluster_metrics["depth"] = self.get_probe_depth
        self.cluster_metrics["fr"] = self.get_mean_firing_rate

    def _set_similarity_functions(self):
        """``{name: function cluster_id -> [(other, similarity), ...]}``; ``self.similarity``
        names the one the similarity view uses."""
        self.similarity_functions = {"peak_channel": self.peak_channel_similarity}
        self.similarity = "peak_channel"

    def _cached_names(self):
        return (concatenate_parents_attributes(type(self), "_memcached") +
                concatenate_parents_attributes(type(self), "_cached"))

    def _cache_methods(self):
        cache_methods(self, concatenate_parents_attributes(type(self), "_memcached"),
                      concatenate_parents_attributes(type(self), "_cached"))

    @property
    def journal_path(self):
        return self.cache_dir / "journal.jsonl"

    def _ask_replay(self, n_actions):
        """Ask whether to replay the journal now if a Qt application runs; else None (the
        Supervisor asks when the GUI is attached)."""
        from phyclone.qt import QApplication
        if QApplication.instance() is None:
            return None
        from phyclone.gui import ask
        return ask(f"{n_actions} curation action(s) were not saved before phy stopped in "
                   f"{self.dir_path}. Replay them?", buttons=("yes", "no"),
                   title="Unsaved work found") == "yes"

    def _journal_and_new_id(self, replay_journal):
        """``(replay_journal, new_cluster_id)``. Ids are never reused: new ones come after
        the largest id and after every id given in earlier sessions (kept in the context),
        except that a replayed journal starts from its own first id, so that it gives the
        same ids again."""
        from phyclone.session import Journal, fingerprint
        sc = self.model.spike_clusters
        first = int(sc.max()) + 1 if len(sc) else 0
        journal = Journal(self.journal_path)
        pending = journal.pending(fingerprint(sc))
        if pending and replay_journal is None:
            replay_journal = self._ask_replay(len(pending))
        self._pending_journal = bool(pending) and replay_journal is None
        if pending and replay_journal is not False:
            return replay_journal, max(first, int(journal.header().get("new_cluster_id") or 0))
        stored = self.context.load("new_cluster_id").get("new_cluster_id")
        return replay_journal, max(first, int(stored)) if stored is not None else first

    def _set_supervisor(self, replay_journal=None):
        from phyclone.cluster.supervisor import Supervisor  # Qt modules, no Qt objects
        metadata = dict(getattr(self.model, "metadata", {}) or {})
        replay_journal, new_cluster_id = self._journal_and_new_id(replay_journal)
        self.supervisor = Supervisor(
            spike_clusters=self.model.spike_clusters,
            cluster_groups=metadata.get("group", {}),
            cluster_metrics=self.cluster_metrics,
            cluster_labels=metadata,
            similarity=self._similarity,
            new_cluster_id=new_cluster_id,
            context=self.context,
            journal_path=self.journal_path,
            replay_journal=replay_journal,
        )
        self._connect(self.on_save_clustering, event="save_clustering", sender=self.supervisor)
        self._connect(self._on_toggle_spike_reorder, event="toggle_spike_reorder")

    def _check_journal_decision(self):
        """After the Supervisor asked (when the GUI was attached) whether to replay an
        unsaved session: if the user declined, that session's ids will be given again to
        other clusters, so the per-cluster caches are cleared."""
        if not self._pending_journal:
            return
        self._pending_journal = False
        if self.supervisor.session.replayed:
            return
        logger.info("The unsaved session was not replayed: clearing the cluster caches.")
        self._clear_cluster_caches()

    def _clear_cluster_caches(self):
        """Forget every cached per-cluster result (memory and disk)."""
        self._clear_cache(self.cache_dir, keep_state=True)
        self.context = Context(self.cache_dir)
        self.cache_key.save(self.context)
        self.supervisor.context = self.context
        for name in self._cached_names():
            self.__dict__.pop(name, None)
        self._cache_methods()

    def _set_selector(self):
        traces = getattr(self.model, "traces", None)
        bounds = getattr(traces, "chunk_bounds", None)
        if bounds is None:
            last = int(self.model.spike_samples[-1]) + 1 if self.model.n_spikes else 1
            bounds = [0, last]
        self.selector = SpikeSelector(self._spikes_of, self.model.spike_samples, bounds,
                                      self.n_chunks_kept)

    def _connect(self, f, **kwargs):
        connect(f, **kwargs)
        self._connected.append(f)
        return f

    def _on_toggle_spike_reorder(self, sender, checked):
        self.selection.do_reorder = bool(checked)

    @property
    def raw_data_filter_name(self):
        return self.raw_data_filter.current

    @raw_data_filter_name.setter
    def raw_data_filter_name(self, name):
        self.raw_data_filter.set(name)

    # Channels ---------------------------------------------------------------------------------
    def _get_channel_labels(self, channel_ids=None):
        """Labels of channels: their column in the raw data file (channel_map) by default."""
        if channel_ids is None:
            channel_ids = np.arange(self.model.n_channels)
        channel_ids = np.asarray(channel_ids, dtype=np.int64)
        mapped = getattr(self.model, "show_mapped_channels", self.default_show_mapped_channels)
        mapping = getattr(self.model, "channel_mapping", None)
        labels = mapping[channel_ids] if (mapped and mapping is not None) else channel_ids
        return [f"{ch}" for ch in labels]

    def get_best_channels(self, cluster_id):
        """Best channels of a cluster, by decreasing relevance (to be overridden)."""
        raise NotImplementedError

    def get_channel_amplitudes(self, cluster_id):
        """``(channel_ids, relative amplitudes in [0, 1])`` of a cluster (to be overridden)."""
        raise NotImplementedError

    def get_best_channel(self, cluster_id):
        """The first of the cluster's best channels."""
        channel_ids = self.get_best_channels(cluster_id)
        return int(channel_ids[0]) if len(channel_ids) else 0

    def get_best_channel_label(self, cluster_id):
        """The best channel as shown in the cluster view (``ch``): its raw data column."""
        ch = self.get_best_channel(cluster_id)
        mapped = getattr(self.model, "show_mapped_channels", self.default_show_mapped_channels)
        mapping = getattr(self.model, "channel_mapping", None)
        return int(mapping[ch]) if (mapped and mapping is not None) else ch

    def get_channel_shank(self, cluster_id):
        """Shank of the cluster's best channel."""
        return int(self.model.channel_shanks[self.get_best_channel(cluster_id)])

    def get_probe_depth(self, cluster_id):
        """Depth (y position) of the cluster's best channel."""
        return float(self.model.channel_positions[self.get_best_channel(cluster_id), 1])

    def get_clusters_on_channel(self, channel_id):
        """Clusters having ``channel_id`` among their best channels."""
        return [int(c) for c in self.supervisor.clustering.cluster_ids
                if channel_id in self.get_best_channels(int(c))]

    def get_mean_firing_rate(self, cluster_id):
        """Spikes per second over the recording (phy: n_spikes / max(1, duration))."""
        return self.supervisor.n_spikes(cluster_id) / max(1., float(self.model.duration))

    # Similarity -------------------------------------------------------------------------------
    def _similarity(self, cluster_id):
        return self.similarity_functions[self.similarity](cluster_id)

    def peak_channel_similarity(self, cluster_id, n_max=100):
        """Clusters whose best channel is close to this cluster's, the closest first:
        similarity ``1 / (1 + distance / pitch)`` (1 on the same channel), same shank only."""
        pos = np.asarray(self.model.channel_positions, dtype=np.float64)
        shanks = getattr(self.model, "channel_shanks", None)
        ids = np.asarray(self.supervisor.clustering.cluster_ids, dtype=np.int64)
        peaks = np.array([self.get_best_channel(int(c)) for c in ids], dtype=np.int64)
        ch = self.get_best_channel(cluster_id)
        d = np.sqrt(((pos[peaks] - pos[ch]) ** 2).sum(axis=1))
        sim = 1. / (1. + d / self._channel_pitch)
        if shanks is not None:
            sim[np.asarray(shanks)[peaks] != shanks[ch]] = 0.
        order = np.argsort(-sim, kind="stable")[:n_max]
        return [(int(ids[i]), float(sim[i])) for i in order if sim[i] > 0]

    @cached_property
    def _channel_pitch(self):
        return _pitch(self.model.channel_positions)

    # Spikes -----------------------------------------------------------------------------------
    def _spikes_of(self, cluster_id):
        """Sorted spikes of a cluster from the clustering's index (empty if it is gone)."""
        spc = self.supervisor.clustering.spikes_per_cluster
        return spc[cluster_id] if cluster_id in spc else _EMPTY

    def get_spike_ids(self, cluster_id, n=None, **kwargs):
        """Up to ``n`` regularly spaced spikes of a cluster (all when None)."""
        return self.selector(n, [cluster_id], **kwargs)

    def get_spike_times(self, cluster_id, n=None):
        """Times (s) of the spikes of ``get_spike_ids(cluster_id, n)``."""
        return self._spike_times(self.get_spike_ids(cluster_id, n=n))

    def _spike_times(self, spike_ids):
        return np.asarray(self.model.spike_samples[spike_ids]) / float(self.model.sample_rate)

    def get_background_spike_ids(self, n=None):
        """About ``n`` regularly spaced spikes of the whole recording (all when None)."""
        ns = int(self.model.n_spikes)
        return np.arange(0, ns, max(1, ns // n) if n else 1, dtype=np.int64)

    def _get_spike_times_reordered(self, spike_ids):
        """Spike times (s), reordered ones when spike reordering is on and available."""
        reordered = getattr(self.model, "spike_samples_reordered", None)
        samples = reordered if (self.selection.get("do_reorder") and reordered is not None) \
            else self.model.spike_samples
        return np.asarray(samples[spike_ids]) / float(self.model.sample_rate)

    def get_split_spikes(self, cluster_ids, spike_ids, mask):
        """Spikes of ``cluster_ids`` to split off from a lasso drawn in a view: those among
        ``spike_ids`` (the view's points) where ``mask`` is true, restricted to the clusters."""
        spike_ids = np.asarray(spike_ids, dtype=np.int64)[np.asarray(mask, dtype=bool)]
        keep = np.isin(self.supervisor.clustering.get_spike_clusters(spike_ids),
                       np.asarray(list(cluster_ids), dtype=np.int64))
        return np.unique(spike_ids[keep])

    def _sparse_rows(self, name):
        """The model's sparse features ``name`` with rows read by ``pread`` (see
        ``phyclone.apps.rows``); None when the model has none."""
        readers = self.__dict__.setdefault("_row_readers", {})
        if name not in readers:
            sparse = getattr(self.model, name, None)
            readers[name] = None if sparse is None else Bunch(
                data=RowReader(sparse.data), cols=sparse.cols, rows=sparse.rows)
        return readers[name]

    def warm_up_caches(self):
        """Compute what the first selections need (a worker runs this at start-up)."""

    # Saving -----------------------------------------------------------------------------------
    def on_save_clustering(self, sender, spike_clusters, groups, *labels):
        """Write phy's files (``spike_clusters.npy``, ``cluster_group.tsv``,
        ``cluster_<label>.tsv``, ``cluster_info.tsv``), each atomically."""
        save_clustering(self.model, spike_clusters, groups, labels,
                        self.supervisor.cluster_info)
        self.cache_key.save(self.context, spike_clusters)
        self.context.save_memcache()

    def _save_cluster_info(self):
        """Write ``cluster_info.tsv`` (the cluster view's columns)."""
        from .saving import save_cluster_info
        return save_cluster_info(self.dir_path, self.supervisor.cluster_info)

    def close(self, close_model=True):
        """Save the memory caches, close the journal, release the model's files."""
        for f in self._connected:
            unconnect(f)
        self._connected = []
        try:
            self.context.save_memcache()
        except OSError as e:
            logger.warning("Could not save the cache: %s", e)
        sup = getattr(self, "supervisor", None)
        if sup is not None:
            sup.close()
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


def _pitch(positions):
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
