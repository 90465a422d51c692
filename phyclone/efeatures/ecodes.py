"""Stimulus shapes (eCodes): how each protocol's current is interpreted (timings and
amplitudes, detected when not given) and regenerated. ``eCodes`` maps lower-case name
fragments to classes; a protocol uses the first fragment its name contains."""

import logging

import numpy as np

from .ecodes_waveforms import CapCheck, PinkNoise, SineSpec, SpikeRec
from .recording import Recording, base_current, smooth, timing_index

logger = logging.getLogger(__name__)


def _timings_with_defaults(rec, keys, current, config_data):
    """Set the timings ``keys`` from ``config_data``, the eCode's ``default_timings`` filling
    missing ones (said in the log); returns a function giving the smoothed current (computed
    once, when first needed)."""
    if rec.default_timings and any(config_data.get(k) is None for k in keys):
        logger.warning(f"Missing timing key(s) for {rec.protocol_name}, "
                       f"using defaults: {rec.default_timings}")
        for k in keys:
            config_data[k] = rec.default_timings[k]
    rec.set_timing_ecode(keys, config_data)
    cache = {}

    def smoothed():
        if "s" not in cache:
            cache["s"] = smooth(current)
        return cache["s"]
    return smoothed


def _detection_failed(rec):
    logger.warning("The automatic step detection failed for the recording "
                   f"{rec.protocol_name} in files {rec.files}. You should "
                   "specify ton and toff by hand in your files_metadata "
                   "for this file.")


class Step(Recording):
    """Holding current ``hypamp``, plus ``amp`` between ``ton`` and ``toff``."""

    export_attr = ["ton", "toff", "tend", "amp", "hypamp", "dt", "amp_rel", "hypamp_rel"]

    def __init__(self, config_data, reader_data, protocol_name="step", efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name)
        self.ton = self.toff = self.tend = self.dt = None
        self.amp_rel = self.hypamp_rel = None
        self._finish_init(efel_settings)

    def get_stimulus_parameters(self):
        return {"delay": self.ton, "amp": self.amp, "thresh_perc": self.amp_rel,
                "duration": self.toff - self.ton, "totduration": self.tend}

    def interpret(self, t, current, config_data, reader_data):
        self.dt = t[1]
        smoothed = None
        noise = np.std(np.concatenate((current[:50], current[-50:])))
        threshold = max(4.5 * noise, 1e-5)
        idx_buffer = max(1, int(2.0 / self.dt))
        self.ton = timing_index("ton", config_data, self.dt)
        if self.ton is None and reader_data.get("ton") is not None:
            self.ton = int(round(reader_data["ton"]))
        self.toff = timing_index("toff", config_data, self.dt)
        if self.toff is None and reader_data.get("toff") is not None:
            self.toff = int(round(reader_data["toff"]))
        if self.ton is None:
            if self.hypamp is None:
                self.hypamp = base_current(current)
            smoothed = smooth(current)
            self.ton = idx_buffer + np.argmax(
                np.abs(smoothed[idx_buffer:] - self.hypamp) > threshold)
        elif self.hypamp is None:
            self.hypamp = base_current(current, idx_ton=self.ton)
        if self.toff is None:
            if smoothed is None:
                smoothed = smooth(current)
            dev = np.abs(smoothed[:-idx_buffer] - self.hypamp)[::-1]
            self.toff = len(current) - np.argmax(dev > threshold) - 1 - idx_buffer
        if self.amp is None:
            self.amp = np.median(current[self.ton:self.toff]) - self.hypamp
        self.ton = t[int(round(self.ton))]
        self.toff = t[int(round(self.toff))]
        self.tend = len(t) * self.dt
        if self.ton >= self.toff or self.ton >= self.tend or self.toff > self.tend:
            self.ton = 0.
            self.toff = self.tend
            _detection_failed(self)

    def generate(self):
        t = np.arange(0.0, self.tend, self.dt)
        current = np.full(t.shape, np.float64(self.hypamp))
        current[int(self.ton / self.dt):int(self.toff / self.dt)] += np.float64(self.amp)
        return t, current


