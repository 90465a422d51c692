"""Shared fixtures of the Supervisor tests: a small synthetic clustering in a real GUI, driven
with key events (``keys``), mouse clicks on table rows (``click_row``) and typed snippets."""

import numpy as np
import pytest

from phyclone.qt import QApplication, Qt
from phyclone.utils import connect, event

N_CLUSTERS = 20
GROUPS = {2: "noise", 3: "mua", 7: "good", 15: "mua"}


def n_spikes_of(c):
    return 10 + 7 * c  # clusters 13..19 have more than 100 spikes


def make_spike_clusters(seed=0):
    sc = np.repeat(np.arange(N_CLUSTERS), [n_spikes_of(c) for c in range(N_CLUSTERS)])
    return np.random.default_rng(seed).permutation(sc).astype(np.int64)


def similarity(cluster_id):
    """Closest ids first (any id, also new ones); the session keeps the existing ones."""
    others = sorted(range(cluster_id + 60), key=lambda d: (abs(d - cluster_id), d))
    return [(d, 1.0 / (1 + abs(d - cluster_id))) for d in others if d != cluster_id]


def make_supervisor(**kwargs):
    from phyclone.cluster import Supervisor
    spike_clusters = kwargs.pop("spike_clusters", None)
    kw = dict(cluster_groups=dict(GROUPS), similarity=similarity)
    kw.update(kwargs)
    if spike_clusters is None:
        spike_clusters = make_spike_clusters()
    return Supervisor(spike_clusters, **kw)


@pytest.fixture(autouse=True)
def _non_interactive(monkeypatch):
    monkeypatch.setenv("PHYCLONE_NONINTERACTIVE", "1")
    yield
    event.reset()


def activate_window(qtbot, window):
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    QApplication.setActiveWindow(window)
    qtbot.waitUntil(window.isActiveWindow)


def new_gui(qtbot, config_dir, name="SupervisorTestGUI", **kwargs):
    from phyclone.gui import GUI
    gui = GUI(name=name, position=(50, 50), size=(1000, 700), config_dir=config_dir, **kwargs)
    qtbot.addWidget(gui)
    return gui


class Recorder:
    """Records the global events emitted by one sender."""

    def __init__(self, sender, *names):
        self.events = {n: [] for n in names}
        for n in names:
            connect(self._recorder(n), event=n, sender=sender)

    def _recorder(self, name):
        def f(sender, *args, **kwargs):
            self.events[name].append(args[0] if len(args) == 1 else args)
        return f

    def __getitem__(self, name):
        return self.events[name]


@pytest.fixture
def sup_gui(qapp, qtbot, config_dir):
    """(supervisor, gui, recorder) with the GUI shown and active."""
    s = make_supervisor()
    gui = new_gui(qtbot, config_dir)
    s.attach(gui)
    rec = Recorder(s, "select", "cluster", "color_mapping_changed",
                   "request_split", "toggle_spike_reorder", "attach_gui")
    activate_window(qtbot, gui)
    yield s, gui, rec
    if not gui._closed:
        from phyclone.gui import preset_answers
        with preset_answers("close"):
            gui.close()


_KEYS = {
    "space": Qt.Key_Space, "down": Qt.Key_Down, "up": Qt.Key_Up, "home": Qt.Key_Home,
    "end": Qt.Key_End, "backspace": Qt.Key_Backspace, "esc": Qt.Key_Escape,
    "enter": Qt.Key_Return,
}
_MODS = {"ctrl": Qt.ControlModifier, "alt": Qt.AltModifier, "shift": Qt.ShiftModifier}


def ensure_active(qtbot, gui):
    """Shortcuts only reach the active window: under load another window (a dialog, a window
    being destroyed) may have taken the focus since the test activated the GUI."""
    if gui.isVisible() and not gui.isActiveWindow():
        activate_window(qtbot, gui)


def press(qtbot, gui, shortcut, supervisor=None):
    """Press a shortcut given as 'ctrl+shift+z', 'alt+g', 'space'... as a real key event."""
    ensure_active(qtbot, gui)
    *mods, key = shortcut.split("+")
    modifier = Qt.NoModifier
    for m in mods:
        modifier |= _MODS[m]
    code = _KEYS.get(key) or getattr(Qt, "Key_" + key.upper())
    qtbot.keyClick(gui, code, modifier)
    if supervisor is not None:
        supervisor.block()


def type_snippet(qtbot, gui, text, supervisor=None):
    """Type a snippet key by key (starting with ':') and press Enter."""
    ensure_active(qtbot, gui)
    qtbot.keyClicks(gui, text)
    qtbot.keyClick(gui, Qt.Key_Return)
    if supervisor is not None:
        supervisor.block()


def click_row(qtbot, table, cluster_id, modifier=Qt.NoModifier):
    """Click on the row of a cluster in a ClusterView / SimilarityView."""
    row = table.model.row_of(cluster_id)
    assert row >= 0, f"cluster {cluster_id} is not shown"
    table.scroll_to(cluster_id)
    rect = table.view.visualRect(table.model.index(row, 0))
    qtbot.mouseClick(table.view.viewport(), Qt.LeftButton, modifier, rect.center())


def check_consistency(s):
    """The tables show exactly the session's clusters, counts, groups and selection."""
    session = s.session
    spc = session.clustering.spikes_per_cluster
    ids = sorted(int(c) for c in session.cluster_ids)
    cv, sv = s.cluster_view, s.similarity_view
    assert sorted(cv.get_ids()) == ids
    assert sorted(sv.model.ids.tolist()) == ids
    n = cv.model.column("n_spikes").values
    assert np.array_equal(n[[cv.model.position(c) for c in ids]], [len(spc[c]) for c in ids])
    for c in ids:
        group = session.cluster_meta.get("group", c)
        assert cv.model.value(c, "group") == group
        assert sv.model.value(c, "group") == group
    assert cv.get_selected() == session.best
    assert sv.get_selected() == session.similar
    if session.best:
        expected = [c for c, _ in session.similar_clusters(session.best[-1])
                    if c not in session.best]
        assert sorted(sv.get_ids()) == sorted(expected)
    else:
        assert sv.get_ids() == []
