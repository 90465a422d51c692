"""ProbeView: every channel of the probe as a grey dot; the best channels of the selected
clusters in the clusters' colours (phy 2.1's API), labels, channel click."""

import logging
from collections import defaultdict

import numpy as np

from phyclone.plot import ScatterVisual, TextVisual, get_non_overlapping_boxes
from phyclone.utils import Bunch
from phyclone.utils.errors import DataError
from phyclone.utils.event import emit

from .base import ManualClusteringView

logger = logging.getLogger(__name__)

_DIGITS = tuple(str(i) for i in range(10))


def probe_layout(positions):
    """Positions spread as non-overlapping boxes (so that staggered sites do not touch) and
    their data bounds with a 5 % margin (phy's)."""
    pos, _ = get_non_overlapping_boxes(np.asarray(positions, dtype=np.float64))
    (x0, y0), (x1, y1) = pos.min(axis=0), pos.max(axis=0)
    w, h = (x1 - x0) or 1., (y1 - y0) or 1.
    k = .05
    return pos, (x0 - w * k, y0 - h * k, x1 + w * k, y1 + h * k)


class ProbeView(ManualClusteringView):
    """The probe's channels, highlighting those where the selected clusters are.

    Constructor
    -----------
    positions : (n_channels, 2) channel positions.
    best_channels : function ``cluster_id -> list of channel ids``.
    channel_labels : list of channel label strings (default: the channel indices).
    dead_channels : list of dead channel ids (drawn faded).

    ctrl+click on a channel emits ``channel_click`` and ``select_channel`` (channel_id,
    key, button), as a click on a box of the waveform view.
    """

    max_n_clusters = 20
    _default_position = "right"
    unselected_marker_size = 10
    selected_marker_size = 15
    dead_channel_alpha = .25
    do_show_labels = False
    max_labels = 200  # at most this many labels on the visible height
    state_attrs = ManualClusteringView.state_attrs + ("do_show_labels",)

    def __init__(self, positions=None, best_channels=None, channel_labels=None,
                 dead_channels=None, **kwargs):
        positions = np.asarray(positions, dtype=np.float64) if positions is not None else None
        if positions is None or positions.ndim != 2 or positions.shape[1] != 2 or \
                not len(positions):
            raise DataError(None, f"ProbeView needs (n_channels, 2) positions, got "
                            f"{None if positions is None else positions.shape}",
                            "pass positions=model.channel_positions")
        super().__init__(**kwargs)
        self.positions, self.data_bounds = probe_layout(positions)
        self.n_channels = len(positions)
        self.best_channels = best_channels
        self.channel_labels = ([str(c) for c in channel_labels] if channel_labels is not None
                               else [str(c) for c in range(self.n_channels)])
        self.dead_channels = np.asarray(dead_channels if dead_channels is not None else [],
                                        dtype=np.int64)
        self._label_step = None
        color = np.full((self.n_channels, 4), .5)
        color[:, 3] = 1.
        color[self.dead_channels, 3] = self.dead_channel_alpha
        self.probe_visual = ScatterVisual()
        self.canvas.add_visual(self.probe_visual, pos=self.positions,
                               data_bounds=self.data_bounds, color=color,
                               size=self.unselected_marker_size)
        self.cluster_visual = ScatterVisual()
        self.canvas.add_visual(self.cluster_visual)
        self.text_visual = TextVisual()
        self.canvas.add_visual(self.text_visual)
        self._update_labels()

    # Labels: every k-th label so that at most ``max_labels`` fit the visible height
    # ------------------------------------------------------------------------------------------

    def _label_stride(self):
        zoom = self.canvas.panzoom.zoom[1] if self.canvas.panzoom is not None else 1.
        return max(1, int(np.ceil(self.n_channels / (self.max_labels * max(zoom, 1e-9)))))

    def _update_labels(self):
        step = self._label_stride()
        if step == self._label_step:
            return
        self._label_step = step
        keep = np.arange(0, self.n_channels, step)
        color = np.ones((len(keep), 4))
        dead = np.isin(keep, self.dead_channels)
        color[dead, :3] = self.dead_channel_alpha * 2
        self.text_visual.set_data(pos=self.positions[keep], text=[self.channel_labels[i] for
                                                                   i in keep],
                                  anchor=(0, -1), data_bounds=self.data_bounds, color=color)
        self.text_visual.show() if self.do_show_labels else self.text_visual.hide()

    def on_pan_zoom(self, e):
        if self.do_show_labels:
            self._update_labels()

    # Selection
    # ------------------------------------------------------------------------------------------

    def get_clusters_data(self, cluster_ids):
        """Positions and colours of one disc per (selected cluster, best channel); discs of
        clusters sharing a channel sit side by side (worker thread)."""
        if not cluster_ids or self.best_channels is None:
            return None
        per_channel = defaultdict(list)
        for i, cid in enumerate(cluster_ids):
            for c in self.best_channels(cid):
                if 0 <= int(c) < self.n_channels:
                    per_channel[int(c)].append(i)
        w = self.data_bounds[2] - self.data_bounds[0]
        pos, clu = [], []
        for c in sorted(per_channel):
            idx = per_channel[c]
            x, y = self.positions[c]
            for k, i in enumerate(idx):
                pos.append((x + .025 * w * (k - .5 * (len(idx) - 1)), y))
                clu.append(i)
        channels = sorted(per_channel)
        return Bunch(pos=np.array(pos).reshape(-1, 2), cluster_index=np.array(clu, dtype=int),
                     channel_of_disc=np.repeat(channels, [len(per_channel[c])
                                                          for c in channels]).astype(int))

    def plot(self, **kwargs):
        d = self.data
        if d is None or not len(d.pos):
            self.cluster_visual.hide()
            return
        colors = np.array([self.get_cluster_color(i) for i in d.cluster_index])
        colors[np.isin(d.channel_of_disc, self.dead_channels), 3] = self.dead_channel_alpha
        self.canvas.update_visual(self.cluster_visual, pos=d.pos, color=colors,
                                  size=self.selected_marker_size, data_bounds=self.data_bounds)
        self.cluster_visual.show()

    # GUI
    # ------------------------------------------------------------------------------------------

    def attach(self, gui):
        super().attach(gui)  # restores do_show_labels from the GUI state
        self.actions.add(self.toggle_show_labels, checkable=True, checked=self.do_show_labels)
        self.toggle_show_labels(self.do_show_labels)

    def toggle_show_labels(self, checked):
        """Show or hide the channel labels."""
        self.do_show_labels = bool(checked)
        if checked:
            self._label_step = None
            self._update_labels()
        else:
            self.text_visual.hide()
        self.canvas.update()

    def channel_at(self, pos):
        """The channel nearest to a mouse position (pixels)."""
        x, y = self.canvas.window_to_ndc(pos)
        x0, y0, x1, y1 = self.data_bounds
        p = np.array([x0 + (x + 1) / 2 * (x1 - x0), y0 + (y + 1) / 2 * (y1 - y0)])
        return int(np.argmin(((self.positions - p) ** 2).sum(axis=1)))

    def on_mouse_click(self, e):
        """ctrl+click (or click with a digit key held) on a channel: emit
        ``channel_click`` and ``select_channel``."""
        if not ("Control" in e.modifiers or e.key in _DIGITS):
            return
        key = int(e.key) if e.key in _DIGITS else None
        channel_id = self.channel_at(e.pos)
        emit("channel_click", self, channel_id=channel_id, key=key, button=e.button)
        emit("select_channel", self, channel_id=channel_id, key=key, button=e.button)
