"""The shortcuts reference of the docs (generated from the classes' defaults when the docs are
built) lists every shortcut and explicit snippet of a real Template GUI."""

import importlib.util
import re
from pathlib import Path

import pytest
from _controller_fixtures import close_gui, open_controller, show_gui

pytestmark = pytest.mark.gl

ROOT = Path(__file__).resolve().parents[2]
#: Snippets made per dataset column / field (documented by their rule, not one by one).
PER_COLUMN = ("sort_by_", "color_field_", "colormap_")


def generated_rows():
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts" / "mkdocs_hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    rows = set()
    for line in hooks.shortcuts_markdown().splitlines():
        m = re.match(r"\| `(\w+)` \| (.*?) \| (.*?) \|", line)
        if m:
            name, keys, snippet = m.groups()
            rows.update((name, k) for k in re.findall(r"<kbd>(.*?)</kbd>", keys))
            rows.update((name, s) for s in re.findall(r"`(:\S+)`", snippet))
    return rows, hooks.STANDARD_KEYS


def test_reference_lists_every_shortcut_of_the_gui(qtbot, synth_dir, config_dir):
    from phyclone.gui.actions import _alias
    rows, standard = generated_rows()
    c = open_controller(synth_dir, config_dir)
    gui = show_gui(qtbot, c)
    try:
        missing, n = [], 0
        for actions in gui.actions:
            for name, action in actions._actions_dict.items():
                shortcut = action.shortcut
                keys = [] if not shortcut else [shortcut] if isinstance(shortcut, str) else shortcut
                for key in keys:
                    n += 1
                    if (name, standard.get(key, key)) not in rows:
                        missing.append((actions.name, name, key))
                if action.alias and action.alias != _alias(name) and \
                        not name.startswith(PER_COLUMN):
                    n += 1
                    if (name, f":{action.alias}") not in rows:
                        missing.append((actions.name, name, f":{action.alias}"))
    finally:
        close_gui(gui, c)
    assert n > 60  # the GUI's groups were really read
    assert not missing, f"not in the generated docs/shortcuts.md: {missing}"


def test_every_documented_snippet_runs_an_action(qtbot, synth_dir, config_dir):
    """The reverse: each snippet the reference lists for the supervisor and for every view of
    the GUI is the alias of an action of that GUI."""
    sections = generated_sections()
    c = open_controller(synth_dir, config_dir)
    gui = show_gui(qtbot, c)
    try:
        aliases = {}
        for actions in gui.actions:
            view = getattr(actions, "view", None)
            key = type(view).__name__ if view is not None else "Clustering, wizard, selection"
            aliases.setdefault(key, set()).update(
                f":{a.alias}" for a in actions._actions_dict.values() if a.alias)
        checked, wrong = 0, []
        for title, snippets in sections.items():
            if title not in aliases:
                continue  # a view this GUI does not open by default
            for name, snippet in snippets:
                checked += 1
                if snippet not in aliases[title]:
                    wrong.append((title, name, snippet))
    finally:
        close_gui(gui, c)
    assert checked >= 15
    assert not wrong, f"documented snippets that run no action: {wrong}"


def generated_sections():
    """``{section title: [(action, ':snippet')]}`` of the generated reference."""
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts" / "mkdocs_hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    out, title = {}, None
    for line in hooks.shortcuts_markdown().splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            out[title] = []
        m = re.match(r"\| `(\w+)` \| .*? \| `(:\S+)` \|", line)
        if m and title:
            out[title].append(m.groups())
    return out
