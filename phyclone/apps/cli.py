"""The ``phy`` command line. Sub-commands live in small modules, imported only when run,
so ``phy --help`` and headless commands never load Qt or numba kernels."""

import importlib
import logging

import click

from phyclone.utils.log import add_default_handler
from phyclone.utils.runtime import prepare_numba

# command name -> "module:attribute" of a click.Command
COMMANDS = {
    "template-describe": "phyclone.apps.cmd_template:template_describe_cmd",
    "extract-waveforms": "phyclone.apps.cmd_template:extract_waveforms_cmd",
    "kwik-describe": "phyclone.apps.cmd_kwik:kwik_describe",
    "alf-convert": "phyclone.apps.cmd_alf:alf_convert_cmd",
    "kwik-gui": "phyclone.apps.cmd_kwik:kwik_gui_cmd",
    "synthetic": "phyclone.apps.cmd_synthetic:synthetic",
    "detect": "phyclone.apps.cmd_detect:detect_cmd",
    "demo": "phyclone.apps.cmd_synthetic:demo",
    "template-gui": "phyclone.apps.cmd_gui:template_gui_cmd",
    "trace-gui": "phyclone.apps.cmd_gui:trace_gui_cmd",
    "efeatures": "phyclone.apps.cmd_efeatures:efeatures_cmd",
    "match": "phyclone.apps.cmd_match:match_cmd",
}


class LazyGroup(click.Group):
    """A click group whose sub-commands are imported on first use."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx, name):
        if name in COMMANDS:
            module, attr = COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup)
@click.version_option(package_name="phyclone", prog_name="phy (phyclone)")
@click.option("--debug", "-d", is_flag=True, help="Verbose logging.")
@click.pass_context
def phycli(ctx, debug):
    """phyclone: manual spike sorting of large extracellular recordings (phy-compatible)."""
    add_default_handler("DEBUG" if debug else "INFO")
    prepare_numba()  # before a sub-command imports numba
    ctx.ensure_object(dict)
    logging.getLogger("phyclone").debug("phyclone CLI started")
