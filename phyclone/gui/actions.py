"""Actions: named callbacks with keyboard shortcuts, snippet aliases, menus and prompts."""

import inspect
import logging
import re
from functools import partial

from phyclone.qt import QAction, QKeySequence
from phyclone.utils import Bunch

from .app import busy_cursor
from .dialogs import input_dialog
from .icons import get_icon

logger = logging.getLogger(__name__)


# Snippet argument parsing
# -------------------------------------------------------------------------------------------

_RANGE = re.compile(r"^(-?\d+)-(-?\d+)$")


def _parse_arg(s):
    """An int, a float, or the string itself."""
    for t in (int, float):
        try:
            return t(s)
        except ValueError:
            pass
    return s


def _parse_list(s):
    """``3-6`` → [3, 4, 5, 6]; ``1,2,x`` → [1, 2, 'x']; else one value."""
    m = _RANGE.match(s)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        return list(range(a, b + 1)) if a <= b else list(range(a, b - 1, -1))
    if "," in s:
        return [_parse_arg(x) for x in s.split(",") if x != ""]
    return _parse_arg(s)


def _parse_snippet(s):
    """Split a snippet command (without ':') into its name and parsed arguments."""
    return tuple(_parse_list(x) for x in s.split())


def _prompt_args(title, docstring, default=None):
    """Ask for the arguments of an action in an input dialog; None when cancelled."""
    r = re.search(r"Example: `([^`]+)`", docstring)
    text = docstring[:r.start()].strip() if r else docstring
    try:
        value = str(default()) if default else (r.group(1) if r else None)
    except Exception as e:
        logger.error("Cannot compute the default input of %s: %s", title, e)
        return None
    s, ok = input_dialog(title, text, value)
    if not ok or not s:
        return None
    return _parse_snippet(s)


# Shortcuts
# -------------------------------------------------------------------------------------------

def _get_qkeysequence(shortcut):
    """A QKeySequence (or a list of them) from 'ctrl+s', a QKeySequence standard key name
    such as 'HelpContents', or a list/tuple of those."""
    if not shortcut:
        return []
    if isinstance(shortcut, (tuple, list)):
        return [_get_qkeysequence(s) for s in shortcut]
    if isinstance(shortcut, QKeySequence):
        return shortcut
    if hasattr(QKeySequence, shortcut) and isinstance(
            getattr(QKeySequence, shortcut), QKeySequence.StandardKey):
        return QKeySequence(getattr(QKeySequence, shortcut))
    seq = QKeySequence.fromString(shortcut)
    if seq.isEmpty() or not seq.toString():  # unknown keys parse to Qt.Key_unknown
        raise ValueError(f"Invalid keyboard shortcut {shortcut!r}.")
    return seq


def _get_shortcut_string(shortcut):
    """Readable lowercase form of a shortcut ('ctrl+s', 'f1, h')."""
    if not shortcut:
        return ""
    if isinstance(shortcut, (tuple, list)):
        return ", ".join(s for s in (_get_shortcut_string(x) for x in shortcut) if s)
    if isinstance(shortcut, str) and not hasattr(QKeySequence, shortcut):
        return shortcut.lower()
    return str(_get_qkeysequence(shortcut).toString()).lower()


def _alias(name):
    """Default snippet alias: the letter after '&', or the name in snake case."""
    alias = name[name.index("&") + 1] if "&" in name else name
    return alias.replace(" ", "_").lower()


def _expected_args(f):
    """Names of the positional arguments ``f`` needs (without defaults or partial args)."""
    func = f.func if isinstance(f, partial) else f
    try:
        spec = inspect.getfullargspec(func)
    except TypeError:
        return ()
    args = [a for a in spec.args if a != "self"]
    if spec.defaults:
        args = args[:-len(spec.defaults)]
    if isinstance(f, partial):
        args = [a for a in args[len(f.args):] if a not in (f.keywords or {})]
    return tuple(args)


# Actions
# -------------------------------------------------------------------------------------------

