"""Helpers of the controller tests (a module with a unique name: several test folders have a
conftest.py; tests/examples imports it too)."""

from pathlib import Path

_KEYS = {"space": "Key_Space", "down": "Key_Down", "up": "Key_Up", "esc": "Key_Escape"}


def open_controller(d, config_dir, **kwargs):
    from phyclone.apps.template import TemplateController, load_model
    kwargs.setdefault("replay_journal", False)
    kwargs.setdefault("enable_threading", False)
    return TemplateController(model=load_model(Path(d) / "params.py"), dir_path=d,
                              config_dir=config_dir, **kwargs)


def view_idle(view):
    """No data of the view being prepared: its last plot is the final one."""
    runner = getattr(view, "_runner", None)
    return runner is None or not runner.is_busy()


def show_gui(qtbot, controller, register=True):
    """Create the controller's GUI, show it and make it the active window; return it.
    ``register=False``: not closed by qtbot (a Kwik group switch deletes it)."""
    from phyclone.qt import QApplication
    gui = controller.create_gui()
    if register:
        qtbot.addWidget(gui)
    gui.show()
    qtbot.waitExposed(gui)
    gui.activateWindow()
    QApplication.setActiveWindow(gui)
    qtbot.waitUntil(gui.isActiveWindow)
    return gui


def close_gui(gui, controller):
    """Close the GUI without saving, then the controller."""
    from phyclone.gui import preset_answers
    if not gui._closed:
        with preset_answers("close"):
            gui.close()
    controller.close()


def _wait_active(qtbot, gui):
    """Shortcuts only reach the active window: make sure the GUI is (again) before typing."""
    from phyclone.qt import QApplication
    if not gui.isActiveWindow():
        gui.activateWindow()
        QApplication.setActiveWindow(gui)
        qtbot.waitUntil(gui.isActiveWindow)


def press(qtbot, gui, shortcut, supervisor):
    """Press a shortcut ('ctrl+shift+z', 'alt+g', 'g') as a key event on the GUI."""
    from phyclone.qt import Qt
    *mods, key = shortcut.split("+")
    modifier = Qt.NoModifier
    for m in mods:
        modifier |= {"ctrl": Qt.ControlModifier, "alt": Qt.AltModifier,
                     "shift": Qt.ShiftModifier}[m]
    _wait_active(qtbot, gui)
    qtbot.keyClick(gui, getattr(Qt, _KEYS.get(key, "Key_" + key.upper())), modifier)
    supervisor.block()


def type_snippet(qtbot, gui, text, supervisor=None):
    """Type a snippet (':c 3 4') on the GUI and press Return."""
    from phyclone.qt import Qt
    _wait_active(qtbot, gui)
    qtbot.keyClicks(gui, text)
    qtbot.keyClick(gui, Qt.Key_Return)
    if supervisor is not None:
        supervisor.block()
