"""``phy detect``: raw recording → detected spikes → a template-gui folder."""

from pathlib import Path

import click

from phyclone.utils.errors import DataError


def _channels(value):
    """``"0-3,7,9"`` → [0, 1, 2, 3, 7, 9]."""
    out = []
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        a, _, b = part.partition("-")
        try:
            out.extend(range(int(a), int(b) + 1) if b else [int(a)])
        except ValueError:
            raise click.BadParameter(f"{part!r} is not a channel or a range like 0-31") \
                from None
    return out


@click.command("detect")
@click.argument("raw", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output template-gui folder.")
@click.option("--probe", type=click.Path(dir_okay=False, path_type=Path),
              help=".prb, probeinterface .json, channel_positions.npy or a klusta .kwik "
                   "(default with a params.py: its folder's channel_positions.npy; with a "
                   "klusta .prm: its prb_file; with a .kwik: its probe).")
@click.option("--n-channels", type=click.IntRange(min=1), help="Channels in the raw file.")
@click.option("--sample-rate", type=click.FloatRange(min=0, min_open=True), help="Hz.")
@click.option("--dtype", help="Sample type of the raw file (default int16).")
@click.option("--offset", type=click.IntRange(min=0), help="Header size in bytes.")
@click.option("--band", nargs=2, type=float, default=(300., 6000.), show_default=True,
              help="Band-pass (Hz).")
@click.option("--order", type=click.IntRange(min=1), default=1, show_default=True,
              help="Butterworth order of the band-pass, run forward then backward (2 or 3: "
                   "a steeper cut of line noise and LFP).")
@click.option("--reference", type=click.Choice(["none", "median", "mean"]), default="none",
              show_default=True, help="Common reference after filtering.")
@click.option("--method", type=click.Choice(["bipolar", "multiphasic"]), default="bipolar",
              show_default=True, help="Detector: bipolar amplitude (threshold crossings, of "
              "the polarity --sign keeps) or dynamic multiphasic (two phases of opposite "
              "signs).")
@click.option("--sign", type=click.Choice(["neg", "pos", "both"]), default="neg",
              show_default=True, help="Polarity of the events: `both` for the bipolar "
              "detector of spyke on either polarity (lower precision on extracellular "
              "spikes, whose rebounds then count; see docs/detect.md).")
@click.option("--threshold", type=click.FloatRange(min=0, min_open=True), default=5.,
              show_default=True, help="Threshold in units of noise.")
@click.option("--fixed-threshold", type=click.FloatRange(min=0, min_open=True),
              help="A global threshold (filtered data units) instead.")
@click.option("--noise", type=click.Choice(["mad", "std"]), default="mad", show_default=True)
@click.option("--noise-window", type=click.FloatRange(min=0, min_open=True),
              help="Sliding noise window (s); default: the whole recording.")
@click.option("--lockout-us", type=click.FloatRange(min=0), default=67., show_default=True,
              help="A larger sample locks out the channels within --lockout-um for this long "
                   "after it...")
@click.option("--lockout-before-us", type=click.FloatRange(min=0), default=34.,
              show_default=True, help="...and for this long before it.")
@click.option("--lockout-um", type=click.FloatRange(min=0), default=50., show_default=True)
@click.option("--near-um", type=click.FloatRange(min=0), default=25., show_default=True,
              help="An event is the largest sample within this radius; up to --lockout-um, "
                   "only a larger event, or larger samples when it stands out by less than "
                   "--prominence, lock it out (--near-um 50: the classic lockout).")
@click.option("--prominence", type=click.FloatRange(min=0), default=.35, show_default=True,
              help="In units of noise (see --near-um).")
@click.option("--phase-window-us", type=click.FloatRange(min=0), default=500., show_default=True,
              help="Window of the other phase (multiphasic; lockout of both polarities).")
@click.option("--phase-ratio", type=click.FloatRange(min=0), default=.25, show_default=True,
              help="Multiphasic: second-phase threshold / first-phase amplitude.")
@click.option("--interpolate", type=click.IntRange(min=1), default=2, show_default=True,
              help="Sinc interpolation factor for sub-sample times and waveforms.")
@click.option("--sh-delay-us", type=click.FloatRange(min=0), default=0., show_default=True,
              help="Sample-and-hold delay per AD channel (µs, e.g. 1).")
@click.option("--channels-per-board", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--time-range", nargs=2, type=float, help="Search START STOP (s).")
@click.option("--max-events", type=click.IntRange(min=1), help="Stop after N events.")
@click.option("--random", "random_order", is_flag=True, help="Search blocks in random order.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--channels", help="Raw-file channels to use, e.g. 0-95,100.")
@click.option("--no-split", is_flag=True, help="One initial cluster per max channel.")
@click.option("--block-duration", type=click.FloatRange(min=0, min_open=True), default=1.,
              show_default=True, help="Seconds per block.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=1, show_default=True,
              help="Threads.")
@click.option("--scheduler", help="dask.distributed scheduler address (runs the blocks there).")
@click.option("--force", is_flag=True, help="Replace a template-gui dataset in --out.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def detect_cmd(raw, out_dir, probe, n_channels, sample_rate, dtype, offset, band, order,
               reference, method, sign, threshold, fixed_threshold, noise, noise_window, lockout_us,
               lockout_before_us, lockout_um, near_um, prominence, phase_window_us, phase_ratio,
               interpolate, sh_delay_us, channels_per_board, time_range, max_events, random_order,
               seed, channels, no_split, block_duration, jobs, scheduler, force, quiet):
    """Detect spikes in RAW (raw files end to end, a template-gui params.py, or a klusta .prm
    or .kwik) and write a template-gui folder that `phy template-gui OUT/params.py` opens."""
    from phyclone.detect import detect, filters
    from phyclone.utils.kernel_cache import is_cached

    if not quiet and not is_cached(filters.__file__, "_filter_segments"):
        click.echo("Compiling the detection kernels (~30 s, once after installing or updating "
                   "phyclone)...", err=True)
    try:
        ev = detect(list(raw) if len(raw) > 1 else raw[0], probe=probe, out_dir=out_dir,
                    channels=_channels(channels) if channels else None, n_channels=n_channels,
                    sample_rate=sample_rate, dtype=dtype, offset=offset, jobs=jobs,
                    scheduler=scheduler, progress=not quiet, force=force,
                    low=band[0], high=band[1], order=order, reference=reference, method=method,
                    sign=sign,
                    threshold=threshold, fixed_threshold=fixed_threshold, noise=noise,
                    noise_window=noise_window, lockout_us=lockout_us, lockout_um=lockout_um,
                    lockout_before_us=lockout_before_us,
                    near_um=near_um, prominence=prominence,
                    phase_window_us=phase_window_us, phase_ratio=phase_ratio,
                    interpolate=interpolate, sh_delay_us=sh_delay_us,
                    channels_per_board=channels_per_board,
                    time_range=tuple(time_range) if time_range else None,
                    max_events=max_events, random_order=random_order, seed=seed,
                    split=not no_split, block_duration=block_duration)
    except DataError as e:
        raise click.ClickException(str(e)) from None
    dur = ev.searched / ev.sample_rate
    click.echo(f"{len(ev.times)} events in {dur:.1f} s of data on {len(ev.channel_map)} "
               f"channels → {ev.params_path}")