class Actions:
    """A group of actions attached to a GUI (shortcuts, snippet aliases, menu entries).

    Constructor
    -----------
    gui : the GUI
    name : name of the group (shown in the shortcuts help)
    menu, submenu : menu (and submenu) receiving the actions
    view : a view of the GUI: the actions go to that view's dock menu (``view_submenu``)
    insert_menu_before : create ``menu`` before this existing menu
    default_shortcuts, default_snippets : ``{action name: shortcut / alias}``

    The user's overrides ``gui.user_shortcuts`` / ``gui.user_snippets`` (from the config,
    e.g. ``c.TemplateGUI.shortcuts``) win over every other shortcut or alias.
    """

    def __init__(self, gui, name=None, menu=None, submenu=None, view=None,
                 insert_menu_before=None, default_shortcuts=None, default_snippets=None):
        if not name:
            raise ValueError("An Actions group needs a name.")
        self._actions_dict = {}
        self._aliases = {}
        self._default_shortcuts = default_shortcuts or {}
        self._default_snippets = default_snippets or {}
        self.name = name
        self.menu = menu
        self.submenu = submenu
        self.view = view
        self.view_submenu = None
        self.insert_menu_before = insert_menu_before
        self._view_submenus = {}
        self.gui = gui
        gui.actions.append(self)
        if menu:
            gui.get_menu(menu, insert_menu_before)

    def _get_menu(self, menu=None, submenu=None, view=None, view_submenu=None):
        menu = menu or self.menu
        submenu = submenu or self.submenu
        view = view or self.view
        view_submenu = view_submenu or self.view_submenu
        if view is not None:
            dock_menu = view.dock._menu
            if view_submenu:
                if view_submenu not in self._view_submenus:
                    self._view_submenus[view_submenu] = dock_menu.addMenu(view_submenu)
                return self._view_submenus[view_submenu]
            return dock_menu
        if submenu:
            return self.gui.get_submenu(menu, submenu)
        if menu:
            return self.gui.get_menu(menu)
        return None

    def _shortcut_for(self, name, shortcut):
        user = getattr(self.gui, "user_shortcuts", None) or {}
        if name in user:
            return user[name] or None
        return shortcut or self._default_shortcuts.get(name)

    def _wrap(self, name, callback, checkable, prompt, prompt_default, n_args, set_busy):
        def on_triggered(checked=False, *args):
            if checkable:
                args = (checked,) + args
            if prompt:
                more = _prompt_args(name, self._actions_dict[name].docstring, prompt_default)
                if more is None:
                    logger.debug("Input for `%s` cancelled.", name)
                    return None
                args += more
            if len(args) < n_args:
                logger.warning("Action `%s` needs %d argument(s), got %d.",
                               name, n_args, len(args))
                return None
            try:
                with busy_cursor(set_busy):
                    return callback(*args)
            except Exception:
                logger.exception("Error in action `%s`.", name)
                return None
        return on_triggered

    def add(self, callback=None, name=None, shortcut=None, alias=None, prompt=False,
            n_args=None, docstring=None, menu=None, submenu=None, view=None,
            view_submenu=None, verbose=True, checkable=False, checked=False, set_busy=False,
            prompt_default=None, show_shortcut=True, icon=None, toolbar=False):
        """Add an action (usable as ``@actions.add`` or ``@actions.add(shortcut='g')``).

        ``shortcut``: 'ctrl+g', a QKeySequence standard key name, or a list of them.
        ``alias``: snippet name (default: from ``default_snippets`` or the action name).
        ``prompt``: ask for the arguments in an input dialog (``n_args`` of them).
        ``checkable``/``checked``: toggle action, the callback receives the checked state.
        ``set_busy``: wait cursor while running. ``show_shortcut``: list it in the help.
        ``icon``: drawn icon name, phy font-awesome code, or image path; ``toolbar``: add it
        to the GUI toolbar. Private actions (name starting with '_') get no menu entry.
        """
        if callback is None:
            return partial(
                self.add, name=name, shortcut=shortcut, alias=alias, prompt=prompt,
                n_args=n_args, docstring=docstring, menu=menu, submenu=submenu, view=view,
                view_submenu=view_submenu, verbose=verbose, checkable=checkable,
                checked=checked, set_busy=set_busy, prompt_default=prompt_default,
                show_shortcut=show_shortcut, icon=icon, toolbar=toolbar)
        name = name or callback.__name__
        user_snippets = getattr(self.gui, "user_snippets", None) or {}
        alias = (user_snippets.get(name.replace("&", "")) or alias or
                 self._default_snippets.get(name, _alias(name)).split(" ")[0])
        name = name.replace("&", "")
        if name in self._actions_dict:
            return None
        shortcut = self._shortcut_for(name, shortcut)
        docstring = docstring or inspect.getdoc(callback) or name
        docstring = re.sub(r"[ \t\r\f\v]{2,}", " ", docstring.strip())
        n_args = n_args if n_args is not None else len(_expected_args(callback))

        label = name[0].upper() + name[1:].replace("_", " ") if name else name
        qaction = QAction(label, self.gui)
        qaction.setObjectName(name)
        qaction.triggered.connect(self._wrap(
            name, callback, checkable, prompt, prompt_default, n_args, set_busy))
        seqs = _get_qkeysequence(shortcut)
        qaction.setShortcuts(seqs if isinstance(seqs, list) else [seqs])
        tip = re.sub(r"\s+", " ", docstring) + f" (alias: {alias})"
        qaction.setStatusTip(tip)
        qaction.setWhatsThis(tip)
        qaction.setCheckable(bool(checkable))
        qaction.setChecked(bool(checked))
        if icon:
            qaction.setIcon(get_icon(icon, color="#404040"))
        self.gui.addAction(qaction)
        self.gui._register_shortcut(name, shortcut)

        if not name.startswith("_"):
            qmenu = self._get_menu(menu=menu, submenu=submenu, view=view,
                                   view_submenu=view_submenu)
            if qmenu is not None:
                qmenu.addAction(qaction)
                qmenu.menuAction().setVisible(True)
        if toolbar:
            self.gui._toolbar.show()
            self.gui._toolbar.addAction(qaction)

        self._actions_dict[name] = Bunch(
            qaction=qaction, callback=callback, name=name, alias=alias, shortcut=shortcut,
            docstring=docstring, show_shortcut=show_shortcut, prompt=prompt, n_args=n_args,
            checkable=checkable)
        self._aliases[alias] = name
        attr = name.lower().replace(" ", "_").replace(":", "")
        if not hasattr(type(self), attr):
            setattr(self, attr, callback)
        if verbose and not name.startswith("_"):
            logger.log(5, "Add action `%s` (%s).", name, _get_shortcut_string(shortcut))
        return callback

    def separator(self, **kwargs):
        """Add a separator in the menu (``menu``, ``submenu``, ``view``, ``view_submenu``)."""
        qmenu = self._get_menu(**kwargs)
        if qmenu is not None:
            qmenu.addSeparator()

    def disable(self, name=None):
        """Disable every action, or one."""
        for n in ([name] if name else list(self._actions_dict)):
            self._actions_dict[n].qaction.setEnabled(False)

    def enable(self, name=None):
        """Enable every action, or one."""
        for n in ([name] if name else list(self._actions_dict)):
            self._actions_dict[n].qaction.setEnabled(True)

    def get(self, name):
        """The QAction of an action (None when missing)."""
        a = self._actions_dict.get(name)
        return a.qaction if a else None

    def resolve(self, name):
        """The action name of a name or snippet alias (None when missing)."""
        name = self._aliases.get(name, name)
        return name if name in self._actions_dict else None

    def run(self, name, *args):
        """Run an action by name or alias with the given arguments; return its result."""
        resolved = self.resolve(name)
        if resolved is None:
            raise ValueError(f"Action `{name}` doesn't exist.")
        if not resolved.startswith("_"):
            logger.debug("Execute action `%s`.", resolved)
        return self._actions_dict[resolved].callback(*args)

    def remove(self, name):
        """Remove an action."""
        a = self._actions_dict.pop(name)
        self.gui.removeAction(a.qaction)
        for w in a.qaction.associatedWidgets():
            w.removeAction(a.qaction)
        self._aliases = {k: v for k, v in self._aliases.items() if v != name}
        self.gui._unregister_shortcut(name)
        attr = name.lower().replace(" ", "_").replace(":", "")
        if attr in self.__dict__:
            delattr(self, attr)

    def remove_all(self):
        """Remove every action."""
        for name in list(self._actions_dict):
            self.remove(name)

    @property
    def shortcuts(self):
        """``{action name: 'shortcut (:alias)'}`` of the listed actions."""
        out = {}
        for name in sorted(self._actions_dict):
            a = self._actions_dict[name]
            if not a.show_shortcut or name.startswith("_") or (not a.shortcut and not a.alias):
                continue
            alias = f" (:{a.alias})" if a.alias != name else ""
            out[name] = (_get_shortcut_string(a.shortcut) or "-") + alias
        return out

    def entries(self):
        """``[(name, shortcut string, alias, docstring)]`` of the listed actions."""
        return [(n, _get_shortcut_string(a.shortcut), a.alias, a.docstring)
                for n, a in sorted(self._actions_dict.items())
                if a.show_shortcut and not n.startswith("_")]

    def show_shortcuts(self):
        """Print the shortcuts and snippets of this group; return the text."""
        lines = [self.name, "-" * len(self.name), ""]
        for name, shortcut, alias, _ in self.entries():
            lines.append(f"- {name:<40} {shortcut or '-':<20} :{alias}")
        text = "\n".join(lines) + "\n"
        print(text)
        return text

    def __contains__(self, name):
        return name in self._actions_dict

    def __repr__(self):
        return f"<Actions {self.name} {sorted(self._actions_dict)}>"
