"""Template matching on a template-gui model (``TemplateModel`` or any object with
``traces``, ``spike_samples``, ``channel_positions``): the facade used by ``phy match``, the
session's actions and the MatchView."""

import logging
from functools import cached_property

import numpy as np

from phyclone.utils import Bunch

from .blocks import check_filter, noise_levels
from .events import event_max_channels
from .matching import TOLERANCE_UM, find_missed_spikes, match_events, template_errors
from .templates import N_SPIKES, RADIUS_UM, WINDOW_MS, MeanCache, cluster_templates
from .threshold import auto_threshold, expected_error
from .weights import check_weighting, weight_arrays

logger = logging.getLogger(__name__)


class Matcher:
    """Templates of clusters matched against the model's spikes (events)."""

    def __init__(self, model, weighting="signal", tolerance_um=TOLERANCE_UM,
                 radius_um=RADIUS_UM, window_ms=WINDOW_MS, n_spikes=N_SPIKES, filter=None):
        if getattr(model, "traces", None) is None:
            raise ValueError("template matching needs the raw data (dat_path in params.py)")
        self.model = model
        self.weighting = check_weighting(weighting)
        self.tolerance_um = float(tolerance_um)
        self.radius_um = float(radius_um)
        self.window_ms = float(window_ms)
        self.n_spikes = int(n_spikes)
        # phy's high-pass (as the waveform views) unless the data is already filtered
        self.filter = check_filter(filter or (
            "none" if getattr(model, "hp_filtered", False) else "highpass"))
        self.event_samples = np.asarray(model.spike_samples, dtype=np.int64)
        self.event_channels = event_max_channels(model)
        self._means = MeanCache()

    @cached_property
    def noise(self):
        """Per-channel noise of the filtered data (MAD)."""
        return noise_levels(self.model.traces, filter=self.filter)

    def templates(self, cluster_ids, spike_clusters):
        """Templates of the clusters, from the channels within the radius plus the tolerance
        of their spikes' most common max channels only (the rest of the probe is not read)."""
        return cluster_templates(self.model.traces, self.event_samples, spike_clusters,
                                 self.model.channel_positions, cluster_ids,
                                 radius_um=self.radius_um, window_ms=self.window_ms,
                                 n_spikes=self.n_spikes, filter=self.filter, cache=self._means,
                                 read_channels=self._channels_around(cluster_ids,
                                                                     spike_clusters))

    def _channels_around(self, cluster_ids, spike_clusters):
        pos = np.asarray(self.model.channel_positions, dtype=np.float64)
        sc = np.asarray(spike_clusters)
        centers = []
        for c in np.atleast_1d(cluster_ids):
            ch = self.event_channels[sc == c]
            if len(ch):
                centers.append(int(np.bincount(ch).argmax()))
        if not centers:
            return None
        d = np.linalg.norm(pos[:, None, :] - pos[centers][None, :, :], axis=2).min(axis=1)
        return np.flatnonzero(d <= self.radius_um + self.tolerance_um + 1e-9)

    def match(self, cluster_ids, spike_clusters, time_range=None, progress=False):
        """Mode A for clusters: ``{cluster_id: Bunch(spike_ids, errors, threshold,
        members (bool), template)}`` plus ``pairs`` (all comparisons)."""
        cluster_ids = [int(c) for c in np.atleast_1d(cluster_ids)]
        spike_clusters = np.asarray(spike_clusters)
        tpl = self.templates(cluster_ids, spike_clusters)
        pairs = match_events(self.model.traces, tpl, self.event_samples, self.event_channels,
                             self.model.channel_positions, weighting=self.weighting,
                             tolerance_um=self.tolerance_um, time_range=time_range,
                             filter=self.filter, progress=progress)
        out = Bunch(pairs=pairs, templates=tpl, clusters={}, spike_clusters=spike_clusters)
        w = weight_arrays(tpl, self.model.channel_positions, self.weighting,
                          self.model.traces.sample_rate)
        out.expected = expected_error(tpl, self.noise, self.weighting, w)
        for j, c in enumerate(cluster_ids):
            ev, err = template_errors(pairs, j)
            members = spike_clusters[ev] == c
            thr = auto_threshold(err, expected=out.expected[j])
            out.clusters[c] = Bunch(cluster_id=c, template=j, spike_ids=ev, errors=err,
                                    members=members, threshold=thr)
        return out

    def below_threshold(self, result, thresholds=None):
        """``{cluster_id: spike ids}`` of the events below each cluster's threshold whose best
        match (lowest error among the templates they are below) is that cluster."""
        thresholds = thresholds or {}
        ev, err, cl = [], [], []
        for c, r in result.clusters.items():
            thr = thresholds.get(c, r.threshold)
            m = r.errors < thr
            ev.append(r.spike_ids[m])
            err.append(r.errors[m])
            cl.append(np.full(m.sum(), c))
        if not ev:
            return {}
        ev, err, cl = np.concatenate(ev), np.concatenate(err), np.concatenate(cl)
        o = np.lexsort((err, ev))
        keep = np.r_[True, ev[o][1:] != ev[o][:-1]]
        ev, cl = ev[o][keep], cl[o][keep]
        return {c: np.sort(ev[cl == c]) for c in result.clusters}

    def missed(self, result, cluster_id, threshold=None, time_range=None, progress=False,
               peel=False):
        """Mode B: spike samples of the cluster's missed spikes (``Bunch(spike_samples,
        errors)``), not explained by any event of the folder. With the automatic threshold,
        the sliding bound is ``threshold.slide_threshold``; a threshold given is used as
        is. ``peel``: slide over the residual of the detected events near the cluster,
        peeled with the templates of the clusters they belong to (``neighbours``)."""
        r = result.clusters[int(cluster_id)]
        thr = r.threshold if threshold is None else float(threshold)
        tpl, j = result.templates, r.template
        if peel:
            ids = [int(cluster_id)] + self.neighbours(result, cluster_id)
            tpl, j = self.templates(ids, result.spike_clusters), 0
        return find_missed_spikes(
            self.model.traces, tpl, j, thr, self.event_samples,
            self.event_channels, self.model.channel_positions, weighting=self.weighting,
            tolerance_um=self.tolerance_um, time_range=time_range, filter=self.filter,
            progress=progress,
            expected=result.expected[r.template] if threshold is None else None, peel=peel)

    def neighbours(self, result, cluster_id, min_share=0.1):
        """The other clusters with at least ``min_share`` of their spikes' max channels
        within the tolerance of the cluster's template's max channel."""
        pos = np.asarray(self.model.channel_positions, dtype=np.float64)
        mc = result.templates.max_channels[result.clusters[int(cluster_id)].template]
        close = np.linalg.norm(pos[self.event_channels] - pos[mc], axis=1) \
            <= self.tolerance_um + 1e-9
        sc = np.asarray(result.spike_clusters)
        ids, n = np.unique(sc, return_counts=True)
        near = np.unique(sc[close], return_counts=True)
        share = dict(zip(near[0].tolist(), near[1].tolist()))
        return [int(c) for c, k in zip(ids, n) if c != int(cluster_id)
                and share.get(int(c), 0) >= min_share * k]
