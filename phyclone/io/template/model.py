"""TemplateModel: a KiloSort / SpikeInterface template-gui folder, memory-mapped and validated.

Opening a folder costs O(n_spikes) at most (block-wise checks, one int32 copy of the cluster
assignments) and never writes into it. Spike times are integer samples end to end
(``spike_samples``); ``spike_times`` (seconds) is derived on first use.
"""

import logging
from functools import cached_property
from pathlib import Path

import numpy as np

from phyclone.utils import Bunch
from phyclone.utils.errors import DataError
from phyclone.utils.fileio import save_npy

from phyclone.io.template import loading as tl
from phyclone.io.add_spikes import finish_pending
from phyclone.io.backup import backup_file
from phyclone.io.template.best_channels import (
    candidate_channels, derive_best_channels, rank_by_features, rank_by_waveforms, spike_sample)
from phyclone.io.raw.filtering import filter_windows
from phyclone.io.template.metadata import write_column
from phyclone.io.template.params import get_template_params, resolve_dat_paths
from phyclone.io.template.sparse import densify, from_sparse
from phyclone.io.template.files import TemplateFiles
from phyclone.io.template.templates import DenseTemplates, TemplateSet
from phyclone.io.raw.traces import get_ephys_reader, spikes_after_end_warning
from phyclone.io.template.waveforms import (
    extract_waveforms, load_waveform_pool, pool_waveforms, select_pool_spikes,
    write_waveform_pool)

__all__ = ["TemplateModel", "load_model", "get_template_params", "from_sparse",
           "template_describe"]

logger = logging.getLogger(__name__)

#: Waveform length used when the folder has neither templates nor a waveform pool.
DEFAULT_WAVEFORM_DURATION = 82 / 30000.
#: Number of timestamped backups of spike_clusters.npy kept in ``.phy/phyclone/backup/``.
N_BACKUPS = 5


def _spikes_index(labels):
    """(order, offsets): spikes of label ``k`` are ``order[offsets[k]:offsets[k + 1]]``,
    sorted. One stable argsort (a linear-time radix sort when labels fit in 16 bits)."""
    labels = np.asarray(labels)
    counts = np.bincount(labels) if len(labels) else np.zeros(0, dtype=np.int64)
    key = labels.astype(np.uint16) if len(counts) <= 1 << 16 else labels
    order = np.argsort(key, kind="stable")
    if len(labels) < 2 ** 31:
        order = order.astype(np.int32)
    return order, np.r_[0, np.cumsum(counts)]


