"""NWB (HDF5) sweeps read with h5py. Layouts (recognised as bluepyefe does): BBP
(``data_organization``), VU (``..._DA_...`` stimuli with ``..._AD_...`` responses), AIBS
(``acquisition/timeseries``), TRT (``index_*`` sweeps) and the default "Scala" one
(``acquisition/<sweep>Series`` with ``stimulus/presentation/<sweep>StimulusSeries``)."""

import logging

import h5py
import numpy as np

logger = logging.getLogger(__name__)


def _text(value):
    return value.decode("UTF-8") if isinstance(value, bytes) else value


def _trace(voltage, current, start_time, trace_name=None, repetition=None, trt=False):
    v_conv, i_conv = voltage.attrs["conversion"], current.attrs["conversion"]
    v_unit, i_unit = _text(voltage.attrs["unit"]), _text(current.attrs["unit"])
    if trt and v_conv == 1e-12 and i_conv == 0.001 and v_unit == i_unit == "volts":
        # TRT files with the two conversions swapped and the current labelled volts
        v_conv, i_conv, i_unit = 1e-3, 1e-12, "amperes"
    return {
        "voltage": np.array(voltage[()] * v_conv, dtype="float32"),
        "current": np.array(current[()] * i_conv, dtype="float32"),
        "dt": 1. / float(start_time.attrs["rate"]),
        "id": str(trace_name),
        "repetition": repetition,
        "i_unit": i_unit,
        "v_unit": v_unit,
        "t_unit": _text(start_time.attrs["unit"]),
    }


def _wanted(protocol_name, targets):
    return not targets or protocol_name.lower() in [p.lower() for p in targets]


def scala_protocol_name(name):
    """'na' and any '*step*' (but 'genericstep') name is 'Step'."""
    name = _text(name)
    low = name.lower()
    if low == "na" or ("step" in low and low != "genericstep"):
        return "Step"
    return name


def _read_aibs(content, targets):
    series = content["acquisition"]["timeseries"]
    out = []
    for sweep in list(series.keys()):
        if not _wanted(_text(series[sweep]["aibs_stimulus_name"][()]), targets):
            continue
        out.append(_trace(series[sweep]["data"],
                          content["stimulus"]["presentation"][sweep]["data"],
                          series[sweep]["starting_time"], trace_name=sweep))
    return out


def _repetition_keys(ecode_content, requested):
    if isinstance(requested, (int, str)):
        requested = [int(requested)]
    keys = list(ecode_content.keys())
    if not requested:
        return keys
    ids = [int(k.replace("repetition ", "")) for k in keys]
    return [keys[ids.index(i)] for i in requested]


def _read_bbp(content, targets, v_file=None, repetition=None):
    out = []
    organization = content["data_organization"]
    stimuli, acquisition = content["stimulus"]["presentation"], content["acquisition"]
    for ecode in targets:
        for cell_id in organization.keys():
            if ecode not in organization[cell_id]:
                other = next((e for e in organization[cell_id] if e.lower() == ecode.lower()),
                             None)
                if not other:
                    continue
                ecode = other
            ecode_content = organization[cell_id][ecode]
            for rep in _repetition_keys(ecode_content, repetition):
                for sweep in ecode_content[rep].keys():
                    for trace_name in list(ecode_content[rep][sweep].keys()):
                        if "ccs_" in trace_name:
                            key_current = trace_name.replace("ccs_", "ccss_")
                        elif "ic_" in trace_name:
                            key_current = trace_name.replace("ic_", "ics_")
                        else:
                            continue
                        if key_current not in stimuli or trace_name not in acquisition:
                            continue
                        if v_file is not None:
                            attrs = acquisition[trace_name].attrs
                            if "description" not in attrs:
                                logger.warning("Ignoring %s because no description could be "
                                               "found.", trace_name)
                                continue
                            if (v_file.split("/")[-1]
                                    != _text(attrs.get("description", "")).split("/")[-1]):
                                continue
                        out.append(_trace(acquisition[trace_name]["data"],
                                          stimuli[key_current]["data"],
                                          stimuli[key_current]["starting_time"],
                                          trace_name=trace_name,
                                          repetition=int(rep.replace("repetition ", ""))))
    return out


def _read_scala(content, targets, repetition=None):
    out = []
    reps = None
    if repetition:
        reps = content["general"]["intracellular_ephys"]["intracellular_recordings"][
            "repetition"]
        if isinstance(repetition, (int, str)):
            repetition = [int(repetition)]
    for sweep in list(content["acquisition"].keys()):
        key_current = sweep.replace("Series", "StimulusSeries")
        attrs = content["acquisition"][sweep].attrs
        if "stimulus_description" in attrs:
            name = attrs["stimulus_description"]
        else:
            logger.warning(f'Could not find "stimulus_description" attribute for {sweep}, '
                           'Setting it as "Step"')
            name = "Step"
        if not _wanted(scala_protocol_name(name), targets):
            continue
        if key_current not in content["stimulus"]["presentation"]:
            continue
        rep = None
        if repetition:
            rep = int(reps[int(sweep.split("_")[-1])])
            if rep not in repetition:
                continue
        out.append(_trace(content["acquisition"][sweep]["data"],
                          content["stimulus"]["presentation"][key_current]["data"],
                          content["acquisition"][sweep]["starting_time"], trace_name=sweep,
                          repetition=rep))
    return out


