"""A closed GUI's Supervisor sends nothing more: a selection still waiting for its debounce
delay when the window closes never reaches the views of another window."""

import numpy as np

from phyclone.cluster import Supervisor
from phyclone.gui import GUI, preset_answers
from phyclone.utils.event import connect, unconnect


def test_closed_gui_emits_no_pending_selection(qtbot, qapp, config_dir, monkeypatch):
    monkeypatch.setenv("PHYCLONE_NONINTERACTIVE", "1")
    sup = Supervisor(np.repeat(np.arange(5), 10))
    gui = GUI(name="CloseGUI", config_dir=config_dir, size=(600, 400))
    qtbot.addWidget(gui)
    sup.attach(gui)
    gui.show()
    got = []

    def on_select(sender, cluster_ids, **kwargs):
        got.append(list(cluster_ids))
    connect(on_select, event="select")
    try:
        sup.select([1])
        sup.block()
        assert got[-1] == [1]
        n = len(got)
        sup.select([2])  # within the debounce delay of the last one: pending
        assert sup._debouncer.is_waiting
        with preset_answers("close"):
            gui.close()
        qtbot.waitUntil(lambda: sup._closed and not sup._debouncer.is_waiting, timeout=5000)
        assert got[n:] == []
    finally:
        unconnect(on_select)
