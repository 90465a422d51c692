"""Kwik GUI app: KwikModel (core, re-exported here as in phy) and KwikController."""

from phyclone.utils.lazy import lazy_attributes

_LAZY = {
    "KwikModel": "phyclone.io.kwik.model",
    "kwik_describe": "phyclone.io.kwik.describe",
    "KwikController": "phyclone.apps.kwik.controller",
    "kwik_gui": "phyclone.apps.kwik.controller",
}

# Lazy: importing this package imports no Qt and no GUI code until a name is used.
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
