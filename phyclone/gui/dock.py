"""Dock widget with a custom title bar: title on the left, status text in the middle, buttons
on the right (view menu, screenshot, close, plus any ``add_button``/``add_checkbox``)."""

import logging
from functools import partial

from phyclone.qt import (
    QCheckBox, QDockWidget, QHBoxLayout, QLabel, QMenu, QPoint, QPushButton, QSize,
    QSizePolicy, Qt, QWidget,
)
from phyclone.utils import connect, emit

from .dialogs import ask
from .icons import get_icon
from .app import log_exceptions
from .capture import screenshot

logger = logging.getLogger(__name__)

DOCK_TITLE_STYLESHEET = """
    * { padding: 0; margin: 0; border: 0; background: #232426; color: white; }
    QPushButton { padding: 3px; margin: 0 1px; }
    QCheckBox { padding: 2px 4px; margin: 0 1px; }
    QLabel { padding: 3px; }
    QLabel#dock_status { color: #bbbbbb; }
    QPushButton:hover, QCheckBox:hover { background: #323438; }
    QPushButton:pressed { background: #53575e; }
    QPushButton:checked { background: #6c717a; }
"""


class DockWidget(QDockWidget):
    """A QDockWidget holding one view, with a custom title bar.

    The close button only exists when the dock is closable. ``add_button`` and
    ``add_checkbox`` insert widgets to the left of the existing buttons.
    Events: ``close_dock_widget`` (sender: the dock) when it is closed.
    """

    confirm_before_close_view = False
    max_status_length = 64

    def __init__(self, *args, widget=None, view=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._widget = widget
        self.view = view
        self._dock_widgets = {}
        self._menu = None

    def closeEvent(self, e):
        emit("close_dock_widget", self)
        super().closeEvent(e)

    # Title bar
    # ---------------------------------------------------------------------------------------

    def _create_title_bar(self):
        self._title_bar = QWidget(self)
        self._title_bar.setStyleSheet(DOCK_TITLE_STYLESHEET)
        layout = QHBoxLayout(self._title_bar)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

        self._title_label = QLabel(self.windowTitle(), self._title_bar)
        layout.addWidget(self._title_label)

        self._status = QLabel("", self._title_bar)
        self._status.setObjectName("dock_status")
        self._status.setAlignment(Qt.AlignCenter)
        self._status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        layout.addWidget(self._status, 1)

        self._buttons = QWidget(self._title_bar)
        self._buttons_layout = QHBoxLayout(self._buttons)
        self._buttons_layout.setDirection(QHBoxLayout.RightToLeft)
        self._buttons_layout.setContentsMargins(0, 0, 0, 0)
        self._buttons_layout.setSpacing(1)
        layout.addWidget(self._buttons)

        self._menu = QMenu(f"{self.objectName()} menu", self)
        self._default_buttons()
        self.setTitleBarWidget(self._title_bar)

    def _default_buttons(self):
        if self.features() & QDockWidget.DockWidgetClosable:
            self.add_button(self._on_close_clicked, name="close", icon="close")
        self.add_button(self._on_screenshot_clicked, name="screenshot", icon="screenshot")
        self.add_button(self._on_view_menu_clicked, name="view_menu", icon="menu")

    def _on_close_clicked(self, checked=None):
        if not self.confirm_before_close_view or ask(
                f"Close {self.windowTitle()}?", buttons=("yes", "no"), title="Close?") == "yes":
            self.close()

    def _on_screenshot_clicked(self, checked=None):
        view = self.view
        if callable(getattr(view, "screenshot", None)):
            path = view.screenshot()
        else:  # the docked Qt widget (a view object may hold a canvas, not be a widget)
            path = screenshot(view if isinstance(view, QWidget) else self.widget())
        self.set_status(f"Screenshot saved to {path}")
        return path

    def _on_view_menu_clicked(self, checked=None):
        button = self._dock_widgets["view_menu"]
        pos = button.mapToGlobal(QPoint(0, button.height()))
        self._menu.popup(pos)

    @property
    def title(self):
        """Title shown on the left of the title bar."""
        return self._title_label.text()

    def add_button(self, callback=None, text=None, icon=None, checkable=False, checked=False,
                   event=None, name=None):
        """Add a button to the title bar (usable as a decorator).

        ``icon`` is a drawn icon name, a phy font-awesome code or an image path; ``event``
        names a global event (sender: the view) whose boolean argument sets the checked state.
        Returns the QPushButton.
        """
        if callback is None:
            return partial(self.add_button, text=text, icon=icon, checkable=checkable,
                           checked=checked, event=event, name=name)
        name = name or getattr(callback, "__name__", None) or text
        if not name or name in self._dock_widgets:
            raise ValueError(f"Dock button name {name!r} is empty or already used.")
        button = QPushButton(text or "", self._buttons)
        if icon:
            button.setIcon(get_icon(icon))
            button.setIconSize(QSize(16, 16))
        button.setCheckable(checkable)
        if checkable:
            button.setChecked(checked)
        button.setToolTip(name)
        button.setObjectName(f"dock_button_{name}")
        button.setFocusPolicy(Qt.NoFocus)
        safe = log_exceptions(callback)
        button.clicked.connect(lambda state: safe(state))
        if event:
            @connect(event=event, sender=self.view)
            def on_state_changed(sender, checked):
                button.setChecked(bool(checked))
        self._dock_widgets[name] = button
        self._buttons_layout.addWidget(button)
        return button

    def add_checkbox(self, callback=None, text=None, checked=False, name=None):
        """Add a checkbox to the title bar; ``callback(checked)`` on change (decorator-ready)."""
        if callback is None:
            return partial(self.add_checkbox, text=text, checked=checked, name=name)
        name = name or getattr(callback, "__name__", None) or text
        if not name or name in self._dock_widgets:
            raise ValueError(f"Dock checkbox name {name!r} is empty or already used.")
        checkbox = QCheckBox(text or "", self._buttons)
        checkbox.setLayoutDirection(Qt.RightToLeft)
        checkbox.setToolTip(name)
        checkbox.setFocusPolicy(Qt.NoFocus)
        checkbox.setChecked(bool(checked))
        safe = log_exceptions(callback)
        checkbox.stateChanged.connect(lambda state: safe(state == Qt.Checked))
        self._dock_widgets[name] = checkbox
        self._buttons_layout.addWidget(checkbox)
        return checkbox

    def get_widget(self, name):
        """A title bar button or checkbox by name."""
        return self._dock_widgets[name]

    @property
    def status(self):
        """Status text in the middle of the title bar."""
        return self._status.text()

    def set_status(self, text):
        """Set the status text (long texts are shortened in the middle)."""
        text = str(text)
        n = self.max_status_length
        if len(text) > n:
            text = text[:n // 2] + " … " + text[-n // 2:]
        self._status.setText(text)


def create_dock_widget(widget, name, closable=True, floatable=True, view=None):
    """A DockWidget titled ``name`` wrapping ``widget``."""
    dock = DockWidget(widget=widget, view=view)
    dock.setObjectName(name)
    dock.setWindowTitle(name)
    features = QDockWidget.DockWidgetMovable
    if closable:
        features |= QDockWidget.DockWidgetClosable
    if floatable:
        features |= QDockWidget.DockWidgetFloatable
    dock.setFeatures(features)
    dock.setAllowedAreas(Qt.AllDockWidgetAreas)
    dock.setWidget(widget)
    dock._create_title_bar()
    return dock
