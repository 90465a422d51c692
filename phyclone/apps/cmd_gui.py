"""``phy template-gui`` and ``phy trace-gui``: the GUIs (Qt is imported when they run)."""

import click

from phyclone.utils.errors import DataError


def _run(f, *args, **kwargs):
    """Run a GUI: errors of actions and plugins are shown in error boxes meanwhile (phy's
    ``capture_exceptions``); a bad dataset ends the command with its message."""
    from phyclone.gui.errors import capture_exceptions
    try:
        with capture_exceptions():
            return f(*args, **kwargs)
    except DataError as e:
        raise click.ClickException(str(e)) from None


@click.command("template-gui")
@click.argument("params_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--clear-cache", is_flag=True,
              help="Delete phyclone's cache of this dataset (in .phy/phyclone) first.")
@click.option("--clear-state", is_flag=True, help="Forget the saved GUI layout and settings.")
@click.option("--events", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Event times (.npy in seconds, or .tsv) for the event view.")
@click.option("--replay-journal/--no-replay-journal", default=None,
              help="After a crash: replay the unsaved actions (default: ask).")
def template_gui_cmd(params_path, clear_cache, clear_state, events, replay_journal):
    """Curate a KiloSort / SpikeInterface folder (params.py) in the Template GUI."""
    from phyclone.apps.template.controller import template_gui
    _run(template_gui, params_path, clear_cache=clear_cache, clear_state=clear_state,
         events=events, replay_journal=replay_journal)


@click.command("trace-gui")
@click.argument("raw_path", type=click.Path(exists=True, dir_okay=False))
@click.option("--n-channels", "n_channels_dat", type=click.IntRange(min=1), default=None,
              help="Number of channels (columns) in the raw data file.")
@click.option("--sample-rate", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Sampling rate (Hz).")
@click.option("--dtype", default=None, help="Data type of the samples, e.g. int16.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True,
              help="Header size in bytes.")
@click.option("--image", is_flag=True, help="Also show the traces as an image (heat map).")
def trace_gui_cmd(raw_path, n_channels_dat, sample_rate, dtype, offset, image):
    """Show the raw traces of RAW_PATH (a .dat/.bin/.raw/.npy/.cbin file, a params.py or a
    klusta .prm)."""
    from phyclone.apps.trace.gui import trace_gui
    if not raw_path.endswith(".py") and not raw_path.lower().endswith(".prm"):
        suffix = raw_path.rsplit(".", 1)[-1].lower()
        if suffix not in ("npy", "cbin", "mda") and n_channels_dat is None:
            raise click.UsageError("--n-channels is needed for a flat binary file.")
        if suffix not in ("cbin",) and sample_rate is None:
            raise click.UsageError("--sample-rate is needed.")
    views = ("TraceView", "TraceImageView") if image else ("TraceView",)
    _run(trace_gui, raw_path, sample_rate=sample_rate, n_channels_dat=n_channels_dat,
         dtype=dtype, offset=offset, views=views)
