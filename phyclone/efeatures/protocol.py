"""Protocol: the stimulus of a protocol at an amplitude, averaged over the matching
recordings, and its e-feature targets."""

import logging

import numpy as np

from .ecodes import ecode_for

logger = logging.getLogger(__name__)

PROTOCOL_MODES = {"mean": np.nanmean, "median": np.nanmedian, "min": np.nanmin,
                  "max": np.nanmax}


def check_protocol_mode(mode):
    """ValueError unless ``mode`` is one of mean, median, min, max."""
    if mode not in PROTOCOL_MODES:
        raise ValueError(f"protocol_mode {mode!r} is not supported: use 'mean', 'median', "
                         "'min' or 'max' ('lnmc', mentioned in bluepyefe's docstrings, is not "
                         "implemented there either).")


class Protocol:
    """Protocol ``name`` at ``amplitude`` ± ``tolerance`` (in % of rheobase, or nA with
    absolute amplitudes). ``mode`` reduces the parameters of the matching recordings."""

    def __init__(self, name, amplitude, tolerance, feature_targets=None, global_rheobase=None,
                 mode="mean"):
        self.name = name
        self.amplitude = amplitude
        self.tolerance = tolerance
        self.feature_targets = [] if feature_targets is None else feature_targets
        self.global_rheobase = global_rheobase
        self.mode = mode
        self.recordings = []

    @property
    def stimulus_name(self):
        return f"{self.name}_{self.amplitude}"

    @property
    def n_match(self):
        return sum(t.sample_size for t in self.feature_targets)

    @property
    def ecode(self):
        """An eCode whose parameters reduce (by ``mode``) those of the recordings."""
        if not self.recordings:
            return None
        ecode = ecode_for(self.name)({}, {}, self.name)
        if self.mode not in PROTOCOL_MODES:
            raise ValueError("'mode' should be mean or median")
        self.reduce_ecode(ecode, PROTOCOL_MODES[self.mode])
        return ecode

    def append(self, recording):
        """Add a matching recording and its e-feature values to the targets."""
        for target in self.feature_targets:
            if target.efeature_name in recording.efeatures:
                target.append(recording.efeatures[target.efeature_name], recording.files)
            if recording.auto_threshold is not None and "Threshold" not in target.efel_settings:
                target._auto_thresholds.append(recording.auto_threshold)
        self.recordings.append(recording)

    def as_dict(self):
        """The protocol as written in protocols.json."""
        ecode = self.ecode
        return {
            "holding": {"delay": 0.0, "amp": ecode.hypamp, "duration": ecode.tend,
                        "totduration": ecode.tend},
            "step": ecode.get_stimulus_parameters(),
        }

    def reduce_ecode(self, ecode, operator):
        """Set each parameter of ``ecode`` to ``operator`` of the recordings' values; with a
        global rheobase, amplitudes are the reduced relative amplitudes × that rheobase."""
        if not self.recordings:
            logger.warning(f"Could not compute average ecode for protocol {self.name} target "
                           f"{self.amplitude} because it didn't match any recordings")
            return None
        params = [r.get_params() for r in self.recordings]
        if self.global_rheobase is None and "amp" in params[0]:
            logger.warning("No global threshold amplitude passed. This can result"
                           " in inconsistencies in-between protocols if some cells "
                           "only matched a subset of the targets.")
        for key in params[0]:
            if isinstance(params[0][key], (list, np.ndarray)):
                logger.warning(f"Parameter {key} for protocol {self.name} is a list and cannot "
                               "be averaged across recordings")
                setattr(ecode, key, params[0][key])
                continue
            if key in ("amp", "amp2") and self.global_rheobase:
                value = float(operator([p[key + "_rel"] for p in params]))
                value = value * self.global_rheobase / 100.
            else:
                value = operator([np.nan if p[key] is None else p[key] for p in params])
            setattr(ecode, key, None if np.isnan(value) else value)
        return ecode

    def __str__(self):
        out = (f"Protocol {self.name} {self.amplitude:.1f}%:\n"
               f"Number of matching recordings: {self.n_match}")
        if self.n_match:
            out += f"\neCode: {self.as_dict()}\n"
        return out
