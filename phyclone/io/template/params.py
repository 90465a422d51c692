"""``params.py`` of a template-gui folder: parsed without executing it, then validated."""

import logging
from pathlib import Path

import numpy as np

from phyclone.utils.errors import DataError
from phyclone.utils.safe_python import read_python

logger = logging.getLogger(__name__)

#: Keys every params.py written by KiloSort / SpikeInterface holds.
REQUIRED_KEYS = ("dat_path", "n_channels_dat", "dtype", "sample_rate")
#: Optional keys and their defaults.
DEFAULTS = {"offset": 0, "hp_filtered": False}


def _fail(path, key, problem, fix):
    raise DataError(path, f"`{key}` {problem}", fix)


def _is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def clean_dat_path(dat_path):
    """Normalize ``dat_path`` (str, Path, list or tuple) into a list; blank entries mean no file."""
    if dat_path is None:
        return []
    if not isinstance(dat_path, (list, tuple)):
        dat_path = [dat_path]
    return [p for p in dat_path if str(p).strip()]


def resolve_dat_paths(dat_path, dir_path):
    """Absolute paths of the raw data files; relative entries are relative to ``dir_path``."""
    out = []
    for p in clean_dat_path(dat_path):
        p = Path(p).expanduser()
        out.append(p if p.is_absolute() else Path(dir_path) / p)
    return out


def validate_params(params, path):
    """Check types and values of a params dict (as read from ``path``) and fill in defaults."""
    params = dict(params)
    missing = [k for k in REQUIRED_KEYS if k not in params]
    if missing:
        raise DataError(path, f"missing {', '.join('`%s`' % k for k in missing)}",
                        "add the line(s), e.g. dat_path = 'recording.dat', n_channels_dat = 384, "
                        "dtype = 'int16', sample_rate = 30000.0")
    for k, v in DEFAULTS.items():
        params.setdefault(k, v)

    dp = params["dat_path"]
    items = dp if isinstance(dp, (list, tuple)) else [dp]
    if not all(isinstance(p, (str, Path)) for p in items):
        _fail(path, "dat_path", f"must be a path string or a list of path strings, got {dp!r}",
              "write dat_path = 'recording.dat' or dat_path = ['part1.dat', 'part2.dat']")

    n = params["n_channels_dat"]
    if not _is_int(n) or n <= 0:
        _fail(path, "n_channels_dat", f"must be a positive integer, got {n!r}",
              "set n_channels_dat to the number of channels stored in the raw data file")

    try:
        dt = params["dtype"]
        if not isinstance(dt, str):
            raise TypeError(dt)
        dtype = np.dtype(dt.removeprefix("numpy.").removeprefix("np."))
        if dtype.kind not in "iuf":
            raise TypeError(dtype)
    except TypeError:
        _fail(path, "dtype", f"is not a numeric data type: {params['dtype']!r}",
              "use a NumPy type name such as 'int16', 'uint16' or 'float32'")
    params["dtype"] = dtype

    sr = params["sample_rate"]
    if isinstance(sr, bool) or not isinstance(sr, (int, float)) or not sr > 0:
        _fail(path, "sample_rate", f"must be a positive number (Hz), got {sr!r}",
              "set sample_rate = 30000.0 (the sampling rate of the raw data, in Hz)")
    params["sample_rate"] = float(sr)

    off = params["offset"]
    if not _is_int(off) or off < 0:
        _fail(path, "offset", f"must be a non-negative integer (bytes), got {off!r}",
              "set offset = 0 unless the raw data file has a header")

    hp = params["hp_filtered"]
    if not isinstance(hp, (bool, int)) or hp not in (0, 1):
        _fail(path, "hp_filtered", f"must be True or False, got {hp!r}",
              "set hp_filtered = True if the raw data is already high-pass filtered")
    params["hp_filtered"] = bool(hp)
    return params


def read_params(params_path):
    """Parse ``params.py`` safely (never executed) and return the raw dict."""
    return read_python(params_path)


def get_template_params(params_path):
    """Validated parameters of a template-gui folder, ready for ``TemplateModel(**params)``.

    ``dir_path`` defaults to the folder of ``params.py`` (a relative ``dir_path`` is relative
    to it); ``dat_path`` becomes a list of absolute paths (relative entries are relative to
    ``dir_path``); ``dtype`` a ``numpy.dtype``.
    """
    params_path = Path(params_path)
    if params_path.is_dir():
        params_path = params_path / "params.py"
    params = validate_params(read_params(params_path), params_path)
    base = params_path.resolve().parent
    dir_path = Path(params.get("dir_path") or base)
    if not dir_path.is_absolute():
        dir_path = base / dir_path
    if not dir_path.is_dir():
        _fail(params_path, "dir_path", f"is not a folder: {dir_path}",
              "remove the dir_path line (it defaults to the folder of params.py)")
    params["dir_path"] = dir_path
    params["dat_path"] = resolve_dat_paths(params["dat_path"], dir_path)
    return params
