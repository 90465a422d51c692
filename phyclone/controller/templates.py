"""Templates of a cluster: which templates its spikes come from, their waveforms and
amplitudes, template amplitudes and features of spikes, template similarity."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from phyclone.utils import Bunch

if TYPE_CHECKING:  # for the type checker, a mixin of ControllerCore is one
    from .base import ControllerCore as _Controller
else:
    _Controller = object



class _ClusterTemplates(Mapping[int, NDArray[np.int64]]):
    """``{cluster_id: template ids}`` of the existing clusters, computed on demand."""

    def __init__(self, controller: TemplateDataMixin) -> None:
        self.c = controller

    def __getitem__(self, cluster_id: int) -> NDArray[np.int64]:
        return self.c._template_counts(int(cluster_id))[0]

    def __iter__(self) -> Iterator[int]:
        return iter(int(c) for c in self.c.session.clustering.cluster_ids)

    def __len__(self) -> int:
        return len(self.c.session.clustering.cluster_ids)


class TemplateDataMixin(_Controller):
    """Support of template-matching spike sorters (KiloSort): the model has
    ``spike_templates``, ``n_templates``, ``amplitudes``, ``get_template(template_id)``,
    ``similar_templates`` and optionally ``get_template_features(spike_ids)``."""

    _new_views: tuple[str, ...] = ("TemplateView",)
    _amplitude_functions: tuple[tuple[str, str], ...] = (
        ("template", "get_spike_template_amplitudes"),)
    _waveform_functions: tuple[tuple[str, str], ...] = (("templates", "_get_template_waveforms"),)
    _memcached: tuple[str, ...] = ("_template_counts", "get_template_amplitude",
                                   "get_cluster_amplitude", "_get_template_waveforms",
                                   "get_mean_spike_template_amplitudes")
    _cached: tuple[str, ...] = ("_template_features",)

    # What the mixin uses of FeatureDataMixin (see there).
    n_spikes_features: int
    _get_feature_view_spike_ids: Callable[..., NDArray[np.int64]]

    # Templates of a cluster ------------------------------------------------------------------
    def _template_counts(self, cluster_id: int) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """``(template_ids, counts)`` of the templates the spikes of a cluster come from."""
        st = np.asarray(self.model.spike_templates[self._spikes_of(cluster_id)])
        ids, counts = np.unique(st, return_counts=True)
        return ids.astype(np.int64), counts.astype(np.int64)

    def warm_up_caches(self) -> None:
        """Template counts of every cluster (the similarity view needs them all)."""
        super().warm_up_caches()
        for cluster_id in list(self.session.clustering.cluster_ids):
            self._template_counts(int(cluster_id))

    def get_template_counts(self, cluster_id: int) -> NDArray[np.int64]:
        """Number of spikes of the cluster in every template (length n_templates)."""
        ids, counts = self._template_counts(int(cluster_id))
        out = np.zeros(self.model.n_templates, dtype=np.int64)
        out[ids] = counts
        return out

    def get_template_for_cluster(self, cluster_id: int) -> int:
        """The template holding most of the cluster's spikes (smallest id on ties)."""
        ids, counts = self._template_counts(int(cluster_id))
        return int(ids[np.argmax(counts)]) if len(ids) else 0

    def get_template_amplitude(self, template_id: int) -> float:
        """Largest peak-to-peak amplitude of a template over its channels."""
        t = self.model.get_template(int(template_id))
        if t is None or not t.template.size:
            return 0.
        w = t.template
        return float((w.max(axis=0) - w.min(axis=0)).max())

    def get_cluster_amplitude(self, cluster_id: int) -> float:
        """Amplitude of the cluster's main template (the ``amp`` column)."""
        return self.get_template_amplitude(self.get_template_for_cluster(cluster_id))

    def _set_cluster_metrics(self) -> None:
        super()._set_cluster_metrics()
        self.cluster_metrics["amp"] = self.get_cluster_amplitude

    # Best channels ---------------------------------------------------------------------------
    def get_best_channels(self, cluster_id: int) -> NDArray[np.int64]:
        """Best channels of the cluster's main template, by decreasing amplitude (derived by
        the model when it has no template waveforms)."""
        template_id = self.get_template_for_cluster(cluster_id)
        t = self.model.get_template(template_id)
        if t is not None:
            channel_ids = t.channel_ids
        elif hasattr(self.model, "get_template_channels"):
            channel_ids = self.model.get_template_channels(template_id)
        else:
            channel_ids = None
        if channel_ids is None or not len(channel_ids):
            return np.zeros(1, dtype=np.int64)
        return np.asarray(channel_ids, dtype=np.int64)

    def get_channel_amplitudes(self, cluster_id: int
                               ) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """``(channel_ids, relative amplitudes)`` of the main template's channels reaching
        half its peak amplitude (the trace view's spike waveforms)."""
        t = self.model.get_template(self.get_template_for_cluster(cluster_id),
                                    amplitude_threshold=.5)
        if t is None:  # no template waveforms: the derived best channels, equally weighted
            channel_ids = self.get_best_channels(cluster_id)
            return channel_ids, np.ones(len(channel_ids))
        if not len(t.channel_ids):
            return np.zeros(1, dtype=np.int64), np.zeros(1)
        amp = np.asarray(t.amplitude, dtype=np.float64)
        m, mx = amp.min(), amp.max()
        return np.asarray(t.channel_ids, dtype=np.int64), (amp - m) / ((mx - m) or 1.)

    # Similarity ------------------------------------------------------------------------------
    def _set_similarity_functions(self) -> None:
        super()._set_similarity_functions()
        self.similarity_functions["template"] = self.template_similarity
        sim = getattr(self.model, "similar_templates", None)
        if sim is not None and np.any(sim):  # an all-zero matrix (absent file) says nothing
            self.similarity = "template"

    def template_similarity(self, cluster_id: int, n_max: int = 100) -> list[tuple[int, float]]:
        """Clusters most similar to this one: the largest ``similar_templates`` value between
        a template of each, best first (the cluster itself excluded)."""
        from phyclone.stats import template_similarity
        templates = _ClusterTemplates(self)
        ids = [int(c) for c in self.session.clustering.cluster_ids]
        out = template_similarity(self.model.similar_templates, templates, int(cluster_id),
                                  cluster_ids=ids, n_max=n_max + 1)
        return [(c, s) for c, s in out if c != cluster_id][:n_max]

    # Template waveforms ----------------------------------------------------------------------
    def _get_template_waveforms(self, cluster_id: int) -> Bunch:
        """Templates the cluster comes from, on its best channels: ``Bunch(data
        (n_templates, n_samples, n_channels), channel_ids, channel_labels,
        channel_positions, masks (n_templates, n_channels), alpha)``; masks are spike counts
        relative to the main template."""
        ids, counts = self._template_counts(int(cluster_id))
        order = np.argsort(-counts, kind="stable")  # main template first
        ids, counts = ids[order], counts[order]
        channel_ids = self.get_best_channels(cluster_id)
        data = np.zeros((len(ids), self.model.n_samples_waveforms, len(channel_ids)),
                        dtype=np.float32)
        for i, t in enumerate(ids):
            b = self.model.get_template(int(t), channel_ids=channel_ids)
            if b is not None:
                data[i] = b.template
        masks = np.tile((counts / float(counts.max() if len(counts) else 1))[:, None],
                        (1, len(channel_ids)))
        return Bunch(data=data, channel_ids=channel_ids,
                     channel_labels=self._get_channel_labels(channel_ids),
                     channel_positions=np.asarray(self.model.channel_positions)[channel_ids],
                     masks=masks, alpha=1.)

    def _get_all_templates(self, cluster_ids: Iterable[int]) -> dict[int, Bunch]:
        """``{cluster_id: Bunch(template (n_samples, n_channels), channel_ids)}`` of the main
        template of each cluster (template view)."""
        out = {}
        for cluster_id in cluster_ids:
            b = self._get_template_waveforms(int(cluster_id))
            out[int(cluster_id)] = Bunch(template=b.data[0], channel_ids=b.channel_ids)
        return out

    get_templates = _get_all_templates  # phy's public name (plugins use it)

    # Amplitudes and template features --------------------------------------------------------
    def get_amplitudes(self, cluster_id: int, load_all: bool = False) -> NDArray[np.float64]:
        """``amplitudes.npy`` values of the spikes the amplitude view shows."""
        return self.get_spike_template_amplitudes(
            self._get_amplitude_spike_ids(cluster_id, load_all=load_all))

    def get_spike_template_amplitudes(self, spike_ids: NDArray[np.integer] | Sequence[int],
                                      **kwargs: Any) -> NDArray[np.float64]:
        """Template amplitudes of spikes (``amplitudes.npy``; zeros when absent)."""
        if getattr(self.model, "amplitudes", None) is None:
            return np.zeros(len(spike_ids))
        return np.asarray(self.model.amplitudes[np.asarray(spike_ids, dtype=np.int64)],
                          dtype=np.float64)

    def get_mean_spike_template_amplitudes(self, cluster_id: int) -> float:
        """Mean template amplitude of the spikes the amplitude view shows."""
        a = self.get_spike_template_amplitudes(self._get_amplitude_spike_ids(cluster_id))
        return float(a.mean()) if len(a) else 0.

    def _template_feature_columns(self, spike_ids: ArrayLike, template_ids: ArrayLike
                                  ) -> NDArray[Any]:
        """Template features (n, len(template_ids)) of spikes (zeros where not stored)."""
        from phyclone.io.template.sparse import densify
        sparse = self._sparse_rows("sparse_template_features")
        out = densify(sparse, self.model.spike_templates, spike_ids, template_ids)
        return np.nan_to_num(out, copy=False)

    def get_spike_template_features(self, spike_ids: ArrayLike, first_cluster: int | None = None,
                                    **kwargs: Any) -> NDArray[Any] | None:
        """Projection of each spike on the main template of ``first_cluster`` (the
        ``template_feature`` amplitude type)."""
        if getattr(self.model, "sparse_template_features", None) is None:
            return None
        t = self.get_template_for_cluster(first_cluster)  # type: ignore[arg-type]  # always given
        return self._template_feature_columns(np.asarray(spike_ids, np.int64), [t])[:, 0]

    def _get_amplitude_functions(self) -> dict[str, Callable[..., Any]]:
        out = super()._get_amplitude_functions()
        if getattr(self.model, "sparse_template_features", None) is not None:
            out["template_feature"] = self.get_spike_template_features
        return out

    def _template_features(self, cluster_ids: tuple[int, ...], n: int | None) -> list[Bunch]:
        """Cached by (pair of clusters, spike budget)."""
        c0, c1 = cluster_ids
        (t0, n0), (t1, n1) = self._template_counts(c0), self._template_counts(c1)
        templates = np.union1d(t0, t1)
        w = np.zeros((2, len(templates)))
        w[0, np.searchsorted(templates, t0)] = n0
        w[1, np.searchsorted(templates, t1)] = n1
        w /= np.maximum(w.sum(axis=1, keepdims=True), 1)
        out = []
        for c in (c0, c1):
            spike_ids = self._get_feature_view_spike_ids(c, load_all=n is None)
            xy = self._template_feature_columns(spike_ids, templates) @ w.T
            out.append(Bunch(x=xy[:, 0], y=xy[:, 1], spike_ids=spike_ids))
        return out

    def _get_template_features(self, cluster_ids: Sequence[int], load_all: bool = False
                               ) -> list[Bunch] | None:
        """Template features of a pair of clusters, each spike projected on the templates of
        both (weighted by their spike counts): ``[Bunch(x, y, spike_ids)] * 2``; None unless
        exactly two clusters are given."""
        if len(cluster_ids) != 2 or getattr(self.model, "sparse_template_features",
                                            None) is None:
            return None
        b = self._template_features(tuple(int(c) for c in cluster_ids),
                                    None if load_all else self.n_spikes_features)
        return [Bunch(x) for x in b]

    get_template_features = _get_template_features

    # Views -----------------------------------------------------------------------------------