VU_PROTOCOLS = {
    "X1PS_SubThresh_DA_0": "IV", "X2LP_Search_DA_0": "IDThresh", "X3LP_Rheo_DA_0": "IDRest",
    "X4PS_SupraThresh_DA_0": "IDRest", "X4PT_C2NSD1SHORT_DA_0": "PinkNoise",
    "X4PU_C2NSD2SHORT_DA_0": "PinkNoise", "X5SP_Search_DA_0": "IDThresh",
    "X6SP_Rheo_DA_0": "IDRest", "X6SQ_C2SSTRIPLE_DA_0": "SpikeRec", "X7Ramp_DA_0": "Ramp",
    "X8_CHIRP_DA_0": "SineSpec", "X9_C1QCAPCHK_DA_0": "CapCheck",
    "X9_C1SQCAPCHK_DA_0": "CapCheck", "CCSteps_DA_0": "Step", "steps_DA_0": "Step",
}
# stimuli whose first 90 ms are replaced by the value at 90 ms
VU_FIRST_90MS_REPLACED = {"CCSteps_DA_0", "X1PS_SubThresh_DA_0", "X4PS_SupraThresh_DA_0"}


def _vu_responses(content):
    acquisition = content["acquisition"]
    return acquisition["timeseries"] if "timeseries" in acquisition else acquisition


def _is_vu(content):
    responses = _vu_responses(content)
    presentation = content["stimulus"]["presentation"] if "stimulus" in content and \
        "presentation" in content["stimulus"] else {}
    return any("DA" in name and name.replace("DA", "AD") in responses
               for name in presentation)


def _vu_description(sweep):
    if "stimulus_description" in sweep.attrs:
        return _text(sweep.attrs["stimulus_description"])
    try:
        return _text(sweep["stimulus_description"][()][0])
    except (KeyError, IndexError, TypeError):
        return None


def _read_vu(content, targets, in_data):
    wanted = [p.lower() for p in targets] if targets else None
    responses = _vu_responses(content)
    out = []
    for name, stim in list(content["stimulus"]["presentation"].items()):
        description = _vu_description(stim)
        if description not in VU_PROTOCOLS:
            continue
        if wanted and VU_PROTOCOLS[description].lower() not in wanted:
            continue
        response = name.replace("DA", "AD")
        if response not in responses:
            continue
        trace = _trace(responses[response]["data"], stim["data"],
                       responses[response]["starting_time"], trace_name=name)
        if not len(trace["voltage"]) or not len(trace["current"]):
            continue
        first_nan = np.argmax(np.isnan(trace["current"]))
        if first_nan:
            trace["voltage"] = trace["voltage"][:first_nan]
            trace["current"] = trace["current"][:first_nan]
        if "toff" in in_data and in_data["toff"] > len(trace["current"]) * trace["dt"] * 1000:
            continue
        try:
            bias = responses[response]["bias_current"][()]
            holding = float(np.asarray(bias).reshape(-1)[0]) * 1e-12
        except (KeyError, IndexError):
            holding = 0.0
        trace["current"] = np.asarray(trace["current"]) + holding
        if description in VU_FIRST_90MS_REPLACED:
            k = int(0.090 / trace["dt"])
            if k >= len(trace["current"]):
                out.append(trace)
                continue
            trace["current"][:k] = trace["current"][k]
            trace["voltage"][:k] = trace["voltage"][k]
        out.append(trace)
    return out


def _trt_current_name(name):
    parts = name.split("_")
    if len(parts) == 2:
        parts[-1] = str(2 * int(parts[-1]) + 1).rjust(len(parts[-1]), "0")
    else:
        parts[-1] = {"0": "1", "1": "0", "2": "3", "3": "2"}.get(parts[-1], parts[-1])
    return "_".join(parts)


def _read_trt(content, targets):
    if targets and not {"step", "genericstep"} & {p.lower() for p in targets}:
        logger.warning("TRT NWB files hold 'step' and 'genericstep' protocols only, "
                       f"requested: {targets}. Skipping.")
        return []
    presentation = content["stimulus"]["presentation"]
    return [_trace(sweep["data"], presentation[_trt_current_name(name)]["data"],
                   sweep["starting_time"], trace_name=name, trt=True)
            for name, sweep in list(content["acquisition"].items())]


def read_nwb(in_data):
    """Sweeps of the protocols ``in_data["protocol_name"]`` (a name or a list)."""
    targets = in_data["protocol_name"]
    if isinstance(targets, str):
        targets = [targets]
    with h5py.File(in_data["filepath"], "r") as content:
        if "data_organization" in content:
            return _read_bbp(content, targets, in_data.get("v_file"), in_data.get("repetition"))
        if _is_vu(content):
            return _read_vu(content, targets, in_data)
        if "timeseries" in content["acquisition"].keys():
            return _read_aibs(content, targets)
        if next(iter(content["acquisition"]), "")[:6].lower() == "index_":
            return _read_trt(content, targets)
        return _read_scala(content, targets, in_data.get("repetition"))
