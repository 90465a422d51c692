"""KwikControllerCore: the headless controller of a klusta / SpikeDetekt dataset (the data of
``phy kwik-gui file.kwik``; the GUI is ``phyclone.apps.kwik.KwikController``).

One channel group (shank) and one clustering at a time, as phy 2's KwikController: the waveform
view shows filtered waveforms read from the raw data with the channels' masks, the feature
view the ``.kwx`` features (unmasked channels dimmed), the amplitude view the features'
amplitudes. Best channels come from the masks. Saving writes the clustering, the cluster
groups and the labels into the ``.kwik`` (atomically). Every channel group and clustering has
its own cache, lock, crash journal and local GUI state in
``<kwik dir>/.phy/phyclone/<name>_<group>_<clustering>/`` (phy 2's ``.phy/`` files are not touched).
The GUI's Kwik menu switches channel group and clustering and manages clusterings.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError

from .base import ControllerCore
from .features import FeatureDataMixin
from .rows import RowReader
from .spikes import regular_subset
from .traces import TraceDataMixin
from .waveforms import WaveformDataMixin

logger = logging.getLogger(__name__)

#: Channels whose mean mask is above this are a cluster's best channels (phy).
MASK_THRESHOLD = .1


def _in_intervals(samples: ArrayLike, intervals: ArrayLike) -> NDArray[np.bool_]:
    """Boolean mask of the samples inside one of the ``(k, 2)`` ``[start, stop)`` intervals."""
    flat = np.asarray(intervals, dtype=np.int64).ravel()
    return np.searchsorted(flat, samples, side="right") % 2 == 1


class KwikControllerCore(WaveformDataMixin, FeatureDataMixin, TraceDataMixin, ControllerCore):
    """Headless controller of a Kwik dataset (one channel group and clustering).

    Constructor (phy's): ``kwik_path``, ``channel_group`` (default: the first),
    ``clustering`` (default: 'main'), ``config_dir``, ``model`` (a ``KwikModel``, opened from
    the three previous arguments when None), ``clear_cache``, ``clear_state``,
    ``replay_journal``, ``enable_threading``, ``plugins``, ``plugin_dirs``, ``events``.
    """

    gui_name = "KwikGUI"
    default_show_mapped_channels = True
    #: Spikes per cluster whose masks and features give the best channels.
    n_spikes_best_channels = 100

    _memcached: tuple[str, ...] = ("_channel_scores",)
    _reopen_args = ("config_dir", "enable_threading", "plugins", "plugin_dirs", "events")

    def __init__(self, kwik_path: str | os.PathLike[str] | None = None,
                 channel_group: int | None = None, clustering: str | None = None,
                 model: Any = None, **kwargs: Any) -> None:
        own_model = model is None
        if own_model:
            if kwik_path is None:
                raise DataError(None, "no Kwik dataset given", "pass the path of a .kwik file")
            from phyclone.io.kwik.model import KwikModel
            model = KwikModel(kwik_path, channel_group=channel_group, clustering=clustering)
        self.kwik_path = Path(model.kwik_path)
        self._reopen_kwargs = {k: v for k, v in kwargs.items() if k in self._reopen_args}
        try:
            super().__init__(dir_path=self.kwik_path.parent, model=model, **kwargs)
        except BaseException:
            if own_model:
                model.close()
            raise

    # Set-up ---------------------------------------------------------------------------------
    def _cache_root(self) -> Path:
        """``<kwik dir>/.phy/phyclone/<kwik name>_<channel group>_<clustering>``: cluster ids,
        caches and journals of different groups or clusterings never mix."""
        clustering = re.sub(r"[^\w.-]", "_", str(self.model.clustering or "main"))
        return self.dir_path / ".phy" / "phyclone" / \
            f"{self.kwik_path.stem}_{self.model.channel_group}_{clustering}"

    def _phy2_state_path(self) -> Path:
        """phy 2's local GUI state of this channel group (``.phy/<group>/state.json``)."""
        return self.dir_path / ".phy" / str(self.model.channel_group) / "state.json"

    def _saved_files(self) -> list[Path]:
        return [self.kwik_path]

    def _max_saved_cluster_id(self) -> int | None:
        """The clustering on disk is the model's (read at open); a .kwik changed since is
        never overwritten (``_check_before_save``)."""
        return None

    def _model_cluster_labels(self) -> dict[str, dict[int, Any]]:
        # The model's ``metadata`` are the PRM parameters (phy 0.x), not cluster labels.
        return self.model.cluster_labels

    def _set_cluster_metrics(self) -> None:
        super()._set_cluster_metrics()
        self.cluster_metrics.pop("sh", None)  # one channel group at a time

    def _get_amplitude_functions(self) -> dict[str, Callable[..., Any]]:
        out = super()._get_amplitude_functions()
        if self.model.traces is None:
            out.pop("raw", None)
        return out

    def _get_waveforms_dict(self) -> dict[str, Callable[[int], Bunch]]:
        return super()._get_waveforms_dict() if self.model.traces is not None else {}

    def warm_up_caches(self) -> None:
        """Best channels of every cluster (the cluster view and the similarity need them)."""
        super().warm_up_caches()
        for cluster_id in list(self.session.clustering.cluster_ids):
            self._channel_scores(int(cluster_id))

    # Features and masks ---------------------------------------------------------------------
    def _read_features_masks(self, spike_ids: ArrayLike, channel_ids: ArrayLike | None = None
                             ) -> tuple[NDArray[np.float32] | None, NDArray[np.float32]]:
        """``(features (n, n_channels, n_features_per_channel) or None, masks (n,
        n_channels))`` float32 of spikes on channels (default: all). Rows of a memory-mapped
        .kwx are read with ``pread``, once for both (see ``phyclone.controller.rows``)."""
        m = self.model
        spike_ids = np.asarray(spike_ids, dtype=np.int64)
        readers = self.__dict__.setdefault("_row_readers", {})
        if "features_masks" not in readers:
            fm = m.features_masks
            readers["features_masks"] = Bunch(data=RowReader(fm)) \
                if isinstance(fm, np.ndarray) else None
        rows = readers["features_masks"]
        if rows is None:  # no .kwx, or an HDF5 dataset that cannot be memory-mapped
            features = m.get_features(spike_ids, channel_ids)
            masks = m.get_masks(spike_ids, channel_ids)
        else:
            nfpc = m.n_features_per_channel
            block = rows.data[spike_ids]
            features = block[:, :, 0].reshape((len(spike_ids), m.n_channels, nfpc))
            masks = block[:, ::nfpc, 1]
            if channel_ids is not None:
                channel_ids = np.asarray(channel_ids, dtype=np.int64)
                features, masks = features[:, channel_ids], masks[:, channel_ids]
        features = None if features is None else np.asarray(features, dtype=np.float32)
        return features, np.asarray(masks, dtype=np.float32)

    # Best channels ----------------------------------------------------------------------------
    def _channel_scores(self, cluster_id: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``(mean masks, scores)`` of every channel for a cluster: the masks of up to
        ``n_spikes_best_channels`` spikes, and mask-weighted amplitudes (first feature; the
        filtered mean waveform's peak-to-peak without features; the masks without either)."""
        m = self.model
        spike_ids = self.get_spike_ids(cluster_id, n=self.n_spikes_best_channels)
        nc = m.n_channels
        if not len(spike_ids):
            return np.zeros(nc), np.zeros(nc)
        features, masks = self._read_features_masks(spike_ids)
        masks = masks.astype(np.float64)
        mean_masks = masks.mean(axis=0)
        if features is not None:
            f0 = np.abs(features[:, :, 0].astype(np.float64))
            return mean_masks, (masks * f0).mean(axis=0)
        spike_ids = self._waveform_spike_ids(cluster_id, self.n_spikes_waveforms)
        w = m.get_waveforms(spike_ids) if len(spike_ids) else None
        if w is None:
            return mean_masks, mean_masks.copy()
        mean = w.mean(axis=0)
        return mean_masks, mean_masks * (mean.max(axis=0) - mean.min(axis=0))

    def get_best_channels(self, cluster_id: int) -> NDArray[np.int64]:
        """Channels whose mean mask is above 0.1 (phy; else the 4 best), by decreasing
        mask-weighted amplitude."""
        mean_masks, scores = self._channel_scores(int(cluster_id))
        order = np.argsort(-scores, kind="stable")
        best = order[mean_masks[order] > MASK_THRESHOLD]
        return (best if len(best) else order[:4]).astype(np.int64)

    def get_channel_amplitudes(self, cluster_id: int
                               ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """``(best channels, amplitudes relative to the best one)``."""
        channel_ids = self.get_best_channels(cluster_id)
        scores = self._channel_scores(int(cluster_id))[1][channel_ids]
        top = scores.max() if len(scores) else 0.
        return channel_ids, scores / top if top > 0 else np.ones(len(channel_ids))

    # Waveforms and features ---------------------------------------------------------------
    def _waveform_spike_ids(self, cluster_id: int, n: int | None) -> NDArray[np.int64]:
        """Up to ``n`` regularly spaced spikes of a cluster among those inside the raw data."""
        spike_ids = self._spikes_of(cluster_id)
        intervals = self.model.raw_data_intervals
        ns = self.model.n_samples_waveforms
        inside = _in_intervals(np.asarray(self.model.spike_samples[spike_ids]) - ns, intervals) \
            & _in_intervals(np.asarray(self.model.spike_samples[spike_ids]) + ns, intervals)
        return regular_subset(spike_ids[inside], n)

    def _get_waveforms_with_n_spikes(self, cluster_id: int, n_spikes_waveforms: int | None,
                                     current_filter: str | None = None) -> Bunch:
        """The waveforms with their spikes' masks on the best channels."""
        b = super()._get_waveforms_with_n_spikes(cluster_id, n_spikes_waveforms, current_filter)
        b.masks = self._read_features_masks(b.spike_ids, b.channel_ids)[1]
        return b

    def _mean_waveforms(self, cluster_id: int, n_spikes_waveforms: int | None,
                        current_filter: str | None) -> Bunch:
        b = super()._mean_waveforms(cluster_id, n_spikes_waveforms, current_filter)
        masks = b.get("masks")
        if masks is not None:  # phy: the mean masks, brightened
            b.masks = (masks.mean(axis=0, keepdims=True) ** .1 if len(masks)
                       else np.ones((1, len(b.channel_ids)), dtype=np.float32))
        return b

    # (typed: no sparse argument, the .kwx features are never sparse)
    def _get_spike_features(  # type: ignore[override]
            self, spike_ids: ArrayLike, channel_ids: ArrayLike) -> Bunch:
        """``Bunch(data (n, n_channels, n_features_per_channel), masks (n, n_channels),
        spike_ids, channel_ids, channel_labels)`` from the .kwx."""
        spike_ids = np.asarray(spike_ids, dtype=np.int64)
        channel_ids = np.asarray(channel_ids, dtype=np.int64)
        data, masks = self._read_features_masks(spike_ids, channel_ids)
        if data is None:
            return Bunch()
        data = np.nan_to_num(data, copy=False)
        return Bunch(data=data, masks=masks, spike_ids=spike_ids, channel_ids=channel_ids,
                     channel_labels=self._get_channel_labels(channel_ids))

    # Saving ---------------------------------------------------------------------------------
    def on_save_clustering(self, sender: object, spike_clusters: ArrayLike,
                           groups: dict[int, str], *labels: tuple[str, dict[int, Any]]) -> None:
        """Write the clustering, cluster groups and labels into the .kwik (atomically), unless
        another window holds the lock or the .kwik changed on disk since it was read."""
        self._check_before_save()
        self.model.save(spike_clusters, groups, *labels)
        self.file_stamps.record()
        self.cache_key.save(self.context, spike_clusters)
        self.context.save_memcache()
        logger.info("Saved clustering %r of channel group %d (%d clusters) in %s.",
                    self.model.clustering, self.model.channel_group, len(groups),
                    self.kwik_path)
