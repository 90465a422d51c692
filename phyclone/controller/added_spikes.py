"""Spikes added to the dataset during curation (template matching's missed spikes).

``add_spikes(cluster_id, spike_samples, ...)`` is one undoable, journaled clustering action of
the session (``Session.add_spikes``): the new spikes get the ids after every spike of the
dataset, join the cluster (which gets a new id) and the model's per-spike arrays
(``spike_samples``, ``spike_templates``, ``amplitudes``, ``spike_attributes``) are extended in
memory, so that every view sees them (waveforms and traces from the raw data; PC features
are NaN rows: they exist only for the spikes the sorter saw). Undo shortens them again.

Saving writes them through ``phyclone.io.add_spikes`` (every per-spike file extended in time
order, atomically, the previous files in ``.phy/backup/``); the model is then read again
from the saved folder and the session restarts from it (``Session.rebase``: same clusters,
labels and selection, spikes renumbered in time order, empty undo history).

A dataset that cannot take new spikes (Kwik: fixed-size HDF5 arrays) refuses with the reason
and the way out: ``export_template_folder(dir)`` writes it as a new template-gui folder.
"""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError

from .cache import CacheKey

logger = logging.getLogger(__name__)

#: Model arrays extended with the added spikes (besides ``spike_attributes``).
_ROLES = ("spike_samples", "spike_templates", "amplitudes", "spike_samples_reordered")


def _rows(new: Any, base: Any) -> Any:
    """Added values shaped as the rows of ``base``, in its dtype."""
    return np.asarray(new).reshape((-1,) + np.shape(base)[1:]).astype(np.asarray(base[:0]).dtype)


def _cluster_value(values: Any, spikes: ArrayLike) -> Any:
    """The most common value of ``values`` among ``spikes`` (the median for floats), as
    ``io.add_spikes`` fills the values it is not given."""
    from phyclone.io.add_spikes import mode_per_cluster
    v = np.asarray(values[np.asarray(spikes, dtype=np.int64)])
    return mode_per_cluster(v, np.zeros(len(v), dtype=np.int64), [0])[0]


