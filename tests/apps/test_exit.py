"""Leaving the program right after curating never crashes (issue 11, item 3): a script
that merges, splits, labels, saves and closes the GUI while the views' workers and the
OpenGL threads still run, then leaves the interpreter, exits with status 0, every time:
template and Kwik folders, after a journal replay, and through ``phy template-gui``'s code."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _kwik_fixtures import make_kwik

CHILD = Path(__file__).with_name("exit_script_child.py")
N_RUNS = 20


@pytest.mark.slow
@pytest.mark.gl
def test_exit_after_actions_20_fresh_processes(synth_source, tmp_path):
    kwik_source = tmp_path / "kwik_source"
    kwik_source.mkdir()
    make_kwik(kwik_source)
    kinds = ["template", "kwik", "cli", "replay", "kwik"] * (N_RUNS // 5)
    env = dict(os.environ, PYTHONFAULTHANDLER="1")
    env.pop("PYTEST_CURRENT_TEST", None)

    def start(i, kind):
        d = tmp_path / f"run{i}"
        if kind == "kwik":
            shutil.copytree(kwik_source, d)
            target = d / "syn.kwik"
        else:
            shutil.copytree(synth_source, d, ignore=shutil.ignore_patterns(".phy"))
            target = d
        return subprocess.Popen(
            [sys.executable, str(CHILD), kind, str(target), str(tmp_path / "config")],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)

    failures = []
    running = []
    for i, kind in enumerate(kinds):
        running.append((i, kind, start(i, kind)))
        if len(running) == 2 or i == len(kinds) - 1:  # two at a time (2 cores)
            for j, k, p in running:
                out = p.communicate(timeout=120)[0].decode(errors="replace")
                if p.returncode != 0 or "has been deleted" in out:
                    failures.append(f"run {j} ({k}): exit code {p.returncode}\n{out[-3000:]}")
            running = []
    assert not failures, "\n\n".join(failures)
    # The runs did their work: the merges were saved.
    assert (tmp_path / "run0" / "cluster_group.tsv").read_text().count("good") >= 1
