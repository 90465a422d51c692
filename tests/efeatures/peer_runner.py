"""Run one extraction job with bluepyefe or phyclone (the same script in both venvs).

    python peer_runner.py MODULE JOB.json

MODULE is ``bluepyefe.extract`` or ``phyclone.efeatures``; JOB.json holds
``output_directory``, ``files_metadata`` and ``options`` (keyword arguments of
extract_efeatures; ``"recording_reader": "npz"`` selects the reader below). Prints the run
time (s) on the last line of stdout. Standalone: imports neither package at module level.
"""

import importlib
import json
import sys
import time

import numpy as np


def npz_reader(config):
    """Custom reader: an .npz file with ``voltage`` and ``current`` arrays (n_sweeps, n)."""
    with np.load(config["filepath"], allow_pickle=False) as f:
        voltage, current = f["voltage"], f["current"]
    return [{"voltage": v, "current": c, "dt": config["dt"], "t_unit": "ms", "v_unit": "mV",
             "i_unit": "nA"} for v, c in zip(voltage, current)]


def warm(_):
    """Import phyclone.efeatures (and eFEL) in a worker process."""
    importlib.import_module("phyclone.efeatures")


def warm_own_session(_):
    """``warm``, and put the worker in a session of its own: Linux's autogroup scheduling
    shares CPU per session, so without this the workers of one run split a single share
    on a machine busy with other sessions."""
    import os
    try:
        os.setsid()
    except OSError:  # already a session leader
        pass
    warm(_)
    return os.getsid(0)


class CpuTimed:
    """``function`` returning (result, CPU seconds of the call in its process)."""

    def __init__(self, function):
        self.function = function

    def __call__(self, x):
        c0 = time.process_time()
        out = self.function(x)
        return out, time.process_time() - c0


def cpu_timed_map(map_function, spent):
    """A map function adding the CPU time of every task (wherever it runs) to spent[0]."""
    def _map(function, iterable):
        out = []
        for result, cpu in map_function(CpuTimed(function), iterable):
            out.append(result)
            spent[0] += cpu
        return out
    return _map


def run(module_name, job):
    module = importlib.import_module(module_name)
    options = dict(job.get("options", {}))
    if options.get("recording_reader") == "npz":
        options["recording_reader"] = npz_reader
    t0 = time.perf_counter()
    module.extract_efeatures(job["output_directory"], job["files_metadata"], **options)
    return time.perf_counter() - t0


if __name__ == "__main__":
    with open(sys.argv[2]) as f:
        job = json.load(f)
    print(run(sys.argv[1], job))
