"""Plugins: ``IPlugin`` subclasses registered by class name, loaded from the user's config folder.

As in phy: plugin files live in ``<config dir>/plugins/`` (and the folders of
``c.Plugins.dirs``), can also be defined inline in ``phy_config.py``, and are enabled per GUI
with ``c.TemplateGUI.plugins = ['MyPlugin']``. They are trusted user code, executed with the
phy→phyclone import mapping of ``config.exec_user_file``, so most phy plugins work unchanged.
A plugin that fails to load or to attach is logged and skipped.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from . import event
from .config import exec_user_file, load_master_config, phy_config_dir

logger = logging.getLogger(__name__)

_REGISTRY: dict[str, type[IPlugin]] = {}


class IPlugin:
    """Base class of plugins: define ``attach_to_controller(self, controller)``.

    Every subclass is registered under its class name (the name listed in
    ``c.TemplateGUI.plugins``); a later class with the same name replaces the earlier one.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        logger.debug("Register plugin %s.", cls.__name__)
        _REGISTRY[cls.__name__] = cls

    def attach_to_controller(self, controller: Any) -> None:
        """Called once with the GUI controller; plugins override it."""


def get_plugin(name: str) -> type[IPlugin]:
    """Return the registered plugin class with this name.

    An exact class name wins; otherwise a unique registered name containing ``name`` (phy
    matches by substring).
    """
    if name in _REGISTRY:
        return _REGISTRY[name]
    candidates = [n for n in _REGISTRY if name in n]
    if len(candidates) == 1:
        return _REGISTRY[candidates[0]]
    raise ValueError(f"The plugin {name!r} cannot be found; known plugins: {sorted(_REGISTRY)}")


def registered_plugins() -> dict[str, type[IPlugin]]:
    """Dictionary {class name: plugin class} of every registered plugin."""
    return dict(_REGISTRY)


def _iter_plugin_files(dirs: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    seen = set()
    for d in dirs:
        d = Path(d).expanduser()
        if not d.is_dir():
            continue
        for sub, subdirs, files in os.walk(d, followlinks=True):
            subdirs[:] = sorted(s for s in subdirs
                                if not (s.startswith(("__", ".")) or "test" in s))
            for fn in sorted(files):
                path = Path(sub) / fn
                if not fn.endswith(".py") or fn.startswith("__") or fn == "phy_config.py":
                    continue
                key = path.resolve()
                if key not in seen:
                    seen.add(key)
                    yield path


def discover_plugins(dirs: Iterable[str | os.PathLike[str]]) -> list[type[IPlugin]]:
    """Execute every ``*.py`` file under the given folders (recursively, skipping test,
    hidden and ``__`` folders); return the plugin classes they registered.

    A file that raises is logged and skipped.
    """
    found: list[type[IPlugin]] = []
    for path in _iter_plugin_files(dirs):
        before = dict(_REGISTRY)
        try:
            exec_user_file(path)
        except Exception:
            logger.exception("Plugin file %s failed to load; it is skipped.", path)
            continue
        found.extend(cls for n, cls in _REGISTRY.items() if before.get(n) is not cls)
    return found


def attach_plugins(controller: Any, plugins: Iterable[str] | None = None,
                   config_dir: str | os.PathLike[str] | None = None,
                   dirs: Iterable[str | os.PathLike[str]] | None = None) -> list[str]:
    """Load the plugin files and attach the enabled plugins to ``controller``.

    Enabled plugins are ``c.<GUI name>.plugins`` of the user config (GUI name: the
    controller's ``gui_name`` or its class name), followed by ``plugins``. Plugin files are
    searched in ``dirs``, ``<config dir>/plugins`` and ``c.Plugins.dirs``. A plugin that is
    missing or raises in ``attach_to_controller`` is logged and skipped (the event callbacks it
    connected before raising are removed).
    Returns the names of the attached plugins, in order.
    """
    config_dir = phy_config_dir(config_dir)
    config = load_master_config(config_dir)
    plugin_dirs = list(dirs or []) + [config_dir / "plugins"]
    plugin_dirs += list(config.get("Plugins", {}).get("dirs") or [])
    discover_plugins(plugin_dirs)

    gui_name = getattr(controller, "gui_name", None) or type(controller).__name__
    section = config.get(gui_name) or {}
    names = []
    for name in list(section.get("plugins") or []) + list(plugins or []):
        if name not in names:
            names.append(name)
    logger.debug("Attaching %d plugins to %s.", len(names), gui_name)

    attached = []
    for name in names:
        try:
            plugin = get_plugin(name)
        except ValueError as e:
            logger.warning("%s It is skipped.", e)
            continue
        callbacks = list(event._EVENT._callbacks)
        try:
            plugin().attach_to_controller(controller)
        except Exception:
            event._EVENT._callbacks = callbacks
            logger.exception("Plugin %s failed while attaching; it is skipped.", name)
            continue
        logger.debug("Attached plugin %s.", name)
        attached.append(name)
    return attached
