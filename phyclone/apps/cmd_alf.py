"""``phy alf-convert``: a template-gui folder → ALF files (headless, no Qt)."""

import click

from phyclone.utils.errors import DataError


@click.command("alf-convert")
@click.argument("subdirs", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, dir_okay=True))
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Replace files already in OUT_DIR.")
@click.option("--label", default="", help="ALF label added to the file names.")
@click.option("--ampfactor", type=float, default=1., show_default=True,
              help="Factor converting raw data units to physical units (amplitudes).")
def alf_convert_cmd(subdirs, out_dir, force, label, ampfactor):
    """Convert a template-gui folder (params.py) into ALF files in OUT_DIR (IBL pipeline)."""
    from phyclone.io.alf import alf_convert
    try:
        paths = alf_convert(subdirs, out_dir, force=force, label=label, ampfactor=ampfactor)
    except DataError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Wrote {len(paths)} ALF files to {out_dir}")
