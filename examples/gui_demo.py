"""Build a phyclone GUI with a few dummy docks and save a screenshot of it.

    xvfb-run -a python examples/gui_demo.py demo.png      # headless
    python examples/gui_demo.py                           # interactive (no file argument)

Docks: a cluster table (phyclone.gui.Table, 300 synthetic clusters), a matplotlib figure with
waveform-like traces, and a QPainter-drawn probe. Shortcuts and snippets work: try ``:c 12 14``
or ``:f n_spikes > 5000`` then Enter, ``space`` for the next cluster.
"""

import sys
import tempfile

import numpy as np
from matplotlib.figure import Figure

from phyclone.gui import GUI, Actions, Table, create_app, run_app, screenshot
from phyclone.gui.app import _wait
from phyclone.qt import QColor, QPainter, QPointF, Qt, QWidget
from phyclone.utils import connect


def cluster_rows(n, rng):
    groups = rng.choice(["good", "mua", "noise", "unsorted"], n, p=[.3, .3, .2, .2])
    return [{"id": i, "n_spikes": int(rng.lognormal(8, 1)), "ch": int(rng.integers(0, 32)),
             "amp": float(rng.gamma(4, 20)), "fr": float(rng.gamma(2, 3)),
             "group": None if g == "unsorted" else str(g)} for i, g in enumerate(groups)]


class ProbeView(QWidget):
    """Two-column probe; the best channels of the selected clusters are coloured."""

    state_attrs = ("n_channels",)

    def __init__(self, n_channels=32):
        super().__init__()
        self.n_channels = n_channels
        self.colors = {}

    def paintEvent(self, e):
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        p.fillRect(self.rect(), QColor("black"))
        h = self.height() / (self.n_channels / 2 + 1)
        for c in range(self.n_channels):
            x = self.width() * (.35 if c % 2 == 0 else .65)
            y = h * (c // 2 + 1)
            p.setBrush(QColor(*self.colors.get(c, (90, 90, 90))))
            p.setPen(QColor(0, 0, 0, 0))
            p.drawEllipse(QPointF(x, y), 6, 6)
        p.end()


def waveform_figure(rng):
    fig = Figure(figsize=(4, 3), facecolor="black")
    ax = fig.add_axes([0.02, 0.02, 0.96, 0.96], facecolor="black")
    t = np.linspace(-1, 2, 60)
    for k, color in enumerate(["#0892fc", "#ff0202"]):
        for ch in range(4):
            shape = -np.exp(-t ** 2 * 6) * (1 + .3 * k) + .4 * np.exp(-(t - .6) ** 2 * 3)
            for _ in range(8):
                ax.plot(t + 3.2 * k, shape + .05 * rng.normal(size=t.size) + 2 * ch,
                        color=color, lw=.6, alpha=.5)
    ax.set_axis_off()
    return fig


def build(rng, config_dir):
    gui = GUI(name="DemoGUI", subtitle="synthetic dataset", size=(1100, 700),
              config_dir=config_dir)
    table = Table(columns=["id", "n_spikes", "ch", "amp", "fr", "group"],
                  data=cluster_rows(300, rng), sort=("n_spikes", "desc"), title="ClusterView")
    gui.add_view(table, position="left")
    probe = ProbeView()
    gui.add_view(probe, position="left")
    fig = waveform_figure(rng)
    dock = gui.add_view(fig, position="right")
    dock.add_checkbox(lambda checked: None, text="overlap", checked=True, name="overlap")
    dock.add_button(lambda checked: None, icon="merge", name="toggle_template")

    @connect(sender=table)
    def on_select(sender, obj):
        ids = obj["selected"]
        probe.colors = {table.get(i).get("ch", 0): table.selection_color(k)
                        for k, i in enumerate(ids)}
        probe.update()
        table.dock.set_status("clusters: " + ", ".join(map(str, ids)))
        gui.status_message = f"Selected {ids}; next best: {obj['next']}"

    select = Actions(gui, name="Select", menu="Sele&ct", default_snippets={"select": "c"})
    select.add(lambda *ids: table.select(ids), name="select")
    select.add(table.filter, name="filter", alias="f")
    select.add(table.next, name="next", shortcut="space")
    select.add(table.previous, name="previous", shortcut="shift+space")
    gui.set_default_actions()
    gui.resizeDocks([table.dock, probe.dock, dock], [440, 160, 500], Qt.Horizontal)
    return gui, table


def main(out=None):
    create_app()
    rng = np.random.default_rng(1)
    config_dir = tempfile.mkdtemp(prefix="phyclone-demo-") if out else None
    gui, table = build(rng, config_dir)
    gui.show()
    table.first()
    table.select(table.get_selected() + [table.get_next_id(table.get_selected()[0])])
    table.filter("n_spikes > 1000 && group != 'noise'")
    if not out:
        return run_app()
    _wait(300)
    path = screenshot(gui, out)
    print(f"Screenshot saved to {path}")
    gui.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else None))
