"""The extraction pipeline (bluepyefe.extract's functions): read the sweeps of each cell,
compute the rheobase, extract e-features at the targets, group them into protocols and
write features.json, protocols.json and holding_threshold_currents.json."""

import functools
import gc
import json
import logging
import pathlib

import numpy as np

from phyclone.utils.fileio import atomic_open, save_pickle

from .auto_targets import default_auto_targets
from .cell import Cell
from .protocol import Protocol, check_protocol_mode
from .rheobase import RHEOBASE_STRATEGIES
from .target import EFeatureTarget
from .units import DEFAULT_EFEL_SETTINGS, PRESET_PROTOCOLS_RHEOBASE

logger = logging.getLogger(__name__)


def cells_pickle_output_path(output_directory):
    """Path of cells.pkl in ``output_directory`` (a Path)."""
    return output_directory / "cells.pkl"


def protocols_pickle_output_path(output_directory):
    """Path of protocols.pkl in ``output_directory`` (a Path)."""
    return output_directory / "protocols.pkl"


class _NumpyEncoder(json.JSONEncoder):
    def default(self, obj):
        if isinstance(obj, np.integer):
            return int(obj)
        if isinstance(obj, np.floating):
            return float(obj)
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        return super().default(obj)


def dict_to_json(data, path):
    """Write ``data`` as indented JSON (NumPy values allowed), atomically (temporary file
    then rename). Not fsynced: these are derived files, and a sync per file (~10 ms on a
    busy disk, 3 files per cell) would be the longest serial step of a parallel run."""
    text = json.dumps(data, indent=2, cls=_NumpyEncoder)
    with atomic_open(path, "w", fsync=False, encoding="utf-8", newline="") as f:
        f.write(text)


# -- per-cell work (what the map function runs) --------------------------------------------

def _create_cell(cell_definition, recording_reader, efel_settings=None):
    """A Cell with the recordings of ``(name, {protocol: [metadata, ...]})``."""
    name, protocols = cell_definition
    cell = Cell(name=name)
    for protocol_name, protocol_data in protocols.items():
        cell.read_recordings(protocol_data=protocol_data, protocol_name=protocol_name,
                             recording_reader=recording_reader, efel_settings=efel_settings)
    return cell


def _setting_groups(targets):
    """Targets grouped by (protocol, eFEL settings): one eFEL call per group and sweep."""
    groups = []
    for target in targets:
        name = target.get("efeature_name", target["efeature"])
        for group in groups:
            if (target["efel_settings"] == group["efel_settings"]
                    and target["protocol"] == group["protocol"]):
                group["efeatures"].append(target["efeature"])
                group["efeature_names"].append(name)
                break
        else:
            groups.append({"efel_settings": target["efel_settings"],
                           "protocol": target["protocol"], "efeatures": [target["efeature"]],
                           "efeature_names": [name]})
    return groups


def _extract_recording(rec, groups, efel_settings):
    mine = [g for g in groups if g["protocol"] == rec.protocol_name]
    if not mine:
        return
    rec.hold_lists(len(mine) > 2)  # the first group may reuse the spike detection
    try:
        for group in mine:
            rec.compute_efeatures(list(group["efeatures"]), list(group["efeature_names"]),
                                  efel_settings={**efel_settings, **group["efel_settings"]})
    finally:
        rec.hold_lists(False)


def _extract_efeatures_cell(cell, targets, efel_settings=None):
    """Compute the targets' e-features on every recording of ``cell``."""
    groups = _setting_groups(targets)
    for rec in cell.recordings:
        _extract_recording(rec, groups, efel_settings or {})
    return cell


def _read_extract_cell(cell_definition, recording_reader, targets, efel_settings=None):
    """Read a cell and extract its e-features, each sweep right after it is read (eFEL
    still holds it: the spike detection done on reading is reused)."""
    groups = _setting_groups(targets)
    name, protocols = cell_definition
    cell = Cell(name=name)
    for protocol_name, protocol_data in protocols.items():
        cell.read_recordings(
            protocol_data=protocol_data, protocol_name=protocol_name,
            recording_reader=recording_reader, efel_settings=efel_settings,
            on_recording=lambda rec: _extract_recording(rec, groups, efel_settings or {}))
    return cell


def _normalize_targets(targets):
    for target in targets:
        target.setdefault("location", "soma")
        target.setdefault("efel_settings", {})
    return targets


# -- public API -----------------------------------------------------------------------------

def read_recordings(files_metadata, recording_reader=None, map_function=map,
                    efel_settings=None):
    """Cells (list of :class:`Cell`) read from ``files_metadata``
    (``{cell: {protocol: [metadata, ...]}}``); ``map_function`` maps over the cells."""
    cells = map_function(functools.partial(_create_cell, recording_reader=recording_reader,
                                           efel_settings=efel_settings),
                         list(files_metadata.items()))
    return list(cells)


