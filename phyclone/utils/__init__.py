"""Utilities shared by every layer (no Qt, no OpenGL).

``colors`` and ``context`` are imported on demand (``phyclone.utils.colors``,
``phyclone.utils.context``) to keep ``import phyclone`` light; their public names are
re-exported lazily, as phy's ``phy.utils`` does (``from phyclone.utils import Context``).
"""

import importlib
from typing import Any

from .bunch import Bunch
from .config import Config, load_config, load_master_config, phy_config_dir
from .errors import DataError
from .event import EventEmitter, connect, emit, reset, set_silent, silent, unconnect
from .fileio import (
    atomic_open, ensure_dir_exists, load_json, load_pickle, read_text, read_tsv, save_json,
    save_npy, save_pickle, write_bytes, write_text, write_tsv,
)
from .log import add_default_handler
from .plugin import IPlugin, attach_plugins, discover_plugins, get_plugin
from .safe_python import read_python
from .progress import ProgressReporter
from .lazy import lazy_attributes

_LAZY = {
    "Context": "phyclone.utils.context",
    "ClusterColorSelector": "phyclone.utils.colors",
    "selected_cluster_color": "phyclone.utils.colors",
    "add_alpha": "phyclone.utils.colors",
    "colormaps": "phyclone.utils.colors",
}

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
