"""Unit conversions of time, current and voltage series, and the package defaults."""

DEFAULT_EFEL_SETTINGS = {
    "strict_stiminterval": True,
    "Threshold": -20.,
    "interp_step": 0.025,
}

PRESET_PROTOCOLS_RHEOBASE = [
    "IV", "Step", "FirePattern", "IDrest", "IDRest", "IDthresh", "IDThresh", "IDThres", "IDthres",
]


def to_ms(t, t_unit):
    """Time series in ms from "s"/"sec"/"seconds", "ms" or "10th_ms"."""
    if t_unit.lower() in ("s", "sec", "seconds"):
        return t * 1e3
    if t_unit == "ms":
        return t
    if t_unit == "10th_ms":
        return t * 0.1
    raise Exception(f"Time unit '{t_unit}' is unknown.")


def to_nA(current, i_unit):
    """Current series in nA from "A"/"amperes"/"amps", "mA", "uA", "pA" or "nA"."""
    if i_unit.lower() in ("a", "amperes", "amps"):
        return current * 1e9
    factor = {"mA": 1e6, "uA": 1e3, "pA": 1e-3}.get(i_unit)
    if factor is not None:
        return current * factor
    if i_unit == "nA":
        return current
    raise Exception(f"Current unit '{i_unit}' is unknown.")


def to_mV(voltage, v_unit):
    """Voltage series in mV from "V"/"volts", "uV" or "mV"."""
    if v_unit.lower() in ("v", "volts"):
        return voltage * 1e3
    if v_unit == "uV":
        return voltage * 1e-3
    if v_unit == "mV":
        return voltage
    raise Exception(f"Voltage unit '{v_unit}' is unknown.")
