"""``phy efeatures CONFIG.json``: e-feature extraction (bluepyefe-style) from a JSON config."""

import json
import logging
from pathlib import Path

import click

logger = logging.getLogger(__name__)

# keys of the config passed to extract_efeatures as they are
_OPTIONS = ("targets", "threshold_nvalue_save", "protocols_rheobase", "absolute_amplitude",
            "plot", "low_memory_mode", "protocol_mode", "efel_settings", "extract_per_cell",
            "rheobase_strategy", "rheobase_settings", "pickle_cells", "default_std_value",
            "write_files")
_PATH_KEYS = ("filepath", "v_file", "i_file")


def _resolve_paths(files_metadata, root):
    for protocols in files_metadata.values():
        for entries in protocols.values():
            for entry in entries:
                for key in _PATH_KEYS:
                    if isinstance(entry.get(key), str) and not Path(entry[key]).is_absolute():
                        entry[key] = str(root / entry[key])


def load_config(path):
    """The extraction config: ``files_metadata`` (or ``files_metadata_path``, a JSON file),
    ``targets`` or ``auto_targets``, ``output_directory`` and extract_efeatures' options.
    Relative file paths are relative to the config's folder."""
    path = Path(path)
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise click.ClickException(f"{path}: cannot read the JSON config ({e}).") from e
    if not isinstance(config, dict):
        raise click.ClickException(f"{path}: the config must be a JSON object.")
    unknown = set(config) - set(_OPTIONS) - {"files_metadata", "files_metadata_path",
                                              "auto_targets", "output_directory"}
    if unknown:
        raise click.ClickException(f"{path}: unknown key(s) {sorted(unknown)}; allowed: "
                                   "files_metadata(_path), targets, auto_targets, "
                                   f"output_directory, {', '.join(_OPTIONS)}.")
    root = path.resolve().parent
    if "files_metadata_path" in config:
        md_path = root / config.pop("files_metadata_path")
        try:
            config["files_metadata"] = json.loads(md_path.read_text())
        except (OSError, ValueError) as e:
            raise click.ClickException(f"{md_path}: cannot read files_metadata ({e}).") from e
    if not isinstance(config.get("files_metadata"), dict):
        raise click.ClickException(f"{path}: 'files_metadata' (a dict {{cell: {{protocol: "
                                   "[metadata, ...]}}}}) is missing.")
    _resolve_paths(config["files_metadata"], root)
    return config


@click.command("efeatures")
@click.argument("config_path", metavar="CONFIG.json",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: the config's output_directory, else "
                   "'efeatures' next to the config).")
@click.option("--n-jobs", "-j", default=1, show_default=True, type=int,
              help="Worker processes (joblib) across cells; -1: all cores.")
@click.option("--scheduler", default=None,
              help="Address of a dask.distributed scheduler: run the cells on its workers.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def efeatures_cmd(config_path, output, n_jobs, scheduler, quiet):
    """Extract e-features (features.json, protocols.json, holding_threshold_currents.json)
    from current-clamp sweeps described by CONFIG.json, as bluepyefe does."""
    from tqdm import tqdm

    from phyclone.efeatures import AutoTarget, extract_efeatures
    from phyclone.efeatures.parallel import dask_map, joblib_map, serial_map

    config = load_config(config_path)
    output = output or config.get("output_directory") or config_path.resolve().parent / "efeatures"
    kwargs = {k: config[k] for k in _OPTIONS if k in config}
    kwargs.setdefault("write_files", True)
    if "auto_targets" in config:
        specs = config["auto_targets"]
        if not isinstance(specs, list):
            raise click.ClickException(f"{config_path}: 'auto_targets' must be a list of "
                                       "{protocols, amplitudes, efeatures, ...} objects.")
        try:
            kwargs["auto_targets"] = [AutoTarget(**spec) for spec in specs]
        except TypeError as e:
            raise click.ClickException(f"{config_path}: bad auto_targets entry ({e}).") from e
    n_cells = len(config["files_metadata"])
    two_passes = "targets" not in kwargs or kwargs.get("auto_targets") is not None
    bar = tqdm(total=n_cells * (2 if two_passes else 1), unit="cell", disable=quiet,
               desc="e-features")
    client = None
    if scheduler:
        from distributed import Client
        client = Client(scheduler)
        map_function = dask_map(client, progress=bar)
    elif n_jobs != 1:
        map_function = joblib_map(n_jobs, progress=bar)
    else:
        map_function = serial_map(progress=bar)
    try:
        feat, stim, _ = extract_efeatures(output, config["files_metadata"],
                                          map_function=map_function, **kwargs)
    except (ValueError, KeyError, FileNotFoundError, AttributeError) as e:
        raise click.ClickException(f"{config_path}: {e}") from e
    finally:
        bar.close()
        if client is not None:
            client.close()
    n_feat = sum(len(v["soma"]) for v in feat.values())
    click.echo(f"{n_feat} e-features in {len(stim)} protocols written to {output}")
