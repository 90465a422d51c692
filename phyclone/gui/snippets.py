"""Snippets: type ``:merge 3-6`` + Enter in the main window to run an action with arguments.

``:`` enters snippet mode; the status bar then shows the command being typed followed by a
cursor; Enter runs it, Escape leaves, Backspace erases. While the mode is on, an application
event filter takes every key typed in the GUI window, so no other shortcut fires.
"""

import logging

from phyclone.qt import QApplication, QDockWidget, QEvent, QObject, Qt, QWidget, QWindow

from .actions import Actions, _parse_snippet
from .app import log_exceptions

logger = logging.getLogger(__name__)


class _SnippetKeyFilter(QObject):
    """Application event filter active during snippet mode."""

    def __init__(self, snippets):
        super().__init__()
        self.snippets = snippets

    def _concerns(self, obj):
        gui = self.snippets.gui
        if isinstance(obj, QWidget):
            w = obj.window()  # the GUI, or one of its floating docks
            return w is gui or (isinstance(w, QDockWidget) and w.parentWidget() is gui)
        if isinstance(obj, QWindow) and not obj.inherits("QWidgetWindow"):
            # Native child windows (e.g. OpenGL canvases embedded in a dock).
            return QApplication.activeWindow() is gui
        return False

    def eventFilter(self, obj, event):
        t = event.type()
        if t not in (QEvent.ShortcutOverride, QEvent.KeyPress) or not self._concerns(obj):
            return False
        if t == QEvent.ShortcutOverride:
            event.accept()  # no shortcut fires: the key press comes to us
            return True
        log_exceptions(self.snippets._on_key)(event.key(), event.text())
        return True


class Snippets:
    """Keyboard snippets running the actions of every ``Actions`` group of a GUI.

    ``:my_action string 3-6 1,2`` runs ``my_action('string', [3, 4, 5, 6], [1, 2])``; the
    first word is an action name or alias, searched in every group attached to the GUI.
    """

    cursor = "\u200A\u258C"

    def __init__(self, gui):
        self.gui = gui
        self._command = None
        self._status_message = ""
        self._filter = _SnippetKeyFilter(self)
        self.actions = Actions(gui, name="Snippets", menu="&File")

        @self.actions.add(shortcut=":", show_shortcut=True)
        def enable_snippet_mode():
            """Enter snippet mode: type an action alias and arguments, then Enter."""
            self.mode_on()

    @property
    def command(self):
        """The command typed so far (starting with ':'), '' when the mode is off."""
        return self._command or ""

    @command.setter
    def command(self, value):
        self._command = value
        self.gui.unlock_status()
        self.gui.status_message = value + self.cursor
        self.gui.lock_status()

    def is_mode_on(self):
        return self._command is not None

    def mode_on(self):
        """Enter snippet mode."""
        if self.is_mode_on():
            return
        logger.debug("Snippet mode on; Escape to leave.")
        self._status_message = self.gui.status_message
        QApplication.instance().installEventFilter(self._filter)
        self.command = ":"

    def mode_off(self):
        """Leave snippet mode and restore the status message."""
        if not self.is_mode_on():
            return
        QApplication.instance().removeEventFilter(self._filter)
        self._command = None
        self.gui.unlock_status()
        self.gui.status_message = self._status_message

    def _on_key(self, key, text):
        if key == Qt.Key_Escape:
            self.mode_off()
        elif key in (Qt.Key_Return, Qt.Key_Enter):
            command = self.command
            self.mode_off()
            self.run(command)
        elif key == Qt.Key_Backspace:
            if len(self.command) > 1:
                self.command = self.command[:-1]
        elif text and text.isprintable():
            self.command = self.command + text

    def run(self, snippet):
        """Run a snippet command such as ``':merge 3-6'``; return the action's result."""
        snippet = snippet[1:] if snippet.startswith(":") else snippet
        args = _parse_snippet(snippet)
        if not args:
            return None
        name = str(args[0])
        logger.debug("Processing snippet `%s`.", snippet)
        for actions in self.gui.actions:
            if actions.resolve(name) is None:
                continue
            try:
                return actions.run(name, *args[1:])
            except Exception as e:
                logger.warning("Error when executing snippet `%s`: %s", snippet, e)
                self.gui.status_message = f"Snippet error: {e}"
                return None
        logger.warning("Couldn't find action `%s`.", name)
        self.gui.status_message = f"Unknown snippet `{name}`"
        return None
