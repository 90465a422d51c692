"""Readers of sweep files, chosen by extension: text (csv/lccr ``.txt``), Axon ``.abf``
(neo), Igor ``.ibw``/``.bwav`` (igor2) and NWB (h5py). Each returns a list of dicts with
``voltage``, ``current``, ``dt`` and, when the file knows them, units and timings."""

import logging
import os

import numpy as np

logger = logging.getLogger(__name__)

_EXTRA_HINT = "install the extra: pip install 'phyclone[efeatures]'"


def _check_metadata(metadata, reader_name, required_entries=()):
    for entry in required_entries:
        if entry not in metadata:
            raise KeyError(f"The trace reader {reader_name} expects the metadata "
                           f"{', '.join(required_entries)}. The entry {entry} was not provided.")


def _require(module, what):
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(f"Reading {what} needs the package '{module.split('.')[0]}': "
                          f"{_EXTRA_HINT}") from e


def _parse_columns_slow(text):
    # Python fallback for files with empty or "-" cells or ragged rows (read as 0,
    # columns cut to the shortest row).
    rows = [line.split("\t") for line in text.splitlines()]
    n = min(len(r) for r in rows) if rows else 0
    return np.array([[0. if s in ("-", "") else float(s) for s in r[:n]] for r in rows]).T


def read_text_columns(path):
    """Tab-separated columns of a text file as an array (n_columns, n_rows)."""
    try:
        data = np.loadtxt(path, delimiter="\t", dtype=np.float64, ndmin=2,
                          comments=None, quotechar=None)
        return data.T
    except ValueError:
        with open(path, "rt") as f:
            return _parse_columns_slow(f.read())


def csv_lccr_reader(in_data):
    """Text file with one tab-separated column of voltage per sweep; the step's
    ``amplitudes``, ``hypamp``, ``ton``, ``toff`` and ``dt`` come from the metadata."""
    _check_metadata(in_data, "csv_lccr_reader",
                    ["filepath", "dt", "amplitudes", "v_unit", "t_unit", "i_unit", "ton",
                     "toff", "hypamp"])
    path = os.path.join(in_data["filepath"])
    if not os.path.isfile(path):
        raise FileNotFoundError("Please provide a string with the filename of the txt file; "
                                f"current path not found: {path}")
    dt, ton, toff = in_data["dt"], in_data["ton"], in_data["toff"]
    hypamp = in_data["hypamp"]
    voltages = read_text_columns(path)
    t = np.arange(voltages.shape[1]) * dt
    if in_data.get("remove_last_100ms", False):
        end = int(-100. / dt)
        voltages, t = voltages[:, :end], t[:end]
    ion, ioff = int(ton / dt), int(toff / dt)
    out = []
    for amplitude, voltage in zip(in_data["amplitudes"], voltages):
        current = np.full(voltage.shape, hypamp, dtype=voltage.dtype)
        current[ion:ioff] = amplitude + hypamp
        out.append({
            "filename": os.path.basename(in_data["filepath"]),
            "current": current, "voltage": voltage, "t": t,
            "dt": np.float64(dt), "ton": np.float64(ton), "toff": np.float64(toff),
            "amp": np.float64(amplitude), "hypamp": np.float64(hypamp),
            "ljp": in_data.get("ljp", 0),
            "i_unit": in_data["i_unit"], "v_unit": in_data["v_unit"],
            "t_unit": in_data["t_unit"],
        })
    return out


def axon_reader(in_data):
    """Axon ``.abf`` file (neo): one sweep per segment, voltage then current channel."""
    neo_io = _require("neo.io", "Axon .abf files")
    path = in_data["filepath"]
    block = neo_io.AxonIO(filename=path).read_block(lazy=False)
    out = []
    for segment in block.segments:
        dt = 1.0 / int(segment.analogsignals[0].sampling_rate)
        arr = np.asarray(segment.analogsignals)
        if arr.shape[0] == 2:
            v, c = arr[0, :], arr[1, :]
        elif arr.shape[-1] == 2:
            v, c = arr[:, :, 0], arr[:, :, 1]
        else:
            raise Exception(f"Unknown .abf format for file {path}. Maybe "
                            "it does not have current data?")
        out.append({"voltage": np.asarray(v).flatten(), "current": np.asarray(c).flatten(),
                    "dt": dt})
    return out


def _units(raw):
    # igor2 gives units as an array of single bytes, empty ones for the padding
    if isinstance(raw, (bytes, bytearray)):
        return raw.split(b"\x00")[0].decode("ascii", "replace")
    raw = np.asarray(raw)
    return "".join(raw[raw != b""].astype(str))


def _read_ibw(path):
    binarywave = _require("igor2.binarywave", "Igor .ibw files")
    content = binarywave.load(path)
    version = content["version"]
    if version not in (2, 3, 5):
        raise ValueError(f"{path}: Igor binary wave version {version} is not supported "
                         "(2, 3 or 5)")
    wave = content["wave"]
    header = wave["wave_header"]
    dx = header["sfA"][0] if version == 5 else header["hsA"]
    return _units(header["dataUnits"]), dx, np.copy(wave["wData"])


def igor_reader(in_data):
    """Igor binary waves: ``v_file`` and ``i_file`` (swapped back when their units say so)."""
    _check_metadata(in_data, "igor_reader", ["v_file", "i_file", "t_unit"])
    v_unit, dx_v, voltage = _read_ibw(in_data["v_file"])
    i_unit, dx_i, current = _read_ibw(in_data["i_file"])
    if "A" in v_unit and "V" in i_unit:
        logger.warning("It seems that the i_file and v_file are reversed for file: "
                       f"{in_data['v_file']}")
        voltage, current = current, voltage
        v_unit, i_unit = i_unit, v_unit
        dx_v = dx_i
    return [{"voltage": voltage, "v_unit": v_unit, "dt": dx_v, "current": current,
             "i_unit": i_unit}]


def nwb_reader(in_data):
    """NWB (HDF5) files, see :mod:`.nwb`."""
    _check_metadata(in_data, "nwb_reader", ["filepath", "protocol_name"])
    from .nwb import read_nwb
    return read_nwb(in_data)


def reader_for(filepath):
    """The reader of a file path, by extension (None when unknown)."""
    if ".abf" in filepath:
        return axon_reader
    if ".ibw" in filepath or ".bwav" in filepath:
        return igor_reader
    if ".nwb" in filepath:
        return nwb_reader
    if ".txt" in filepath:
        return csv_lccr_reader
    return None
