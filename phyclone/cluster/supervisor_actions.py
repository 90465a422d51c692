"""The Supervisor's actions: phy's default shortcuts and snippets, menus, toolbar.

Menus: ``&Edit`` (undo, redo), ``Cluster&ing`` (merge, split, label, move), ``&Wizard``
(first, last, next, previous, next/previous best, reset, unselect similar), ``Sele&ct``
(select, filter, sort, sort by), ``Color`` (colour field, colormap, categorical and
logarithmic toggles) and ``&View`` (spike reordering). Menu mnemonics avoid the letters of
phy's Alt shortcuts (n, m, g, u, r, s, l, t, o), which Qt would otherwise find ambiguous.
"""

import inspect
from functools import partial

from phyclone.gui import Actions

GROUPS = ("noise", "mua", "good", "unsorted")
COLORMAPS = ("categorical", "linear", "diverging", "rainbow")


def _text(args):
    """Snippet arguments back into one string (``:f n_spikes > 100`` → 'n_spikes > 100')."""
    return " ".join(",".join(map(str, a)) if isinstance(a, list) else str(a) for a in args)


def _short(name):
    return name.replace("_", "").lower()


class ActionCreator:
    """Creates the actions of a ``Supervisor`` in a GUI (phy's ``ActionCreator``)."""

    default_shortcuts = {
        # Clustering.
        "merge": "g",
        "split": "k",
        "label": "l",
        # Move.
        "move_best_to_noise": "alt+n",
        "move_best_to_mua": "alt+m",
        "move_best_to_good": "alt+g",
        "move_best_to_unsorted": "alt+u",
        "move_similar_to_noise": "ctrl+n",
        "move_similar_to_mua": "ctrl+m",
        "move_similar_to_good": "ctrl+g",
        "move_similar_to_unsorted": "ctrl+u",
        "move_all_to_noise": "ctrl+alt+n",
        "move_all_to_mua": "ctrl+alt+m",
        "move_all_to_good": "ctrl+alt+g",
        "move_all_to_unsorted": "ctrl+alt+u",
        # Wizard.
        "first": "home",
        "last": "end",
        "reset_wizard": "ctrl+alt+space",
        "next": "space",
        "previous": "shift+space",
        "unselect_similar": "backspace",
        "next_best": "down",
        "previous_best": "up",
        # Misc.
        "undo": "ctrl+z",
        "redo": ("ctrl+shift+z", "ctrl+y"),
        "clear_filter": "esc",
        "toggle_spike_reorder": "ctrl+r",
    }

    default_snippets = {
        "merge": "g",
        "split": "k",
        "label": "l",
        "select": "c",
        "filter": "f",
        "sort": "s",
    }

    def __init__(self, supervisor):
        self.supervisor = supervisor
        self._aliases = set()

    def _group(self, gui, name, menu):
        return Actions(gui, name=name, menu=menu, insert_menu_before="&View",
                       default_shortcuts=self.default_shortcuts,
                       default_snippets=self.default_snippets)

    def _add(self, actions, name, method=None, args=(), **kwargs):
        """Add an action calling ``supervisor.<method or name>(*args)``."""
        f = getattr(self.supervisor, method or name)
        kwargs.setdefault("docstring", inspect.getdoc(f) or name)
        actions.add(partial(f, *args) if args else f, name=name, **kwargs)

    def _alias(self, prefix, name):
        """A unique snippet alias: ``prefix`` + the first letters of ``name`` (phy's scheme)."""
        short = _short(name) or "x"
        for n in range(2, len(short) + 1):
            alias = prefix + short[:n]
            if alias not in self._aliases:
                break
        else:
            alias, k = prefix + short, 2
            while alias in self._aliases:
                alias, k = f"{prefix}{short}{k}", k + 1
        self._aliases.add(alias)
        return alias

    def attach(self, gui):
        """Create the action groups and their menus in ``gui``."""
        s = self.supervisor
        self.edit_actions = self._group(gui, "Edit", "&Edit")
        self.clustering_actions = self._group(gui, "Clustering", "Cluster&ing")
        self.wizard_actions = self._group(gui, "Wizard", "&Wizard")
        self.select_actions = self._group(gui, "Select", "Sele&ct")
        self.color_actions = self._group(gui, "Color", "Color")
        self.view_actions = gui.view_actions
        self._create_edit_actions()
        self._create_clustering_actions()
        self._create_wizard_actions()
        self._create_select_actions(s.columns)
        self._create_color_actions(s.color_fields)
        self._create_view_actions()
        self._create_toolbar(gui)

    def _create_edit_actions(self):
        a = self.edit_actions
        self._add(a, "undo", set_busy=True, icon="undo")
        self._add(a, "redo", set_busy=True, icon="redo")

    def _create_clustering_actions(self):
        a = self.clustering_actions
        self._add(a, "merge", set_busy=True, icon="merge")
        self._add(a, "split", set_busy=True)
        a.separator()
        self._add(a, "label", prompt=True, n_args=2)
        self._add(a, "move", prompt=True, n_args=2)
        for which in ("best", "similar", "all"):
            for group in GROUPS:
                self._add(a, f"move_{which}_to_{group}", method="move", args=(group, which),
                          submenu=f"Move {which} to", docstring=f"Move {which} to {group}.")

    def _create_wizard_actions(self):
        a = self.wizard_actions
        self._add(a, "reset_wizard", icon="home")
        a.separator()
        self._add(a, "next", icon="next")
        self._add(a, "previous", icon="previous")
        self._add(a, "unselect_similar")
        a.separator()
        self._add(a, "next_best", icon="right")
        self._add(a, "previous_best", icon="left")
        self._add(a, "first")
        self._add(a, "last")

    def _create_select_actions(self, columns):
        a = self.select_actions
        s = self.supervisor
        a.add(lambda *ids: s.select(*ids), name="select", prompt=True, n_args=1,
              docstring=inspect.getdoc(s.select))
        a.separator()
        a.add(lambda *text: s.filter(_text(text)), name="filter", prompt=True, n_args=1,
              docstring=inspect.getdoc(s.filter))
        self._add(a, "clear_filter")
        self._add(a, "sort", prompt=True, n_args=1)
        for column in columns:
            self._add(a, f"sort_by_{column.lower()}", method="sort", args=(column, "desc"),
                      submenu="Sort by", alias=self._alias("s", column),
                      docstring=f"Sort by {column} (decreasing).")

    def _create_color_actions(self, fields):
        a = self.color_actions
        self._add(a, "change_color_field", prompt=True, n_args=1)
        self._add(a, "change_colormap", prompt=True, n_args=1)
        for field in fields:
            self._add(a, f"color_field_{field.lower()}", method="change_color_field",
                      args=(field,), submenu="Color field", alias=self._alias("cf", field),
                      docstring=f"Colour the clusters by {field}.")
        for name in COLORMAPS:
            self._add(a, f"colormap_{name}", method="change_colormap", args=(name,),
                      submenu="Colormap", alias=self._alias("cm", name),
                      docstring=f"Use the {name} colormap.")
        a.separator()
        sel = self.supervisor.color_selector
        self._add(a, "toggle_categorical_colormap", checkable=True, checked=sel.categorical)
        self._add(a, "toggle_logarithmic_colormap", checkable=True, checked=sel.logarithmic)

    def _create_view_actions(self):
        self._add(self.view_actions, "toggle_spike_reorder", checkable=True, checked=False,
                  shortcut=self.default_shortcuts["toggle_spike_reorder"])

    def _create_toolbar(self, gui):
        bar = gui._toolbar
        for actions, name in ((self.edit_actions, "undo"), (self.edit_actions, "redo"),
                              (None, None), (self.wizard_actions, "reset_wizard"),
                              (self.wizard_actions, "previous_best"),
                              (self.wizard_actions, "next_best"),
                              (self.wizard_actions, "previous"), (self.wizard_actions, "next")):
            if actions is None:
                bar.addSeparator()
            else:
                bar.addAction(actions.get(name))
        bar.show()

    def update_color_toggles(self):
        """Show the colour selector's current categorical / logarithmic state in the menu."""
        sel = self.supervisor.color_selector
        for name, value in (("toggle_categorical_colormap", sel.categorical),
                            ("toggle_logarithmic_colormap", sel.logarithmic)):
            qaction = self.color_actions.get(name)
            if qaction is not None:
                qaction.setChecked(bool(value))
