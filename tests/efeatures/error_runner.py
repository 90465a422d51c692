"""Bad inputs given to extract_efeatures: prints one JSON line per case with the exception's
type and message. Same script for bluepyefe and phyclone (run in both venvs).

    python error_runner.py MODULE FILES_METADATA.json WORKDIR
"""

import copy
import importlib
import json
import sys
from pathlib import Path


def bad_inputs(fm, workdir):
    """name -> (files_metadata, options)."""
    cell, protocol = "cell0", "IDRest"
    one = {cell: {protocol: copy.deepcopy(fm[cell][protocol])}}

    def edit(**changes):
        out = copy.deepcopy(one)
        out[cell][protocol][0].update(changes)
        return out

    def drop(key):
        out = copy.deepcopy(one)
        del out[cell][protocol][0][key]
        return out

    unknown = {cell: {"Foo": copy.deepcopy(fm[cell][protocol])}}
    bad_ext = edit(filepath=str(Path(workdir) / "sweeps.xyz"))
    targets = [{"efeature": "Spikecount", "protocol": protocol, "amplitude": 150,
                "tolerance": 20}]
    base = {"protocols_rheobase": [protocol], "targets": targets}
    return {
        "empty_metadata": ({}, base),
        "targets_and_auto_targets": (one, {**base, "auto_targets": []}),
        "unknown_protocol": (unknown, base),
        "unknown_extension": (bad_ext, base),
        "missing_reader_metadata": (drop("amplitudes"), base),
        "missing_file": (edit(filepath=str(Path(workdir) / "nope.txt")), base),
        "unknown_time_unit": (edit(t_unit="minutes"), base),
        "unknown_current_unit": (edit(i_unit="kA"), base),
        "unknown_voltage_unit": (edit(v_unit="kV"), base),
        "unknown_rheobase_strategy": (one, {**base, "rheobase_strategy": "best"}),
        "majority_without_rheobase_sweeps": (one, {**base, "protocols_rheobase": ["IV"],
                                                   "rheobase_strategy": "majority"}),
        "unknown_efeature": (one, {**base, "targets": [{**targets[0],
                                                        "efeature": "not_a_feature"}]}),
        "protocol_mode_lnmc": (one, {**base, "protocol_mode": "lnmc"}),
        "write_without_directory": (one, {**base, "write_files": True}),
    }


def main():
    module = importlib.import_module(sys.argv[1])
    fm = json.loads(Path(sys.argv[2]).read_text())
    workdir = sys.argv[3]
    for name, (files_metadata, options) in bad_inputs(fm, workdir).items():
        out = None if name == "write_without_directory" else workdir
        try:
            module.extract_efeatures(out, files_metadata, **options)
            result = {"name": name, "type": None, "message": ""}
        except BaseException as e:  # noqa: B902 - report whatever is raised
            result = {"name": name, "type": type(e).__name__, "message": str(e)}
        print(json.dumps(result))


if __name__ == "__main__":
    main()
