"""PC features of a cluster on its best channels (feature view, feature amplitudes)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.io.template.sparse import densify, sparse_rows
from phyclone.utils import Bunch

from .spikes import intersect_sorted

if TYPE_CHECKING:  # for the type checker, a mixin of ControllerCore is one
    from .base import ControllerCore as _Controller
else:
    _Controller = object

_EMPTY = np.zeros(0, dtype=np.int64)


class FeatureDataMixin(_Controller):
    """Data of the feature view: PC features of the selected clusters and of background
    spikes, and the time attribute."""

    n_spikes_features = 2500
    n_spikes_features_background = 2500

    _state_params: tuple[str, ...] = ("n_spikes_features", "n_spikes_features_background")
    _new_views: tuple[str, ...] = ("FeatureView",)
    _amplitude_functions: tuple[tuple[str, str], ...] = (
        ("feature", "get_spike_feature_amplitudes"),)
    _cached: tuple[str, ...] = ("_features",)

    def _get_amplitude_functions(self) -> dict[str, Callable[..., Any]]:
        out = super()._get_amplitude_functions()
        if getattr(self.model, "features", None) is None:
            out.pop("feature", None)
        return out

    def _get_feature_view_spike_ids(self, cluster_id: int | None = None, load_all: bool = False
                                    ) -> NDArray[np.int64]:
        """Spikes of a cluster (up to ``n_spikes_features``, all with ``load_all``) or, for
        ``None``, regularly spaced background spikes; only spikes with stored features."""
        if cluster_id is None:
            spike_ids = self.get_background_spike_ids(self.n_spikes_features_background)
        else:
            spike_ids = self.get_spike_ids(cluster_id,
                                           n=None if load_all else self.n_spikes_features)
        rows = getattr(self.model, "features_spike_ids", None)
        if rows is not None:
            spike_ids = intersect_sorted(spike_ids, rows)
        elif getattr(self.model, "features", None) is not None:  # not the added spikes
            spike_ids = spike_ids[spike_ids < len(self.model.features)]
        return spike_ids

    def _get_feature_view_spike_times(self, cluster_id: int | None = None,
                                      load_all: bool = False) -> Bunch:
        """The ``time`` attribute of the feature view: ``Bunch(data, spike_ids, lim)``."""
        spike_ids = self._get_feature_view_spike_ids(cluster_id, load_all=load_all)
        return Bunch(data=self._get_spike_times_reordered(spike_ids), spike_ids=spike_ids,
                     lim=(0., float(self.model.duration)))

    def _background_rows(self, n: int | None) -> Bunch:
        """The stored PC features of the ``n`` background spikes, read once and kept in
        memory (every selection shows them, on other channels)."""
        cache = self.__dict__.setdefault("_background_feature_rows", {})
        key = (n, int(self.model.n_spikes))  # spikes added: other background spikes
        if key not in cache:
            sparse = self._sparse_rows("sparse_features")
            ids = self._get_feature_view_spike_ids(None)
            # (typed: not None, _features checked it)
            cache[key] = Bunch(data=sparse_rows(sparse, ids), cols=sparse.cols, rows=ids)  # type: ignore[union-attr]
        return cache[key]

    def _get_spike_features(self, spike_ids: ArrayLike, channel_ids: ArrayLike,
                            sparse: Bunch | None = None) -> Bunch:
        """``Bunch(data (n, n_channels, n_pcs), spike_ids, channel_ids, channel_labels)``;
        missing features are zeros."""
        spike_ids = np.asarray(spike_ids, dtype=np.int64)
        channel_ids = np.asarray(channel_ids, dtype=np.int64)
        sparse = sparse or self._sparse_rows("sparse_features")
        if sparse is None:
            return Bunch()
        data = densify(sparse, self.model.spike_templates, spike_ids, channel_ids)
        data = np.nan_to_num(np.asarray(data, dtype=np.float32), copy=False)
        return Bunch(data=data, spike_ids=spike_ids, channel_ids=channel_ids,
                     channel_labels=self._get_channel_labels(channel_ids))

    def _features(self, cluster_id: int | None, channel_ids: ArrayLike | None, n: int | None,
                  n_background: int | None) -> Bunch:
        """Cached by (cluster, channels, spike budgets)."""
        if cluster_id is not None and channel_ids is None:
            channel_ids = self.get_best_channels(cluster_id)
        if channel_ids is None:
            return Bunch()
        spike_ids = self._get_feature_view_spike_ids(cluster_id, load_all=n is None)
        if cluster_id is None and self._sparse_rows("sparse_features") is not None:
            return self._get_spike_features(spike_ids, channel_ids,
                                            sparse=self._background_rows(n_background))
        return self._get_spike_features(spike_ids, channel_ids)

    def _get_features(self, cluster_id: int | None = None, channel_ids: Sequence[int] | None = None,
                      load_all: bool = False) -> Bunch:
        """PC features of a cluster (or of background spikes for ``None``) on its best
        channels (or on ``channel_ids``)."""
        if getattr(self.model, "features", None) is None:
            return Bunch()
        channels = None if channel_ids is None else tuple(int(c) for c in channel_ids)
        b = self._features(None if cluster_id is None else int(cluster_id), channels,
                           None if load_all else self.n_spikes_features,
                           self.n_spikes_features_background)
        return Bunch(b)

    get_features = _get_features

    def get_spike_feature_amplitudes(self, spike_ids: ArrayLike, channel_id: int | None = None,
                                     channel_ids: Sequence[int] | None = None,
                                     pc: int | None = None, **kwargs: Any
                                     ) -> NDArray[np.float32] | None:
        """One PC feature (``pc``, default the first) of spikes on one channel."""
        if getattr(self.model, "features", None) is None:
            return None
        if channel_id is None:
            channel_id = channel_ids[0]  # type: ignore[index]  # one of the two is given
        b = self._get_spike_features(spike_ids, [int(channel_id)])
        if not b:
            return None
        return b.data[:, 0, pc or 0]