def extract_efeatures_at_targets(cells, targets, map_function=map, efel_settings=None):
    """Compute the e-features named by ``targets`` on the cells' recordings (settings of a
    target override ``efel_settings``); returns the cells."""
    _normalize_targets(targets)
    cells = map_function(functools.partial(_extract_efeatures_cell, targets=targets,
                                           efel_settings=efel_settings), cells)
    return list(cells)


def compute_rheobase(cells, protocols_rheobase, rheobase_strategy="absolute",
                     rheobase_settings=None):
    """Rheobase of each cell from the ``protocols_rheobase`` sweeps with a strategy
    ('absolute', 'flush', 'majority', 'interpolation'), then the relative amplitudes."""
    try:
        function = RHEOBASE_STRATEGIES[rheobase_strategy]
    except KeyError:
        raise Exception(f"Rheobase strategy {rheobase_strategy} unknown.") from None
    for cell in cells:
        function(cell, protocols_rheobase, **(rheobase_settings or {}))
        cell.compute_relative_amp()


def _build_protocols(targets, global_rheobase, protocol_mode, efel_settings=None):
    efel_settings = efel_settings or {}
    protocols = []
    for target in targets:
        efeature_target = EFeatureTarget(
            efeature_name=target.get("efeature_name", target["efeature"]),
            efel_feature_name=target["efeature"], protocol_name=target["protocol"],
            amplitude=target["amplitude"], tolerance=target["tolerance"],
            efel_settings={**efel_settings, **target.get("efel_settings", {})})
        for p in protocols:
            if p.name == target["protocol"] and p.amplitude == target["amplitude"]:
                p.feature_targets.append(efeature_target)
                break
        else:
            protocols.append(Protocol(name=target["protocol"], amplitude=target["amplitude"],
                                      tolerance=target["tolerance"],
                                      feature_targets=[efeature_target],
                                      global_rheobase=global_rheobase, mode=protocol_mode))
    return protocols


def group_efeatures(cells, targets, absolute_amplitude=False, use_global_rheobase=True,
                    protocol_mode="mean", efel_settings=None):
    """Protocols (one per protocol name and amplitude) holding the recordings within each
    target's tolerance and their e-feature values."""
    check_protocol_mode(protocol_mode)
    global_rheobase = None
    if use_global_rheobase and not absolute_amplitude:
        global_rheobase = np.nanmean([c.rheobase for c in cells if c.rheobase is not None])
    protocols = _build_protocols(targets, global_rheobase, protocol_mode, efel_settings)
    missing = set()
    for protocol in protocols:
        found = False
        for cell in cells:
            if cell.rheobase is None and not absolute_amplitude:
                continue
            recordings = cell.get_recordings_by_protocol_name(protocol.name)
            if not recordings:
                continue
            found = True
            for rec in recordings:
                if rec.in_target(protocol.amplitude, protocol.tolerance, absolute_amplitude):
                    protocol.append(rec)
        if not found:
            missing.add(protocol.name)
    for name in missing:
        logger.warning(f"Protocol '{name}' not found in any cell recordings.")
    return protocols


def _build_current_dict(cells, default_std_value):
    holding, threshold = {}, {}
    for cell in cells:
        holding[cell.name] = np.nanmean([r.hypamp for r in cell.recordings])
        if cell.rheobase is not None:
            threshold[cell.name] = cell.rheobase

    def mean_std(values):
        values = list(values)
        std = np.nanstd(values)
        return [np.nanmean(values), default_std_value if std == 0 else std]

    return {"holding_current": mean_std(holding.values()),
            "threshold_current": mean_std(threshold.values()),
            "all_holding_current": holding, "all_threshold_current": threshold}


def _saving_data(output_directory, feat, stim, currents):
    output_directory = pathlib.Path(output_directory)
    output_directory.mkdir(parents=True, exist_ok=True)
    for name, data in (("features.json", feat), ("protocols.json", stim),
                       ("holding_threshold_currents.json", currents)):
        dict_to_json(data, output_directory / name)
        logger.info(f"Saved {output_directory / name}")


