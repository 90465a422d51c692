"""User configuration: the config folder and its ``phy_config.py``.

``phy_config.py`` sits in the user's own config folder (trusted, as in phy), so it is executed
(plugins may be defined inline). Inside it, ``import phy...`` resolves to ``phyclone...`` when
phyclone has the same module. Files from a dataset folder are never executed.
"""

import builtins
import importlib
import logging
import os
from pathlib import Path

from .fileio import ensure_dir_exists, write_text

logger = logging.getLogger(__name__)

ENV_CONFIG_DIR = "PHYCLONE_CONFIG_DIR"

DEFAULT_CONFIG = """\
# phy / phyclone user configuration.
# Example: c.TemplateGUI.plugins = ['ExampleClusterStatsPlugin']
c = get_config()
c.Plugins.dirs = []
"""


def phy_config_dir(config_dir=None):
    """Folder holding phy_config.py, plugins/ and per-GUI state: ``~/.phy`` by default.

    Overridden by the ``config_dir`` argument, then by the ``PHYCLONE_CONFIG_DIR`` variable.
    """
    if config_dir:
        return Path(config_dir).expanduser()
    if os.environ.get(ENV_CONFIG_DIR):
        return Path(os.environ[ENV_CONFIG_DIR]).expanduser()
    return Path.home() / ".phy"


class Config:
    """Traitlets-like nested settings: ``c.TemplateGUI.plugins = [...]`` creates sections on demand."""

    _phyclone_settable = True

    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        sub = Config()
        self.__dict__[name] = sub
        return sub

    def __contains__(self, name):
        return name in self.__dict__

    def get(self, name, default=None):
        return self.__dict__.get(name, default)

    def to_dict(self):
        return {k: v.to_dict() if isinstance(v, Config) else v for k, v in self.__dict__.items()}

    def update(self, other):
        """Deep-merge another Config (or dict) into this one."""
        items = other.__dict__.items() if isinstance(other, Config) else other.items()
        for k, v in items:
            if isinstance(v, (Config, dict)) and isinstance(self.__dict__.get(k), Config):
                self.__dict__[k].update(v)
            elif isinstance(v, dict):
                sub = Config()
                sub.update(v)
                self.__dict__[k] = sub
            else:
                self.__dict__[k] = v
        return self

    def __repr__(self):
        return f"Config({self.to_dict()!r})"


def _phy_import(name, globals=None, locals=None, fromlist=(), level=0):
    """``__import__`` mapping ``phy``/``phylib`` modules to phyclone's when those exist."""
    if level == 0:
        for prefix in ("phylib", "phy"):
            if name == prefix or name.startswith(prefix + "."):
                alias = "phyclone" + name[len(prefix):]
                try:
                    importlib.import_module(alias)
                except ImportError:
                    break
                return builtins.__import__(alias, globals, locals, fromlist, level)
    return builtins.__import__(name, globals, locals, fromlist, level)


def exec_user_file(path, namespace):
    """Execute a trusted user file (config or plugin) with the phy→phyclone import mapping."""
    code = compile(Path(path).read_text(encoding="utf-8"), str(path), "exec")
    bi = dict(vars(builtins))
    bi["__import__"] = _phy_import
    namespace.setdefault("__builtins__", bi)
    namespace.setdefault("__file__", str(path))
    namespace.setdefault("__name__", f"phyclone_user_{Path(path).stem}")
    exec(code, namespace)
    return namespace


def load_config(path):
    """Execute a ``phy_config.py``-style file and return its ``c`` Config."""
    c = Config()
    if Path(path).exists():
        exec_user_file(path, {"c": c, "get_config": lambda: c})
    return c


def load_master_config(config_dir=None):
    """Load ``<config dir>/phy_config.py``, creating a default one when missing."""
    path = phy_config_dir(config_dir) / "phy_config.py"
    if not path.exists():
        try:
            ensure_dir_exists(path.parent)
            write_text(path, DEFAULT_CONFIG)
        except OSError as e:
            logger.warning("Cannot create the default config file %s: %s", path, e)
            return Config()
    return load_config(path)
