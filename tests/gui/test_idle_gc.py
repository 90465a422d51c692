"""Full garbage collections happen when the GUI is idle; the heap is frozen in between."""

import gc
import time
import weakref

from phyclone.gui.idle_gc import IdleCollector, start_idle_gc
from phyclone.utils.event import emit


class _Node:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


def _tracked(objects):
    """Those of ``objects`` an automatic collection would walk (not frozen)."""
    ids = {id(o) for o in objects}
    return [o for o in gc.get_objects() if id(o) in ids]


def test_frozen_garbage_is_freed_by_the_idle_collection(qapp):
    c = IdleCollector()
    try:
        node = _Node()
        ref = weakref.ref(node)
        c.collect()
        assert gc.get_freeze_count() > 0 and c.n_collections == 1
        del node
        gc.collect()
        assert ref() is not None  # frozen: automatic and explicit collections skip it
        c.collect()
        assert ref() is None
    finally:
        c.stop()
        gc.unfreeze()


def test_collections_wait_for_idle_and_space_out(qapp, qtbot):
    c = IdleCollector()
    c.idle, c.first_period = .3, .2
    c.period = c.first_period
    try:
        c.start()
        assert c.n_collections == 1
        c.last_collection -= .25  # the period has passed (as if .25 s went by)...
        emit("select", object(), [3])  # ...but a cluster was just selected
        kept = [_Node() for _ in range(10)]  # objects that survive the next second
        c._tick()
        assert c.n_collections == 1  # no collection...
        assert not _tracked(kept)  # ...but the survivors are frozen (out of every generation)
        qtbot.waitUntil(lambda: c.n_collections == 2, timeout=5000)  # the timer, once idle
        assert time.monotonic() - c.last_activity >= c.idle and c.period == .4
    finally:
        c.stop()
        gc.unfreeze()


def test_turned_off_by_the_environment(monkeypatch):
    from phyclone.utils.runtime import reload_policy
    monkeypatch.setenv("PHYCLONE_IDLE_GC", "0")
    reload_policy()
    try:
        assert start_idle_gc() is None
    finally:
        monkeypatch.undo()
        reload_policy()


def test_memory_cap_collects_while_the_user_never_pauses(qtbot, monkeypatch):
    """Selections every tick (never idle): no idle collection, but once the process grew by
    more than the cap since the last full collection, one runs (frozen garbage is bounded)."""
    import phyclone.gui.idle_gc as m
    rss = [1000.]
    monkeypatch.setattr(m, "rss_mb", lambda: rss[0])
    c = IdleCollector(cap_mb=100)
    try:
        c.start()
        assert c.n_collections == 1 and c.rss_at_collection == 1000.
        c._on_select()
        rss[0] = 1090.
        c._tick()
        assert c.n_collections == 1 and c.n_capped == 0  # under the cap: survivors frozen
        rss[0] = 1101.
        c._on_select()
        c._tick()
        assert c.n_collections == 2 and c.n_capped == 1 and c.rss_at_collection == 1101.
        c._on_select()
        c._tick()
        assert c.n_collections == 2  # the baseline moved: no collection at every tick
    finally:
        c.stop()
        gc.unfreeze()


def test_tick_frees_the_garbage_of_the_last_second(qtbot):
    """Cycles that became garbage before a tick are collected, not frozen."""
    c = IdleCollector()
    try:
        c.start()
        node = _Node()
        ref = weakref.ref(node)
        del node
        c._on_select()
        c._tick()
        assert ref() is None
    finally:
        c.stop()
        gc.unfreeze()


def test_a_shown_gui_starts_the_idle_collector(qtbot, monkeypatch):
    import phyclone.gui.gui as gui_module
    from phyclone.gui import GUI
    calls = []
    monkeypatch.setattr(gui_module, "start_idle_gc", lambda: calls.append(1))
    gui = GUI()
    qtbot.addWidget(gui)
    gui.show()
    assert calls == [1]
