"""Apps: the command line, BaseController and its mixins, the template/Kwik/trace GUIs.

As phy's ``phy.apps``: ``from phyclone.apps import BaseController, WaveformMixin`` (imported
lazily, so that the command line starts without Qt), and ``capture_exceptions``.
"""

from phyclone.utils.lazy import lazy_attributes

_LAZY = {
    "BaseController": "phyclone.apps.base",
    "FeatureMixin": "phyclone.apps.mixins",
    "TemplateMixin": "phyclone.apps.mixins",
    "TraceMixin": "phyclone.apps.mixins",
    "WaveformMixin": "phyclone.apps.mixins",
    "capture_exceptions": "phyclone.gui.errors",
    "QtDialogLogger": "phyclone.gui.errors",
    "add_default_handler": "phyclone.utils.log",
    "phycli": "phyclone.apps.cli",
}

__all__ = sorted(_LAZY)

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