class TemplateModel:
    """All data of a template-gui dataset (see docs/formats.md, "Template-gui folders").

    Parameters are those of ``params.py``; ``dat_path`` may be a path or a list of paths
    (relative to ``dir_path``); extra keyword arguments are kept in ``self.params``.
    """

    #: Number of closest channels kept as best channels of a dense template (phy).
    n_closest_channels = 12
    #: Fraction of the peak amplitude a best channel must reach (phy: 0).
    amplitude_threshold = 0

    def __init__(self, dir_path=None, dat_path=None, sample_rate=None, dtype=None,
                 n_channels_dat=None, offset=0, hp_filtered=False, **kwargs):
        if dir_path is None:
            raise DataError(None, "TemplateModel needs dir_path (the dataset folder)",
                            "use load_model('path/to/params.py')")
        self.dir_path = Path(dir_path).resolve()
        self.dat_path = resolve_dat_paths(dat_path, self.dir_path)
        if not sample_rate:
            logger.warning("No sample rate was given: defaulting to 1 Hz.")
        self.sample_rate = float(sample_rate or 1.)
        self.dtype = np.dtype(dtype if dtype is not None else np.int16)
        self.n_channels_dat = n_channels_dat
        self.offset = int(offset or 0)
        self.hp_filtered = bool(hp_filtered)
        self.template_scaling = float(kwargs.pop("template_scaling", 1.0))
        self.params = kwargs
        for k, v in kwargs.items():
            if not hasattr(type(self), k):
                setattr(self, k, v)
        self._load()

    # Loading ------------------------------------------------------------------------------
    def _load(self):
        if finish_pending(self.dir_path):
            logger.warning("Completed an interrupted addition of spikes in %s.", self.dir_path)
        files = TemplateFiles(self.dir_path)
        sp = tl.load_spike_arrays(files, self.sample_rate)
        self.spike_samples = sp.spike_samples
        self.spike_templates = sp.spike_templates
        self.spike_clusters = sp.spike_clusters
        self.amplitudes = sp.amplitudes
        self.spike_samples_reordered = sp.spike_samples_reordered
        self._spike_clusters_path = sp.spike_clusters_path
        self.n_spikes = len(self.spike_samples)

        ch = tl.load_channels(files, self.n_channels_dat)
        self.channel_mapping = ch.channel_mapping
        self.n_channels = ch.n_channels
        self.channel_positions = ch.channel_positions
        self.channel_shanks = ch.channel_shanks
        self.channel_probes = ch.channel_probes
        self.probes = np.unique(self.channel_probes)
        self.n_probes = len(self.probes)

        tpl = tl.load_templates(files, self.n_channels)
        if tpl is not None:
            self.n_templates, self.n_samples_waveforms, self.n_channels_loc = tpl.data.shape
        else:
            smax = sp.spike_templates_max
            self.n_templates = 0 if smax is None else smax + 1
            self.n_samples_waveforms = self.n_channels_loc = 0
        if sp.spike_templates_max is not None and sp.spike_templates_max >= self.n_templates:
            raise DataError(sp.spike_templates_path, f"refers to template "
                            f"{sp.spike_templates_max} but {tpl.path.name} holds "
                            f"{self.n_templates} templates", "check that both files come from "
                            "the same spike sorting run")
        self.wm, self.wmi = tl.load_whitening(files, self.n_channels)
        self._templates = None if tpl is None else TemplateSet(
            tpl.data, tpl.cols, tpl.empty, self.wmi, self.channel_positions, self.channel_shanks,
            self.template_scaling)
        self.sparse_templates = None if tpl is None else Bunch(data=tpl.data, cols=tpl.cols)
        self.similar_templates = tl.load_similar_templates(files, self.n_templates)

        #: What the user should know (the GUI's status bar shows it; each is logged once).
        self.warnings = []
        #: Why there is no raw data (a missing file, no dat_path), or None.
        self.raw_data_missing = None
        self.traces = None
        if self.dat_path:
            try:
                self.traces = get_ephys_reader(
                    self.dat_path, n_channels_dat=self.n_channels_dat, dtype=self.dtype,
                    offset=self.offset, sample_rate=self.sample_rate,
                    channel_map=self.channel_mapping)
            except IndexError as e:
                raise DataError(files.find("channel_map"), str(e),
                                "check channel_map.npy") from None
        else:
            logger.info("No raw data file (dat_path is empty).")

        self.spike_waveforms = load_waveform_pool(
            self.dir_path, self.n_spikes, self.n_samples_waveforms or None)
        if not self.n_samples_waveforms:
            self.n_samples_waveforms = (self.spike_waveforms.waveforms.shape[1]
                                        if self.spike_waveforms is not None else
                                        int(round(DEFAULT_WAVEFORM_DURATION * self.sample_rate)))

        last = int(self.spike_samples[-1]) if self.n_spikes else 0
        if self.traces is not None:
            self.duration = self.traces.duration
            self.warnings.extend(self.traces.warnings)  # logged when the files were opened
            n_in = int(np.searchsorted(self.spike_samples, self.traces.n_samples))
            self._warn(spikes_after_end_warning(self.n_spikes - n_in, self.n_spikes,
                                                self.duration))
        else:
            self.duration = last / self.sample_rate
            self._warn_no_raw_data()

        self.sparse_features = tl.load_features(
            files, self.n_spikes, self.n_templates, self.n_channels)
        self.features = self.sparse_features.data if self.sparse_features else None
        self.n_pcs = self.features.shape[2] if self.features is not None else 0
        self.n_features_per_channel = self.n_pcs
        self.sparse_template_features = tl.load_template_features(
            files, self.n_spikes, self.n_templates)
        self.template_features = (self.sparse_template_features.data
                                  if self.sparse_template_features else None)
        self._derived_channels = {}
        self._template_ind = None
        if tpl is None:
            self._template_ind = tl.load_template_channels(files, self.n_templates,
                                                           self.n_channels)
            self._warn(self._no_templates_message())
        self.spike_attributes = tl.load_spike_attributes(files, self.n_spikes)
        self.metadata, self.metadata_sources = tl.load_metadata_files(files)

    def _warn(self, message):
        if message:
            logger.warning("%s.", message)
            self.warnings.append(message)

    def _no_templates_message(self):
        where = [name for name, ok in (
            ("pc_feature_ind.npy", self.sparse_features is not None and
             self.sparse_features.cols is not None),
            ("template_ind.npy", self._template_ind is not None)) if ok]
        where = f"the channels of {where[0]}" if where else "every channel"
        if self.traces is not None or self.spike_waveforms is not None:
            how = "the amplitude of the raw waveforms"
        elif self.sparse_features is not None:
            how = "the energy of the PC features"
        else:
            how = None
        best = (f"best channels ranked by {how} on {where}" if how else
                f"best channels unknown ({where} in stored order)")
        return f"templates.npy not found: no template waveforms; {best}"

    def _warn_no_raw_data(self):
        missing = [p.name for p in self.dat_path if not p.exists()]
        if missing:
            why = f"raw data file {', '.join(missing)} not found"
        elif not self.dat_path:
            why = "no raw data file (dat_path is empty in params.py)"
        else:
            return
        self.raw_data_missing = why
        what = ("the trace view is" if self.spike_waveforms is not None else
                "the trace view and the spike waveforms are")
        self.warnings.append(f"{why}: {what} not available")

    # Derived arrays -----------------------------------------------------------------------
    @cached_property
    def spike_times(self):
        """Spike times in seconds (float64), computed once from ``spike_samples``."""
        return np.asarray(self.spike_samples) / self.sample_rate

    @property
    def spike_times_reordered(self):
        if self.spike_samples_reordered is None:
            return None
        return self.spike_samples_reordered / self.sample_rate

    @property
    def features_spike_ids(self):
        return self.sparse_features.rows if self.sparse_features else None

    @property
    def template_features_spike_ids(self):
        return self.sparse_template_features.rows if self.sparse_template_features else None

    @cached_property
    def templates(self):
        """Dense (n_templates, n_samples, n_channels) view of the stored templates (lazy)."""
        if self._templates is None:
            return None
        t = self._templates
        return DenseTemplates(t.data, t.cols, t.empty, self.n_channels)

    @cached_property
    def _template_index(self):
        return _spikes_index(self.spike_templates)

    @property
    def template_ids(self):
        """Templates that have at least one spike."""
        return np.flatnonzero(np.diff(self._template_index[1]))

    @property
    def cluster_ids(self):
        """Clusters of the current ``spike_clusters`` (O(n_spikes))."""
        sc = self.spike_clusters
        if not len(sc):
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(np.bincount(sc))

    @property
    def n_clusters(self):
        return int(self.spike_clusters.max()) + 1 if self.n_spikes else 0

    # Templates ------------------------------------------------------------------------------
    def get_template(self, template_id, channel_ids=None, amplitude_threshold=None, unwhiten=True):
        """``Bunch(template, channel_ids, amplitude, best_channel)`` of one template, or None
        without templates. See :meth:`TemplateSet.get`."""
        if self._templates is None:
            return None
        thr = self.amplitude_threshold if amplitude_threshold is None else amplitude_threshold
        return self._templates.get(int(template_id), channel_ids=channel_ids,
                                   amplitude_threshold=thr, unwhiten=unwhiten,
                                   n_closest_channels=self.n_closest_channels)

    def get_template_channels(self, template_id):
        """Best channels of a template, by decreasing amplitude (without ``templates.npy``:
        derived from the spikes' raw waveforms or PC features, see ``best_channels``)."""
        t = self.get_template(template_id)
        if t is not None:
            return t.channel_ids
        return self._derive_template_channels(int(template_id))

    def _derive_template_channels(self, template_id):
        if template_id in self._derived_channels:
            return self._derived_channels[template_id]
        cols = self.sparse_features.cols if self.sparse_features is not None else None
        candidates = candidate_channels(template_id, cols, self._template_ind, self.n_channels)
        spikes = spike_sample(self.get_template_spikes(template_id))
        scores = None
        if len(spikes) and len(candidates):
            if self.traces is not None or self.spike_waveforms is not None:
                scores = rank_by_waveforms(self.get_waveforms(spikes, candidates))
            elif self.sparse_features is not None:
                scores = rank_by_features(self.get_features(spikes, candidates))
        out = derive_best_channels(candidates, scores, self.n_closest_channels)
        self._derived_channels[template_id] = out
        return out

    def get_template_waveforms(self, template_id):
        """Unwhitened template on its best channels (n_samples, n_best_channels)."""
        t = self.get_template(template_id)
        return t.template if t is not None else None

    def get_template_spikes(self, template_id):
        """Sorted spike ids of a template (index built once, on first call)."""
        order, offsets = self._template_index
        t = int(template_id)
        if not 0 <= t < len(offsets) - 1:
            return np.zeros(0, dtype=np.int64)
        return order[offsets[t]:offsets[t + 1]].astype(np.int64)

    def get_template_spike_waveforms(self, template_id):
        """Waveforms of every spike of a template on its best channels."""
        return self.get_waveforms(self.get_template_spikes(template_id),
                                  self.get_template_channels(template_id))

    @cached_property
    def _peak_channels(self):
        return self._templates.peak_channels()[0]

    @property
    def templates_channels(self):
        """Peak channel (largest peak-to-peak) of every template."""
        return self._peak_channels if self._templates is not None else None

    @property
    def templates_probes(self):
        """Probe of the peak channel of every template."""
        ch = self.templates_channels
        return self.channel_probes[ch] if ch is not None else None

    @property
    def templates_amplitudes(self):
        """Mean spike amplitude of every template that has spikes (order of ``template_ids``)."""
        if self.amplitudes is None:
            return None
        return self._mean_amplitudes(self.spike_templates)

    @property
    def clusters_amplitudes(self):
        """Mean spike amplitude of every cluster (order of ``cluster_ids``)."""
        if self.amplitudes is None:
            return None
        return self._mean_amplitudes(self.spike_clusters)

    def _mean_amplitudes(self, labels):
        labels = np.asarray(labels)
        n = np.bincount(labels)
        s = np.bincount(labels, weights=np.asarray(self.amplitudes, dtype=np.float64))
        ids = np.flatnonzero(n)
        return s[ids] / n[ids]

    @property
    def templates_waveforms_durations(self):
        """Trough-to-peak duration (ms) of every template on its peak channel."""
        return self._templates.durations(self.sample_rate) if self._templates else None

    # Clusters -------------------------------------------------------------------------------
    def get_cluster_spikes(self, cluster_id, spike_clusters=None):
        """Sorted spike ids of a cluster in ``spike_clusters`` (default: the model's array,
        read as it is now — a Clustering may update it in place). O(n_spikes)."""
        sc = self.spike_clusters if spike_clusters is None else spike_clusters
        return np.flatnonzero(np.asarray(sc) == cluster_id)

    def get_template_counts(self, cluster_id, spike_clusters=None):
        """Number of spikes of each template in a cluster (length n_templates)."""
        spikes = self.get_cluster_spikes(cluster_id, spike_clusters)
        return np.bincount(np.asarray(self.spike_templates[spikes]), minlength=self.n_templates)

    def _main_template(self, cluster_id, spike_clusters=None):
        counts = self.get_template_counts(cluster_id, spike_clusters)
        return int(np.argmax(counts)) if counts.sum() else None

    def get_cluster_channels(self, cluster_id, spike_clusters=None):
        """Best channels of the template holding most of the cluster's spikes."""
        t = self._main_template(cluster_id, spike_clusters)
        return self.get_template_channels(t) if t is not None else np.zeros(0, dtype=np.int64)

    def get_cluster_spike_waveforms(self, cluster_id, spike_clusters=None):
        """Waveforms of every spike of a cluster on its best channels."""
        return self.get_waveforms(self.get_cluster_spikes(cluster_id, spike_clusters),
                                  self.get_cluster_channels(cluster_id, spike_clusters))

    def get_cluster_mean_waveforms(self, cluster_id, unwhiten=True, spike_clusters=None):
        """Spike-count-weighted mean of the templates a cluster stems from, on the best
        channels of its main template: ``Bunch(mean_waveforms, channel_ids)``."""
        counts = self.get_template_counts(cluster_id, spike_clusters)
        if not counts.sum() or self._templates is None:
            return None
        channel_ids = self.get_template(int(np.argmax(counts)), unwhiten=unwhiten).channel_ids
        ids = np.flatnonzero(counts)
        waves = np.stack([self.get_template(t, channel_ids=channel_ids, unwhiten=unwhiten).template
                          for t in ids])
        return Bunch(mean_waveforms=np.average(waves, axis=0, weights=counts[ids]),
                     channel_ids=channel_ids)

    # Waveforms and features -----------------------------------------------------------------
    def get_waveforms(self, spike_ids, channel_ids=None, filtered=False):
        """Waveforms (n_spikes, n_samples_waveforms, n_channels) of spikes on channels.

        Spikes in the ``_phy_spikes_subset`` pool come from it, the others from the raw data
        (zeros if there is none). ``filtered``: high-pass filter them (phy's filter; raw data
        is read with margins), unless ``hp_filtered`` says the data already is. None when the
        folder has neither raw data nor a waveform pool.
        """
        if self.traces is None and self.spike_waveforms is None:
            return None
        spike_ids = np.asarray(spike_ids, dtype=np.int64).reshape(-1)
        channel_ids = (np.arange(self.n_channels) if channel_ids is None
                       else np.atleast_1d(np.asarray(channel_ids, dtype=np.int64)))
        filt = filtered and not self.hp_filtered
        if self.spike_waveforms is None:
            return self._raw_waveforms(spike_ids, channel_ids, filt)
        out, found = pool_waveforms(self.spike_waveforms, spike_ids, channel_ids)
        if filt and found.any():  # pooled waveforms have no margins: filtered as phy does
            out = out.astype(np.float32)
            out[found] = filter_windows(out[found], self.sample_rate)
        if not found.all() and self.traces is not None:
            out[~found] = self._raw_waveforms(spike_ids[~found], channel_ids, filt)
        return out

    def _raw_waveforms(self, spike_ids, channel_ids, filtered):
        order = np.argsort(spike_ids, kind="stable")
        samples = np.empty(len(spike_ids), dtype=np.int64)
        samples[order] = self.spike_samples[spike_ids[order]]
        return extract_waveforms(self.traces, samples, channel_ids, self.n_samples_waveforms,
                                 filter=filtered)

    def get_features(self, spike_ids, channel_ids):
        """PC features (n_spikes, n_channels, n_pcs) on ``channel_ids``: zeros on channels a
        spike's template does not cover, NaN rows for spikes without stored features."""
        if self.sparse_features is None:
            return None
        return densify(self.sparse_features, self.spike_templates, spike_ids, channel_ids)

    def get_template_features(self, spike_ids):
        """Template features (n_spikes, n_templates), same conventions as get_features."""
        if self.sparse_template_features is None:
            return None
        return densify(self.sparse_template_features, self.spike_templates, spike_ids,
                       np.arange(self.n_templates))

    # Saving ---------------------------------------------------------------------------------
    @property
    def spike_clusters_path(self):
        """Where ``save_spike_clusters`` writes (the loaded file, or spike_clusters.npy)."""
        return self._spike_clusters_path or self.dir_path / "spike_clusters.npy"

    def save_spike_clusters(self, spike_clusters):
        """Save the cluster of every spike (int32) atomically.

        The previous file is first kept as ``.phy/phyclone/backup/spike_clusters.<timestamp>.npy``
        (a hard link, so this is instant; the ``N_BACKUPS`` most recent are kept).
        """
        sc = np.asarray(spike_clusters)
        if sc.shape != (self.n_spikes,) or sc.dtype.kind not in "iu":
            raise ValueError(f"spike_clusters must be ({self.n_spikes},) integers, "
                             f"got {sc.shape} {sc.dtype}")
        if self.n_spikes and (sc.min() < 0 or sc.max() >= 2 ** 31):
            raise ValueError("cluster ids must be in [0, 2**31)")
        path = self.spike_clusters_path
        if path.exists():
            backup_file(path, self.dir_path / ".phy" / "phyclone" / "backup", N_BACKUPS)
        save_npy(path, sc.astype(np.int32, copy=False))
        self._spike_clusters_path = path
        logger.debug("Saved %s.", path)
        return path

    def save_metadata(self, name, values):
        """Save a label ``{cluster_id: value}`` (None dropped); returns the last written path.

        A label read from existing files is written back into each of them (same file name,
        column name, delimiter and line endings; their other columns keep their current
        values), so that no second file ever describes the same column. A new label goes to
        ``cluster_<name>.tsv`` (``cluster_id<TAB><name>``, sorted by id), as phy writes it.
        """
        self.metadata[name] = {int(c): v for c, v in values.items() if v is not None}
        paths = self.metadata_sources.get(name) or [self.dir_path / f"cluster_{name}.tsv"]
        for path in paths:
            write_column(path, self.metadata, name)
        self.metadata_sources[name] = list(paths)
        return paths[-1]

    def save_cluster_groups(self, groups):
        """Write ``cluster_group.tsv`` (what phy writes: every cluster, ``unsorted`` when it
        has no group) and keep any other file the groups were read from (e.g. phy 1's
        ``cluster_groups.csv``) in step. Returns the path of ``cluster_group.tsv``."""
        path = self.dir_path / "cluster_group.tsv"
        sources = self.metadata_sources.setdefault("group", [])
        if path not in sources:
            sources.append(path)
        self.save_metadata("group", {c: g or "unsorted" for c, g in groups.items()})
        return path

    def save_mean_waveforms(self, mean_waveforms):
        """Save ``{cluster_id: Bunch(data, channel_ids)}`` (``data`` (n_samples, n_ch) or
        (1, n_samples, n_ch)) as ``clusters.meanWaveforms.npy`` (n_clusters, n_samples,
        n_channels), clusters sorted by id, as phy."""
        out = np.zeros((len(mean_waveforms), self.n_samples_waveforms, self.n_channels),
                       dtype=np.float32)
        for i, cluster_id in enumerate(sorted(mean_waveforms)):
            b = mean_waveforms[cluster_id]
            if b.data is not None:
                data = np.asarray(b.data)
                out[i][:, b.channel_ids] = data[0] if data.ndim == 3 else data
        path = self.dir_path / "clusters.meanWaveforms.npy"
        save_npy(path, out)
        return path

    def save_spikes_subset_waveforms(self, max_n_spikes_per_template=500, max_n_channels=16,
                                     seed=0):
        """Write the ``_phy_spikes_subset.*`` waveform pool (``phy extract-waveforms``).

        Up to ``max_n_spikes_per_template`` spikes per template (chosen as phy, in a subset
        of the recording's chunks), each on the best max(``max_n_channels``, 12) channels of
        its template (-1 padding), raw float32 waveforms.
        """
        if self.traces is None:
            logger.warning("No raw data: the waveform pool cannot be extracted.")
            return None
        if self._templates is None:
            raise DataError(self.dir_path / "templates.npy", "file not found",
                            "the waveform pool needs templates to choose the channels")
        nc = max(int(max_n_channels), self.n_closest_channels)
        best = -np.ones((self.n_templates, nc), dtype=np.int32)
        spt = {}
        for t in self.template_ids:
            ids = self.get_template_channels(t)[:nc]
            best[t, :len(ids)] = ids
            spt[int(t)] = self.get_template_spikes(t)
        spike_ids = select_pool_spikes(spt, self.spike_samples, self.traces.chunk_bounds,
                                       max_n_spikes_per_template, seed=seed)
        spike_channels = best[np.asarray(self.spike_templates[spike_ids], dtype=np.int64)]
        paths = write_waveform_pool(self.dir_path, self.traces, spike_ids, self.spike_samples,
                                    spike_channels, self.n_samples_waveforms)
        self.spike_waveforms = load_waveform_pool(self.dir_path, self.n_spikes,
                                                  self.n_samples_waveforms)
        return paths

    # Misc -----------------------------------------------------------------------------------
    def describe(self):
        """Print a summary of the dataset (as ``phy template-describe``)."""
        rows = [
            ("Data files", ", ".join(map(str, self.dat_path))),
            ("Directory", self.dir_path),
            ("Duration", f"{self.duration:.1f}s"),
            ("Sample rate", f"{self.sample_rate / 1000.:.1f} kHz"),
            ("Data type", self.dtype),
            ("# of channels", self.n_channels),
            ("# of channels (raw)", self.n_channels_dat),
            ("# of templates", self.n_templates),
            ("# of spikes", f"{self.n_spikes:,}"),
        ]
        for name, value in rows:
            print(f"{name: <24}{value}")

    def close(self):
        """Release the raw data and the memory maps (the model is unusable afterwards)."""
        if self.traces is not None:
            self.traces.close()
        for k in ("spike_samples", "spike_templates", "amplitudes", "features",
                  "template_features", "spike_waveforms", "sparse_features",
                  "sparse_template_features", "sparse_templates", "_templates", "traces"):
            setattr(self, k, None)
        self.spike_attributes = Bunch()
        self.__dict__.pop("templates", None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return (f"<TemplateModel {self.dir_path}: {self.n_spikes} spikes, {self.n_templates} "
                f"templates, {self.n_channels} channels>")


def load_model(params_path):
    """A TemplateModel from the path to ``params.py``."""
    return TemplateModel(**get_template_params(params_path))


def template_describe(params_path):
    """Print the summary of a dataset (``phy template-describe params.py``)."""
    with load_model(params_path) as model:
        model.describe()