class Ramp(Recording):
    """Current ramping from ``hypamp`` at ``ton`` to ``hypamp + amp`` at ``toff``."""

    export_attr = ["ton", "toff", "tend", "amp", "hypamp", "dt", "amp_rel", "hypamp_rel"]

    def __init__(self, config_data, reader_data, protocol_name="ramp", efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name)
        self.ton = self.toff = self.tend = self.amp = self.hypamp = self.dt = None
        self.amp_rel = self.hypamp_rel = None
        self._finish_init(efel_settings)

    def get_stimulus_parameters(self):
        return {"delay": self.ton, "amp": self.amp, "thresh_perc": self.amp_rel,
                "duration": self.toff - self.ton, "totduration": self.tend}

    def interpret(self, t, current, config_data, reader_data):
        self.dt = t[1]
        self.set_timing_ecode(["ton"], config_data)
        self.toff = timing_index("toff", config_data, self.dt)
        if self.toff is None:
            self.toff = np.argmax(smooth(current)[self.ton:]) + self.ton
        self.set_amplitudes_ecode("hypamp", config_data, reader_data,
                                  lambda: base_current(current))
        self.set_amplitudes_ecode(
            "amp", config_data, reader_data,
            lambda: np.median(current[self.toff - 10:self.toff]) - self.hypamp)
        for name in ("ton", "toff"):
            self.index_to_ms(name, t)
        self.tend = len(t) * self.dt

    def generate(self):
        ton, toff = int(self.ton / self.dt), int(self.toff / self.dt)
        t = np.arange(0.0, self.tend, self.dt)
        current = np.full(t.shape, np.float64(self.hypamp))
        current[ton:toff] += np.linspace(0.0, self.amp, toff - ton)
        return t, current


class _TwoLevels(Recording):
    """Base of the eCodes with two levels: ``amp`` then ``amp2`` (and the ``tmid`` timing)."""

    def compute_relative_amp(self, amp_threshold):
        self.amp_rel = 100.0 * self.amp / amp_threshold
        self.amp2_rel = 100.0 * self.amp2 / amp_threshold
        self.hypamp_rel = 100.0 * self.hypamp / amp_threshold

    def get_plot_amplitude_title(self):
        return f" ({self.amp_rel:.01f}%/{self.amp2_rel:.01f}%)"


class SAHP(_TwoLevels):
    """Long step ``amp`` (ton–toff) with a second level ``amp2`` between tmid and tmid2."""

    export_attr = ["ton", "tmid", "tmid2", "toff", "tend", "amp", "amp2", "hypamp", "dt",
                   "amp_rel", "amp2_rel", "hypamp_rel"]

    def __init__(self, config_data, reader_data, protocol_name="sAHP", efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name)
        self.ton = self.tmid = self.tmid2 = self.toff = self.tend = None
        self.amp = self.amp2 = self.hypamp = self.dt = None
        self.amp_rel = self.amp2_rel = self.hypamp_rel = None
        self._finish_init(efel_settings)

    def get_stimulus_parameters(self):
        return {"delay": self.ton, "tmid": self.tmid, "tmid2": self.tmid2,
                "toff": self.toff, "amp": self.amp2, "long_amp": self.amp,
                "thresh_perc": self.amp2_rel, "duration": self.tmid2 - self.tmid,
                "totduration": self.tend}

    def _to_ms(self):
        for name in ("ton", "toff", "tmid", "tmid2"):
            setattr(self, name, self.t[int(round(getattr(self, name)))])

    def compute_amp(self, current, config_data, reader_data):
        sm = smooth(current)
        self.set_amplitudes_ecode("hypamp", config_data, reader_data, lambda: np.median(
            np.concatenate((sm[:self.ton], sm[self.toff:]))))
        self.set_amplitudes_ecode("amp", config_data, reader_data, lambda: np.median(
            np.concatenate((sm[self.ton:self.tmid], sm[self.tmid2:self.toff]))) - self.hypamp)
        self.set_amplitudes_ecode("amp2", config_data, reader_data,
                                  lambda: np.median(sm[self.tmid:self.tmid2]) - self.hypamp)
        self.tend = (len(self.t) * self.dt if config_data.get("tend") is None
                     else config_data["tend"])
        self._to_ms()

    def step_detection(self, current, config_data, reader_data):
        noise = np.std(np.concatenate((current[:50], current[-50:])))
        threshold = max(2.0 * noise, 1e-5)
        idx_buffer = max(1, int(2.0 / self.dt))
        buffer_step = 50
        sm = smooth(current)
        self.hypamp = base_current(current)
        self.ton = timing_index("ton", config_data, self.dt)
        if self.ton is None:
            self.ton = idx_buffer + np.argmax(np.abs(sm[idx_buffer:] - self.hypamp) > threshold)
        dev = np.abs(sm[self.ton:-idx_buffer] - self.hypamp)[::-1]
        self.toff = len(current) - np.argmax(dev > threshold) - 1 - idx_buffer
        self.amp = np.median(np.concatenate(
            (sm[self.ton:self.ton + 50], sm[self.toff - 50:self.toff]))) - self.hypamp
        level = self.amp + self.hypamp
        dev = np.abs(sm[self.ton + buffer_step:self.toff - buffer_step] - level)
        self.tmid = self.ton + buffer_step + np.argmax(dev > threshold)
        dev = np.abs(sm[self.ton + buffer_step:self.toff - 50] - level)[::-1]
        self.tmid2 = self.toff - np.argmax(dev > threshold) - 1 - buffer_step
        self.amp2 = np.median(sm[self.tmid:self.tmid2]) - self.hypamp
        self._to_ms()
        self.tend = len(self.t) * self.dt
        if (self.ton >= self.toff or self.ton >= self.tend or self.toff > self.tend
                or self.tmid == self.ton or self.tmid2 == self.toff):
            self.ton = 0.
            self.toff = self.tend
            _detection_failed(self)

    def interpret(self, t, current, config_data, reader_data):
        self.dt = t[1]
        required = ["ton", "tmid", "tmid2", "toff"]
        if all(r in config_data for r in required):
            self.set_timing_ecode(required, config_data)
            self.compute_amp(current, config_data, reader_data)
            return
        try:
            self.step_detection(current, config_data, reader_data)
        except ValueError:  # argmax of an empty sequence
            self.tend = len(self.t) * self.dt
            self.ton, self.toff, self.tmid, self.tmid2 = 0, self.tend, 0, self.tend
            _detection_failed(self)

    def generate(self):
        ton, tmid, tmid2, toff = (int(x / self.dt) for x in
                                  (self.ton, self.tmid, self.tmid2, self.toff))
        t = np.arange(0.0, self.tend, self.dt)
        current = np.full(t.shape, np.float64(self.hypamp))
        current[ton:tmid] += np.float64(self.amp)
        current[tmid2:toff] += np.float64(self.amp)
        current[tmid:tmid2] += np.float64(self.amp2)
        return t, current

    def in_target(self, target, tolerance, absolute_amplitude=False):
        amp = self.amp2 if absolute_amplitude else self.amp2_rel
        return bool(np.abs(target - amp) < tolerance)


