"""``KwikModel``: a Kwik dataset (``.kwik`` + ``.kwx`` + raw data) for one channel group and
one clustering at a time, with phy 0.x's KwikModel API plus the model interface of phy 2's
BaseController. Opening never writes; writes are atomic (see ``kwik_editing``).

Kept in memory: spike samples, recordings and clusters (O(n_spikes)); features, masks, traces
and waveforms are lazy (memmaps of the .kwx / raw files, waveforms filtered on access).
"""

import logging
from collections import defaultdict
from pathlib import Path

import numpy as np

from phyclone.electrode import MEA
from phyclone.utils.bunch import Bunch
from phyclone.utils.errors import DataError

from phyclone.io.kwik import clusterings as kc
from phyclone.io.kwik import loading as kl
from phyclone.io.kwik.h5 import open_h5
from phyclone.io.kwik.arrays import LazyVector, VirtualWaveforms, unique_ids
from phyclone.io.kwik.editing import KwikEditingMixin
from phyclone.io.kwik.recordings import RawSources, WaveformLoader, concatenate_recordings, recording_starts
from phyclone.io.raw.traces import spikes_after_end_warning

logger = logging.getLogger(__name__)


class KwikModel(KwikEditingMixin):
    """A Kwik dataset: spikes, clusters, features, masks, raw traces and waveforms of one
    channel group (shank) and one clustering; switch with the ``channel_group`` and
    ``clustering`` setters.

    Missing ``.kwx`` or raw data are not errors: ``features`` / ``traces`` are None and
    ``warnings`` says why. Malformed files raise ``DataError``.
    """

    def __init__(self, kwik_path, channel_group=None, clustering=None, waveform_filter=True):
        path = Path(kwik_path).expanduser().resolve()
        if path.is_dir() or path.suffix != ".kwik":
            raise DataError(path, "is not a .kwik file", "give the path of the .kwik file")
        self.kwik_path = path
        self.name = path.stem
        self.kwx_path = path.with_suffix(".kwx")
        self.waveform_filter = waveform_filter
        # Human-readable problems (the GUI shows them): file-wide, channel group, clustering.
        self._warnings = {"file": [], "group": [], "clustering": []}
        self._kwx = self._raw = None
        try:
            self._open(channel_group, clustering)
        except BaseException:
            self.close()
            raise

    # Opening ------------------------------------------------------------------------------
    def _open(self, channel_group, clustering):
        warnings = self._warnings["file"]
        with open_h5(self.kwik_path) as f:
            header = kl.read_header(f, self.kwik_path)
            self._metadata, self._kk2_metadata = header.metadata, header.kk2_metadata
            self._channel_groups = header.channel_groups
            recs = kl.read_recordings(f, self._channel_groups)
            self._recordings = recs.ids
            self._sample_rate = kl.read_sample_rate(self.kwik_path, self._metadata, recs,
                                                    warnings)
            self._probe = MEA(probe=kl.read_probe(f, self.kwik_path, self._channel_groups,
                                                  warnings))
        self._raw = RawSources(self.kwik_path, recs.ids, recs.raw_attrs, self._metadata,
                               self.name)
        warnings.extend(self._raw.warnings)
        lengths = [len(a) if a is not None else None for a in self._raw.arrays]
        self._raw_lengths = lengths
        self._recording_offsets, w = recording_starts(self.kwik_path, recs.ids, recs.start_attrs,
                                                      lengths, recs.spikes_max)
        warnings.extend(w)
        self._n_samples_raw = int(self._recording_offsets[-1] + lengths[-1]) \
            if lengths[-1] is not None else None
        if self.kwx_path.exists():
            self._kwx = open_h5(self.kwx_path)
        else:
            warnings.append(f"{self.kwx_path.name} not found: features and masks are not "
                            "available (no feature view)")
        self._set_channel_group(channel_group, clustering)

    def _set_channel_group(self, channel_group, clustering=None):
        """Load a channel group and a clustering; on error the model stays as it was."""
        state = dict(self.__dict__)
        old = self._probe.channel_group
        try:
            self._load_channel_group(channel_group, clustering)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            self._probe.change_channel_group(old)
            raise
        logged = self.__dict__.setdefault("_logged_warnings", set())
        for w in self.warnings:  # each warning logged once (file-wide ones at the first group)
            if w not in logged:
                logged.add(w)
                logger.warning("%s: %s", self.kwik_path.name, w)

    def _load_channel_group(self, channel_group, clustering):
        try:
            group = int(self._channel_groups[0] if channel_group is None else channel_group)
        except (TypeError, ValueError):
            group = None
        if group not in self._channel_groups:
            raise DataError(self.kwik_path, f"unknown channel group {channel_group!r}",
                            f"use one of {self._channel_groups}")
        self._warnings = dict(self._warnings, group=[], clustering=[])
        self._channel_group = group
        self._probe.change_channel_group(group)
        self._channel_order = np.asarray(self._probe.channels, dtype=np.int64)
        with open_h5(self.kwik_path) as f:
            self._channels = np.asarray(kl.int_children(f, f"/channel_groups/{group}/channels")
                                        or self._channel_order, dtype=np.int64)
            self._spike_samples, self._spike_recordings = kl.read_spikes(
                f, self.kwik_path, group, self._recordings, self._recording_offsets)
            if self.n_spikes > 1 and np.any(np.diff(self._spike_samples) < 0):
                self._warnings["group"].append(f"channel group {group}: the spike times are "
                                               "not sorted")
            self._clusterings = kc.list_clusterings(f, group)
            if clustering is None and self._clusterings:
                clustering = self._clusterings[0]
            self._load_clustering(f, clustering)
        self._load_features()
        self._load_traces()

    def _load_clustering(self, f, clustering):
        g, n = self._channel_group, self.n_spikes
        if clustering is not None and clustering not in self._clusterings:
            raise DataError(self.kwik_path, f"unknown clustering {clustering!r} in channel group "
                            f"{g}", f"use one of {self._clusterings}")
        warnings = []
        if clustering is None:
            sc = np.zeros(n, dtype=np.int64)
            names, entries, meta = dict(kc.DEFAULT_GROUPS), ({}, {}), {}
            if n:
                warnings.append(f"channel group {g} has no clustering: all spikes start in "
                                "cluster 0 (saving creates 'main')")
        else:
            sc = kl.read_spike_clusters(f, self.kwik_path, kc.spike_clusters_path(g, clustering), n)
            names = kc.read_group_names(f, g, clustering)
            entries = kc.read_cluster_entries(f, g, clustering)
            cp = kc.clusters_path(g, clustering)
            meta = f.read_attrs(cp) if f.exists(cp) else {}
        self._clustering, self._spike_clusters = clustering, sc
        self._group_names, (self._cluster_group_ids, self._labels) = names, entries
        self._clustering_metadata = meta
        self._warnings = dict(self._warnings, clustering=warnings)
        self._cluster_ids = None

    def _load_features(self):
        nfpc = int(self._metadata["n_features_per_channel"])
        fm = kl.open_features(self._kwx, self._channel_group, self.n_spikes, self.n_channels,
                              nfpc) if self._kwx is not None else \
            Bunch(features_masks=None, features=None, masks=None, n_features_per_channel=nfpc,
                  warning=None)
        if fm.warning:
            self._warnings["group"].append(fm.warning)
        self._features_masks, self._features, self._masks = fm.features_masks, fm.features, \
            fm.masks
        self._n_features_per_channel = fm.n_features_per_channel

    def _load_traces(self):
        self._traces = self._all_traces = self._waveform_loader = None
        raw = self._raw
        if all(a is None for a in raw.arrays):
            return
        if self._channel_order.max() >= raw.n_columns:
            raise DataError(self.kwik_path, f"channel group {self._channel_group} uses channel "
                            f"{int(self._channel_order.max())} but the raw data have "
                            f"{raw.n_columns} channels", "check n_channels in the PRM parameters")
        self._all_traces = concatenate_recordings(raw.arrays, self._recording_offsets,
                                                  self.n_samples, self.sample_rate)
        self._traces = self._all_traces.select_channels(self._channel_order)
        self._warn_spikes_after_raw()
        md = self._metadata
        low, order = float(md["filter_low"]), int(md["filter_butter_order"])
        high = float(md["filter_high_factor"]) * self.sample_rate
        # Three periods of the high-pass cut-off on each side absorb the filter transients.
        margin = max(3 * order, int(np.ceil(3 * self.sample_rate / low)))
        self._waveform_loader = WaveformLoader(
            self._traces, md["extract_s_before"], md["extract_s_after"], (low, high, order),
            margin, filtered=self.waveform_filter)

    def _warn_spikes_after_raw(self):
        """Spikes of the group after the end of their recording's raw data (as the template
        model warns)."""
        n_after = 0
        for r, length in enumerate(self._raw_lengths):
            if length is None:  # a missing recording has its own warning
                continue
            in_rec = self._spike_recordings == self._recordings[r]
            end = int(self._recording_offsets[r]) + int(length)
            n_after += int(np.count_nonzero(self._spike_samples[in_rec] >= end))
        w = spikes_after_end_warning(n_after, self.n_spikes, (self._n_samples_raw or 0)
                                     / self.sample_rate)
        if w:
            self._warnings["group"].append(f"channel group {self._channel_group}: {w}")

    @property
    def channel_group(self):
        """The current channel group (shank)."""
        return self._channel_group

    @channel_group.setter
    def channel_group(self, value):
        self._set_channel_group(value)

    @property
    def clustering(self):
        """The current clustering name ('main' by default; None if the group has none)."""
        return self._clustering

    @clustering.setter
    def clustering(self, value):
        with open_h5(self.kwik_path) as f:
            self._load_clustering(f, value)
        for w in self._warnings["clustering"]:
            logger.warning("%s: %s", self.kwik_path.name, w)

    # Dataset properties --------------------------------------------------------------------
    @property
    def warnings(self):
        """Human-readable problems found while opening (missing .kwx or raw data, ...)."""
        return [w for k in ("file", "group", "clustering") for w in self._warnings[k]]

    @property
    def path(self):
        return self.kwik_path

    @property
    def metadata(self):
        """PRM parameters stored by SpikeDetekt (``application_data/spikedetekt``), with the
        SpikeDetekt defaults for the ones the model uses."""
        return self._metadata

    @property
    def kk2_metadata(self):
        return self._kk2_metadata

    @property
    def clustering_metadata(self):
        """Attributes of the current clustering (e.g. KlustaKwik2 version)."""
        return self._clustering_metadata

    @property
    def channel_groups(self):
        return list(self._channel_groups)

    @property
    def clusterings(self):
        return list(self._clusterings)

    @property
    def recordings(self):
        return list(self._recordings)

    @property
    def n_recordings(self):
        return len(self._recordings)

    @property
    def recording_offsets(self):
        """Start sample of every recording on the concatenated time axis."""
        return self._recording_offsets.copy()

    @property
    def raw_data_intervals(self):
        """``(k, 2)`` intervals ``[start, stop)`` of the concatenated time axis (samples)
        covered by raw data (the rest of ``traces`` reads as zeros)."""
        starts, out = self._recording_offsets, []
        for i, n in enumerate(self._raw_lengths):
            stop = int(starts[i]) + (n or 0)
            if i + 1 < len(starts):
                stop = min(stop, int(starts[i + 1]))
            if stop > starts[i]:
                out.append((int(starts[i]), stop))
        return np.array(out, dtype=np.int64).reshape(-1, 2)

    @property
    def raw_data_files(self):
        """Raw data file of every recording (None where missing)."""
        return list(self._raw.sources)

    @property
    def probe(self):
        """``MEA`` of the probe stored in the file (current group selected)."""
        return self._probe

    @property
    def channels(self):
        """Channel ids listed under ``/channel_groups/<g>/channels`` (sorted)."""
        return self._channels

    @property
    def channel_order(self):
        """Channels used by features, masks, waveforms and traces, in that order (raw-data
        column indices)."""
        return self._channel_order

    @property
    def channel_mapping(self):
        """Raw-data column of every channel (BaseController interface)."""
        return self._channel_order

    @property
    def channel_positions(self):
        """``(n_channels, 2)`` positions in ``channel_order``."""
        return np.asarray(self._probe.positions, dtype=np.float64)

    @property
    def channel_shanks(self):
        return np.full(self.n_channels, self._channel_group, dtype=np.int64)

    @property
    def n_channels(self):
        """Number of channels of the current group (``len(channel_order)``)."""
        return len(self._channel_order)

    @property
    def sample_rate(self):
        return self._sample_rate

    @property
    def n_features_per_channel(self):
        return self._n_features_per_channel

    @property
    def n_samples_waveforms(self):
        return int(self._metadata["extract_s_before"]) + int(self._metadata["extract_s_after"])

    @property
    def n_samples(self):
        """Samples on the concatenated time axis: up to the end of the raw data or the last
        spike of the group, whichever is later."""
        last = int(self._spike_samples.max()) + 1 if self.n_spikes else 0
        return max(last, self._n_samples_raw or 0, int(self._recording_offsets[-1]))

    @property
    def duration(self):
        """Duration in seconds of the concatenated recordings."""
        return self.n_samples / self.sample_rate

    # Spikes ---------------------------------------------------------------------------------
    @property
    def n_spikes(self):
        return len(self._spike_samples)

    @property
    def spike_ids(self):
        return np.arange(self.n_spikes)

    @property
    def spike_samples(self):
        """int64 spike samples on the concatenated time axis (time_samples + recording start)."""
        return self._spike_samples

    @property
    def spike_times(self):
        """Spike times in seconds."""
        return self._spike_samples / self._sample_rate

    @property
    def spike_recordings(self):
        return self._spike_recordings

    @property
    def spike_clusters(self):
        """int64 cluster id of every spike (current clustering)."""
        return self._spike_clusters

    spike_attributes = property(lambda self: Bunch())
    spike_waveforms = None  # no precomputed waveform subset: waveforms come from raw data

    # Clusters -------------------------------------------------------------------------------
    @property
    def cluster_ids(self):
        """Sorted unique cluster ids of ``spike_clusters``."""
        if self._cluster_ids is None:
            self._cluster_ids = unique_ids(self._spike_clusters)
        return self._cluster_ids

    @property
    def n_clusters(self):
        return len(self.cluster_ids)

    @property
    def cluster_group_names(self):
        """``{group id: name}`` of the current clustering (0 Noise, 1 MUA, 2 Good, 3 Unsorted)."""
        return dict(self._group_names)

    def _group_name(self, gid):
        return self._group_names.get(gid, kc.DEFAULT_GROUPS[kc.UNSORTED]).lower()

    @property
    def cluster_groups(self):
        """``{cluster id: group name}`` (lower case, default 'unsorted') for every cluster."""
        ids = self._cluster_group_ids
        return {int(c): self._group_name(ids.get(int(c), kc.UNSORTED)) for c in self.cluster_ids}

    @property
    def cluster_metadata(self):
        """``{cluster id: group name}`` of every cluster stored, defaulting to 'unsorted'."""
        out = defaultdict(lambda: "unsorted")
        out.update({c: self._group_name(g) for c, g in self._cluster_group_ids.items()})
        return out

    @property
    def cluster_labels(self):
        """``{field: {cluster id: value}}`` with ``group`` and every stored label (the
        ``metadata`` of phy 2's BaseController model interface)."""
        out = {"group": self.cluster_groups}
        out.update({k: dict(v) for k, v in self._labels.items()})
        return out

    # Features, masks, traces, waveforms -------------------------------------------------
    @property
    def features_masks(self):
        """``(n_spikes, n_channels * n_fpc, 2)`` lazy array (memmap of the .kwx) or None."""
        return self._features_masks

    @property
    def features(self):
        """``(n_spikes, n_channels, n_features_per_channel)`` lazy view or None."""
        return self._features

    @property
    def masks(self):
        """``(n_spikes, n_channels)`` lazy view (values in [0, 1]) or None."""
        return self._masks

    all_features = features
    all_masks = masks
    all_features_masks = features_masks

    @property
    def traces(self):
        """``(n_samples, n_channels)`` raw traces of the group's channels (recordings end to
        end, lazy) or None."""
        return self._traces

    @property
    def all_traces(self):
        """Like ``traces`` but with every column of the raw data."""
        return self._all_traces

    @property
    def waveforms(self):
        """``(n_spikes, n_samples_waveforms, n_channels)`` virtual array: filtered waveforms
        extracted from the raw data on access; None without raw data."""
        if self._waveform_loader is None:
            return None
        return VirtualWaveforms(self._waveform_loader, self._spike_samples)

    all_waveforms = waveforms

    def get_waveforms(self, spike_ids, channel_ids=None, filtered=None):
        """``(n, n_samples_waveforms, len(channel_ids))`` float32 waveforms (channel ids index
        ``channel_order``), filtered with the PRM's filter (SpikeDetekt's band-pass) when
        ``filtered`` (default: ``waveform_filter``); None without raw data."""
        if self._waveform_loader is None:
            return None
        samples = self._spike_samples[np.asarray(spike_ids, dtype=np.int64)]
        return self._waveform_loader.get(samples, channel_ids, filtered=filtered)

    def get_features(self, spike_ids, channel_ids=None):
        """``(n, len(channel_ids), n_features_per_channel)`` float32 features, or None."""
        if self._features is None:
            return None
        out = np.asarray(self._features[np.asarray(spike_ids, dtype=np.int64)])
        return out if channel_ids is None else out[:, np.asarray(channel_ids, dtype=np.int64)]

    def get_masks(self, spike_ids, channel_ids=None):
        """``(n, len(channel_ids))`` masks in [0, 1] (ones without a .kwx)."""
        spike_ids = np.asarray(spike_ids, dtype=np.int64)
        nc = self.n_channels if channel_ids is None else len(channel_ids)
        if self._masks is None:
            return np.ones((len(spike_ids), nc), dtype=np.float32)
        out = np.asarray(self._masks[spike_ids])
        return out if channel_ids is None else out[:, np.asarray(channel_ids, dtype=np.int64)]

    def get_amplitudes(self, spike_ids):
        """Spike amplitudes: |first feature| on each spike's main channel (largest mask),
        or, without features, the peak-to-peak of its filtered waveform on its largest channel."""
        spike_ids = np.asarray(spike_ids, dtype=np.int64)
        if self._features is not None:
            f0 = np.abs(self.get_features(spike_ids)[:, :, 0])
            m = self.get_masks(spike_ids)
            best = np.where(m >= m.max(axis=1, keepdims=True), f0, -1.)
            return f0[np.arange(len(spike_ids)), np.argmax(best, axis=1)].astype(np.float64)
        w = self.get_waveforms(spike_ids)
        if w is None:
            return None
        return (w.max(axis=1) - w.min(axis=1)).max(axis=1).astype(np.float64)

    @property
    def amplitudes(self):
        """``(n_spikes,)`` virtual array of ``get_amplitudes`` (None without features and raw
        data)."""
        if self._features is None and self._waveform_loader is None:
            return None
        return LazyVector(self.get_amplitudes, self.n_spikes)

    # Summary, closing -------------------------------------------------------------------------
    def describe(self):
        """A text summary of the dataset (what ``phy kwik-describe`` prints)."""
        from phyclone.io.kwik.describe import describe
        return describe(self)

    def close(self):
        """Close the .kwx and raw data files."""
        self._features_masks = self._features = self._masks = None
        if getattr(self, "_all_traces", None) is not None:
            self._all_traces.close()
        self._traces = self._all_traces = self._waveform_loader = None
        if self._kwx is not None:
            self._kwx.close()
            self._kwx = None
        if self._raw is not None:
            self._raw.close()
            self._raw = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return (f"<KwikModel {self.kwik_path.name} group {self.channel_group} clustering "
                f"{self.clustering!r}: {self.n_spikes} spikes, {self.n_clusters} clusters>")

