"""Random key-driven curation sessions keep the tables consistent with the session, undoing
everything gives back the initial state; a 10,000-cluster supervisor updates its tables
incrementally."""

import tempfile

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phyclone.gui import preset_answers
from phyclone.qt import Qt
from phyclone.utils import connect, event

from _supervisor_fixtures import (  # noqa: F401 (fixture)
    _non_interactive, activate_window, check_consistency, click_row, make_supervisor, new_gui,
    press, type_snippet,
)

KEYS = [
    "space", "space", "shift+space", "down", "up", "home", "end", "backspace",
    "ctrl+alt+space", "g", "g", "g", "k", "k", "ctrl+z", "ctrl+y", "ctrl+shift+z",
    "alt+n", "alt+m", "alt+g", "alt+u", "ctrl+n", "ctrl+m", "ctrl+g", "ctrl+u",
    "ctrl+alt+n", "ctrl+alt+m", "ctrl+alt+g", "ctrl+alt+u",
    "click", "ctrl+click", "click_similar", "label", "filter", "esc",
]


def _table_rows(s):
    cv = s.cluster_view
    return sorted((c, cv.model.value(c, "n_spikes"), cv.model.value(c, "group"))
                  for c in cv.get_ids())


def _step(qtbot, gui, s, key, param):
    rng = np.random.default_rng(param)
    if key in ("click", "ctrl+click", "click_similar"):
        table = s.similarity_view if key == "click_similar" else s.cluster_view
        shown = table.shown_ids()
        if shown:
            mod = Qt.ControlModifier if key == "ctrl+click" else Qt.NoModifier
            click_row(qtbot, table, shown[param % len(shown)], mod)
            s.block()
    elif key == "label":
        type_snippet(qtbot, gui, f":l quality {param % 4}", s)
    elif key == "filter":
        type_snippet(qtbot, gui, f":f n_spikes>{param % 120}", s)
    elif key == "k":
        spikes = [s.clustering.spikes_per_cluster[c] for c in s.selected]
        spikes = np.concatenate(spikes) if spikes else np.zeros(0, np.int64)
        chosen = spikes[rng.random(len(spikes)) < .4]

        @connect(sender=s)
        def on_request_split(sender):
            return chosen
        press(qtbot, gui, "k", s)
        event.unconnect(on_request_split)
    else:
        press(qtbot, gui, key, s)


def _replay(qtbot, steps):
    """Run the steps in a new GUI, checking the tables after each one, then undo all."""
    s = make_supervisor()
    gui = new_gui(qtbot, tempfile.mkdtemp(prefix="phyclone-sup-"))
    s.attach(gui)
    activate_window(qtbot, gui)
    initial = (s.clustering.spike_clusters.copy(), s.get_labels("group"), _table_rows(s))
    try:
        for key, param in steps:
            _step(qtbot, gui, s, key, param)
            check_consistency(s)
        while s.session.can_undo:
            press(qtbot, gui, "ctrl+z", s)
            check_consistency(s)
        np.testing.assert_array_equal(s.clustering.spike_clusters, initial[0])
        assert s.get_labels("group") == initial[1]
        assert all(v is None for f in s.fields for v in s.get_labels(f).values())
        assert _table_rows(s) == initial[2]
        assert not s.is_dirty()
    finally:
        with preset_answers("close"):
            gui.close()
        event.reset()
    return s


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(KEYS), st.integers(0, 10 ** 6)),
                min_size=10, max_size=40))
def test_random_key_sessions(qapp, qtbot, steps):
    _replay(qtbot, steps)


def test_long_random_session(qapp, qtbot):
    rng = np.random.default_rng(2024)
    keys = [k for k in KEYS if k not in ("ctrl+z", "ctrl+y", "ctrl+shift+z")]
    steps = []
    for _ in range(200):  # mostly actions, with bursts of undo / redo
        if rng.random() < .1:
            steps += [("ctrl+z", 0)] * int(rng.integers(1, 4)) + [("ctrl+y", 0)]
        else:
            steps.append((keys[rng.integers(len(keys))], int(rng.integers(10 ** 6))))
    s = _replay(qtbot, steps)
    assert len(s.session._stack) > 40  # the session really did many actions


def test_10000_clusters_incremental(qapp, qtbot, config_dir):
    n = 10_000
    sc = np.random.default_rng(1).permutation(np.repeat(np.arange(n), 3) % n)
    sc[:50] = 0  # cluster 0 is the largest

    def similarity(c):  # every cluster is similar to every other one (phy's worst case)
        d = np.abs(np.arange(n + 100) - c)
        order = np.argsort(d, kind="stable")
        return [(int(i), 1. / (1 + d[i])) for i in order[1:]]

    s = make_supervisor(spike_clusters=sc, cluster_groups={}, similarity=similarity)
    gui = new_gui(qtbot, config_dir)
    s.attach(gui)
    activate_window(qtbot, gui)
    calls = []
    for view in (s.cluster_view, s.similarity_view):
        for name in ("add_rows", "remove_ids", "change_rows", "clear_rows"):
            f = getattr(view.model, name)

            def spy(arg, _f=f, _name=name, _view=view):
                calls.append((_view, _name, len(arg)))
                return _f(arg)
            setattr(view.model, name, spy)

    press(qtbot, gui, "home", s)
    press(qtbot, gui, "space", s)
    assert s.selected == [0, 1]
    assert len(s.similarity_view.shown_ids()) == n - 1
    assert calls == []  # selecting only writes the similarity column, no row is rebuilt
    press(qtbot, gui, "g", s)
    assert s.selected_clusters == [n]
    for view in (s.cluster_view, s.similarity_view):
        mine = [(name, k) for v, name, k in calls if v is view]
        assert mine == [("remove_ids", 2), ("add_rows", 1)]
    assert len(s.cluster_view.get_ids()) == n - 1
    assert len(s.similarity_view.shown_ids()) == n - 2
    calls.clear()
    press(qtbot, gui, "alt+g", s)
    assert [(name, k) for v, name, k in calls] == [("change_rows", 1)] * 2
    calls.clear()
    press(qtbot, gui, "ctrl+z", s)
    press(qtbot, gui, "ctrl+z", s)
    assert s.selected == [0, 1]
    assert sorted((name, k) for v, name, k in calls) == sorted(
        [("change_rows", 1)] * 2 + [("remove_ids", 1), ("add_rows", 2)] * 2)
    assert not any(name == "clear_rows" for _, name, _ in calls)
    check_consistency(s)
    with preset_answers("close"):
        gui.close()
