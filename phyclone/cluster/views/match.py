"""MatchView: spyke's template matching of the selected cluster.

The histogram (log counts) of the match errors between the selected cluster's template and
its candidate events (every spike whose max channel lies near the template's), the current
members in the cluster's colour, the threshold as a vertical line the user drags; below it,
the event table (id, max channel, time, error; sortable, click a header). Actions (menu,
shortcut, snippet): match the selected cluster, assign the events below the threshold to it
(one undoable, journaled clustering action), find the spikes detection missed (mode B),
add those missed spikes to the cluster (one undoable, journaled action that adds spikes to
the dataset; saving writes them). A dataset that cannot take new spikes (Kwik) says so in
the status bar; ``export_template_folder DIR`` writes it as a new template-gui folder.

Constructor: ``match(cluster_id)`` → ``Bunch(spike_ids, errors, members, threshold,
max_channels, times)``; ``assign(cluster_id, spike_ids)``; ``find_missed(cluster_id,
threshold)`` → ``Bunch(spike_samples, errors)``; ``add_missed(cluster_id, missed)``;
``add_refusal()`` → why the dataset cannot take new spikes ('' when it can);
``export_folder(dir)`` (None when there is no such export).
"""

import logging

import numpy as np

from phyclone.gui.table import Table
from phyclone.qt import QVBoxLayout, QWidget
from phyclone.utils import Bunch

from .matplotlib_view import ManualClusteringViewMatplotlib

logger = logging.getLogger(__name__)

N_BINS = 100


