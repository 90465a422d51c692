"""Template GUI app: TemplateModel (core, re-exported here as in phy) and TemplateController."""

import importlib

_LAZY = {
    "TemplateModel": "phyclone.io.template.model",
    "load_model": "phyclone.io.template.model",
    "get_template_params": "phyclone.io.template.model",
    "from_sparse": "phyclone.io.template.model",
    "template_describe": "phyclone.io.template.model",
    "load_metadata": "phyclone.io.template.metadata",  # phylib.io.model's, for plugins
    "save_metadata": "phyclone.io.template.metadata",
    "TemplateController": "phyclone.apps.template.controller",
    "template_gui": "phyclone.apps.template.controller",
}


def __getattr__(name):
    # Lazy so that `from phyclone.apps.template import TemplateModel` never imports Qt.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
