"""Compare two extraction output folders: same JSON files, same keys, same list lengths,
numbers equal to a relative tolerance (NaN equals NaN)."""

import json
import math
from pathlib import Path

JSON_NAMES = ("features.json", "protocols.json", "holding_threshold_currents.json")


def json_files(folder):
    folder = Path(folder)
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.json")
                  if p.name in JSON_NAMES)


def _diff(a, b, where, rtol, out):
    if isinstance(a, dict) and isinstance(b, dict):
        if list(a) != list(b):
            out.append(f"{where}: keys {list(a)} != {list(b)}")
            return
        for k in a:
            _diff(a[k], b[k], f"{where}/{k}", rtol, out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{where}: lengths {len(a)} != {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, f"{where}[{i}]", rtol, out)
    elif isinstance(a, bool) or isinstance(b, bool) or a is None or b is None \
            or isinstance(a, str) or isinstance(b, str):
        if a != b:
            out.append(f"{where}: {a!r} != {b!r}")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if math.isnan(a) and math.isnan(b):
            return
        if not math.isclose(a, b, rel_tol=rtol, abs_tol=rtol * 1e-6):
            out.append(f"{where}: {a!r} != {b!r}")
    else:
        out.append(f"{where}: types {type(a).__name__} != {type(b).__name__}")


def compare_outputs(ref, ours, rtol=1e-6):
    """List of differences (empty when the folders agree)."""
    out = []
    a, b = json_files(ref), json_files(ours)
    if a != b:
        return [f"files {a} != {b}"]
    if not a:
        return ["no output file"]
    for name in a:
        _diff(json.loads((Path(ref) / name).read_text()),
              json.loads((Path(ours) / name).read_text()), name, rtol, out)
    return out
