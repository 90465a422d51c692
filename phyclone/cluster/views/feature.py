"""FeatureView: a grid of 2D projections of the PC features (and spike attributes such as
time) of the selected clusters over grey background spikes, phy 2.1's API."""

import logging
import re

import numpy as np

from phyclone.plot import LineVisual, ScatterVisual, TextVisual
from phyclone.utils import Bunch
from phyclone.utils.errors import DataError
from phyclone.utils.event import emit

from .base import LassoMixin, ManualClusteringView, MarkerSizeMixin, ScalingMixin

logger = logging.getLogger(__name__)

_PCS = "ABCDEFGHIJ"
BACKGROUND_COLOR = (.5, .5, .5, .5)
_DEFAULT_GRID = """
    time,0A 1A,0A   0B,0A   1B,0A
    0A,1A   time,1A 0B,1A   1B,1A
    0A,0B   1A,0B   time,0B 1B,0B
    0A,1B   1A,1B   0B,1B   time,1B
    """


def parse_grid_dim(grid_dim):
    """A grid specification as a list of rows of 'x,y' strings.

    Accepts a 2D list/array of strings, or a string with one row per line (or rows separated
    by ';') and whitespace-separated cells. Each dimension is a relative channel index and a
    PC letter (``0A``: first PC on the first channel, ``1B``: second PC on the second
    channel) or an attribute name (``time``).
    """
    if isinstance(grid_dim, str):
        lines = [ln for ln in re.split(r"[;\n]", grid_dim) if ln.strip()]
        grid_dim = [re.split(r"\s+", ln.strip()) for ln in lines]
    rows = [[str(cell).strip() for cell in row] for row in np.asarray(grid_dim, dtype=object)]
    if not rows or not rows[0] or any(len(r) != len(rows[0]) for r in rows):
        raise DataError(None, f"grid_dim must be a non-empty rectangular grid, got {grid_dim!r}",
                        "pass rows of equal length, e.g. [['0A,1A', 'time,0A']]")
    for cell in (c for r in rows for c in r):
        if len(cell.split(",")) != 2:
            raise DataError(None, f"bad grid cell {cell!r}", "write cells as 'x,y', e.g. '0A,1B'")
    return rows


def default_grid():
    """phy's 4x4 grid: time and the first two PCs of the two best channels."""
    return parse_grid_dim(_DEFAULT_GRID)


def is_channel_dim(dim):
    """Whether a dimension is (relative channel, PC) like ``0A`` rather than an attribute."""
    return len(dim) >= 2 and dim[:-1].isdecimal() and dim[-1] in _PCS


def choose_channels(bunchs):
    """The channels shown: those common to every cluster (in the first cluster's order),
    then the first cluster's remaining ones, as many as the first cluster has (phy)."""
    first = [int(c) for c in bunchs[0].channel_ids]
    common = list(first)
    for b in bunchs[1:]:
        theirs = set(int(c) for c in b.channel_ids)
        common = [c for c in common if c in theirs]
    rest = [c for c in first if c not in common]
    return common + rest[:len(first) - len(common)]


def _uniq(seq):
    seen = set()
    return [x for x in seq if not (x in seen or seen.add(x))]