def create_feature_protocol_files(cells, protocols, output_directory=None,
                                  threshold_nvalue_save=1, write_files=True,
                                  save_files_used=False, default_std_value=1e-3):
    """Features, stimuli and currents dicts (and their JSON files when ``write_files``);
    targets with fewer than ``threshold_nvalue_save`` values are left out."""
    out_features, out_stimuli = {}, {}
    for protocol in protocols:
        stimname = protocol.stimulus_name
        feats = []
        for target in protocol.feature_targets:
            if target.sample_size < threshold_nvalue_save:
                logger.warning("Number of values < threshold_nvalue_save for efeature "
                               f"{target.efel_feature_name} stimulus {stimname}. The efeature "
                               "will be ignored")
                continue
            feats.append(target.as_dict(save_files_used, default_std_value))
        if not feats:
            logger.warning(f"No efeatures for stimulus {stimname}. The protocol will not "
                           "be created.")
            continue
        out_features[stimname] = {"soma": feats}
        out_stimuli[stimname] = protocol.as_dict()
    currents = _build_current_dict(cells, default_std_value)
    if write_files:
        if not output_directory:
            raise Exception(f"output_directory cannot be {output_directory}"
                            f" if write_files is True.")
        _saving_data(output_directory, out_features, out_stimuli, currents)
    return out_features, out_stimuli, currents


def _read_extract(files_metadata, recording_reader, map_function, targets, efel_settings=None):
    # One pass per cell: read and extract in the same task (no round trip of the sweeps
    # through the map function between the two steps).
    _normalize_targets(targets)
    cells = map_function(functools.partial(_read_extract_cell,
                                           recording_reader=recording_reader,
                                           targets=targets, efel_settings=efel_settings),
                         list(files_metadata.items()))
    return list(cells)


def _read_extract_low_memory(files_metadata, recording_reader, targets, efel_settings=None):
    _normalize_targets(targets)
    cells = []
    for cell_name in files_metadata:
        cell = _read_extract_cell((cell_name, files_metadata[cell_name]), recording_reader,
                                  targets, efel_settings)
        for rec in cell.recordings:
            rec.t = rec.voltage = rec.current = rec.reader_data = None
        cells.append(cell)
        gc.collect()
    return cells


def convert_legacy_targets(targets):
    """``{protocol: {"amplitudes", "tolerances", "efeatures", ...}}`` → list of targets."""
    out = []
    for protocol_name, target in targets.items():
        tolerances = target["tolerances"]
        if len(tolerances) == 1:
            tolerances = tolerances * len(target["amplitudes"])
        for i, amplitude in enumerate(target["amplitudes"]):
            for efeature in target["efeatures"]:
                settings = (target["efeatures"][efeature]
                            if isinstance(target["efeatures"], dict) else {})
                out.append({"efeature": efeature, "protocol": protocol_name,
                            "amplitude": amplitude, "tolerance": tolerances[i],
                            "efel_settings": settings})
    return out


def _extract_with_targets(files_metadata, targets=None, protocols_rheobase=None,
                          absolute_amplitude=False, recording_reader=None, map_function=map,
                          low_memory_mode=False, protocol_mode="mean", efel_settings=None,
                          rheobase_strategy="absolute", rheobase_settings=None):
    if not low_memory_mode:
        cells = _read_extract(files_metadata, recording_reader, map_function, targets,
                              efel_settings)
    else:
        cells = _read_extract_low_memory(files_metadata, recording_reader, targets,
                                         efel_settings)
    if not absolute_amplitude:
        compute_rheobase(cells, protocols_rheobase=protocols_rheobase,
                         rheobase_strategy=rheobase_strategy,
                         rheobase_settings=rheobase_settings)
    protocols = group_efeatures(cells, targets, absolute_amplitude=absolute_amplitude,
                                use_global_rheobase=True, protocol_mode=protocol_mode,
                                efel_settings=efel_settings)
    return cells, protocols


def _extract_auto_targets(files_metadata, protocols_rheobase, recording_reader, map_function,
                          protocol_mode, efel_settings, auto_targets=None,
                          rheobase_strategy="flush", rheobase_settings=None):
    if rheobase_settings is None and rheobase_strategy == "flush":
        rheobase_settings = {"upper_bound_spikecount": 4}
    if auto_targets is None:
        auto_targets = default_auto_targets()
    cells = read_recordings(files_metadata, recording_reader=recording_reader,
                            map_function=map_function, efel_settings=efel_settings)
    compute_rheobase(cells, protocols_rheobase=protocols_rheobase,
                     rheobase_strategy=rheobase_strategy, rheobase_settings=rheobase_settings)
    if not sum(bool(c.rheobase) for c in cells):
        logger.warning("No cells with valid rheobase")
        return cells, [], []
    recordings = [r for c in cells for r in c.recordings]
    for auto_target in auto_targets:
        auto_target.select_ecode_and_amplitude(recordings)
    targets = [t for at in auto_targets for t in at.generate_targets()]
    cells = extract_efeatures_at_targets(cells, targets, map_function=map_function,
                                         efel_settings=efel_settings)
    protocols = group_efeatures(cells, targets, use_global_rheobase=True,
                                protocol_mode=protocol_mode, efel_settings=efel_settings)
    return cells, protocols, targets