class MatchView(ManualClusteringViewMatplotlib):
    """Match errors of the selected cluster's template (see module)."""

    max_n_clusters = 1
    _default_position = "right"
    default_shortcuts = {"match_cluster": "shift+alt+m", "assign_below_threshold": "shift+alt+a",
                         "find_missed_spikes": "shift+alt+f", "add_missed_spikes": "shift+alt+s"}
    default_snippets = {"match_cluster": "match", "assign_below_threshold": "massign",
                        "find_missed_spikes": "mfind", "add_missed_spikes": "madd",
                        "set_threshold": "mthr", "export_template_folder": "mexport"}

    def __init__(self, match=None, assign=None, find_missed=None, add_missed=None,
                 add_refusal=None, export_folder=None, **kwargs):
        super().__init__(**kwargs)
        self.match = match
        self.assign = assign
        self.find_missed = find_missed
        self.add_missed = add_missed
        self.add_refusal = add_refusal
        self.export_folder = export_folder
        self.message = ""
        self.threshold = None
        self.missed = None
        self._line = None
        self._dragging = False
        self.table = Table(columns=["id", "max_channel", "time", "error"], sort=("error", "asc"),
                           title="events")
        self._widget = None

    @property
    def canvas(self):
        """The dock's widget: the histogram above the event table."""
        if self._widget is None:
            from phyclone.qt import matplotlib_canvas
            self._widget = QWidget()
            layout = QVBoxLayout(self._widget)
            layout.setContentsMargins(0, 0, 0, 0)
            layout.addWidget(matplotlib_canvas(self.figure), 2)
            layout.addWidget(self.table, 1)
            mpl = self.figure.canvas
            mpl.mpl_connect("button_press_event", self._on_press)
            mpl.mpl_connect("motion_notify_event", self._on_motion)
            mpl.mpl_connect("button_release_event", self._on_release)
        return self._widget

    @canvas.setter
    def canvas(self, value):
        pass

    # Data -------------------------------------------------------------------------------------
    def get_clusters_data(self, cluster_ids):
        if not cluster_ids or self.match is None:
            return None
        return self.match(int(cluster_ids[0]))

    def plot(self, **kwargs):
        ax, = self.subplots().flat
        self._line = None
        d = self.data
        if d is None or not len(d.errors):
            ax.set_title("no candidate events", color="w", fontsize=9)
            self.table.remove_all()
            return
        self.threshold = float(d.threshold)
        x = np.log10(np.maximum(d.errors, 1e-30))
        finite = np.isfinite(x)
        lo, hi = np.percentile(x[finite], [0.5, 99.9]) if finite.any() else (0, 1)
        lo = min(lo, np.log10(self.threshold)) - .1
        hi = max(hi, np.log10(self.threshold)) + .1
        bins = np.linspace(lo, hi, N_BINS + 1)
        ax.hist(np.clip(x, lo, hi), bins=bins, color=(.6, .6, .6), log=True,
                histtype="stepfilled", label="candidates")
        if d.members.any():
            ax.hist(np.clip(x[d.members], lo, hi), bins=bins, color=self.get_cluster_color(0)[:3],
                    log=True, histtype="stepfilled", alpha=.8, label="members")
        self._line = ax.axvline(np.log10(self.threshold), color="w", lw=1.5)
        ax.set_xlabel("log10 match error", color="w", fontsize=8)
        self._update_table()

    def _update_table(self):
        d = self.data
        below = d.errors < self.threshold
        rows = [dict(id=int(s), max_channel=int(c), time=round(float(t), 5), error=float(e),
                     is_masked=not b)
                for s, c, t, e, b in zip(d.spike_ids, d.max_channels, d.times, d.errors, below)]
        self.table.remove_all_and_add(rows)
        self.update_status()

    @property
    def status(self):
        base = super().status
        if self.data is None or self.threshold is None:
            return base
        below = int((self.data.errors < self.threshold).sum())
        extra = f" threshold {self.threshold:.4g}: {below}/{len(self.data.errors)} below"
        if self.missed is not None:
            extra += f", {len(self.missed.spike_samples)} missed spikes found"
        if self.message:
            extra += f" — {self.message}"
        return base + extra

    def _say(self, message):
        """A message in the view's status and the GUI's status bar (never a dialog)."""
        self.message = message
        logger.warning(message)
        if self.gui is not None:
            self.gui.status_message = message
        self.update_status()

    # Threshold dragging -----------------------------------------------------------------------
    def _near_line(self, e):
        if self._line is None or e.inaxes is None or e.xdata is None:
            return False
        x0, x1 = e.inaxes.get_xlim()
        return abs(e.xdata - self._line.get_xdata()[0]) < 0.02 * (x1 - x0)

    def _on_press(self, e):
        self._dragging = self._near_line(e)

    def _on_motion(self, e):
        if self._dragging and e.xdata is not None:
            self._line.set_xdata([e.xdata, e.xdata])
            self.figure.canvas.draw_idle()

    def _on_release(self, e):
        if self._dragging and e.xdata is not None:
            self.set_threshold(10 ** e.xdata)
        self._dragging = False

    def set_threshold(self, value):
        """Set the match-error threshold (the line; the events below it are assigned)."""
        self.threshold = float(value)
        if self._line is not None:
            self._line.set_xdata([np.log10(self.threshold)] * 2)
            self.figure.canvas.draw_idle()
        if self.data is not None:
            self._update_table()

    # Actions ----------------------------------------------------------------------------------
    def attach(self, gui):
        super().attach(gui)
        self.actions.add(self.match_cluster, set_busy=True)
        self.actions.add(self.assign_below_threshold)
        self.actions.add(self.find_missed_spikes, set_busy=True)
        self.actions.add(self.add_missed_spikes, set_busy=True)
        if self.export_folder is not None:
            self.actions.add(self.export_template_folder, prompt=True, n_args=1)
        self.actions.add(self.set_threshold, prompt=True, n_args=1)

    def match_cluster(self):
        """Match the selected cluster's template against its candidate events."""
        self.missed = None
        self.message = ""
        self.replot()

    def below_threshold(self):
        """Spike ids of the candidate events below the threshold."""
        if self.data is None:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(self.data.spike_ids)[self.data.errors < self.threshold]

    def assign_below_threshold(self):
        """Assign the events below the threshold to the selected cluster (undoable)."""
        if not self.cluster_ids or self.assign is None or self.data is None:
            return None
        return self.assign(self.cluster_ids[0], self.below_threshold())

    def find_missed_spikes(self):
        """Slide the template over the recording: spikes no detected event explains."""
        if not self.cluster_ids or self.find_missed is None or self.threshold is None:
            return None
        self.missed = self.find_missed(self.cluster_ids[0], self.threshold)
        self.message = ""
        why = self.add_refusal() if self.add_refusal is not None else ""
        if why and len(self.missed.spike_samples):
            self._say(why)  # said now, before the user tries to add them
        self.update_status()
        return self.missed

    def add_missed_spikes(self):
        """Add the missed spikes found to the selected cluster (undoable; saving writes
        them into the dataset)."""
        if not self.cluster_ids or self.add_missed is None:
            return None
        if self.missed is None or not len(self.missed.spike_samples):
            self._say("No missed spike to add: find missed spikes first.")
            return None
        why = self.add_refusal() if self.add_refusal is not None else ""
        if why:
            self._say(why)
            return None
        missed, self.missed = self.missed, None
        self.message = ""
        return self.add_missed(self.cluster_ids[0], missed)

    def export_template_folder(self, out_dir):
        """Write the dataset (current clusters) as a new template-gui folder, which can take
        new spikes: open it with ``phy template-gui DIR/params.py``."""
        try:
            params = self.export_folder(str(out_dir))
        except ValueError as e:  # DataError: the folder exists, no raw data...
            self._say(f"Not written: {e}")
            return None
        self._say(f"Wrote {params}: open it (phy template-gui) to add the missed spikes.")
        return params

    @property
    def state(self):
        return Bunch({a: getattr(self, a, None) for a in self.state_attrs})
