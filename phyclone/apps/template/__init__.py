"""Template GUI app: TemplateModel (core, re-exported here as in phy) and TemplateController."""

from phyclone.utils.lazy import lazy_attributes

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

# Lazy: importing this package imports no Qt and no GUI code until a name is used.
__getattr__, __dir__ = lazy_attributes(__name__, _LAZY)
