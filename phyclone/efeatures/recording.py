"""Recording: one current-clamp sweep (time in ms, current in nA, voltage in mV) and its
e-features. The stimulus shapes (eCodes) derive from it, see :mod:`.ecodes`."""

import logging
from pathlib import Path

import numpy as np
from scipy.ndimage import median_filter

from .efel_backend import feature_values
from .units import to_mV, to_ms, to_nA

logger = logging.getLogger(__name__)


def smooth(current, width=85):
    """Median-filtered current (the step detection's smoothing)."""
    return median_filter(np.asarray(current), size=width)


def timing_index(name, config_data, dt):
    """Sample index of the timing ``name`` (ms) given in ``config_data``, else None."""
    if config_data.get(name) is not None:
        return int(round(config_data[name] / dt))
    return None


def base_current(current, idx_ton=300):
    """Holding current: median of the smoothed first ``idx_ton`` samples."""
    upper = min(idx_ton, len(current))
    return np.median(smooth(current[:upper]))


def _unit(name, config_data, reader_data):
    if config_data.get(name) is not None:
        return config_data[name]
    if reader_data.get(name) is not None:
        return reader_data[name]
    return None


def _mean_value(v):
    """Mean of an e-feature's values (NaN values ignored); NaN when none or infinite."""
    if v is None:
        return np.nan
    arr = np.asarray(v)
    if arr.dtype == object:
        arr = np.asarray([x for x in v if x is not None])
    if not arr.size:
        return np.nan
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        mean = np.nanmean(arr)
    else:
        mean = np.mean(arr)  # what nanmean computes without NaN
    return np.nan if np.isinf(mean) else mean


