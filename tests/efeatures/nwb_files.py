"""Small NWB files of the layouts the NWB reader knows (AIBS, Scala, BBP, TRT, VU)."""

import h5py
import numpy as np


def _series(group, name, data, conversion, unit, rate=10000.):
    g = group.create_group(name)
    d = g.create_dataset("data", data=data)
    d.attrs["conversion"] = conversion
    d.attrs["unit"] = unit
    st = g.create_dataset("starting_time", data=0.0)
    st.attrs["rate"] = rate
    st.attrs["unit"] = "seconds"
    return g


def write_nwb(path, layout, voltages, currents, protocol="IDRest"):
    """Sweeps (V in volts, I in amperes; (n_sweeps, n)) as an NWB file of ``layout``."""
    with h5py.File(path, "w") as f:
        acq, pres = f.create_group("acquisition"), f.create_group("stimulus/presentation")
        for k, (v, i) in enumerate(zip(voltages, currents)):
            if layout == "aibs":
                g = _series(acq.require_group("timeseries"), f"Sweep_{k}", v, 1.0, "volts")
                g.create_dataset("aibs_stimulus_name", data=protocol.encode())
                _series(pres, f"Sweep_{k}", i, 1.0, "amperes")
            elif layout == "scala":
                g = _series(acq, f"CurrentClampSeries_{k:03d}", v * 1e3, 1e-3, "volts")
                g.attrs["stimulus_description"] = protocol
                _series(pres, f"CurrentClampStimulusSeries_{k:03d}", i * 1e12, 1e-12,
                        "amperes")
            elif layout == "trt":
                _series(acq, f"index_{k:02d}", v, 1.0, "volts")
                _series(pres, f"index_{2 * k + 1:02d}", i, 1.0, "amperes")
            elif layout == "vu":
                description = "X4PS_SupraThresh_DA_0" if k % 2 else "X3LP_Rheo_DA_0"
                g = _series(pres, f"data_{k:05d}_DA0", i - 5e-12, 1.0, "amperes")
                g.attrs["stimulus_description"] = description
                r = _series(acq, f"data_{k:05d}_AD0", v, 1.0, "volts")
                r.create_dataset("bias_current", data=[5.0])
            elif layout == "bbp":
                name = f"ccs_sweep{k}"
                _series(acq, name, v, 1.0, "volts")
                _series(pres, f"ccss_sweep{k}", i, 1.0, "amperes")
                org = f.require_group(f"data_organization/cellA/{protocol}/repetition 1")
                org.require_group(f"sweep_{k}").create_group(name)
    return path


def float32(x, conversion=1.0):
    return np.array(x * conversion, dtype="float32")