class FeatureView(MarkerSizeMixin, ScalingMixin, LassoMixin, ManualClusteringView):
    """Projections of the features of the selected clusters in a grid of subplots.

    Constructor
    -----------
    features : function ``(cluster_id=None, channel_ids=None, load_all=False)`` ->
        ``Bunch(data (n_spikes, n_channels, n_pcs), spike_ids, channel_ids, channel_labels,
        masks (n_spikes, n_channels), optional)``. ``cluster_id=None``: background spikes.
        Without ``channel_ids`` the cluster's best channels are used.
    attributes : dict ``{name: function (cluster_id=None, load_all=False) -> Bunch(data,
        spike_ids, lim)}`` (e.g. ``time``), usable as grid dimensions.

    The channels follow the first selected cluster's best channels unless they are fixed
    (``toggle_automatic_channel_selection``) or chosen by clicking on a channel in the
    waveform view (``channel_click``: left button / key 1 -> first channel, right button /
    key 2 -> second channel).
    """

    max_n_clusters = 8
    _default_position = "right"
    data_priority = 2  # the longest data to prepare (PC features of two sets of spikes)
    fixed_channels = False
    feature_scaling = 1.
    background_color = BACKGROUND_COLOR
    cluster_alpha = .5

    default_shortcuts = {
        "change_marker_size": "alt+wheel",
        "increase": "ctrl++",
        "decrease": "ctrl+-",
        "add_lasso_point": "ctrl+click",
        "stop_lasso": "ctrl+right click",
        "toggle_automatic_channel_selection": "c",
    }
    state_attrs = ManualClusteringView.state_attrs + (
        "fixed_channels", "feature_scaling", "marker_size")

    def __init__(self, features=None, attributes=None, **kwargs):
        if features is None:
            raise DataError(None, "FeatureView needs a features function",
                            "pass features=controller.get_features")
        self.features = features
        self.attributes = dict(attributes or {})
        self.channel_ids = None
        self.channel_labels = {}
        self._request_fixed = False
        self._frame = None
        super().__init__(**kwargs)
        self.grid_dim = default_grid()
        self.n_rows, self.n_cols = len(self.grid_dim), len(self.grid_dim[0])
        self.canvas.set_layout("grid", shape=(self.n_rows, self.n_cols))
        self._frame = self.canvas.grid.add_boxes(self.canvas)
        self.line_visual = LineVisual()
        self.visual = ScatterVisual()
        self.text_visual = TextVisual()
        for v in (self.line_visual, self.visual, self.text_visual):
            self.canvas.add_visual(v)

    # Grid
    # ------------------------------------------------------------------------------------------

    def set_grid_dim(self, grid_dim):
        """Change the grid: rows of 'x,y' cells ('0A,1B', 'time,2C'...; see
        ``parse_grid_dim``)."""
        self.grid_dim = parse_grid_dim(grid_dim)
        self.n_rows, self.n_cols = len(self.grid_dim), len(self.grid_dim[0])
        self.canvas.grid.shape = (self.n_rows, self.n_cols)
        if self._frame is not None:
            self.canvas.remove(self._frame)
        self._frame = self.canvas.grid.add_boxes(self.canvas)
        if self.data is not None:
            self.plot()
            self.canvas.update()

    def _iter_subplots(self, grid_dim=None):
        for i, row in enumerate(self.grid_dim if grid_dim is None else grid_dim):
            for j, cell in enumerate(row):
                dim_x, dim_y = cell.split(",")
                yield i, j, dim_x, dim_y

    def _channel_and_pc(self, dim, channel_ids=None):
        channel_ids = self.channel_ids if channel_ids is None else channel_ids
        if not channel_ids:
            return None
        return int(channel_ids[int(dim[:-1]) % len(channel_ids)]), _PCS.index(dim[-1])

    # Data (worker thread)
    # ------------------------------------------------------------------------------------------

    def get_clusters_data(self, cluster_ids):
        """Features of the selected clusters and of the background spikes on the chosen
        channels, with the attributes (worker thread)."""
        fixed_now = list(self.channel_ids) if self.channel_ids else None
        fixed = (self.fixed_channels or self._request_fixed) and fixed_now is not None
        clusters = []
        for i, cid in enumerate(cluster_ids):
            b = Bunch(self.features(cid, channel_ids=fixed_now if fixed else None) or {})
            if b.get("data") is None or not len(b.data):
                continue
            clusters.append(self._spike_data(b, i, cid))
        if not clusters:
            return None
        channel_ids = fixed_now if fixed else choose_channels(clusters)
        labels = {}
        for b in clusters:
            lab = b.get("channel_labels")
            labels.update({int(c): str(lab[k]) if lab is not None else str(c)
                           for k, c in enumerate(b.channel_ids)})
        labels.update({c: str(c) for c in channel_ids if c not in labels})
        bg = Bunch(self.features(channel_ids=channel_ids) or {})
        background = self._spike_data(bg, None, None) if bg.get("data") is not None and len(
            bg.data) else None
        lim = max(float(np.abs(b.data).max()) for b in clusters) or 1.
        d = Bunch(clusters=clusters, background=background, channel_ids=channel_ids,
                  labels=labels, lim=lim if np.isfinite(lim) else 1.)
        d.layout = self._layout(d)
        return d

    def _spike_data(self, b, index, cluster_id, load_all=False):
        b.data = np.asarray(b.data)
        b.channel_ids = [int(c) for c in b.channel_ids]
        b.index, b.cluster_id = index, cluster_id
        b.attrs = {}
        for name, f in self.attributes.items():
            a = f(cluster_id, load_all=load_all)
            if a is not None and a.get("data") is not None:
                b.attrs[name] = a
        return b

    # Plot (GUI thread)
    # ------------------------------------------------------------------------------------------

    def _axis(self, b, dim, channel_ids, lim, scaling=1.):
        """(values, (vmin, vmax), masks or None) of a bunch along a dimension."""
        if dim in self.attributes:
            a = b.attrs.get(dim)
            if a is None:
                return np.zeros(len(b.data)), (-1., 1.), None
            v = np.asarray(a.data, dtype=np.float64)
            lim = a.get("lim")
            if lim is None:
                lim = (v.min(), v.max()) if len(v) else (0., 1.)
            lo, hi = float(lim[0]), float(lim[1])
            return v, (lo, hi if hi > lo else lo + 1.), None
        if not is_channel_dim(dim):
            raise DataError(None, f"unknown feature dimension {dim!r}",
                            f"use a channel/PC like 0A or one of {sorted(self.attributes)}")
        channel_id, pc = self._channel_and_pc(dim, channel_ids)
        m = lim / scaling
        if channel_id not in b.channel_ids or pc >= b.data.shape[2]:
            return np.zeros(len(b.data)), (-m, m), None
        col = b.channel_ids.index(channel_id)
        masks = b.get("masks")
        return b.data[:, col, pc], (-m, m), None if masks is None else np.asarray(masks)[:, col]

    def _normalized(self, b, dim_x, dim_y, channel_ids, lim, scaling=1.):
        """(n, 2) positions of a bunch in a subplot, in NDC, and the masks."""
        x, (x0, x1), mx = self._axis(b, dim_x, channel_ids, lim, scaling)
        y, (y0, y1), my = self._axis(b, dim_y, channel_ids, lim, scaling)
        pos = np.empty((len(x), 2), dtype=np.float32)
        pos[:, 0] = (np.asarray(x) - x0) * (2. / (x1 - x0)) - 1.
        pos[:, 1] = (np.asarray(y) - y0) * (2. / (y1 - y0)) - 1.
        masks = None if mx is None or my is None else np.maximum(mx, my)
        return pos, masks

    def _color(self, b, n, masks):
        if b.index is None:
            color = np.array(self.background_color, dtype=np.float32)
        else:
            color = np.array(self.get_cluster_color(b.index, self.cluster_alpha),
                             dtype=np.float32)
        if masks is None:
            return np.broadcast_to(color, (n, 4))
        grey = np.array(self.background_color[:3], dtype=np.float32)
        out = np.empty((n, 4), dtype=np.float32)
        out[:, :3] = grey + (color[:3] - grey) * np.clip(masks, 0, 1)[:, None]
        out[:, 3] = color[3]
        return out

    def _layout_key(self, d):
        return (tuple(map(tuple, self.grid_dim)), tuple(d.channel_ids))

    def _layout(self, d):
        """Every point of every subplot (background first, then the clusters) at scaling 1:
        NDC positions, colours, subplot indices, and the point range of each subplot with
        whether its x / y are PC dimensions (scaled by ``feature_scaling``)."""
        key = self._layout_key(d)
        bunchs = ([d.background] if d.background is not None else []) + d.clusters
        pos, color, box, spans = [], [], [], []
        n = 0
        for i, j, dim_x, dim_y in self._iter_subplots(key[0]):
            start = n
            for b in bunchs:
                p, masks = self._normalized(b, dim_x, dim_y, d.channel_ids, d.lim)
                pos.append(p)
                color.append(self._color(b, len(p), masks))
                n += len(p)
            box.append(np.broadcast_to(np.array([i, j], dtype=np.float32), (n - start, 2)))
            spans.append((start, n, is_channel_dim(dim_x), is_channel_dim(dim_y)))
        return Bunch(key=key, pos=np.concatenate(pos), color=np.concatenate(color),
                     box=np.concatenate(box), spans=spans)

    def plot(self, **kwargs):
        """Draw every subplot of every cluster (and the background) in one draw call."""
        d = self.data
        if d is None:
            self.visual.hide()
            self.text_visual.hide()
            return
        self.channel_ids = list(d.channel_ids)
        self.channel_labels = d.labels
        self._request_fixed = False
        if d.layout.key != self._layout_key(d):  # the grid changed since the data came
            d.layout = self._layout(d)
        lay = d.layout
        pos, s = lay.pos, np.float32(self.feature_scaling)
        if s != 1:
            pos = pos.copy()
            for a, b, sx, sy in lay.spans:
                for k, scaled in ((0, sx), (1, sy)):
                    if scaled:
                        pos[a:b, k] *= s
        self.canvas.update_visual(self.visual, pos=pos, color=lay.color,
                                  size=self.marker_size, box_index=lay.box)
        texts, text_pos, text_anchor, text_box = [], [], [], []
        for i, j, dim_x, dim_y in self._iter_subplots():
            texts += [self._label(dim_y), self._label(dim_x)]
            text_pos += [(1., 1.), (0., -1.)]
            text_anchor += [(-1., -1.), (0., 1.)]
            text_box += [(i, j), (i, j)]
        self.canvas.update_visual(self.text_visual, pos=np.array(text_pos), text=texts,
                                  anchor=np.array(text_anchor),
                                  box_index=np.array(text_box, dtype=np.float32))
        n = self.n_rows * self.n_cols
        cross = np.tile([[-1., 0., 1., 0.], [0., -1., 0., 1.]], (n, 1))
        cells = np.array([(i, j) for i in range(self.n_rows) for j in range(self.n_cols)],
                         dtype=np.float32)
        self.canvas.update_visual(self.line_visual, pos=cross, color=(.5, .5, .5, .5),
                                  box_index=np.repeat(cells, 4, axis=0))
        self.visual.show()
        self.text_visual.show()

    def _label(self, dim):
        if is_channel_dim(dim) and self.channel_ids:
            channel_id, _ = self._channel_and_pc(dim)
            return self.channel_labels.get(channel_id, str(channel_id)) + dim[-1]
        return dim

    def on_marker_size_changed(self):
        if self.data is not None and self.visual.n_vertices:
            self.visual.set_marker_size(self.marker_size)
            self.canvas.update()

    def _get_scaling_value(self):
        return self.feature_scaling

    def _set_scaling_value(self, value):
        self.feature_scaling = float(np.clip(value, 1e-3, 1e3))
        if self.data is not None:
            self.plot()
            self.canvas.update()

    # Selection and channels
    # ------------------------------------------------------------------------------------------

    def on_select(self, cluster_ids=(), **kwargs):
        """Follow the selection; the channels stay fixed after a clustering action that
        created clusters (``up.added``), as phy."""
        up = kwargs.get("up")
        added = up.get("added") if isinstance(up, dict) else getattr(up, "added", None)
        self._request_fixed = bool(kwargs.get("fixed_channels")) or added is not None
        super().on_select(cluster_ids=cluster_ids, **kwargs)

    def clear_channels(self):
        """Forget the current channels (the next plot chooses them again)."""
        self.channel_ids = None
        self.replot()

    def toggle_automatic_channel_selection(self, checked):
        """Choose the channels automatically from the first selected cluster."""
        self.fixed_channels = not checked

    def on_select_channel(self, sender=None, channel_id=None, key=None, button=None):
        """A channel was clicked in another view: show it on the first (left button, key 1)
        or second (right button, key 2...) relative channel, keeping the two different."""
        channels = list(self.channel_ids or [])
        if not channels or channel_id is None:
            return
        channel_id = int(channel_id)
        if len(channels) == 1:
            channels = [channel_id]
        else:
            if key is not None:
                d = max(0, min(len(channels) - 1, int(key) - 1))
            else:
                d = 0 if button == "Left" else 1
            old = channels[d]
            if channel_id == old:
                return
            channels[d] = channel_id
            other = 1 - min(d, 1)
            if channels[other] == channel_id:
                channels[other] = old
        self.channel_ids = _uniq(channels)
        logger.debug("Feature view channels: %s.", self.channel_ids[:2])
        self._request_fixed = True
        self.replot()

    on_channel_click = on_select_channel

    def attach(self, gui):
        """Attach to the GUI: actions, and follow channel clicks of other views."""
        super().attach(gui)
        self.actions.add(self.toggle_automatic_channel_selection,
                         checked=not self.fixed_channels, checkable=True)
        self.actions.add(self.clear_channels)
        self.actions.separator()
        self._connect(self.on_channel_click, event="channel_click")

    @property
    def status(self):
        if not self.channel_ids:
            return super().status
        labels = [self.channel_labels.get(c, str(c)) for c in self.channel_ids[:2]]
        return f"{super().status} channels: {', '.join(labels)}".strip()

    # Clicks and lasso
    # ------------------------------------------------------------------------------------------

    def on_mouse_click(self, e):
        """alt+click on a subplot: emit ``select_feature(dim, channel_id, pc)`` for its x
        (left button) or y (right button) dimension, as phy."""
        if "Alt" not in e.modifiers or not self.channel_ids:
            return
        (i, j), _ = self.canvas.grid.box_map(e.pos)
        dim_x, dim_y = self.grid_dim[i][j].split(",")
        dim, other = (dim_x, dim_y) if e.button == "Left" else (dim_y, dim_x)
        if dim in self.attributes or not is_channel_dim(dim):
            pc = None
            cp = self._channel_and_pc(other) if is_channel_dim(other) else None
            channel_id = cp[0] if cp else None
        else:
            channel_id, pc = self._channel_and_pc(dim)
        emit("select_feature", self, dim=dim, channel_id=channel_id, pc=pc)

    def get_lasso_points(self, box):
        """All spikes of the selected clusters in the subplot of the lasso, in its NDC."""
        d = self.data
        i, j = box
        dim_x, dim_y = self.grid_dim[i][j].split(",")
        spike_ids, points = [], []
        for k, cid in enumerate(self.cluster_ids):
            b = Bunch(self.features(cid, channel_ids=self.channel_ids, load_all=True) or {})
            if b.get("data") is None or not len(b.data):
                continue
            b = self._spike_data(b, k, cid, load_all=True)
            p, _ = self._normalized(b, dim_x, dim_y, self.channel_ids, d.lim,
                                    self.feature_scaling)
            points.append(p)
            spike_ids.append(np.asarray(b.spike_ids))
        if not points:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 2))
        return np.concatenate(spike_ids), np.concatenate(points)
