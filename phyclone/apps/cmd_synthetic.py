"""``phy synthetic`` (write a synthetic template-gui dataset) and ``phy demo``."""

import os
import sys
from pathlib import Path

import click

from phyclone.io.synthetic.probes import PROBES
from phyclone.utils.errors import DataError


@click.command("synthetic")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--n-channels", default=32, show_default=True, type=click.IntRange(min=1),
              help="Number of channels on the probe.")
@click.option("--duration", default=60., show_default=True,
              type=click.FloatRange(min=0, min_open=True), help="Spike trains duration (s).")
@click.option("--n-clusters", default=20, show_default=True, type=click.IntRange(min=1),
              help="Number of templates (= clusters).")
@click.option("--probe", default="linear", show_default=True, type=click.Choice(PROBES),
              help="Probe geometry (neuropixels: staggered 4-column NP1 layout, + sync channel).")
@click.option("--seed", default=0, show_default=True, type=int, help="Random seed.")
@click.option("--n-spikes", default=None, type=click.IntRange(min=0),
              help="Exact total number of spikes (default: from the firing rates).")
@click.option("--raw-duration", default=None, type=click.FloatRange(min=0, min_open=True),
              help="Raw data duration (s), at most --duration (default: --duration).")
@click.option("--sample-rate", default=30000., show_default=True,
              type=click.FloatRange(min=0, min_open=True), help="Sampling rate (Hz).")
@click.option("--force", is_flag=True, help="Replace an existing dataset in OUT_DIR.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def synthetic(out_dir, n_channels, duration, n_clusters, probe, seed, n_spikes, raw_duration,
              sample_rate, force, quiet):
    """Write a synthetic template-gui dataset (KiloSort format, with raw data) into OUT_DIR."""
    from phyclone.io.synthetic.dataset import make_dataset

    try:
        params = make_dataset(out_dir, n_channels=n_channels, duration=duration,
                              n_clusters=n_clusters, probe=probe, seed=seed, n_spikes=n_spikes,
                              raw_duration=raw_duration, sample_rate=sample_rate, force=force,
                              progress=not quiet)
    except DataError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"Synthetic dataset written: {params}")


@click.command("demo")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dataset folder (default: $XDG_CACHE_HOME/phyclone/demo or "
                   "~/.cache/phyclone/demo).")
@click.option("--screenshots", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the screenshots of the scripted session (default: a new "
                   "folder under ~/.cache/phyclone/demo-output).")
@click.option("--script/--interactive", default=None,
              help="Run the scripted session (the default without a display) or open the "
                   "GUI for you (the default with one).")
def demo(out, screenshots, script):
    """Open the Template GUI on a synthetic dataset (generated once). Without a display:
    a scripted session under Xvfb, with screenshots of the window and of every view."""
    from phyclone.apps import demo as d

    try:
        params = d.ensure_dataset(out if out is not None else d.demo_dir(), echo=click.echo)
    except DataError as e:
        raise click.ClickException(str(e)) from e
    if not d.has_display():
        args = ["--out", str(params.parent), "--script"]
        args += ["--screenshots", str(screenshots)] if screenshots is not None else []
        try:
            sys.exit(d.rerun_under_xvfb(args))
        except RuntimeError as e:
            raise click.ClickException(str(e)) from e
    if script is None:
        script = os.environ.get(d.ENV_HEADLESS) == "1"
    if not script:
        from phyclone.apps.template.controller import template_gui
        template_gui(params)
        return
    summary = d.run_headless(params, screenshots, echo=click.echo)
    click.echo(f"Screenshots of the window and of every view: {summary['folder']}")
    problems = []
    if summary["blank"]:
        problems.append("blank views: " + ", ".join(summary["blank"]))
    if summary["late"]:
        problems.append("views not redrawn in time: " + ", ".join(summary["late"]))
    if not summary["saved"]:
        problems.append("saving failed")
    if problems:
        raise click.ClickException("The demo session had problems: " + "; ".join(problems))
