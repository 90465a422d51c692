"""Trace GUI app (``phy trace-gui``): raw traces of a recording, without spikes."""

from phyclone.utils.lazy import lazy_attributes

_LAZY = {
    "create_trace_gui": "phyclone.apps.trace.gui",
    "trace_gui": "phyclone.apps.trace.gui",
    "TraceData": "phyclone.apps.trace.gui",
}

# Lazy: importing this package imports no Qt and no GUI code until a name is used.
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
