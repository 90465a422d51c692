"""WaveformView: waveforms of the selected clusters on their best channels, laid out as the
probe (one box per channel), phy 2.1's API."""

import logging

import numpy as np

from phyclone.plot import LineVisual, PlotVisual, TextVisual, UniformScatterVisual
from phyclone.utils import Bunch
from phyclone.utils.colors import add_alpha
from phyclone.utils.errors import DataError
from phyclone.utils.event import emit

from .base import ManualClusteringView, ScalingMixin
from .rotating import RotatingProperty
from .waveform_data import (
    channel_layout, cluster_offsets, fit_scale, max_abs, overlap_transform, pack_signals,
    resample, restrict_channels,
)

logger = logging.getLogger(__name__)

_DIGITS = tuple(str(i) for i in range(10))


class WaveformView(ScalingMixin, ManualClusteringView):
    """Waveforms of the selected clusters, one box per channel at the channel's position.

    Constructor
    -----------
    waveforms : dict ``{waveforms type: function}`` (or one function, the ``waveforms``
        type). Each function maps a cluster id to a Bunch with ``data`` (n_spikes, n_samples,
        n_channels_loc), ``channel_ids``, ``channel_labels`` (optional), ``channel_positions``
        (n_channels_loc, 2), ``masks`` (n_spikes, n_channels_loc, optional) and ``alpha``
        (optional). Usual types: ``waveforms``, ``mean_waveforms``, ``templates``.
    waveforms_type : the type shown first (default: the first key).
    sample_rate : in Hz (for the 1 ms ticks).

    All waveforms of all clusters are drawn by one line-strip visual in one draw call. The
    vertical scale (data bounds) is fixed by the first selection of each waveform type, so
    that amplitudes compare across selections (``increase``/``decrease`` rescale).
    Optional overlays on top of the spikes: each cluster's mean waveform, and its main
    template fitted (least squares) to the mean waveform.
    """

    max_n_clusters = 8
    _default_position = "right"
    data_priority = 2  # raw waveforms read and filtered
    ax_color = (.75, .75, .75, 1.)
    tick_size = 5.
    overlay_color_mix = .5  # overlays: the cluster colour mixed with white

    default_shortcuts = {
        "toggle_waveform_overlap": "o",
        "toggle_show_labels": "ctrl+l",
        "next_waveforms_type": "w",
        "previous_waveforms_type": "shift+w",
        "toggle_mean_waveforms": "m",
        # Box scaling.
        "widen": "ctrl+right",
        "narrow": "ctrl+left",
        "increase": "ctrl+up",
        "decrease": "ctrl+down",
        "change_box_size": "ctrl+wheel",
        # Probe scaling.
        "extend_horizontally": "shift+right",
        "shrink_horizontally": "shift+left",
        "extend_vertically": "shift+up",
        "shrink_vertically": "shift+down",
    }
    default_snippets = {"change_n_spikes_waveforms": "wn"}
    state_attrs = ManualClusteringView.state_attrs + (
        "waveforms_type", "overlap", "do_show_labels", "show_mean_overlay",
        "show_template_overlay")
    local_state_attrs = ("box_scaling", "probe_scaling")

    def __init__(self, waveforms=None, waveforms_type=None, sample_rate=None, **kwargs):
        if not sample_rate or sample_rate <= 0:
            raise DataError(None, f"WaveformView needs a positive sample_rate, got "
                            f"{sample_rate!r}", "pass sample_rate=model.sample_rate")
        waveforms = waveforms or {}
        if not isinstance(waveforms, dict):
            waveforms = {"waveforms": waveforms}
        if not waveforms:
            raise DataError(None, "WaveformView needs at least one waveforms function",
                            "pass waveforms={'waveforms': f, ...}")
        self.waveforms = waveforms
        self.waveforms_types = RotatingProperty()
        for name, f in waveforms.items():
            self.waveforms_types.add(name, f)
        self.waveforms_types.set(waveforms_type)
        self.sample_rate = float(sample_rate)
        self._overlap = False
        self.do_show_labels = True
        self.show_mean_overlay = False
        self.show_template_overlay = False
        self.channel_ids = None
        self.wave_duration = 0.
        self._bounds = {}  # waveforms type -> max |value| (the vertical scale)
        super().__init__(**kwargs)
        self.canvas.set_layout("boxed", box_pos=np.zeros((1, 2)))
        self.text_visual = TextVisual()
        self.line_visual = LineVisual()
        self.tick_visual = UniformScatterVisual(marker="vbar", color=self.ax_color,
                                                size=self.tick_size)
        self.waveform_visual = PlotVisual()
        self.overlay_visual = PlotVisual()
        for v in (self.text_visual, self.line_visual, self.tick_visual, self.waveform_visual,
                  self.overlay_visual):
            self.canvas.add_visual(v)

    # Data (worker thread)
    # ------------------------------------------------------------------------------------------

    def get_clusters_data(self, cluster_ids):
        """Fetch the waveforms of the current type and pack them (worker thread)."""
        wtype = self.waveforms_type
        f = self.waveforms.get(wtype)
        if f is None or not cluster_ids:
            return None
        bunchs = [Bunch(f(c) or {}) for c in cluster_ids]
        ok = [(i, b) for i, b in enumerate(bunchs) if b.get("channel_ids") is not None
              and len(b.channel_ids)]
        if not ok:
            return None
        datas = {i: _waveform_data(b, wtype) for i, b in ok}
        channel_ids, box_pos, labels = channel_layout([b for _, b in ok])
        offsets = dict(zip([i for i, _ in ok],
                           cluster_offsets([[int(c) for c in b.channel_ids] for _, b in ok])))
        scale = self._bounds.get(wtype) or max_abs(datas.values())
        packed = pack_signals(
            [(i, datas[i], b.channel_ids, b.get("masks")) for i, b in ok], channel_ids, scale)
        alphas = {i: float(b.get("alpha", .75)) for i, b in ok}
        n_samples = packed.n_samples if packed is not None else 0
        return Bunch(
            waveforms_type=wtype, cluster_ids=list(cluster_ids), channel_ids=channel_ids,
            box_pos=box_pos, labels=labels, scale=scale, packed=packed, offsets=offsets,
            n_clu=max(offsets.values()) + 1, alphas=alphas,
            channels={i: [int(c) for c in b.channel_ids] for i, b in ok},
            wave_duration=(n_samples or 1) / self.sample_rate,
            overlay=self._overlay_data(cluster_ids, ok, datas, channel_ids, scale, n_samples))

    def _overlay_data(self, cluster_ids, ok, datas, channel_ids, scale, n_samples):
        """Mean waveforms and/or fitted main templates (one signal per cluster channel)."""
        wtype = self.waveforms_type
        items = []
        means = {i: d.mean(axis=0, keepdims=True) for i, d in datas.items()
                 if d is not None and d.size}
        if self.show_mean_overlay and wtype == "waveforms":
            items += [(i, means[i], b.channel_ids, None) for i, b in ok if i in means]
        f = self.waveforms.get("templates")
        if (self.show_template_overlay and f is not None and
                wtype in ("waveforms", "mean_waveforms") and n_samples):
            for i, b in ok:
                t = Bunch(f(cluster_ids[i]) or {})
                main = _main_template(t)
                if main is None or i not in means:
                    continue
                data, ch = restrict_channels(resample(main, n_samples), t.channel_ids,
                                             b.channel_ids)
                ref, _ = restrict_channels(means[i], b.channel_ids, ch)
                items.append((i, data * fit_scale(ref, data), ch, None))
        return pack_signals(items, channel_ids, scale) if items else None

    # Plot (GUI thread)
    # ------------------------------------------------------------------------------------------

    def plot(self, **kwargs):
        """Draw the packed waveforms (one draw call), axes, ticks, labels and overlays."""
        d = self.data
        if d is None or d.packed is None:
            for v in (self.waveform_visual, self.overlay_visual, self.line_visual,
                      self.tick_visual, self.text_visual):
                v.hide()
            return
        self._bounds.setdefault(d.waveforms_type, d.scale)
        self.channel_ids = d.channel_ids
        self.wave_duration = d.wave_duration
        self.canvas.boxed.update_boxes(d.box_pos)
        self._plot_signals(self.waveform_visual, d.packed, d.alphas, mix=0.)
        if d.overlay is not None:
            self._plot_signals(self.overlay_visual, d.overlay, {}, mix=self.overlay_color_mix)
            self.overlay_visual.show()
        else:
            self.overlay_visual.hide()
        self._plot_axes(d)
        self._plot_labels(d)

    def _x_table(self, d, n_samples):
        """x of every sample for each selected cluster (its slot when not overlapping)."""
        t = np.linspace(-1., 1., n_samples)
        n = len(d.cluster_ids)
        return np.array([overlap_transform(t, d.offsets.get(i, 0), d.n_clu, self.overlap)
                         for i in range(n)], dtype=np.float32)

    def _plot_signals(self, visual, p, alphas, mix):
        d = self.data
        n = len(d.cluster_ids)
        colors = np.array([add_alpha(self.get_cluster_color(i), alphas.get(i, 1.))
                           for i in range(n)], dtype=np.float32)
        if mix:
            colors[:, :3] = colors[:, :3] * (1 - mix) + mix
        x = self._x_table(d, p.n_samples)[p.signal_cluster].ravel()
        self.canvas.update_visual(
            visual, x=x, y=p.y, lengths=p.lengths, color=colors[p.signal_cluster],
            masks=p.signal_masks, box_index=p.box)
        visual.show()

    def _plot_axes(self, d):
        """y = 0 line and a tick every millisecond, per channel and cluster slot."""
        segs, seg_box, tick_x, tick_box = [], [], [], []
        steps = np.arange(np.round(d.wave_duration * 1000))
        t_ticks = -1 + 2 * (.001 * steps) / d.wave_duration
        lookup = {c: i for i, c in enumerate(d.channel_ids)}
        for i, channels in d.channels.items():
            a, b = overlap_transform(np.array([-1., 1.]), d.offsets[i], d.n_clu, self.overlap)
            xs = overlap_transform(t_ticks, d.offsets[i], d.n_clu, self.overlap)
            for c in channels:
                segs.append((a, 0., b, 0.))
                seg_box.append(lookup[c])
                tick_x.append(xs)
                tick_box.append(np.full(len(xs), lookup[c]))
        self.canvas.update_visual(self.line_visual, pos=np.array(segs), color=self.ax_color,
                                  box_index=np.repeat(np.array(seg_box, dtype=np.float32), 2))
        x = np.concatenate(tick_x) if tick_x else np.zeros(0)
        if len(x):
            self.canvas.update_visual(self.tick_visual, x=x, y=np.zeros_like(x),
                                      box_index=np.concatenate(tick_box).astype(np.float32))
            self.tick_visual.show()
        else:
            self.tick_visual.hide()
        self.line_visual.show()

    def _plot_labels(self, d):
        n = len(d.channel_ids)
        self.canvas.update_visual(
            self.text_visual, pos=np.tile([[-1., 0.]], (n, 1)),
            text=[d.labels[c] for c in d.channel_ids], anchor=(-1.25, 0.),
            box_index=np.arange(n, dtype=np.float32))
        self.text_visual.show() if self.do_show_labels else self.text_visual.hide()

    def _redraw(self):
        """Redraw the current data (no new fetch)."""
        if self.data is not None:
            self.plot()
            self.canvas.update()

    # GUI
    # ------------------------------------------------------------------------------------------

    def attach(self, gui):
        """Attach the view to the GUI and add its actions."""
        super().attach(gui)
        a = self.actions
        a.add(self.toggle_waveform_overlap, checkable=True, checked=self.overlap)
        a.add(self.toggle_show_labels, checkable=True, checked=self.do_show_labels)
        a.add(self.next_waveforms_type)
        a.add(self.previous_waveforms_type)
        a.add(self.toggle_mean_waveforms, checkable=True,
              checked=self.waveforms_type == "mean_waveforms")
        a.add(self.toggle_mean_overlay, checkable=True, checked=self.show_mean_overlay)
        if "templates" in self.waveforms:
            a.add(self.toggle_template_overlay, checkable=True,
                  checked=self.show_template_overlay)
        a.separator()
        a.add(self.widen)
        a.add(self.narrow)
        a.separator()
        a.add(self.extend_horizontally)
        a.add(self.shrink_horizontally)
        a.separator()
        a.add(self.extend_vertically)
        a.add(self.shrink_vertically)
        a.separator()

    @property
    def boxed(self):
        """The Boxed layout."""
        return self.canvas.boxed

    @property
    def status(self):
        return f"{super().status} {self.waveforms_type}".strip()

    # Overlap, labels, overlays
    # ------------------------------------------------------------------------------------------

    @property
    def overlap(self):
        """Whether the waveforms of different clusters overlap (else side by side)."""
        return self._overlap

    @overlap.setter
    def overlap(self, value):
        self._overlap = bool(value)
        self._redraw()

    def toggle_waveform_overlap(self, checked):
        """Toggle the overlap of the waveforms of different clusters."""
        self.overlap = checked

    def toggle_show_labels(self, checked):
        """Show or hide the channel labels."""
        self.do_show_labels = bool(checked)
        self.text_visual.show() if checked else self.text_visual.hide()
        self.canvas.update()

    def toggle_mean_overlay(self, checked):
        """Draw each cluster's mean waveform over its spikes."""
        self.show_mean_overlay = bool(checked)
        self.replot()

    def toggle_template_overlay(self, checked):
        """Draw each cluster's main template (fitted to the mean waveform) over its spikes."""
        self.show_template_overlay = bool(checked)
        self.replot()

    # Waveform types
    # ------------------------------------------------------------------------------------------

    @property
    def waveforms_type(self):
        """Current waveforms type (a key of ``waveforms``)."""
        return self.waveforms_types.current

    @waveforms_type.setter
    def waveforms_type(self, value):
        self.waveforms_types.set(value)

    def next_waveforms_type(self):
        """Switch to the next waveforms type."""
        self.waveforms_types.next()
        self.replot()

    def previous_waveforms_type(self):
        """Switch to the previous waveforms type."""
        self.waveforms_types.previous()
        self.replot()

    def toggle_mean_waveforms(self, checked):
        """Switch between the mean waveforms and the spike waveforms."""
        if self.waveforms_type == "mean_waveforms" and "waveforms" in self.waveforms:
            self.waveforms_types.set("waveforms")
        elif "mean_waveforms" in self.waveforms:
            self.waveforms_types.set("mean_waveforms")
        else:
            return
        self.replot()

    # Box scaling (waveforms) and probe scaling (box positions): uniforms only
    # ------------------------------------------------------------------------------------------

    def widen(self):
        """Increase the horizontal scaling of the waveforms."""
        self.boxed.expand_box_width()

    def narrow(self):
        """Decrease the horizontal scaling of the waveforms."""
        self.boxed.shrink_box_width()

    @property
    def box_scaling(self):
        """(x, y) scaling of the channel boxes."""
        return tuple(self.boxed._box_scaling)

    @box_scaling.setter
    def box_scaling(self, value):
        self.boxed._box_scaling = tuple(float(v) for v in value)
        self.boxed.update()

    def _get_scaling_value(self):
        return self.boxed._box_scaling[1]

    def _set_scaling_value(self, value):
        w, _ = self.boxed._box_scaling
        self.box_scaling = (w, float(np.clip(value, 1e-3, 1e3)))

    @property
    def probe_scaling(self):
        """(x, y) scaling of the box positions."""
        return tuple(self.boxed._layout_scaling)

    @probe_scaling.setter
    def probe_scaling(self, value):
        self.boxed._layout_scaling = tuple(float(v) for v in value)
        self.boxed.update()

    def extend_horizontally(self):
        """Increase the horizontal scaling of the probe."""
        self.boxed.expand_layout_width()

    def shrink_horizontally(self):
        """Decrease the horizontal scaling of the probe."""
        self.boxed.shrink_layout_width()

    def extend_vertically(self):
        """Increase the vertical scaling of the probe."""
        self.boxed.expand_layout_height()

    def shrink_vertically(self):
        """Decrease the vertical scaling of the probe."""
        self.boxed.shrink_layout_height()

    # Channel click
    # ------------------------------------------------------------------------------------------

    def on_mouse_click(self, e):
        """ctrl+click (or click with a digit key held) on a channel box: emit
        ``channel_click`` and phy 2.1's ``select_channel`` (channel_id, key, button)."""
        if not self.channel_ids or not ("Control" in e.modifiers or e.key in _DIGITS):
            return
        key = int(e.key) if e.key in _DIGITS else None
        box, _ = self.boxed.box_map(e.pos)
        channel_id = int(self.channel_ids[box])
        logger.debug("Click on channel %d (key %s, button %s).", channel_id, key, e.button)
        emit("channel_click", self, channel_id=channel_id, key=key, button=e.button)
        emit("select_channel", self, channel_id=channel_id, key=key, button=e.button)


def _waveform_data(b, what):
    """The bunch's data as (n_spikes, n_samples, n_ch), or None."""
    data = b.get("data")
    if data is None:
        return None
    data = np.asarray(data)
    if data.ndim == 2:
        data = data[np.newaxis]
    if data.ndim != 3 or data.shape[2] != len(b.channel_ids):
        raise DataError(None, f"{what}: waveforms of shape {data.shape} for "
                        f"{len(b.channel_ids)} channels",
                        "return data as (n_spikes, n_samples, n_channels_loc)")
    return data


def _main_template(t):
    """(1, n_samples, n_ch) template of a ``templates`` bunch with the largest mask."""
    data = _waveform_data(t, "templates") if t.get("channel_ids") is not None else None
    if data is None or not data.size:
        return None
    masks = t.get("masks")
    i = int(np.argmax(np.asarray(masks)[:, 0])) if masks is not None else 0
    return data[i:i + 1]
