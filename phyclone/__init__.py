"""phyclone: fast, safe manual spike sorting (a successor of phy with the same files and API)."""

import logging
from pathlib import Path

from .utils.kernel_cache import sync_kernel_cache

sync_kernel_cache(Path(__file__).parent)  # before any kernel runs

from .utils import (  # noqa: F401,E402  (phy's top-level API)
    Bunch, DataError, IPlugin, add_default_handler, attach_plugins, connect, discover_plugins,
    emit, get_plugin, load_master_config, phy_config_dir, silent, unconnect,
)

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())
