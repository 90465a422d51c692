"""``phy kwik-describe`` (no GUI) and ``phy kwik-gui``: Kwik datasets."""

import click

from phyclone.utils.errors import DataError


@click.command("kwik-describe")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--channel-group", type=int, default=None,
              help="Channel group (shank) to describe; default: the first one.")
@click.option("--clustering", type=str, default=None,
              help="Clustering to describe; default: 'main'.")
def kwik_describe(path, channel_group=None, clustering=None):
    """Describe a Kwik dataset (.kwik file): recordings, shanks, clusterings, spikes, clusters."""
    from phyclone.io.kwik.model import KwikModel
    try:
        model = KwikModel(path, channel_group=channel_group, clustering=clustering)
    except DataError as e:
        raise click.ClickException(str(e)) from None
    with model:
        click.echo(model.describe())


@click.command("kwik-gui")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--channel-group", type=int, default=None,
              help="Channel group (shank) to open; default: the first one.")
@click.option("--clustering", type=str, default=None,
              help="Clustering to open; default: 'main'.")
@click.option("--clear-cache", is_flag=True,
              help="Delete the cache of this channel group and clustering (in .phy/phyclone) "
                   "first.")
@click.option("--clear-state", is_flag=True, help="Forget the saved GUI layout and settings.")
@click.option("--replay-journal/--no-replay-journal", default=None,
              help="After a crash: replay the unsaved actions (default: ask).")
def kwik_gui_cmd(path, channel_group, clustering, clear_cache, clear_state, replay_journal):
    """Curate a Kwik dataset (.kwik file, with its .kwx and raw data) in the Kwik GUI."""
    from phyclone.apps.kwik.controller import kwik_gui
    from phyclone.gui.errors import capture_exceptions
    try:
        with capture_exceptions():  # errors of actions and plugins shown in error boxes
            kwik_gui(path, channel_group=channel_group, clustering=clustering,
                     clear_cache=clear_cache, clear_state=clear_state,
                     replay_journal=replay_journal)
    except DataError as e:
        raise click.ClickException(str(e)) from None
