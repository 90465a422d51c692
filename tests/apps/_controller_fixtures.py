"""Helpers of the controller tests (a module with a unique name: several test folders have a
conftest.py)."""

from pathlib import Path


def open_controller(d, config_dir, **kwargs):
    from phyclone.apps.template import TemplateController, load_model
    kwargs.setdefault("replay_journal", False)
    kwargs.setdefault("enable_threading", False)
    return TemplateController(model=load_model(Path(d) / "params.py"), dir_path=d,
                              config_dir=config_dir, **kwargs)
