"""``phy template-describe`` and ``phy extract-waveforms`` (headless template-gui commands)."""

import click

from phyclone.utils.errors import DataError


def _run(f, *args, **kwargs):
    try:
        return f(*args, **kwargs)
    except DataError as e:
        raise click.ClickException(str(e)) from None


@click.command("template-describe")
@click.argument("params_path", type=click.Path(exists=True, dir_okay=False))
def template_describe_cmd(params_path):
    """Describe a template-gui dataset (params.py)."""
    from phyclone.io.template.model import template_describe
    _run(template_describe, params_path)


def _extract(params_path, n_spikes_per_cluster, nc):
    from phyclone.io.template.model import load_model
    with load_model(params_path) as model:
        paths = model.save_spikes_subset_waveforms(
            max_n_spikes_per_template=n_spikes_per_cluster, max_n_channels=nc)
        if paths is None:
            raise click.ClickException("no raw data file: the waveform pool cannot be extracted")
        w = model.spike_waveforms.waveforms
        click.echo(f"Wrote {len(w)} spike waveforms ({w.shape[1]} samples × {w.shape[2]} "
                   f"channels) to {paths[0].parent}/_phy_spikes_subset.*.npy")


@click.command("extract-waveforms")
@click.argument("params_path", type=click.Path(exists=True, dir_okay=False))
@click.argument("n_spikes_per_cluster", type=click.IntRange(min=1), default=500)
@click.option("--nc", type=click.IntRange(min=1), default=16, show_default=True,
              help="Number of best channels per spike (at least 12, as phy).")
def extract_waveforms_cmd(params_path, n_spikes_per_cluster, nc):
    """Extract up to N spike waveforms per template into the _phy_spikes_subset.* pool."""
    _run(_extract, params_path, n_spikes_per_cluster, nc)
