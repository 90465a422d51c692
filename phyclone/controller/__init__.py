"""The headless controllers (no Qt): a dataset's model, its curation session, every ``get_*``
data method of the views, the caches and saving — for scripts and notebooks. The GUI
controllers of ``phyclone.apps`` (phy's ``TemplateController``, ``KwikController``) add the
Supervisor, the views and the main window on top of these.

    from phyclone.controller import TemplateControllerCore
    c = TemplateControllerCore(dir_path="path/to/folder")   # reads params.py's model
    c.session.merge([3, 5]); c.session.label("quality", "good"); c.save()
"""

from .base import ControllerCore
from .kwik import KwikControllerCore
from .template import TemplateControllerCore

__all__ = ["ControllerCore", "KwikControllerCore", "TemplateControllerCore"]
