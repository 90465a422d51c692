"""Open the raw recording to detect on: flat binary files (any numeric dtype, header
offset), mtscomp ``.cbin``, ``.npy``, several files end to end, a template-gui
``params.py`` (its raw files, dtype, offset and sample rate), or a klusta ``.prm`` or
``.kwik`` (its raw files, channels, dtype, sample rate and probe). Settings files are read,
never executed."""

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from phyclone.io.template.params import get_template_params, resolve_dat_paths
from phyclone.io.raw.traces import get_ephys_reader
from phyclone.utils.errors import DataError
from phyclone.utils.safe_python import read_python

_SELF_DESCRIBING = (".cbin", ".npy", ".mda")


@dataclass
class RawSpec:
    """Everything needed to reopen the recording (picklable: sent to dask workers)."""
    paths: list
    n_channels: int
    dtype: str
    offset: int
    sample_rate: float
    params_dir: Path = None  # folder of the params.py the recording came from
    n_samples: int = field(default=0)
    probe_file: str = None   # the probe a klusta .prm names

    def open(self):
        """The recording as a lazy :class:`phyclone.io.raw.traces.EphysTraces`."""
        return get_ephys_reader([str(p) for p in self.paths], n_channels_dat=self.n_channels,
                                dtype=self.dtype, offset=self.offset,
                                sample_rate=self.sample_rate)


def _dtype(value, where):
    try:
        dt = np.dtype(str(value).removeprefix("numpy.").removeprefix("np."))
    except TypeError:
        dt = None
    if dt is None or dt.kind not in "iuf":
        raise DataError(where, f"unknown sample data type {value!r}",
                        "give --dtype as a NumPy type name such as int16, uint16 or float32")
    return dt


def read_raw(raw, n_channels=None, sample_rate=None, dtype=None, offset=None):
    """Open ``raw`` (a path, a list of paths concatenated in time, a ``params.py``, or a
    klusta ``.prm`` or ``.kwik``) and return ``(traces, spec)``: a lazy ``EphysTraces`` and the
    :class:`RawSpec` to reopen it.

    Command-line values override those of a ``params.py`` or ``.prm``. Bad input raises one
    ``DataError`` naming the file and the fix."""
    paths = [Path(p) for p in (raw if isinstance(raw, (list, tuple)) else [raw])]
    given = dict(dtype=dtype, offset=offset, sample_rate=sample_rate)  # (command line)
    if not paths:
        raise DataError(None, "no raw data file given", "give the path of a raw data file")
    params_dir = prm = probe_file = None
    if len(paths) == 1 and paths[0].suffix.lower() in (".prm", ".kwik"):
        prm = paths[0]
        paths, prm_channels, prm_rate, prm_dtype, probe_file = (
            klusta_settings if prm.suffix.lower() == ".prm" else kwik_settings)(prm)
        n_channels = n_channels or prm_channels
        sample_rate = sample_rate or prm_rate
        dtype = dtype or prm_dtype
    elif len(paths) == 1 and (paths[0].name.endswith(".py") or paths[0].is_dir()):
        params = get_template_params(paths[0])
        params_dir = params["dir_path"]
        paths = params["dat_path"]
        if not paths:
            raise DataError(params_dir / "params.py",
                            "`dat_path` names no raw data file", "set dat_path in params.py")
        n_channels = n_channels or params["n_channels_dat"]
        sample_rate = sample_rate or params["sample_rate"]
        dtype = dtype or params["dtype"]
        offset = params["offset"] if offset is None else offset
    for p in paths:
        if not p.exists():
            raise DataError(p, "raw data file not found", "check the path")
        if p.is_dir():
            raise DataError(p, "is a folder, not a raw data file",
                            "give a .dat/.bin/.cbin file or a params.py")
        if p.stat().st_size == 0:
            raise DataError(p, "is empty", "give a raw data file that holds samples")
    flat = [p for p in paths if p.suffix.lower() not in _SELF_DESCRIBING]
    if flat and not n_channels:
        raise DataError(flat[0], "the number of channels of this flat binary file is unknown",
                        "give --n-channels N (and --dtype, --sample-rate)")
    if not sample_rate and not any(p.suffix.lower() == ".cbin" for p in paths):
        raise DataError(paths[0], "the sample rate of this file is unknown (only a .cbin "
                        "gives its own)", "give --sample-rate HZ")
    dt = _dtype(dtype or "int16", paths[0])
    if n_channels is not None and (int(n_channels) != n_channels or n_channels <= 0):
        raise DataError(paths[0], f"--n-channels must be a positive integer, not {n_channels}",
                        "give the number of channels stored in the file")
    described = [p for p in paths if p.suffix.lower() in _SELF_DESCRIBING]
    if described and given["offset"]:  # (a params.py's offset: for flat files)
        raise DataError(described[0], "describes its own layout: --offset does not apply",
                        "leave out --offset")
    offset = int(offset or 0)
    if offset < 0:
        raise DataError(paths[0], "--offset must be >= 0", "give the header size in bytes")
    for p in flat:  # detection is strict: a partial frame means a wrong channel count
        size, row = p.stat().st_size - offset, int(n_channels) * dt.itemsize
        if size < 0 or size % row:
            fix = ("check n_channels_dat, dtype and offset in params.py" if params_dir
                   else f"check n_channels and dtype in {prm.name}" if prm
                   else "check --n-channels, --dtype and --offset")
            raise DataError(p, f"holds {max(size, 0)} bytes after the {offset}-byte offset, not "
                            f"a multiple of {n_channels} channels × {dt.itemsize} bytes = {row} "
                            "(wrong channel count, dtype or offset, or a truncated file)", fix)
    # options given for a .cbin are checked against what it says of itself (a params.py
    # that disagrees is warned about and wins, as in phy)
    cbin = [p for p in described if p.suffix.lower() == ".cbin"] \
        if params_dir is None or given["sample_rate"] else []
    try:
        traces = get_ephys_reader([str(p) for p in paths], n_channels_dat=n_channels,
                                  dtype=dt, offset=offset,
                                  sample_rate=None if cbin else sample_rate)
    except DataError as e:
        if params_dir is None and e.fix and "params.py" in e.fix:  # options, not params.py
            raise DataError(e.path, e.problem, "check --n-channels, --dtype and --offset") \
                from None
        raise
    if cbin and sample_rate and abs(traces.sample_rate - sample_rate) > 1e-6 * sample_rate:
        traces.close()
        raise DataError(cbin[0], f"says {traces.sample_rate:g} Hz, --sample-rate says "
                        f"{sample_rate:g} Hz", "leave out --sample-rate (the .cbin gives it)")
    if described and given["dtype"] is not None and traces.dtype != dt:
        traces.close()
        raise DataError(described[0], f"stores {traces.dtype}, not {dt} (--dtype)",
                        "leave out --dtype (the file gives it)")
    if traces.n_samples == 0:
        raise DataError(paths[0], "holds no complete sample frame",
                        "check --n-channels, --dtype and --offset")
    spec = RawSpec([str(p.resolve()) for p in paths], traces.n_channels_raw, str(traces.dtype),
                   offset, traces.sample_rate, params_dir, traces.n_samples, probe_file)
    return traces, spec


