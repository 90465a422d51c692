"""``phy synthetic`` (write a synthetic template-gui dataset) and ``phy demo``."""

import importlib.util
import os
from pathlib import Path

import click

from phyclone.io.probes_synthetic import PROBES
from phyclone.utils.errors import DataError

# The demo dataset: small enough to generate in a few seconds, big enough to look real.
DEMO_PARAMS = dict(n_channels=32, duration=60., n_clusters=24, probe="neuropixels", seed=0)


def demo_dir():
    """Where ``phy demo`` keeps its dataset: ``$XDG_CACHE_HOME/phyclone/demo`` or
    ``~/.cache/phyclone/demo``."""
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "phyclone" / "demo"


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
    from phyclone.io.synthetic import make_dataset

    try:
        params = make_dataset(out_dir, n_channels=n_channels, duration=duration,
                              n_clusters=n_clusters, probe=probe, seed=seed, n_spikes=n_spikes,
                              raw_duration=raw_duration, sample_rate=sample_rate, force=force,
                              progress=not quiet)
    except DataError as e:
        raise click.ClickException(str(e))
    click.echo(f"Synthetic dataset written: {params}")


@click.command("demo")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Dataset folder (default: $XDG_CACHE_HOME/phyclone/demo or "
                   "~/.cache/phyclone/demo).")
def demo(out):
    """Generate a small synthetic dataset once (cached) and show it."""
    from phyclone.io.synthetic import make_dataset

    folder = out if out is not None else demo_dir()
    params = folder / "params.py"
    if not params.exists():
        click.echo(f"Generating the demo dataset in {folder} (once).")
        try:
            make_dataset(folder, **DEMO_PARAMS)
        except DataError as e:
            raise click.ClickException(str(e))
    describe(params)


def describe(params_path):
    """Print a dataset summary with the template-gui reader when it exists.

    Until the GUI demo replaces this, the fallback (no ``phyclone.io.template_model`` yet) reads
    the .npy files directly.
    """
    if importlib.util.find_spec("phyclone.io.template_model") is not None:
        from phyclone.io.template_model import template_describe
        text = template_describe(params_path)
        if isinstance(text, str):
            click.echo(text)
        return
    click.echo(npy_summary(params_path))


def npy_summary(params_path):
    """A phy-like summary of a template-gui folder computed from its files (memory-mapped)."""
    import numpy as np

    from phyclone.utils.fileio import read_tsv
    from phyclone.utils.safe_python import read_python

    params_path = Path(params_path)
    d = params_path.parent
    p = read_python(params_path)
    dat = p.get("dat_path")
    dat = [dat] if isinstance(dat, str) else list(dat or [])
    times = np.load(d / "spike_times.npy", mmap_mode="r")
    templates = np.load(d / "templates.npy", mmap_mode="r")
    n_channels = len(np.load(d / "channel_map.npy", mmap_mode="r"))
    sr = float(p["sample_rate"])
    n_bytes = sum((d / f).stat().st_size for f in dat if (d / f).exists())
    itemsize = np.dtype(p.get("dtype", "int16")).itemsize
    raw_s = n_bytes / (itemsize * p["n_channels_dat"] * sr)
    groups = {}
    if (d / "cluster_group.tsv").exists():
        for row in read_tsv(d / "cluster_group.tsv"):
            groups[row["group"]] = groups.get(row["group"], 0) + 1
    lines = [
        ("Data files", ", ".join(str(d / f) for f in dat)),
        ("Directory", d),
        ("Duration", f"{(times[-1] if len(times) else 0) / sr:.1f}s (raw data: {raw_s:.1f}s)"),
        ("Sample rate", f"{sr / 1000.:.1f} kHz"),
        ("Data type", p.get("dtype")),
        ("# of channels", n_channels),
        ("# of channels (raw)", p["n_channels_dat"]),
        ("# of templates", templates.shape[0]),
        ("# of spikes", f"{len(times):,}"),
    ]
    if groups:
        lines.append(("Cluster groups", ", ".join(f"{k}: {v}" for k, v in sorted(groups.items()))))
    return "\n".join(f"{name: <24}{value}" for name, value in lines)
