"""E-feature extraction from current-clamp sweeps: bluepyefe's ``bluepyefe.extract`` API
computed with eFEL (``pip install phyclone[efeatures]``). Replace
``import bluepyefe.extract as X`` by ``import phyclone.efeatures as X``."""

from .auto_targets import AutoTarget, default_auto_targets
from .cell import Cell
from .ecodes import (SAHP, CapCheck, DeHyperPol, HyperDePol, NegCheops, PinkNoise, PosCheops,
                     Ramp, SineSpec, SpikeRec, Step, eCodes)
from .extract import (cells_pickle_output_path, compute_rheobase, convert_legacy_targets,
                      create_feature_protocol_files, extract_efeatures,
                      extract_efeatures_at_targets, extract_efeatures_per_cell,
                      group_efeatures, plot_recordings, protocols_pickle_output_path,
                      read_recordings)
from .parallel import dask_map, joblib_map, serial_map
from .protocol import Protocol
from .recording import Recording
from .target import EFeatureTarget
from .units import DEFAULT_EFEL_SETTINGS, PRESET_PROTOCOLS_RHEOBASE

__all__ = [
    "AutoTarget", "CapCheck", "Cell", "DEFAULT_EFEL_SETTINGS", "DeHyperPol", "EFeatureTarget",
    "HyperDePol", "NegCheops", "PRESET_PROTOCOLS_RHEOBASE", "PinkNoise", "PosCheops",
    "Protocol", "Ramp", "Recording", "SAHP", "SineSpec", "SpikeRec", "Step", "cells_pickle_output_path",
    "compute_rheobase", "convert_legacy_targets", "create_feature_protocol_files", "dask_map",
    "default_auto_targets", "eCodes", "extract_efeatures", "extract_efeatures_at_targets",
    "extract_efeatures_per_cell", "group_efeatures", "joblib_map", "plot_recordings",
    "protocols_pickle_output_path", "read_recordings", "serial_map",
]