class Recording:
    """A sweep of a protocol, read from ``config_data`` (the user's metadata) and
    ``reader_data`` (what the reader returned). User metadata wins over the file's."""

    export_attr = ()

    def __init__(self, config_data, reader_data, protocol_name):
        self.config_data = config_data
        self.reader_data = reader_data
        self.protocol_name = protocol_name
        if "filepath" in config_data:
            self.files = [config_data["filepath"]]
        elif "i_file" in config_data:
            self.files = [config_data["i_file"], config_data["v_file"]]
        else:
            self.files = []
        self.id = reader_data.get("id", None)
        self.location = None
        self.efeatures = {}
        self.t = self.current = self.voltage = None
        self.amp = self.hypamp = None
        self.repetition = None
        self.auto_threshold = None
        self.peak_time = None
        if len(reader_data):
            (self.t, self.current, self.voltage,
             self.amp, self.hypamp) = self.standardize_trace(config_data, reader_data)

    # -- naming ------------------------------------------------------------------------------
    @property
    def name(self):
        """The reader's id, else the file's stem."""
        if self.id:
            return self.id
        if self.config_data.get("filepath") is not None:
            return str(Path(self.config_data["filepath"]).stem)
        if "v_file" in self.config_data:
            return str(Path(self.config_data["v_file"]).stem)
        return ""

    @property
    def time(self):
        return self.t

    @time.setter
    def time(self, value):
        self.t = value

    @property
    def spikecount(self):
        return None if self.peak_time is None else len(self.peak_time)

    # -- reading -----------------------------------------------------------------------------
    def standardize_trace(self, config_data, reader_data):
        """Time (ms), current (nA), voltage (mV), amp and hypamp (nA) of the sweep, with the
        voltage offset (``v_corr``) and liquid junction potential (``ljp``) applied."""
        voltage = np.asarray(reader_data["voltage"])
        dt = _unit("dt", config_data, reader_data)
        if dt is None:
            raise Exception(f"Sampling rate not configured for file {self.files}")
        t = np.arange(len(voltage)) * dt
        t_unit = _unit("t_unit", config_data, reader_data)
        if t_unit is None:
            raise Exception(f"Time unit not configured for file {self.files}")
        t = to_ms(t, t_unit)
        i_unit = config_data.get("i_unit") or reader_data.get("i_unit")
        if not i_unit:
            raise Exception(f"Current unit not configured for file {self.files}")
        current = to_nA(np.asarray(reader_data.get("current", 0)), i_unit)
        src = config_data if "amp" in config_data else reader_data
        amp = to_nA(src.get("amp", 0), i_unit) if "amp" in src else None
        src = config_data if "hypamp" in config_data else reader_data
        hypamp = to_nA(src.get("hypamp", 0), i_unit) if "hypamp" in src else None
        v_unit = _unit("v_unit", config_data, reader_data)
        if v_unit is None:
            raise Exception(f"Voltage unit not configured for file {self.files}")
        voltage = to_mV(voltage, v_unit)
        if config_data.get("v_corr") is not None:
            voltage = voltage - np.median(voltage[:100]) + config_data["v_corr"]
        if config_data.get("ljp") is not None:
            # ljp is given as a positive number and subtracted
            voltage = np.asarray(voltage) - config_data["ljp"]
        if "repetition" in reader_data:
            self.repetition = reader_data["repetition"]
        return t, current, voltage, amp, hypamp

    def set_timing_ecode(self, names, config_data):
        """Timings (ms in the metadata) as indexes; they are required."""
        for name in names:
            if config_data.get(name) is None:
                raise AttributeError(f"For protocol {self.protocol_name}, {name} should"
                                     "be specified in the config (in ms).")
            setattr(self, name, int(round(config_data[name] / self.dt)))

    def set_amplitudes_ecode(self, amp_name, config_data, reader_data, value):
        """Amplitude from the metadata, else from the reader, else ``value`` (a callable
        computing it from the current, called only when needed)."""
        unit = config_data.get("i_unit") or reader_data.get("i_unit")
        if unit is None:
            raise Exception(f"Current unit not configured for file {self.files}")
        if config_data.get(amp_name) is not None:
            amp = to_nA(config_data[amp_name], unit)
        elif reader_data.get(amp_name) is not None:
            amp = to_nA(reader_data[amp_name], unit)
        else:
            amp = value() if callable(value) else value
        setattr(self, amp_name, amp)

    def index_to_ms(self, name, time_series):
        setattr(self, name, time_series[int(round(getattr(self, name)))])

    def ms_to_index(self, timing):
        return int(round(timing / self.dt))

    def get_params(self):
        """The eCode parameters (``export_attr``) as a dict."""
        return {attr: getattr(self, attr) for attr in self.export_attr}

    # -- e-features ----------------------------------------------------------------------
    def _efel_call_settings(self, efeatures, efel_settings):
        settings = {"stimulus_current": self.amp}
        if "Threshold" not in efel_settings and self.auto_threshold is not None:
            logger.warning(f"Threshold was not provided and was automatically"
                           f" set to {self.auto_threshold}")
            settings["Threshold"] = self.auto_threshold
        for key, value in efel_settings.items():
            if key not in ("stim_start", "stim_end"):
                settings[key] = value
        stim_start = efel_settings.get("stim_start", self.ton)
        stim_end = efel_settings.get("stim_end", self.toff)
        if "multiple_decay_time_constant_after_stim" in efeatures:
            if hasattr(self, "multi_stim_start") and hasattr(self, "multi_stim_end"):
                settings["multi_stim_start"] = self.multi_stim_start
                settings["multi_stim_end"] = self.multi_stim_end
            elif "stim_start" in efel_settings and "stim_end" in efel_settings:
                settings["multi_stim_start"] = [stim_start]
                settings["multi_stim_end"] = [stim_end]
        return settings, stim_start, stim_end

    def call_efel(self, efeatures, efel_settings=None):
        """eFEL values of ``efeatures`` on this sweep, as a one-element list of dicts."""
        settings, stim_start, stim_end = self._efel_call_settings(
            efeatures, efel_settings or {})
        t, v, i = getattr(self, "_lists", None) or (self.t, self.voltage, self.current)
        token = (self, self.t, self.voltage, self.current)
        return [feature_values(t, v, i, stim_start, stim_end, efeatures, settings, token)]

    def hold_lists(self, hold=True):
        """Keep the trace as Python lists (eFEL's input) while several groups of
        e-features are computed on it; ``hold=False`` frees them."""
        self.__dict__.pop("_lists", None)
        if hold:
            self._lists = (self.t.tolist(), self.voltage.tolist(),
                           None if self.current is None else self.current.tolist())

    def compute_efeatures(self, efeatures, efeature_names=None, efel_settings=None):
        """Mean of each e-feature over its values (NaN when none or infinite)."""
        if efeature_names is None:
            efeature_names = efeatures
        efeature_names = [f if n is None else n for n, f in zip(efeature_names, efeatures)]
        values = self.call_efel(efeatures, efel_settings)[0]
        for name, feature in zip(efeature_names, efeatures):
            self.efeatures[name] = _mean_value(values[feature])

    def compute_spikecount(self, efel_settings=None):
        """Spike times (``peak_time``) with the threshold given, or the automatic one."""
        settings = {"strict_stiminterval": True}
        settings.update(efel_settings or {})
        if settings.get("Threshold", None) is None:
            settings["Threshold"] = self.auto_threshold
        self.peak_time = self.call_efel(["peak_time"], settings)[0]["peak_time"]
        if self.spikecount == 0 and np.max(self.voltage) > settings["Threshold"]:
            logger.warning(f"No spikes were detected in recording {self.files} but the "
                           "voltage goes higher than the spike detection threshold.")

    def set_autothreshold(self, offset_voltage=20.):
        """Spike threshold 20 mV above the step's (or baseline's) median voltage, ≤ 50 mV."""
        idx_ton = self.ms_to_index(self.ton)
        idx_toff = self.ms_to_index(self.toff)
        step_voltage = np.median(self.voltage[idx_ton:idx_toff])
        base_voltage = np.median(self.voltage[:idx_ton])
        thresh = max(base_voltage, step_voltage) + offset_voltage
        self.auto_threshold = np.clip(thresh, base_voltage + offset_voltage, 50.)

    def _finish_init(self, efel_settings):
        if self.t is not None and self.current is not None:
            self.interpret(self.t, self.current, self.config_data, self.reader_data)
        if self.voltage is not None:
            self.set_autothreshold()
            self.compute_spikecount(efel_settings)

    # -- amplitudes ------------------------------------------------------------------------
    def in_target(self, target, tolerance, absolute_amplitude=False):
        """True when the sweep's amplitude (relative, or in nA) is within ``tolerance``."""
        amp = self.amp if absolute_amplitude else self.amp_rel
        return bool(np.abs(target - amp) < tolerance)

    def compute_relative_amp(self, amp_threshold):
        """Amplitudes in % of the rheobase ``amp_threshold``."""
        self.amp_rel = 100.0 * self.amp / amp_threshold
        self.hypamp_rel = 100.0 * self.hypamp / amp_threshold

    def get_plot_amplitude_title(self):
        return f" ({self.amp_rel:.01f}%)"

    def plot(self, axis_current=None, axis_voltage=None, display_xlabel=True,
             display_ylabel=True):
        """Current (measured and regenerated) and voltage with the detected spikes."""
        import matplotlib.pyplot as plt
        if axis_current is None or axis_voltage is None:
            _, axs = plt.subplots(nrows=2, ncols=1, figsize=[4.9, 4.8])
            axis_current, axis_voltage = axs
        title = f"Holding Amp = {self.hypamp:.03f} nA\nAmp = {self.amp:.03f} nA"
        if getattr(self, "amp_rel", None) is not None:
            title += self.get_plot_amplitude_title()
        if self.id is not None:
            title += f"\nid: {self.id}"
        if self.repetition is not None:
            title += f"\nRepetition: {self.repetition}"
        axis_current.set_title(title, size="x-small")
        gen_t, gen_i = self.generate()
        axis_current.plot(self.t, self.current, c="C0", lw=0.8)
        axis_current.plot(gen_t, gen_i, c="C1", ls="--", lw=0.8)
        axis_voltage.plot(self.t, self.voltage, c="C0", lw=0.8)
        if self.peak_time is not None and len(self.peak_time):
            top = np.max(self.voltage)
            pt = np.asarray(self.peak_time)
            axis_voltage.vlines(pt, top + 5, top + 15, colors="C3", lw=0.5)
        if self.auto_threshold is not None:
            axis_voltage.axhline(self.auto_threshold, c="black", ls="--", lw=0.5, alpha=0.8)
        if display_xlabel:
            axis_voltage.set_xlabel("Time (ms)")
        if display_ylabel:
            axis_current.set_ylabel("Current (nA)")
            axis_voltage.set_ylabel("Voltage (mV)")
        for ax in (axis_current, axis_voltage):
            ax.tick_params(axis="both", which="major", labelsize=8)
            ax.tick_params(axis="both", which="minor", labelsize=6)
        return axis_current, axis_voltage
