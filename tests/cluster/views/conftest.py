"""Fixtures of the view tests: a GUI (active window), a clean event bus."""

import pytest

from phyclone.utils import event


@pytest.fixture(autouse=True)
def _reset_events(monkeypatch):
    monkeypatch.setenv("PHYCLONE_NONINTERACTIVE", "1")
    yield
    event.reset()


@pytest.fixture
def gui(qapp, qtbot, tmp_path):
    from phyclone.gui import GUI
    from phyclone.qt import QApplication
    g = GUI(name="ViewsTestGUI", size=(900, 700), config_dir=tmp_path / "config")
    qtbot.addWidget(g)
    g.show()
    qtbot.waitExposed(g)
    g.activateWindow()
    QApplication.setActiveWindow(g)
    yield g
    if not g._closed:
        g.close()
