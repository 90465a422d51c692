"""phyclone: fast, safe manual spike sorting (a successor of phy with the same files and API)."""

import logging

from .utils import (  # noqa: F401
    Bunch, DataError, add_default_handler, connect, emit, load_master_config, phy_config_dir,
    silent, unconnect,
)

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())


def __getattr__(name):
    # IPlugin lives with the plugin machinery; imported lazily to keep `import phyclone` light.
    if name in ("IPlugin", "attach_plugins", "discover_plugins"):
        from .utils import plugin
        return getattr(plugin, name)
    raise AttributeError(f"module 'phyclone' has no attribute {name!r}")
