"""Plugins: ``IPlugin`` subclasses registered by class name, loaded from the user's config folder.

Plugin files live in the user's own config folder (trusted, as in phy) and are executed with
the phy→phyclone import mapping of ``config.exec_user_file``, so most phy plugins work unchanged.
"""

import logging
from pathlib import Path

from .config import Config, exec_user_file, load_master_config, phy_config_dir

logger = logging.getLogger(__name__)

_REGISTRY = {}


class IPlugin:
    """Base class of plugins: define ``attach_to_controller(self, controller)``.

    Every subclass is registered by its class name (the name used in
    ``c.TemplateGUI.plugins = [...]``).
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    def attach_to_controller(self, controller):  # pragma: no cover - overridden
        pass


def get_plugin(name):
    """Return the registered plugin class with this name."""
    if name not in _REGISTRY:
        raise ValueError(f"Unknown plugin `{name}`; known plugins: {sorted(_REGISTRY)}")
    return _REGISTRY[name]


def registered_plugins():
    return dict(_REGISTRY)


def discover_plugins(dirs):
    """Execute every ``*.py`` file of the given folders; return the plugin classes they define."""
    found = []
    for d in dirs:
        d = Path(d).expanduser()
        if not d.is_dir():
            continue
        for path in sorted(d.glob("*.py")):
            before = set(_REGISTRY)
            try:
                exec_user_file(path, {})
            except Exception:
                logger.exception("Plugin file %s failed to load; it is skipped.", path)
                continue
            found.extend(_REGISTRY[n] for n in _REGISTRY if n not in before)
    return found


def attach_plugins(controller, plugins=None, config_dir=None, dirs=None):
    """Load plugin files and attach the configured plugins to ``controller``.

    ``plugins`` defaults to ``c.<GUIName>.plugins`` of the user config; ``dirs`` adds plugin
    folders to ``<config dir>/plugins`` and ``c.Plugins.dirs``. A plugin that raises is
    logged and skipped. Returns the attached plugin instances.
    """
    config_dir = phy_config_dir(config_dir)
    try:
        config = load_master_config(config_dir)
    except Exception:
        logger.exception("Config file %s failed to load; its plugins are skipped.",
                         config_dir / "phy_config.py")
        config = Config()
    all_dirs = [config_dir / "plugins"] + list(config.Plugins.get("dirs") or []) + list(dirs or [])
    discover_plugins(all_dirs)
    if plugins is None:
        gui_name = getattr(controller, "gui_name", None) or type(controller).__name__
        section = config.get(gui_name)
        plugins = list(section.get("plugins") or []) if isinstance(section, Config) else []
    attached = []
    for name in plugins:
        try:
            instance = get_plugin(name)()
            instance.attach_to_controller(controller)
        except Exception:
            logger.exception("Plugin %s failed and is skipped.", name)
            continue
        logger.debug("Attached plugin %s.", name)
        attached.append(instance)
    return attached