class _HyperDe(_TwoLevels):
    """``amp`` between ton and tmid, then ``amp2`` until toff."""

    export_attr = ["ton", "tmid", "toff", "tend", "amp", "amp2", "hypamp", "dt",
                   "amp_rel", "amp2_rel", "hypamp_rel"]
    default_timings = None
    thresh_perc_of = "amp_rel"

    def __init__(self, config_data, reader_data, protocol_name, efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name)
        self.ton = self.tmid = self.toff = self.tend = None
        self.amp = self.amp2 = self.hypamp = self.dt = None
        self.amp_rel = self.amp2_rel = self.hypamp_rel = None
        self._finish_init(efel_settings)

    def get_stimulus_parameters(self):
        return {"delay": self.ton, "tmid": self.tmid, "toff": self.toff, "amp": self.amp,
                "amp2": self.amp2, "thresh_perc": getattr(self, self.thresh_perc_of),
                "duration": self.toff - self.ton, "totduration": self.tend}

    def interpret(self, t, current, config_data, reader_data):
        self.dt = t[1]
        keys = ["ton", "tmid", "toff"]
        sm = _timings_with_defaults(self, keys, current, config_data)

        self.set_amplitudes_ecode("hypamp", config_data, reader_data, lambda: np.median(
            np.concatenate((sm()[:self.ton], sm()[self.toff:]))))
        self.set_amplitudes_ecode("amp", config_data, reader_data,
                                  lambda: np.median(sm()[self.ton:self.tmid]) - self.hypamp)
        self.set_amplitudes_ecode("amp2", config_data, reader_data,
                                  lambda: np.median(sm()[self.tmid:self.toff]) - self.hypamp)
        for name in keys:
            self.index_to_ms(name, t)
        self.tend = len(t) * self.dt

    def generate(self):
        ton, tmid, toff = (int(x / self.dt) for x in (self.ton, self.tmid, self.toff))
        t = np.arange(0.0, self.tend, self.dt)
        current = np.full(t.shape, np.float64(self.hypamp))
        current[ton:tmid] += np.float64(self.amp)
        current[tmid:toff] += np.float64(self.amp2)
        return t, current


class HyperDePol(_HyperDe):
    """Hyperpolarising step then depolarising step (default timings when missing)."""

    default_timings = {"ton": 250.0, "tmid": 700.0, "toff": 970.0}

    def __init__(self, config_data, reader_data, protocol_name="HyperDePol",
                 efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name, efel_settings)


