"""``phy alf-convert``: a template-gui folder → ALF files for the IBL pipeline (phylib's
``EphysAlfCreator``: same file names, dtypes, shapes and values).

Differences from phylib 2.7, on purpose:
- the dataset folder is only read (phylib writes ``_phy_spikes_subset.*`` and
  ``whitening_mat_inv.npy`` into it); the waveform pool is extracted into the output folder,
  float32 (phylib 2.7.1 writes a float64 header over int16 data: a truncated file);
- sparse templates (``template_ind.npy``, e.g. SpikeInterface exports) are converted after
  being made dense (phylib raises NotImplementedError);
- ``spikes.clusters`` / ``spikes.templates`` are uint16 as phylib's, but uint32 when an id
  does not fit in uint16 (phylib would wrap it silently);
- every file is written atomically; an existing file is kept unless ``force``.
"""

import logging
import shutil
import uuid
from pathlib import Path

import numpy as np
from tqdm import tqdm

from phyclone.utils.errors import DataError
from phyclone.utils.fileio import ensure_dir_exists, save_npy, write_text
from phyclone.utils.progress import ProgressReporter

from phyclone.io.template.waveforms import select_pool_spikes, write_waveform_pool

logger = logging.getLogger(__name__)

#: Spikes per template in the waveform pool written with the ALF files (phylib).
NSAMPLE_WAVEFORMS = 500

#: (file in the dataset, file in the ALF folder, squeeze an (n, 1) array), as phylib.
FILE_RENAMES = [
    ("params.py", "params.py", False),
    ("iblsorter_parameters.yaml", "iblsorter_parameters.yaml", False),
    ("cluster_KSLabel.tsv", "cluster_KSLabel.tsv", False),
    ("spike_clusters.npy", "spikes.clusters.npy", True),
    ("spike_templates.npy", "spikes.templates.npy", True),
    ("channel_positions.npy", "channels.localCoordinates.npy", False),
    ("channel_probe.npy", "channels.probes.npy", True),
    ("channel_labels.npy", "channels.labels.npy", True),
    ("cluster_probes.npy", "clusters.probes.npy", True),
    ("cluster_shanks.npy", "clusters.shanks.npy", True),
    ("whitening_mat.npy", "_kilosort_whitening.matrix.npy", False),
    ("_phy_spikes_subset.channels.npy", "_phy_spikes_subset.channels.npy", False),
    ("_phy_spikes_subset.spikes.npy", "_phy_spikes_subset.spikes.npy", False),
    ("_phy_spikes_subset.waveforms.npy", "_phy_spikes_subset.waveforms.npy", False),
    ("drift_depths.um.npy", "drift_depths.um.npy", False),
    ("drift.times.npy", "drift.times.npy", False),
    ("drift.um.npy", "drift.um.npy", False),
]

_POOL = ("_phy_spikes_subset.channels.npy", "_phy_spikes_subset.spikes.npy",
         "_phy_spikes_subset.waveforms.npy")


def _npy_shape(path):
    return np.load(path, mmap_mode="r", allow_pickle=False).shape


def _peak_channels(data):
    """Channel of largest peak-to-peak amplitude of each waveform (n, n_samples, n_channels)."""
    return np.argmax(data.max(axis=1) - data.min(axis=1), axis=1)


def _durations_ms(data, sample_rate):
    """Peak-to-trough time (ms) of each waveform on its peak channel (phylib's definition)."""
    peak = _peak_channels(data)
    n = np.arange(len(data))
    durations = data.argmax(axis=1)[n, peak] - data.argmin(axis=1)[n, peak]
    return durations.astype(np.float64) / sample_rate * 1e3


