"""Qt input events of a canvas turned into phy's internal events (``on_<name>(e)``)."""

from phyclone.qt import Qt
from phyclone.utils import Bunch

from .transform import pixels_to_ndc

_BUTTONS = {Qt.LeftButton: "Left", Qt.RightButton: "Right", Qt.MiddleButton: "Middle"}
_MODIFIERS = (("Shift", Qt.ShiftModifier), ("Control", Qt.ControlModifier),
              ("Alt", Qt.AltModifier), ("Meta", Qt.MetaModifier))
_KEY_NAMES = {getattr(Qt, "Key_" + n): n for n in (
    "Shift", "Control", "Alt", "AltGr", "Meta", "Left", "Up", "Right", "Down", "PageUp",
    "PageDown", "Insert", "Delete", "Home", "End", "Escape", "Backspace", "Space", "Enter",
    "Return", "Tab", *("F%d" % i for i in range(1, 13)))}
_CLICK_MAX_MOVE = 4  # pixels between press and release for a click


def modifiers_of(e):
    m = e.modifiers()
    return tuple(name for name, flag in _MODIFIERS if m & flag)


def key_name(key):
    """phy's key names: printable ASCII as the character ('R', '+'), else 'Left', 'F1'..."""
    key = int(key)
    if key == Qt.Key_Space:
        return "Space"
    if 32 < key < 127:
        return chr(key)
    return _KEY_NAMES.get(key)


class CanvasEvents:
    """Mixin of a QWidget: attached objects get ``on_<event>(e)`` calls (see BaseCanvas).

    The widget provides ``get_size()``; ``_attached``, ``_mouse_press``,
    ``_last_mouse_pos`` and ``_current_key`` are set by ``_init_events()``.
    """

    def _init_events(self):
        self._attached = []
        self._mouse_press = None
        self._last_mouse_pos = None
        self._current_key = None

    def attach_events(self, obj):
        """Call ``obj.on_<event>(e)`` for every internal event."""
        if obj not in self._attached:
            self._attached.append(obj)

    def detach_events(self, obj):
        if obj in self._attached:
            self._attached.remove(obj)

    def emit(self, name, **kwargs):
        """Raise an internal event: call ``on_<name>(Bunch(kwargs))`` on attached objects."""
        e = Bunch(kwargs)
        for obj in list(self._attached):
            f = getattr(obj, "on_" + name, None)
            if f is not None:
                f(e)
        return e

    def _mouse(self, name, e, **extra):
        pos = (e.pos().x(), e.pos().y())
        return self.emit(name, pos=pos, pos_ndc=pixels_to_ndc(pos, self.get_size()),
                         button=_BUTTONS.get(e.button()), modifiers=modifiers_of(e),
                         key=self._current_key, **extra)

    def mousePressEvent(self, e):
        ev = self._mouse("mouse_press", e)
        self._mouse_press = (ev.pos, ev.button, ev.modifiers)
        self._last_mouse_pos = ev.pos

    def mouseReleaseEvent(self, e):
        ev = self._mouse("mouse_release", e)
        if self._mouse_press is not None:
            (x0, y0), button, _ = self._mouse_press
            if button == ev.button and abs(ev.pos[0] - x0) + abs(ev.pos[1] - y0) <= _CLICK_MAX_MOVE:
                self._mouse("mouse_click", e)
        self._mouse_press = None

    def mouseDoubleClickEvent(self, e):
        self._mouse("mouse_double_click", e)

    def mouseMoveEvent(self, e):
        pos = (e.pos().x(), e.pos().y())
        press = self._mouse_press
        self.emit("mouse_move", pos=pos, pos_ndc=pixels_to_ndc(pos, self.get_size()),
                  last_pos=self._last_mouse_pos or pos, modifiers=modifiers_of(e),
                  button=press[1] if press else None,
                  mouse_press_position=press[0] if press else None,
                  mouse_press_modifiers=press[2] if press else None)
        self._last_mouse_pos = pos

    def wheelEvent(self, e):
        d = e.angleDelta()
        pos = (e.pos().x(), e.pos().y())
        self.emit("mouse_wheel", pos=pos, pos_ndc=pixels_to_ndc(pos, self.get_size()),
                  delta=(d.y() or d.x()) / 120., modifiers=modifiers_of(e))

    def keyPressEvent(self, e):
        key = key_name(e.key())
        self.emit("key_press", key=key, modifiers=modifiers_of(e))
        self._current_key = key

    def keyReleaseEvent(self, e):
        self.emit("key_release", key=key_name(e.key()), modifiers=modifiers_of(e))
        self._current_key = None