class DeHyperPol(_HyperDe):
    """Depolarising step then hyperpolarising step (timings required)."""

    thresh_perc_of = "amp2_rel"

    def __init__(self, config_data, reader_data, protocol_name="DeHyperPol",
                 efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name, efel_settings)


class _Cheops(Recording):
    """Three triangular ramps (ton–t1, t2–t3, t4–toff) of peak ``amp``."""

    export_attr = ["ton", "t1", "t2", "t3", "t4", "toff", "tend", "amp", "hypamp", "dt",
                   "amp_rel", "hypamp_rel"]
    default_timings = None
    extremum = staticmethod(np.max)
    _timings = ("ton", "t1", "t2", "t3", "t4", "toff")

    def __init__(self, config_data, reader_data, protocol_name, efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name)
        self.ton = self.t1 = self.t2 = self.t3 = self.t4 = self.toff = self.tend = None
        self.amp = self.hypamp = self.dt = None
        self.amp_rel = self.hypamp_rel = None
        self._finish_init(efel_settings)

    def get_stimulus_parameters(self):
        return {"delay": self.ton, "t1": self.t1, "t2": self.t2, "t3": self.t3,
                "t4": self.t4, "toff": self.toff, "amp": self.amp,
                "thresh_perc": self.amp_rel, "duration": self.toff - self.ton,
                "totduration": self.tend}

    def interpret(self, t, current, config_data, reader_data):
        self.dt = t[1]
        keys = list(self._timings)
        sm = _timings_with_defaults(self, keys, current, config_data)

        self.set_amplitudes_ecode("hypamp", config_data, reader_data,
                                  lambda: np.median(sm()[:self.ton]))
        self.set_amplitudes_ecode("amp", config_data, reader_data,
                                  lambda: self.extremum(sm()) - self.hypamp)
        for name in keys:
            self.index_to_ms(name, t)
        self.tend = len(t) * self.dt

    def generate(self):
        idx = {k: int(getattr(self, k) / self.dt) for k in self._timings}
        t = np.arange(0.0, self.tend, self.dt)
        current = np.full(t.shape, np.float64(self.hypamp))
        for a, b in (("ton", "t1"), ("t2", "t3"), ("t4", "toff")):
            mid = int(0.5 * (getattr(self, a) + getattr(self, b)) / self.dt)
            current[idx[a]:mid] += np.linspace(0.0, self.amp, mid - idx[a])
            current[mid:idx[b]] += np.linspace(self.amp, 0.0, idx[b] - mid)
        return t, current


class PosCheops(_Cheops):
    """Positive triangular ramps."""

    default_timings = {"ton": 250.0, "t1": 8250.0, "t2": 10250.0, "t3": 14250.0,
                       "t4": 16250.0, "toff": 18916.0}

    def __init__(self, config_data, reader_data, protocol_name="PosCheops",
                 efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name, efel_settings)


class NegCheops(_Cheops):
    """Negative triangular ramps."""

    default_timings = {"ton": 1750.0, "t1": 8416.0, "t2": 10416.0, "t3": 13748.0,
                       "t4": 15748.0, "toff": 17970.0}
    extremum = staticmethod(np.min)

    def __init__(self, config_data, reader_data, protocol_name="NegCheops",
                 efel_settings=None):
        super().__init__(config_data, reader_data, protocol_name, efel_settings)


eCodes = {
    **dict.fromkeys(
        ["spontaneous", "idrest", "idthresh", "idthres", "idthreshold", "apwaveform", "iv",
         "step", "genericstep", "spontaps", "sponaps", "firepattern", "sponnohold30",
         "sponhold30", "spontnohold30", "sponthold30", "spontaneousnohold", "starthold",
         "startnohold", "delta"], Step),
    **dict.fromkeys(["sahp", "idhyperpol", "irdepol", "irhyperpol", "iddepol"], SAHP),
    **dict.fromkeys(["ramp", "ap_thresh", "apthresh", "apthreshold"], Ramp),
    "hyperdepol": HyperDePol,
    "dehyperpol": DeHyperPol,
    "negcheops": NegCheops,
    "poscheops": PosCheops,
    "spikerec": SpikeRec,
    "sinespec": SineSpec,
    "pinknoise": PinkNoise,
    "capcheck": CapCheck,
}


def ecode_for(protocol_name):
    """The eCode class of a protocol name (first fragment it contains), or a KeyError."""
    lower = protocol_name.lower()
    for fragment, cls in eCodes.items():
        if fragment in lower:
            return cls
    raise KeyError(f"There is no eCode linked to the stimulus name {lower}. See "
                   "ecode/__init__.py for the available stimuli names")
