"""eCodes whose current is not a few steps: trains of short pulses (SpikeRec), chirps
(SineSpec), and arbitrary waveforms kept sample by sample (PinkNoise, CapCheck)."""

import logging

import numpy as np

from .recording import Recording, base_current, smooth, timing_index

logger = logging.getLogger(__name__)


def group_indexes(values, gap=10):
    """Runs of indexes no more than ``gap`` apart."""
    clusters = []
    for v in values:
        if not clusters or clusters[-1][-1] + gap < v:
            clusters.append([v])
        else:
            clusters[-1].append(v)
    return clusters


def detect_spike(amp, hypamp, smooth_current, dt):
    """Start times (ms), mean duration (ms) and mean gap (ms) of the current pulses."""
    runs = group_indexes(np.argwhere(smooth_current > hypamp + 0.1 * amp).flatten(), gap=10)
    starts = [r[0] - 1 for r in runs]
    durations = [r[-1] - r[0] + 1 for r in runs]
    deltas = [dt * (starts[i] - (starts[i - 1] + durations[i - 1]))
              for i in range(1, len(starts))]
    return (np.asarray(starts) * dt, np.mean(np.asarray(durations) * dt), np.mean(deltas))


class SpikeRec(Recording):
    """Train of short current pulses (``tspike`` starts, ``spike_duration``, gap ``delta``)."""

    export_attr = ["tend", "tspike", "spike_duration", "delta", "amp", "hypamp", "dt",
                   "amp_rel", "hypamp_rel"]

    def __init__(self, config_data, reader_data, protocol_name="SpikeRec",
                 efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name)
        self.tend = None
        self.tspike = []
        self.spike_duration = self.delta = None
        self.amp = self.hypamp = self.dt = None
        self.amp_rel = self.hypamp_rel = None
        self._finish_init(efel_settings)

    @property
    def ton(self):
        return 0.0

    @property
    def toff(self):
        return self.tend

    @property
    def multi_stim_start(self):
        return list(self.tspike)

    @property
    def multi_stim_end(self):
        return [t + self.spike_duration for t in self.tspike]

    def get_stimulus_parameters(self):
        return {"delay": self.tspike[0], "n_spikes": len(self.tspike), "delta": self.delta,
                "amp": self.amp, "thresh_perc": self.amp_rel,
                "spike_duration": self.spike_duration, "totduration": self.tend}

    def interpret(self, t, current, config_data, reader_data):
        self.dt = t[1]
        sm = smooth(current, 15)
        self.set_amplitudes_ecode("hypamp", config_data, reader_data,
                                  lambda: base_current(current))
        self.set_amplitudes_ecode("amp", config_data, reader_data, lambda: np.max(sm))
        if not len(self.tspike) or self.spike_duration is None or self.delta is None:
            self.tspike, self.spike_duration, self.delta = detect_spike(
                self.amp, self.hypamp, sm, self.dt)
        self.tend = len(t) * self.dt

    def generate(self):
        t = np.arange(0.0, self.tend, self.dt)
        current = np.full(t.shape, np.float64(self.hypamp))
        start = int(self.tspike[0] / self.dt)
        end = int((self.tspike[0] + self.spike_duration) / self.dt)
        current[start:end] += np.float64(self.amp)
        for _ in range(1, len(self.tspike)):
            start = int(end + self.delta / self.dt)
            end = start + int(self.spike_duration / self.dt)
            current[start:end] += np.float64(self.amp)
        return t, current

    def in_target(self, target, tolerance, absolute_amplitude=False):
        logger.warning("The eCode SpikeRec uses delta between current spikes "
                       "in ms as target, not amplitude")
        return bool(np.abs(target - self.delta) < tolerance)


SINESPEC_DEFAULTS = {"chirp_frequency_base": 1.0, "chirp_frequency_scale": 1.0,
                     "chirp_frequency_denominator": 5.15, "chirp_time_offset": 0.1}


