"""NWB (HDF5) sweeps read with h5py. Layouts: BBP (``data_organization``), AIBS
(``acquisition/timeseries``) and the default "Scala" one (``acquisition/<sweep>Series`` with
``stimulus/presentation/<sweep>StimulusSeries``). The file is only read."""

import logging

import h5py
import numpy as np

logger = logging.getLogger(__name__)


def _text(value):
    return value.decode("UTF-8") if isinstance(value, bytes) else value


def _trace(voltage, current, start_time, trace_name=None, repetition=None):
    return {
        "voltage": np.array(voltage[()] * voltage.attrs["conversion"], dtype="float32"),
        "current": np.array(current[()] * current.attrs["conversion"], dtype="float32"),
        "dt": 1. / float(start_time.attrs["rate"]),
        "id": str(trace_name),
        "repetition": repetition,
        "i_unit": _text(current.attrs["unit"]),
        "v_unit": _text(voltage.attrs["unit"]),
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


def _is_vu(content):
    acquisition = content["acquisition"]
    acquisition = acquisition["timeseries"] if "timeseries" in acquisition else acquisition
    presentation = content["stimulus"]["presentation"] if "stimulus" in content and \
        "presentation" in content["stimulus"] else {}
    return any("DA" in name and name.replace("DA", "AD") in acquisition
               for name in presentation)


def read_nwb(in_data):
    """Sweeps of the protocols ``in_data["protocol_name"]`` (a name or a list)."""
    targets = in_data["protocol_name"]
    if isinstance(targets, str):
        targets = [targets]
    with h5py.File(in_data["filepath"], "r") as content:
        if "data_organization" in content:
            return _read_bbp(content, targets, in_data.get("v_file"), in_data.get("repetition"))
        if _is_vu(content):
            raise NotImplementedError(
                f"{in_data['filepath']}: this NWB layout (VU, DA/AD sweeps) is not supported "
                "by phyclone yet; pass a recording_reader")
        if "timeseries" in content["acquisition"].keys():
            return _read_aibs(content, targets)
        if next(iter(content["acquisition"]), "")[:6].lower() == "index_":
            raise NotImplementedError(
                f"{in_data['filepath']}: this NWB layout (TRT, 'index_*' sweeps) is not "
                "supported by phyclone yet; pass a recording_reader")
        return _read_scala(content, targets, in_data.get("repetition"))
