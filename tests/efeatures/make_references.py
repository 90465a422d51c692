"""Regenerate tests/data/efeatures/ with bluepyefe (peer venv, PHYCLONE_PEER_BPE).

    python tests/efeatures/make_references.py
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # _shared_data

from cases import REFERENCE_DIR, cases, job, make_inputs  # noqa: E402
from compare import json_files  # noqa: E402
from _shared_data import peer_venv  # noqa: E402


def peer_python():
    return peer_venv("bpe", "PHYCLONE_PEER_BPE") / "bin" / "python"


def run_peer(job_dict, workdir):
    path = Path(workdir) / "job.json"
    path.write_text(json.dumps(job_dict))
    out = subprocess.run([str(peer_python()), str(HERE / "peer_runner.py"),
                          "bluepyefe.extract", str(path)], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    with tempfile.TemporaryDirectory() as tmp:
        inputs = make_inputs(Path(tmp) / "inputs")
        for name in cases():
            out = Path(tmp) / "bpe" / name
            run_peer(job(name, inputs, out), tmp)
            dest = REFERENCE_DIR / name
            shutil.rmtree(dest, ignore_errors=True)
            for rel in json_files(out):
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(out / rel, dest / rel)
            print(name, len(json_files(out)), "files")


if __name__ == "__main__":
    main()