class SineSpec(Recording):
    """Chirp current between ton and toff (frequency parameters from the metadata)."""

    export_attr = ["ton", "toff", "tend", "amp", "hypamp", "dt", "amp_rel", "hypamp_rel",
                   *SINESPEC_DEFAULTS]

    def __init__(self, config_data, reader_data, protocol_name="SineSpec",
                 efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name)
        self.ton = self.toff = self.tend = self.amp = self.hypamp = self.dt = None
        self.amp_rel = self.hypamp_rel = None
        for name, default in SINESPEC_DEFAULTS.items():
            value = default
            for src in (self.config_data, self.reader_data):
                if src.get(name) is not None:
                    value = float(src[name])
                    break
            setattr(self, name, value)
        self._finish_init(efel_settings)

    def get_stimulus_parameters(self):
        out = {"delay": self.ton, "amp": self.amp, "thresh_perc": self.amp_rel,
               "duration": self.toff - self.ton, "totduration": self.tend}
        out.update({name: getattr(self, name) for name in SINESPEC_DEFAULTS})
        return out

    def interpret(self, t, current, config_data, reader_data):
        self.dt = t[1]
        for name, default in (("ton", 150), ("toff", 5100)):
            idx = timing_index(name, config_data, self.dt)
            if idx is None:
                idx = default
                logger.warning(f"As {name} was not specified for protocol "
                               f"{self.protocol_name}, it will be set to {default}ms.")
            setattr(self, name, idx)
        self.set_amplitudes_ecode("hypamp", config_data, reader_data,
                                  lambda: base_current(current))
        self.set_amplitudes_ecode("amp", config_data, reader_data,
                                  lambda: np.max(smooth(current)) - self.hypamp)
        for name in ("ton", "toff"):
            self.index_to_ms(name, t)
        self.tend = len(t) * self.dt

    def generate(self):
        t = np.arange(0.0, self.tend, self.dt)
        ts = np.arange(0.0, self.tend / 1e3, self.dt / 1e3) - self.chirp_time_offset
        freq = (self.chirp_frequency_base
                + self.chirp_frequency_scale / (self.chirp_frequency_denominator - ts))
        current = self.amp * np.sin(2.0 * np.pi * freq * ts)
        current[:int(self.ton / self.dt)] = 0.0
        current[int(self.toff / self.dt):] = 0.0
        return t, current + self.hypamp


class _Waveform(Recording):
    """Arbitrary stimulus between ton and toff, kept as ``waveform`` (scaled by ``amp``, the
    largest deviation from ``hypamp``); timings detected when not given."""

    export_attr = ["ton", "toff", "tend", "amp", "hypamp", "dt", "waveform", "amp_rel",
                   "hypamp_rel"]
    smooth_detection = True
    label = ""

    def __init__(self, config_data, reader_data, protocol_name, efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name)
        self.ton = self.toff = self.tend = self.amp = self.hypamp = self.dt = None
        self.waveform = None
        self.amp_rel = self.hypamp_rel = None
        self._finish_init(efel_settings)

    def get_stimulus_parameters(self):
        return {"delay": self.ton, "amp": self.amp, "thresh_perc": self.amp_rel,
                "duration": self.toff - self.ton, "totduration": self.tend, "dt": self.dt,
                "waveform": self.waveform}

    def _timing(self, name, config_data, reader_data):
        idx = timing_index(name, config_data, self.dt)
        if idx is None and reader_data.get(name) is not None:
            idx = int(round(reader_data[name]))
        return idx

    def _detect(self, current):
        dev = np.abs(np.asarray(current) - self.hypamp)
        edge = min(max(1, int(round(10.0 / self.dt))), len(dev))
        noise = np.std(np.concatenate((dev[:edge], dev[-edge:])))
        active = np.flatnonzero(dev > max(4.5 * noise, 0.02 * np.max(dev), 1e-5))
        if not len(active):
            logger.warning(f"The automatic {self.label} detection failed for the recording "
                           f"{self.protocol_name} in files {self.files}. The whole trace "
                           "will be used as the stimulus waveform.")
            return 0, len(dev)
        return active[0], active[-1] + 1

    def interpret(self, t, current, config_data, reader_data):
        self.dt = t[1]
        ton = self._timing("ton", config_data, reader_data)
        toff = self._timing("toff", config_data, reader_data)
        self.set_amplitudes_ecode("hypamp", config_data, reader_data, lambda: base_current(
            current, idx_ton=300 if ton is None else ton))
        if ton is None or toff is None:
            start, stop = self._detect(smooth(current) if self.smooth_detection else current)
            ton = start if ton is None else ton
            toff = stop if toff is None else toff
        ton = max(0, min(ton, len(current) - 1))
        toff = max(ton + 1, min(toff, len(current)))
        stimulus = np.asarray(current[ton:toff]) - self.hypamp
        self.set_amplitudes_ecode("amp", config_data, reader_data,
                                  np.max(np.abs(stimulus)) if len(stimulus) else 0.0)
        self.waveform = np.zeros(stimulus.shape) if self.amp == 0.0 else stimulus / self.amp
        self.ton = t[ton]
        self.toff = t[toff] if toff < len(t) else len(t) * self.dt
        self.tend = len(t) * self.dt

    def generate(self):
        t = np.arange(0.0, self.tend, self.dt)
        current = np.full(t.shape, np.float64(self.hypamp))
        waveform = np.asarray(self.waveform)
        ton = int(self.ton / self.dt)
        toff = min(ton + len(waveform), len(current))
        current[ton:toff] += np.float64(self.amp) * waveform[:toff - ton]
        return t, current


class PinkNoise(_Waveform):
    """Pink-noise current (detected on the median-filtered current)."""

    label = "pink-noise"

    def __init__(self, config_data, reader_data, protocol_name="PinkNoise",
                 efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name, efel_settings)


class CapCheck(_Waveform):
    """Capacitance check pulses (detected on the raw current)."""

    label = "cap-check"
    smooth_detection = False

    def __init__(self, config_data, reader_data, protocol_name="CapCheck",
                 efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name, efel_settings)
