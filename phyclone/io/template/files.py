"""Which file of a template-gui folder holds what: names, aliases (KiloSort, SpikeInterface,
ALF) and a one-pass listing of the folder."""

import fnmatch
import logging
import os
from pathlib import Path

from phyclone.utils.errors import DataError

logger = logging.getLogger(__name__)

#: role -> file names / glob patterns, in order of preference (phy name first, then aliases).
#: KiloSort's ``templates_ind.npy`` is deliberately absent: with it, templates.npy is dense.
FILES = {
    "spike_times": ("spike_times.npy",),
    "alf_spike_samples": ("spikes.samples*.npy",),
    "alf_spike_times": ("spikes.times*.npy",),  # seconds
    "spike_templates": ("spike_templates.npy", "spikes.templates*.npy"),
    "spike_clusters": ("spike_clusters.npy", "spikes.clusters*.npy"),
    "amplitudes": ("amplitudes.npy", "spikes.amps*.npy"),
    "spike_times_reordered": ("spike_times_reordered.npy",),
    "channel_map": ("channel_map.npy", "channels.rawInd*.npy"),
    "channel_positions": ("channel_positions.npy", "channels.localCoordinates*.npy"),
    "channel_shanks": ("channel_shanks.npy", "channel_groups.npy", "channels.shanks*.npy"),
    "channel_probes": ("channel_probe.npy", "channels.probes*.npy"),
    "templates": ("templates.npy", "templates.waveforms.npy", "templates.waveforms.*.npy"),
    "template_ind": ("template_ind.npy", "templates.waveformsChannels*.npy"),
    "whitening_mat": ("whitening_mat.npy",),
    "whitening_mat_inv": ("whitening_mat_inv.npy",),
    "similar_templates": ("similar_templates.npy",),
    "pc_features": ("pc_features.npy",),
    "pc_feature_ind": ("pc_feature_ind.npy",),
    "pc_feature_spike_ids": ("pc_feature_spike_ids.npy",),
    "template_features": ("template_features.npy",),
    "template_feature_ind": ("template_feature_ind.npy",),
    "template_feature_spike_ids": ("template_feature_spike_ids.npy",),
}

#: ``spike_<name>.npy`` files that are not per-spike attributes.
SKIP_SPIKE_ATTRS = ("clusters", "templates", "samples", "times", "times_reordered", "amplitudes")
#: Cluster tables that are not loaded as metadata (phy rewrites cluster_info.tsv on save).
SKIP_METADATA = ("cluster_info",)


class TemplateFiles:
    """The files of a dataset folder, listed once; lookups by role never touch the disk."""

    def __init__(self, dir_path):
        self.dir_path = Path(dir_path)
        if not self.dir_path.is_dir():
            raise DataError(self.dir_path, "is not a folder", "pass the folder holding params.py")
        with os.scandir(self.dir_path) as it:
            #: File names in directory order (the order phylib's ``Path.glob`` yields them).
            self.dir_order = [e.name for e in it if e.is_file()]
        self.names = sorted(self.dir_order)

    def __contains__(self, name):
        return name in self.names

    def _matches(self, pattern):
        if any(c in pattern for c in "*?["):
            return [n for n in self.names if fnmatch.fnmatchcase(n, pattern)]
        return [pattern] if pattern in self.names else []

    def find(self, role):
        """Path of the file playing ``role`` (see ``FILES``), or None."""
        found = [(p, self._matches(p)) for p in FILES[role]]
        found = [(p, m) for p, m in found if m]
        if not found:
            return None
        name = found[0][1][0]
        others = [n for _, m in found for n in m if n != name]
        if others:
            logger.warning("Using %s; ignoring %s.", name, ", ".join(others))
        return self.dir_path / name

    def require(self, role):
        """Like ``find`` but a missing file raises a ``DataError``."""
        path = self.find(role)
        if path is None:
            names = FILES[role]
            alias = f" (nor {', '.join(names[1:])})" if len(names) > 1 else ""
            raise DataError(self.dir_path / names[0], f"file not found{alias}",
                            "this file is required: export the folder again from the spike sorter")
        return path

    def spike_attribute_files(self):
        """``{name: path}`` of every extra ``spike_<name>.npy`` (per-spike attributes)."""
        out = {}
        for n in self.names:
            if n.startswith("spike_") and n.endswith(".npy"):
                attr = n[len("spike_"):-len(".npy")]
                if attr and attr not in SKIP_SPIKE_ATTRS:
                    out[attr] = self.dir_path / n
        return out

    def metadata_files(self):
        """Every ``*.csv`` then every ``*.tsv`` except ``cluster_info.*``, each in directory
        order: phylib's reading order (a later file wins when two describe one column)."""
        out = []
        for ext in (".csv", ".tsv"):
            out.extend(self.dir_path / n for n in self.dir_order
                       if n.endswith(ext) and n[:-len(ext)] not in SKIP_METADATA)
        return out