def _amplitudes_true(data, wmi, labels, amplitudes, sample2unit):
    """phylib's ``get_amplitudes_true``: unwhitened waveforms, per-spike amplitudes and mean
    amplitude per waveform, in the units of the raw data times ``sample2unit``."""
    wfs = np.matmul(data, wmi)  # (n, ns, nc) @ (nc, nc)
    amps_au = (wfs.max(axis=1) - wfs.min(axis=1)).max(axis=1)
    spike_amps = amps_au[labels] * amplitudes
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.bincount(labels, minlength=len(data))
        mean_v = np.bincount(labels, weights=spike_amps, minlength=len(data)) / n
        wfs_v = wfs * (mean_v / amps_au)[:, None, None]
    return spike_amps * sample2unit, wfs_v * sample2unit, mean_v * sample2unit


class EphysAlfCreator:
    """Convert a template-gui dataset (a ``TemplateModel``) into ALF files (phylib's API:
    ``EphysAlfCreator(model).convert(out_path, force=False, label='', ampfactor=1)``)."""

    def __init__(self, model):
        self.model = model
        self.dir_path = Path(model.dir_path)
        self.spike_clusters = np.asarray(model.spike_clusters, dtype=np.int64).ravel()
        self.spike_templates = np.asarray(model.spike_templates, dtype=np.int64).ravel()
        self.cluster_ids = np.unique(self.spike_clusters)
        self.progress = ProgressReporter()

    # Waveforms -------------------------------------------------------------------------------
    def _dense_templates(self):
        """(n_templates, n_samples, n_channels) templates, whitened as stored."""
        tpl = self.model.sparse_templates
        if tpl is None:
            raise DataError(self.dir_path / "templates.npy", "file not found",
                            "ALF conversion needs the templates")
        data = np.asarray(tpl.data, dtype=np.float32)
        if tpl.cols is None:
            return data
        n, ns, _ = data.shape
        dense = np.zeros((n, ns, self.model.n_channels), dtype=np.float32)
        cols = np.asarray(tpl.cols, dtype=np.int64)
        for t in range(n):
            ok = cols[t] >= 0
            dense[t][:, cols[t][ok]] = data[t][:, ok]
        return dense

    def _cluster_waveforms(self, templates):
        """Waveforms of the clusters (index = cluster id) and the ids without spikes: a
        cluster made of one template has that template, a merged one the spike-count-
        weighted mean of its templates (phylib)."""
        if np.array_equal(self.spike_clusters, self.spike_templates):
            return templates, np.zeros(0, dtype=np.int64)
        n_clusters = int(self.spike_clusters.max()) + 1
        ns, nc = templates.shape[1:]
        data = np.zeros((n_clusters, ns, nc))
        pairs = np.unique(np.c_[self.spike_clusters, self.spike_templates], axis=0)
        for c in np.unique(pairs[:, 0]):
            temps = pairs[pairs[:, 0] == c, 1]
            if len(temps) == 1:
                data[c] = templates[temps[0]]
            else:
                mean = self.model.get_cluster_mean_waveforms(int(c), unwhiten=False)
                data[c][:, np.asarray(mean.channel_ids)] = mean.mean_waveforms
        nan_idx = np.setdiff1d(np.arange(n_clusters), self.cluster_ids)
        return data, nan_idx

    # Conversion --------------------------------------------------------------------------------
    def convert(self, out_path, force=False, label="", ampfactor=1):
        """Write the ALF files into ``out_path`` (created); return the list of paths."""
        self.out_path = Path(out_path)
        self.force, self.label, self.ampfactor = force, label, ampfactor
        if self.out_path.resolve() == self.dir_path.resolve():
            raise DataError(self.out_path, "is the dataset folder",
                            "give another output folder for the ALF files")
        ensure_dir_exists(self.out_path)
        self._written = []
        steps = [self.make_cluster_objects, self.make_channel_objects,
                 self.make_template_and_spikes_objects, self.make_waveform_pool,
                 self.make_depths, self.copy_files, self.rename_with_label,
                 self.compress_spikes_dtypes]
        self.progress.reset(len(steps))
        for step in tqdm(steps, desc="Converting to ALF", leave=False):
            step()
            self.progress.increment()
        return sorted(self._written)

    def _save(self, name, arr, dtype=None):
        arr = np.asarray(arr)
        save_npy(self.out_path / name, arr.astype(dtype) if dtype is not None else arr)
        self._written.append(self.out_path / name)

    def make_cluster_objects(self):
        m = self.model
        self._templates = self._dense_templates()
        self._clusters, self._nan_idx = self._cluster_waveforms(self._templates)
        self._save("clusters.channels.npy", _peak_channels(self._clusters))
        durations = _durations_ms(self._clusters, m.sample_rate)
        durations[self._nan_idx] = np.nan
        self._save("clusters.peakToTrough.npy", durations)
        n = len(self._clusters)
        text = "\n".join(["uuids"] + [str(uuid.uuid4()) for _ in range(n)])
        write_text(self.out_path / "clusters.uuids.csv", text)
        self._written.append(self.out_path / "clusters.uuids.csv")

    def make_channel_objects(self):
        m = self.model
        probes = np.asarray(m.channel_probes)
        mapping = np.asarray(m.channel_mapping)
        raw_ind = np.zeros(len(probes), dtype=np.int64)
        offset = 0
        for probe in np.unique(probes):
            ind = probes == probe
            raw_ind[ind] = mapping[ind] - offset
            offset += int(mapping[ind].max())
        self._save("channels.rawInd.npy", raw_ind)

    def _sparse_waveforms(self, waveforms, peak_channels, name):
        """Keep each waveform on its ``n_closest_channels`` channels nearest to its peak
        channel on the same probe (phylib): ``<name>.waveforms`` and ``.waveformsChannels``."""
        m = self.model
        pos = np.asarray(m.channel_positions, dtype=np.float64)
        probes = np.asarray(m.channel_probes)
        n, ns, nc_all = waveforms.shape
        ncw = min(m.n_closest_channels, nc_all)
        out = np.zeros((n, ns, ncw), dtype=np.float32)
        inds = np.zeros((n, ncw), dtype=np.int32)
        for t in range(n):
            peak = peak_channels[t]
            dist = np.abs(pos - pos[peak]).sum(axis=1)
            dist[probes != probes[peak]] += np.inf
            inds[t] = np.argsort(dist)[:ncw]  # phylib's sort (ties as numpy orders them)
            out[t] = waveforms[t][:, inds[t]]
        self._save(f"{name}.waveforms.npy", out)
        self._save(f"{name}.waveformsChannels.npy", inds)

    def make_template_and_spikes_objects(self):
        m = self.model
        self._save("spikes.times.npy", np.asarray(m.spike_times, dtype=np.float64).ravel())
        self._save("spikes.samples.npy", np.asarray(m.spike_samples).ravel())
        wmi = np.asarray(m.wmi, dtype=np.float64)
        amplitudes = np.asarray(m.amplitudes, dtype=np.float64).ravel()
        spike_amps, tpl_v, tpl_amps = _amplitudes_true(
            self._templates, wmi, self.spike_templates, amplitudes, self.ampfactor)
        self._save("spikes.amps.npy", spike_amps, np.float32)
        self._save("templates.amps.npy", tpl_amps)
        self._sparse_waveforms(tpl_v, _peak_channels(self._templates), "templates")
        _, clu_v, clu_amps = _amplitudes_true(
            self._clusters, wmi, self.spike_clusters, amplitudes, self.ampfactor)
        self._sparse_waveforms(clu_v, _peak_channels(self._clusters), "clusters")
        self._save("clusters.amps.npy", clu_amps)

    def make_waveform_pool(self):
        """``_phy_spikes_subset.*``: up to 500 spikes per template on 12 channels, extracted
        from the raw data into the output folder (never into the dataset); without raw data,
        the dataset's own pool is copied when there is one."""
        m = self.model
        if m.traces is None:
            logger.warning("No raw data: the spike waveforms are not extracted.")
            return
        nc = m.n_closest_channels
        best = -np.ones((m.n_templates, nc), dtype=np.int32)
        spt = {}
        for t in m.template_ids:
            ids = m.get_template_channels(t)[:nc]
            best[t, :len(ids)] = ids
            spt[int(t)] = m.get_template_spikes(t)
        spike_ids = select_pool_spikes(spt, m.spike_samples, m.traces.chunk_bounds,
                                       NSAMPLE_WAVEFORMS)
        paths = write_waveform_pool(self.out_path, m.traces, spike_ids, m.spike_samples,
                                    best[self.spike_templates[spike_ids]],
                                    m.n_samples_waveforms)
        if self.ampfactor != 1:
            w = np.load(paths[0], mmap_mode="r+")
            w *= self.ampfactor
            w.flush()
            del w
        self._written.extend(paths)

    def make_depths(self):
        m = self.model
        pos = np.asarray(m.channel_positions)
        cluster_channels = _peak_channels(self._clusters)
        # phylib keeps the dtype of channel_positions.npy.
        stored = self.dir_path / "channel_positions.npy"
        dtype = np.load(stored, mmap_mode="r").dtype if stored.exists() else np.float64
        clusters_depths = pos[cluster_channels, 1].astype(np.result_type(dtype, np.float32))
        clusters_depths[self._nan_idx] = np.nan
        feats = getattr(m, "sparse_features", None)
        if feats is None or len(feats.data) != len(self.spike_clusters) or feats.cols is None:
            spikes_depths = clusters_depths[self.spike_clusters]
        else:
            from phyclone.stats.clusters import spike_depths
            spikes_depths = spike_depths(feats.data, feats.cols, self.spike_templates, pos)
        self._save("spikes.depths.npy", spikes_depths, np.float32)
        self._save("clusters.depths.npy", clusters_depths)

    def copy_files(self):
        for src_name, dst_name, squeeze in FILE_RENAMES:
            src, dst = self.dir_path / src_name, self.out_path / dst_name
            if not src.exists() or (dst in self._written and src_name not in _POOL):
                continue
            if dst.exists() and not self.force and dst not in self._written:
                logger.warning("%s already exists: kept (use force=True to replace it).", dst)
                continue
            if squeeze and src.suffix == ".npy" and len(_npy_shape(src)) == 2 \
                    and _npy_shape(src)[1] == 1:
                self._save(dst_name, np.load(src, allow_pickle=False).reshape(-1))
                continue
            tmp = dst.with_name(f".{dst.name}.tmp")
            shutil.copyfile(src, tmp)
            tmp.replace(dst)
            self._written.append(dst)

    def rename_with_label(self):
        """Add the label before the extension of the ALF objects (``spikes.times.<label>.npy``)."""
        if not self.label:
            return
        renamed = []
        for p in self._written:
            if p.name.split(".")[0] in ("channels", "clusters", "spikes", "templates"):
                new = p.with_suffix(f".{self.label}{p.suffix}")
                p.replace(new)
                renamed.append(new)
            else:
                renamed.append(p)
        self._written = renamed

    def compress_spikes_dtypes(self):
        """``spikes.clusters`` and ``spikes.templates`` as uint16 (uint32 when ids do not fit)."""
        for attr in ("templates", "clusters"):
            for p in self.out_path.glob(f"spikes.{attr}.*npy"):
                arr = np.load(p, allow_pickle=False)
                dtype = np.uint16 if not arr.size or arr.max() < 2 ** 16 else np.uint32
                if arr.size and (arr.min() < 0):
                    raise DataError(p, "has negative ids", "check spike_clusters.npy")
                save_npy(p, arr.astype(dtype))


def alf_convert(subdirs, out_dir, force=False, label="", ampfactor=1):
    """``phy alf-convert``: convert one template-gui folder into ALF files in ``out_dir``."""
    from phyclone.io.template.model import load_model
    subdirs = [Path(d) for d in subdirs]
    if len(subdirs) != 1:
        raise DataError(None, f"{len(subdirs)} folders were given",
                        "convert one folder at a time (merging probes is not supported)")
    params = subdirs[0] / "params.py"
    with load_model(params) as model:
        return EphysAlfCreator(model).convert(out_dir, force=force, label=label,
                                              ampfactor=ampfactor)