def klusta_settings(prm):
    """``(paths, n_channels, sample_rate, dtype, probe)`` of a klusta ``.prm`` (read, never
    executed): its ``traces`` dict (``raw_data_files``, relative to its folder) and its
    ``prb_file``."""
    prm = Path(prm)
    ns = read_python(prm)
    traces = ns.get("traces")
    if not isinstance(traces, dict):
        raise DataError(prm, "has no `traces = dict(...)` (the raw data of a klusta .prm)",
                        "add traces = dict(raw_data_files=[...], n_channels=N, "
                        "sample_rate=HZ, dtype='int16')")
    files = traces.get("raw_data_files")
    files = [files] if isinstance(files, (str, Path)) else files
    if not isinstance(files, (list, tuple)) or not all(isinstance(f, (str, Path))
                                                       for f in files):
        raise DataError(prm, f"`raw_data_files` must list path strings, not {files!r}",
                        "write raw_data_files=['recording.dat']")
    paths = resolve_dat_paths(files, prm.parent)
    if not paths:
        raise DataError(prm, "`raw_data_files` names no raw data file",
                        "list the .dat files in traces['raw_data_files']")
    probe = ns.get("prb_file")
    if probe is not None:
        if not isinstance(probe, (str, Path)) or not str(probe).strip():
            raise DataError(prm, f"`prb_file` must be a path string, not {probe!r}",
                            "write prb_file = 'probe.prb'")
        name = Path(probe).expanduser()
        probe = name if name.is_absolute() else prm.parent / name
        if not probe.exists() and str(name) == name.stem:  # one of klusta's own probes
            kwik = prm.parent / f"{ns.get('experiment_name', prm.stem)}.kwik"
            if not kwik.exists():
                raise DataError(prm, f"prb_file '{name}' is one of klusta's built-in probes, "
                                "which phyclone does not ship", "give --probe FILE (a .prb "
                                "with the probe's channel_groups, or the .kwik klusta wrote)")
            probe = kwik  # (klusta wrote the probe into it)
    return (paths, traces.get("n_channels"), traces.get("sample_rate"), traces.get("dtype"),
            None if probe is None else str(probe))


def kwik_settings(kwik):
    """``(paths, n_channels, sample_rate, dtype, probe)`` of the recording a klusta ``.kwik``
    was made from (the settings klusta kept in it; its raw files relative to its folder, or
    beside it), the .kwik itself holding the probe."""
    from phyclone.io.kwik.h5 import open_h5
    from phyclone.io.kwik.recordings import candidate_paths
    kwik = Path(kwik)
    with open_h5(kwik) as f:
        sd = "/application_data/spikedetekt"
        meta = f.read_attrs(sd) if f.exists(sd) else {}
    files = meta.get("raw_data_files")
    files = [files] if isinstance(files, str) else list(files if files is not None else [])
    if not files:
        raise DataError(kwik, "names no raw data file (application_data/spikedetekt."
                        "raw_data_files)", "give the raw files and --n-channels, "
                        "--sample-rate, --probe on the command line")
    paths = []
    for name in files:
        tries = candidate_paths(kwik, Path(str(name)).expanduser())
        paths.append(next((p for p in tries if p.exists()), tries[0]))
    return paths, meta.get("n_channels"), meta.get("sample_rate"), meta.get("dtype"), str(kwik)
