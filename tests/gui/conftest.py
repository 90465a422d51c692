"""GUI test fixtures: dialogs never block, the event bus is reset, GUIs are active windows."""

import pytest

from phyclone.utils import event


@pytest.fixture(autouse=True)
def _non_interactive(monkeypatch):
    monkeypatch.setenv("PHYCLONE_NONINTERACTIVE", "1")
    yield
    event.reset()


@pytest.fixture
def activate(qtbot):
    """``activate(window)``: show a window and make it the active one (shortcuts need it)."""
    from phyclone.qt import QApplication

    def _activate(window):
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()
        QApplication.setActiveWindow(window)
        qtbot.waitUntil(window.isActiveWindow)
    return _activate


@pytest.fixture
def gui(qapp, qtbot, config_dir):
    from phyclone.gui import GUI
    g = GUI(name="TestGUI", position=(100, 100), size=(640, 480), config_dir=config_dir)
    qtbot.addWidget(g)
    yield g
    if not g._closed:
        g.close()
