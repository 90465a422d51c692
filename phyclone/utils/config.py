"""User configuration: the config folder and its ``phy_config.py``.

``phy_config.py`` and ``plugins/*.py`` sit in the user's own config folder: they are trusted
(as in phy) and executed, so plugins may be defined inline. Inside them, ``import phy...`` and
``import phylib...`` resolve to the phyclone module of the same role when there is one, so
phy plugins work unchanged. Files from a dataset folder are never executed (see safe_python).
"""

from __future__ import annotations

import builtins
import importlib
import json
import logging
import os
import sys
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import DataError
from .fileio import ensure_dir_exists, write_text

logger = logging.getLogger(__name__)

ENV_CONFIG_DIR = "PHYCLONE_CONFIG_DIR"

# phy/phylib modules whose phyclone counterpart has another name. Every other ``phy.x`` or
# ``phylib.x`` maps to ``phyclone.x`` when that module exists.
PHY_MODULE_ALIASES = {
    "phy.utils.color": "phyclone.utils.colors",
    "phylib.utils.color": "phyclone.utils.colors",
    "phylib.utils._misc": "phyclone.utils.fileio",
    "phylib.io.model": "phyclone.apps.template",
    "phylib.io.traces": "phyclone.io.raw.traces",
}

_USER_MODULES = "_phyclone_user"


def phy_config_dir(config_dir: str | os.PathLike[str] | None = None) -> Path:
    """Folder holding phy_config.py, plugins/ and per-GUI state: ``~/.phy`` by default.

    The ``config_dir`` argument wins, then the ``PHYCLONE_CONFIG_DIR`` environment variable.
    """
    if config_dir:
        return Path(config_dir).expanduser()
    if os.environ.get(ENV_CONFIG_DIR):
        return Path(os.environ[ENV_CONFIG_DIR]).expanduser()
    return Path.home() / ".phy"


class Config(dict):
    """Traitlets-like nested settings (a dict with attribute access).

    Reading a capitalised missing attribute creates a section, so
    ``c.TemplateGUI.plugins = [...]`` works on an empty config.
    """

    _phyclone_settable = True  # safe_python may set attributes on it

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self:
            return self[name]
        if name[:1].isupper():
            sub = Config()
            self[name] = sub
            return sub
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            raise AttributeError(f"cannot set the private attribute {name!r} of a Config")
        self[name] = value

    def merge(self, other: Mapping[str, Any]) -> Config:
        """Deep-merge another mapping into this one; return self."""
        for k, v in other.items():
            if isinstance(v, dict) and isinstance(self.get(k), dict):
                if not isinstance(self[k], Config):
                    self[k] = Config(self[k])
                self[k].merge(v)
            elif isinstance(v, dict):
                self[k] = Config().merge(v)
            else:
                self[k] = v
        return self

    def __repr__(self) -> str:
        return f"Config({dict.__repr__(self)})"


def _alias(name: str) -> str | None:
    """phyclone module name for a phy/phylib module name, or None."""
    for src in sorted(PHY_MODULE_ALIASES, key=len, reverse=True):
        if name == src or name.startswith(src + "."):
            return PHY_MODULE_ALIASES[src] + name[len(src):]
    for prefix in ("phylib", "phy"):
        if name == prefix or name.startswith(prefix + "."):
            return "phyclone" + name[len(prefix):]
    return None


def _phy_import(name: str, globals: Mapping[str, object] | None = None,
                locals: Mapping[str, object] | None = None,
                fromlist: tuple[str, ...] | list[str] = (),
                level: int = 0) -> types.ModuleType:
    """``__import__`` mapping ``phy``/``phylib`` modules to phyclone's when those exist."""
    alias = _alias(name) if level == 0 else None
    if alias is not None:
        try:
            importlib.import_module(alias)
        except ImportError:
            logger.debug("No phyclone module for %s (looked for %s).", name, alias)
        else:
            return builtins.__import__(alias, globals, locals, fromlist, level)
    return builtins.__import__(name, globals, locals, fromlist, level)


def exec_user_file(path: str | os.PathLike[str], namespace: Mapping[str, Any] | None = None
                   ) -> types.ModuleType:
    """Execute a trusted user file (config or plugin) as a module; return the module.

    ``phy``/``phylib`` imports inside it resolve to phyclone. The module is registered in
    ``sys.modules`` (under ``_phyclone_user.<stem>``) so classes defined there pickle and
    introspect normally.
    """
    path = Path(path)
    code = compile(path.read_text(encoding="utf-8-sig"), str(path), "exec")
    name = f"{_USER_MODULES}.{path.stem}"
    module = types.ModuleType(name)
    bi = dict(vars(builtins))
    bi["__import__"] = _phy_import
    module.__dict__.update(namespace or {})
    module.__dict__.update(__builtins__=bi, __file__=str(path))
    sys.modules.setdefault(_USER_MODULES, types.ModuleType(_USER_MODULES))
    sys.modules[name] = module
    exec(code, module.__dict__)
    return module


def load_config(path: str | os.PathLike[str]) -> Config:
    """Load a ``phy_config.py``-style file (executed) or a JSON file into a ``Config``.

    A missing file gives an empty Config.
    """
    path = Path(path)
    c = Config()
    if not path.exists():
        return c
    if path.suffix == ".json":
        return c.merge(json.loads(path.read_text(encoding="utf-8")))
    exec_user_file(path, {"c": c, "get_config": lambda: c})
    return c


def default_config(config_dir: str | os.PathLike[str] | None = None) -> str:
    """Contents of the ``phy_config.py`` written when there is none."""
    plugins = phy_config_dir(config_dir) / "plugins"
    return (
        "# phy / phyclone user configuration (executed at start-up).\n"
        "# Plugins are classes deriving from IPlugin, defined here or in any .py file of the\n"
        "# folders listed in c.Plugins.dirs; enable them per GUI, for example:\n"
        "#     c.TemplateGUI.plugins = ['MyPlugin']\n"
        "\n"
        "from phy import IPlugin  # noqa: F401\n"
        "\n"
        "c = get_config()\n"
        f"c.Plugins.dirs = [r'{plugins}']\n"
    )


def load_master_config(config_dir: str | os.PathLike[str] | None = None) -> Config:
    """Load ``<config dir>/phy_config.py``, creating a default one when missing.

    A config file that fails to execute is logged and gives an empty Config.
    """
    config_dir = phy_config_dir(config_dir)
    path = config_dir / "phy_config.py"
    if not path.exists():
        try:
            ensure_dir_exists(config_dir)
            write_text(path, default_config(config_dir))
            logger.debug("Created the default config file %s.", path)
        except (OSError, DataError) as e:
            logger.warning("Cannot create the default config file %s: %s", path, e)
            return Config()
    try:
        return load_config(path)
    except Exception:
        logger.exception("The config file %s failed; it is ignored. Fix or delete it.", path)
        return Config()