class AddedSpikesMixin:
    """Adding spikes to the dataset during a session (see module)."""

    model: Any
    session: Any
    dir_path: Path
    config_dir: Any
    read_only: bool

    _base_spikes: Bunch | None = None
    _added_key: tuple[int, int, int] | None = None
    _set_selector: Callable[[], None]
    _clear_cluster_caches: Callable[[], None]

    def add_spikes_refusal(self) -> str:
        """Why this dataset cannot take new spikes ('' when it can)."""
        model = self.model
        if getattr(model, "kwik_path", None) is not None:
            return (f"{Path(model.kwik_path).name}: a Kwik dataset cannot take new spikes (its "
                    "spike arrays have a fixed size) — fix: write it as a new template-gui "
                    "folder (export_template_folder, `:mexport DIR` in the match view), open "
                    "that folder and add the spikes there")
        if not hasattr(model, "_load") or \
                not (Path(model.dir_path) / "spike_times.npy").is_file():
            return (f"{model.dir_path}: this folder cannot take new spikes (only a template-gui "
                    "folder with spike_times.npy can) — fix: export the sorting as a "
                    "template-gui folder")
        return ""

    def add_spikes(self, cluster_id: int, spike_samples: ArrayLike,
                   amplitudes: ArrayLike | None = None, max_channels: ArrayLike | None = None
                   ) -> Any:
        """Add new spikes (integer samples) to a cluster: one undoable, journaled action
        (through the Supervisor when there is one). Their template and other per-spike
        values are the cluster's most common ones; ``amplitudes`` (default the cluster's
        median) and ``max_channels`` may be given. Raises a DataError when the dataset
        cannot take new spikes (``add_spikes_refusal``)."""
        why = self.add_spikes_refusal()
        if why:
            raise DataError(None, why)
        cluster_id = int(cluster_id)
        t = np.asarray(spike_samples, dtype=np.int64).ravel()
        spikes = self.session.clustering.spikes_per_cluster.get(cluster_id)
        if spikes is None:
            raise ValueError(f"no cluster {cluster_id}")
        m = self.model
        values = {}
        given = {"amplitudes": amplitudes, "spike_max_channels": max_channels}
        arrays = {"spike_templates": m.spike_templates, "amplitudes": m.amplitudes}
        arrays.update({f"spike_{k}": v for k, v in (m.spike_attributes or {}).items()})
        for name, arr in arrays.items():
            if arr is None or np.ndim(arr) == 0 or len(arr) != m.n_spikes:
                continue  # not a per-spike array
            if given.get(name) is not None:
                v = np.asarray(given[name]).reshape((len(t),) + np.shape(arr)[1:])
            else:
                v = np.repeat(np.asarray(_cluster_value(arr, spikes))[None], len(t), axis=0)
            values[name] = v.astype(np.asarray(arr[:0]).dtype)  # as saved (and journaled)
        target = getattr(self, "_supervisor", None) or self.session
        return target.add_spikes(cluster_id, t, values)

    def add_missed_spikes(self, cluster_id: int, matcher: Any, result: Any, missed: Any) -> Any:
        """Add the missed spikes found by template matching (``missed = matcher.missed(
        result, cluster_id)``, ``result = matcher.match(...)``) to the cluster: their amplitude
        is the cluster's median amplitude times the spike's least-squares template scale,
        their max channel the template's."""
        from phyclone.match.recovered import template_scales
        r = result.clusters[int(cluster_id)]
        tpl = result.templates
        t = np.asarray(missed.spike_samples, dtype=np.int64)
        amps = None
        if self.model.amplitudes is not None and len(t):
            own = self.session.clustering.spikes_per_cluster[int(cluster_id)]
            amps = float(np.median(np.asarray(self.model.amplitudes[own]))) * template_scales(
                self.model.traces, tpl, r.template, t, filter=matcher.filter)
        channels = np.full(len(t), int(tpl.max_channels[r.template]), dtype=np.int64)
        return self.add_spikes(cluster_id, t, amplitudes=amps, max_channels=channels)

    def spikes_between(self, start: int, stop: int) -> Any:
        """Sorted ids of the spikes with ``start <= sample < stop``: the dataset's spikes are
        in time order, the added ones (after them) are not."""
        samples = self.model.spike_samples
        n0 = self._base_spikes.n if self._base_spikes is not None else int(self.model.n_spikes)
        a, b = np.searchsorted(samples[:n0], [start, stop])
        ids = np.arange(a, b, dtype=np.int64)
        tail = np.asarray(samples[n0:])
        if len(tail):
            ids = np.r_[ids, n0 + np.flatnonzero((tail >= start) & (tail < stop))]
        return ids

    # The model's arrays follow the session -------------------------------------------------
    def _sync_added_spikes(self) -> None:
        """Extend (or shorten) the model's per-spike arrays to the session's spikes."""
        added = self.session.added
        key = (self.session.clustering.n_spikes, id(added), added.version)
        if key == self._added_key:
            return
        self._added_key = key
        m = self.model
        new = self.session.added_spikes
        if self._base_spikes is None:
            if not len(new):
                return
            self._base_spikes = Bunch({k: getattr(m, k, None) for k in _ROLES},
                                      n=int(m.n_spikes), attrs=dict(m.spike_attributes or {}))
        base = self._base_spikes
        if "spike_samples" in new:  # added spikes are not reordered
            new = Bunch(new, spike_samples_reordered=new.spike_samples)
        for k in _ROLES:
            if base[k] is not None:
                setattr(m, k, np.concatenate([np.asarray(base[k]), _rows(new[k], base[k])])
                        if k in new else base[k])
        attrs = Bunch(base.attrs)
        for k, v in base.attrs.items():
            if f"spike_{k}" in new:
                attrs[k] = np.concatenate([np.asarray(v), _rows(new[f"spike_{k}"], v)])
        m.spike_attributes = attrs
        m.n_spikes = base.n + len(new.get("spike_samples", ()))
        m.__dict__.pop("spike_times", None)
        if hasattr(self, "selector"):
            self._set_selector()

    def _write_added_spikes(self, spike_clusters: ArrayLike) -> Path:
        """Save: write the added spikes and every spike's cluster (``io.add_spikes``), read
        the folder again and restart the session from it."""
        from phyclone.io.add_spikes import add_spikes
        assert self._base_spikes is not None  # there are added spikes
        n0 = self._base_spikes.n
        new = self.session.added_spikes
        sc = np.asarray(spike_clusters)
        attrs = {k[len("spike_"):]: v for k, v in new.items()
                 if k.startswith("spike_") and k not in ("spike_samples", "spike_templates")}
        add_spikes(self.model.dir_path, new.spike_samples, sc[n0:],
                   spike_templates=new.get("spike_templates"), amplitudes=new.get("amplitudes"),
                   spike_attributes=attrs, current_spike_clusters=sc[:n0])
        self._reload_model()
        self.session.rebase(self.model.spike_clusters)
        self._added_key = None
        self._sync_added_spikes()
        return Path(self.model.spike_clusters_path)

    def _reload_model(self) -> None:
        """Read the model's folder again (in place: the views keep their model)."""
        self.__dict__.pop("_background_feature_rows", None)
        for sparse in self.__dict__.pop("_row_readers", {}).values():
            if sparse is not None:
                sparse.data.close()
        m = self.model
        m.close()
        for klass in type(m).__mro__:
            for name, attr in vars(klass).items():
                if isinstance(attr, cached_property):
                    m.__dict__.pop(name, None)
        m._load()
        self._base_spikes = None
        self.cache_key = CacheKey(m, self.config_dir)
        self._clear_cluster_caches()  # the spike ids changed
        if hasattr(self, "selector"):
            self._set_selector()

    # Datasets that cannot take new spikes ---------------------------------------------------
    def export_template_folder(self, out_dir: str | Path) -> Path:
        """Write a Kwik dataset, with the session's current clusters and groups, as a new
        template-gui folder (which can take new spikes); return its ``params.py``."""
        from phyclone.io.kwik_export import write_template_folder
        from phyclone.utils.fileio import save_npy

        from .saving import save_cluster_groups
        if getattr(self.model, "kwik_path", None) is None:
            raise DataError(self.dir_path, "is not a Kwik dataset",
                            "a template-gui folder takes new spikes as it is")
        params = write_template_folder(self.model, out_dir)
        sc, groups, _ = self.session.save_data()
        save_npy(Path(out_dir) / "spike_clusters.npy", np.asarray(sc, dtype=np.int32))
        save_cluster_groups(Path(out_dir) / "cluster_group.tsv", groups)
        return params
