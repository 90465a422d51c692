"""Trace GUI app (``phy trace-gui``): raw traces of a recording, without spikes."""

import importlib

_LAZY = {
    "create_trace_gui": "phyclone.apps.trace.gui",
    "trace_gui": "phyclone.apps.trace.gui",
    "TraceData": "phyclone.apps.trace.gui",
}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
