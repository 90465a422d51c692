"""Dock title bar: title, status, buttons, checkboxes, screenshot and close buttons."""

from phyclone.gui import preset_answers
from phyclone.qt import QLabel, Qt
from phyclone.utils import emit


def test_title_bar(gui, qtbot):
    view = QLabel("view")
    dock = gui.add_view(view)
    gui.show()
    qtbot.waitExposed(gui)
    assert dock.title == "QLabel"
    clicks, checks = [], []

    @dock.add_button(icon="f0c9", checkable=True, event="toggle_thing")
    def thing(checked):
        clicks.append(checked)

    cb = dock.add_checkbox(lambda c: checks.append(c), text="auto", checked=True, name="auto")
    button = dock.get_widget("thing")
    qtbot.mouseClick(button, Qt.LeftButton)
    qtbot.mouseClick(button, Qt.LeftButton)
    assert clicks == [True, False]
    emit("toggle_thing", view, True)  # external state change updates the button
    assert button.isChecked()
    qtbot.mouseClick(cb, Qt.LeftButton)
    assert checks == [False] and dock.get_widget("auto") is cb

    # Layout: title left, status in the middle, buttons on the right.
    dock.set_status("clusters: 1, 2")
    assert dock.status == "clusters: 1, 2"
    dock.set_status("x" * 200)
    assert len(dock.status) < 80 and " … " in dock.status

    def xs():
        return {name: w.mapTo(dock, w.rect().topLeft()).x()
                for name, w in dock._dock_widgets.items()}

    def laid_out():  # the layout is applied when the events are processed
        x = xs()
        return (dock._title_label.x() < dock._status.x() < min(x.values()) and
                x["close"] > x["screenshot"] > x["view_menu"] > x["thing"] > x["auto"])
    qtbot.waitUntil(laid_out)


def test_screenshot_button(gui, qtbot, config_dir):
    view = QLabel("view")
    view.setStyleSheet("background: red")
    dock = gui.add_view(view)
    gui.show()
    qtbot.waitExposed(gui)
    qtbot.mouseClick(dock.get_widget("screenshot"), Qt.LeftButton)
    files = list((config_dir / "screenshots").glob("phy_screenshot_*_QLabel.png"))
    assert len(files) == 1 and "Screenshot saved" in dock.status


def test_close_confirmation(gui, qtbot):
    view = QLabel("view")
    dock = gui.add_view(view)
    dock.confirm_before_close_view = True
    gui.show()
    qtbot.waitExposed(gui)
    with preset_answers("no"):
        qtbot.mouseClick(dock.get_widget("close"), Qt.LeftButton)
    assert gui.views == [view]
    with preset_answers("yes"):
        qtbot.mouseClick(dock.get_widget("close"), Qt.LeftButton)
    assert gui.views == []
