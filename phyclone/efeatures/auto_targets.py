"""AutoTarget: targets chosen from the protocols and amplitudes the data actually has."""


class AutoTarget:
    """Candidate ``protocols`` and ``amplitudes`` (% rheobase), both by priority, and the
    ``efeatures`` to extract at the ones with at least ``min_recordings_per_amplitude``
    recordings within ``tolerance``; keeps ``preferred_number_protocols`` of them."""

    def __init__(self, protocols, amplitudes, efeatures, min_recordings_per_amplitude=10,
                 preferred_number_protocols=1, tolerance=10):
        self.efeatures = efeatures
        self.protocols = protocols
        self.amplitudes = amplitudes
        self.min_recordings_per_amplitude = min_recordings_per_amplitude
        self.preferred_number_protocols = preferred_number_protocols
        self.tolerance = tolerance
        self.active_amplitudes = []
        self.active_ecode = []

    def select_ecode_and_amplitude(self, recordings):
        """Activate the (protocol, amplitude) pairs the ``recordings`` cover."""
        for ecode in self.protocols:
            available = [r.amp_rel for r in recordings
                         if r.protocol_name == ecode and r.amp_rel is not None]
            for amp in self.amplitudes:
                n = sum(abs(a - amp) < self.tolerance for a in available)
                if n >= self.min_recordings_per_amplitude:
                    self.active_ecode.append(ecode)
                    self.active_amplitudes.append(amp)
        if self.active_ecode and len(self.active_ecode) > self.preferred_number_protocols:
            self.active_ecode = self.active_ecode[:self.preferred_number_protocols]
            self.active_amplitudes = self.active_amplitudes[:self.preferred_number_protocols]

    def is_valid(self):
        return bool(self.active_amplitudes) and bool(self.active_ecode)

    def generate_targets(self):
        """Targets (dicts) of the active pairs."""
        return [{"efeature": efeature, "protocol": protocol, "amplitude": amp,
                 "tolerance": self.tolerance}
                for amp, protocol in zip(self.active_amplitudes, self.active_ecode)
                for efeature in self.efeatures]


_FIRING_PROTOCOLS = ["Step", "FirePattern", "IDrest", "IDRest", "IDthresh", "IDThresh",
                     "IDThres", "IDthres", "IV"]


def default_auto_targets():
    """Three AutoTargets: firing pattern, AP waveform and hyperpolarising steps."""
    firing = AutoTarget(
        protocols=list(_FIRING_PROTOCOLS), amplitudes=[200, 150, 250, 300],
        efeatures=["voltage_base", "adaptation_index2", "mean_frequency",
                   "time_to_first_spike", "time_to_last_spike", "inv_first_ISI",
                   "inv_second_ISI", "inv_third_ISI", "inv_fourth_ISI", "inv_fifth_ISI",
                   "inv_last_ISI", "ISI_CV", "ISI_log_slope", "doublet_ISI", "AP_amplitude",
                   "AP1_amp", "APlast_amp", "AHP_depth", "AHP_time_from_peak"],
        min_recordings_per_amplitude=1, preferred_number_protocols=2, tolerance=25.)
    ap_waveform = AutoTarget(
        protocols=["APWaveform", "APwaveform", *_FIRING_PROTOCOLS],
        amplitudes=[300, 350, 250, 400, 200],
        efeatures=["AP_amplitude", "AP1_amp", "AP2_amp", "AP_width", "AP_duration_half_width",
                   "AP_rise_time", "AP_fall_time", "AHP_depth_abs", "AHP_time_from_peak",
                   "AHP_depth"],
        min_recordings_per_amplitude=1, preferred_number_protocols=1, tolerance=25.)
    iv = AutoTarget(
        protocols=["IV", "Step"], amplitudes=[-50, -100],
        efeatures=["voltage_base", "steady_state_voltage_stimend",
                   "ohmic_input_resistance_vb_ssse", "voltage_deflection",
                   "voltage_deflection_begin", "decay_time_constant_after_stim", "Spikecount",
                   "sag_ratio1", "sag_ratio2", "sag_amplitude", "sag_time_constant"],
        min_recordings_per_amplitude=1, preferred_number_protocols=1, tolerance=10.)
    return [firing, ap_waveform, iv]
