"""EFeatureTarget: one e-feature of a protocol at an amplitude, and its values."""

import logging

import numpy as np

logger = logging.getLogger(__name__)


class EFeatureTarget:
    """E-feature ``efel_feature_name`` (named ``efeature_name`` in the output) of protocol
    ``protocol_name`` at ``amplitude`` ± ``tolerance``; collects the values of the matching
    recordings."""

    def __init__(self, efeature_name, efel_feature_name, protocol_name, amplitude, tolerance,
                 efel_settings=None):
        self.efeature_name = efel_feature_name if efeature_name is None else efeature_name
        self.efel_feature_name = efel_feature_name
        self.protocol_name = protocol_name
        self.amplitude = amplitude
        self.tolerance = tolerance
        self.efel_settings = {} if efel_settings is None else efel_settings
        self._values = []
        self._files = []
        self._auto_thresholds = []

    @property
    def values(self):
        return self._values

    @property
    def files(self):
        return self._files

    @property
    def mean(self):
        return np.nanmean(self._values)

    @property
    def std(self):
        return np.nanstd(self._values)

    @property
    def sample_size(self):
        return len(self._values)

    def append(self, value, files=None):
        """Add a value (NaN is ignored)."""
        if not isinstance(value, (int, float)):
            raise TypeError("Expected value of type int or float")
        if np.isnan(value):
            logger.info(f"Trying to append {value} to efeature {self.efel_feature_name} for "
                        f"protocol {self.protocol_name} {self.amplitude}. Value will be ignored")
            return
        self._values.append(value)
        if files:
            self._files += files

    def clear(self):
        self._values = []
        self._files = []

    def add_effective_threshold(self):
        """With automatic thresholds, record the median one in the eFEL settings."""
        if self._auto_thresholds:
            self.efel_settings["Threshold"] = np.median(self._auto_thresholds)

    def as_dict(self, save_files_used=False, default_std_value=1e-3):
        """The target as written in features.json (a zero std becomes
        ``default_std_value``)."""
        self.add_effective_threshold()
        std = self.std
        if std == 0.0:
            logger.warning(f"Standard deviation for efeatures {self.efel_feature_name} stimulus "
                           f"{self.protocol_name} is 0 and will be set to {default_std_value}")
            std = default_std_value
        out = {"feature": self.efel_feature_name, "val": [self.mean, std],
               "n": self.sample_size, "efel_settings": self.efel_settings}
        if self.efeature_name:
            out["efeature_name"] = self.efeature_name
        if save_files_used:
            out["files"] = self.files
        return out

    def __str__(self):
        out = (f"Target E-Feature {self.efel_feature_name} for protocol {self.protocol_name} "
               f"{self.amplitude:.1f}%:\nSample size (n): {self.sample_size}")
        if self.sample_size:
            out += f"\nMean: {self.mean:.5f}\nStandard deviation: {self.std:.5f}"
        return out