def extract_efeatures_per_cell(files_metadata, cells, output_directory, targets, protocol_mode,
                               threshold_nvalue_save, write_files, default_std_value=1e-3):
    """features/protocols/currents JSON files of each cell, in ``output_directory/<cell>``."""
    for cell_name in files_metadata:
        cell_directory = str(pathlib.Path(output_directory) / cell_name)
        for cell in cells:
            if cell.name != cell_name:
                continue
            cell_protocols = group_efeatures([cell], targets, use_global_rheobase=True,
                                             protocol_mode=protocol_mode)
            create_feature_protocol_files([cell], cell_protocols,
                                          output_directory=cell_directory,
                                          threshold_nvalue_save=threshold_nvalue_save,
                                          write_files=write_files,
                                          default_std_value=default_std_value)


def extract_efeatures(output_directory, files_metadata, targets=None, threshold_nvalue_save=1,
                      protocols_rheobase=None, absolute_amplitude=False, recording_reader=None,
                      map_function=map, write_files=False, plot=False, low_memory_mode=False,
                      protocol_mode="mean", efel_settings=None, extract_per_cell=False,
                      rheobase_strategy="absolute", rheobase_settings=None, auto_targets=None,
                      pickle_cells=False, default_std_value=1e-3):
    """Read, compute rheobases, extract and group e-features; returns
    ``(efeatures, protocol_definitions, currents)``. See docs/efeatures.md for every option."""
    if not files_metadata:
        raise ValueError("Argument 'files_metadata' is empty")
    check_protocol_mode(protocol_mode)
    if efel_settings is None:
        logger.warning("efel_settings is None. Default settings will be used: "
                       + str(DEFAULT_EFEL_SETTINGS))
        efel_settings = DEFAULT_EFEL_SETTINGS.copy()
    if protocols_rheobase is None and not absolute_amplitude:
        logger.warning("protocols_rheobase is None. Default protocol names will be used")
        protocols_rheobase = PRESET_PROTOCOLS_RHEOBASE.copy()
    if low_memory_mode and map_function not in (map, None):
        logger.warning("low_memory_mode is not compatible with the use of map_function")
    if low_memory_mode and plot:
        raise Exception("plot cannot be used in low_memory_mode mode.")
    if targets is not None and isinstance(targets, dict):
        logger.warning("targets seems to be in a legacy format. A conversion will"
                       " be performed.")
        targets = convert_legacy_targets(targets)
    if targets is not None and auto_targets is not None:
        raise Exception("Cannot specify both targets and auto_targets.")
    if map_function is None:
        map_function = map

    if not absolute_amplitude and (targets is None or auto_targets is not None):
        cells, protocols, targets = _extract_auto_targets(
            files_metadata, protocols_rheobase, recording_reader, map_function, protocol_mode,
            efel_settings, auto_targets, rheobase_strategy, rheobase_settings)
    else:
        cells, protocols = _extract_with_targets(
            files_metadata, targets, protocols_rheobase, absolute_amplitude, recording_reader,
            map_function, low_memory_mode, protocol_mode, efel_settings, rheobase_strategy,
            rheobase_settings)

    efeatures, protocol_definitions, currents = create_feature_protocol_files(
        cells, protocols, output_directory=output_directory,
        threshold_nvalue_save=threshold_nvalue_save, write_files=write_files,
        default_std_value=default_std_value)

    if pickle_cells:
        path = pathlib.Path(output_directory)
        path.mkdir(parents=True, exist_ok=True)
        save_pickle(cells_pickle_output_path(path), cells)
        save_pickle(protocols_pickle_output_path(path), protocols)

    if plot:
        from .plotting import plot_all_recordings_efeatures
        plot_all_recordings_efeatures(cells, protocols, output_dir=output_directory,
                                      mapper=map_function, efel_settings=efel_settings)

    if extract_per_cell and write_files:
        extract_efeatures_per_cell(files_metadata, cells, output_directory, targets,
                                   protocol_mode, threshold_nvalue_save, write_files)

    if not efeatures or not protocol_definitions:
        logger.warning("The output of the extraction is empty. Something went "
                       "wrong. Please check that your targets, files_metadata "
                       "and protocols_rheobase match the data you have "
                       "available.")
    return efeatures, protocol_definitions, currents


def plot_recordings(files_metadata, output_directory="./figures/", recording_reader=None,
                    map_function=map):
    """Read the recordings and plot them (one PDF per cell and protocol)."""
    from .plotting import plot_all_recordings
    cells = read_recordings(files_metadata, recording_reader=recording_reader,
                            map_function=map_function)
    plot_all_recordings(cells, output_dir=output_directory)
