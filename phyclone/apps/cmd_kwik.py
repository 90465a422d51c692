"""``phy kwik-describe``: print a summary of a Kwik dataset (no GUI)."""

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
    from phyclone.io.kwik_model import KwikModel
    try:
        model = KwikModel(path, channel_group=channel_group, clustering=clustering)
    except DataError as e:
        raise click.ClickException(str(e)) from None
    with model:
        click.echo(model.describe())
