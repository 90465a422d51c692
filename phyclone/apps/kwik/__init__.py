"""Kwik GUI app: KwikModel (core, re-exported here as in phy) and KwikController."""

import importlib

_LAZY = {
    "KwikModel": "phyclone.io.kwik.model",
    "kwik_describe": "phyclone.io.kwik.describe",
    "KwikController": "phyclone.apps.kwik.controller",
    "kwik_gui": "phyclone.apps.kwik.controller",
}


def __getattr__(name):
    # Lazy so that `from phyclone.apps.kwik import KwikModel` imports no Qt and no GUI code.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
