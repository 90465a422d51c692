"""E-feature extraction: bluepyefe 2.3.63 (peer venv) and phyclone.efeatures side by side on
the same synthetic sweeps (HH cells, IDRest / IV / APWaveform steps as lccr text files).

Run: PYTHONPATH=. python benchmarks/bench_efeatures.py [--n-cells 8] [--data DIR]
     [--peer DIR] [--reps 1]

End to end = read + rheobase + features + the JSON files (extract_efeatures with
write_files=True, extract_per_cell=True), each run in a fresh process, timed inside it
(interpreter start and imports excluded). phyclone: one worker (the built-in map) and two
workers (joblib processes; the pool is started and warmed before timing). Every output file
of every phyclone run is checked against bluepyefe's (1e-6 relative).

Each of the 2 workers runs in a session of its own (``--shared-session`` to not): Linux
shares CPU time per session (autogroup), so on a machine busy with other sessions two
workers of one session would split one share and never run at once.
"""

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _paths import peer_venv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests" / "efeatures"
sys.path.insert(0, str(TESTS))

OURS = """
import json, sys, time
sys.path.insert(0, {tests!r})
import peer_runner
from phyclone.efeatures import joblib_map
job = json.load(open(sys.argv[1]))
n_jobs = int(sys.argv[2])
own_session = sys.argv[3] == "1"
m = map
if n_jobs > 1:
    m = joblib_map(n_jobs)
    # start the workers, import phyclone.efeatures (each worker in its own session)
    warm = peer_runner.warm_own_session if own_session else peer_runner.warm
    for _ in range(10):
        if len(set(m(warm, range(4 * n_jobs)))) == n_jobs or not own_session:
            break
spent = [0.]
job["options"]["map_function"] = peer_runner.cpu_timed_map(m, spent)
c0 = time.process_time()
wall = peer_runner.run("phyclone.efeatures", job)
main_cpu = time.process_time() - c0 - (spent[0] if n_jobs == 1 else 0.)
print(spent[0], main_cpu)  # CPU s of the per-cell tasks, of the rest in the main process
print(wall)
"""


def timed(cmd, cpu=None):
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{out.stderr[-3000:]}")
    lines = out.stdout.strip().splitlines()
    if cpu is not None:
        cpu.append(tuple(map(float, lines[-2].split())))
    return float(lines[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n-cells", type=int, default=8)
    p.add_argument("--data", type=Path,
                   default=Path.home() / ".cache" / "phyclone" / "bench" / "efeatures")
    p.add_argument("--peer", type=Path,
                   default=peer_venv("bpe", "PHYCLONE_PEER_BPE"))
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--no-peer", action="store_true", help="phyclone only (1 vs 2 workers)")
    p.add_argument("--shared-session", action="store_true",
                   help="leave the workers in the benchmark's session (by default each "
                        "worker gets its own, see README)")
    args = p.parse_args()

    from cases import relative_targets
    from compare import compare_outputs, json_files
    from phyclone.efeatures.synthetic import make_dataset

    data = args.data / f"{args.n_cells}cells"
    md_path = data / "files_metadata.json"
    if not md_path.exists():
        print(f"writing the sweeps of {args.n_cells} cells into {data} ...", flush=True)
        make_dataset(data, n_cells=args.n_cells, seed=1)
    files_metadata = json.loads(md_path.read_text())
    n_sweeps = sum(len(e[0]["amplitudes"]) for c in files_metadata.values() for e in c.values())
    peer_python = args.peer / "bin" / "python"
    have_peer = peer_python.exists() and not args.no_peer
    if not have_peer:
        print(f"(bluepyefe not run: --no-peer or no venv at {args.peer})")

    options = {"targets": relative_targets(), "protocols_rheobase": ["IDRest"],
               "write_files": True, "extract_per_cell": True}
    runner = str(TESTS / "peer_runner.py")
    times = {"bluepyefe": [], "phyclone 1 worker": [], "phyclone 2 workers": []}
    cpu = {"phyclone 1 worker": [], "phyclone 2 workers": []}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        script = tmp / "ours.py"
        script.write_text(OURS.format(tests=str(TESTS)))

        def job(name):
            path = tmp / f"{name}.json"
            path.write_text(json.dumps({"output_directory": str(tmp / name),
                                        "files_metadata": files_metadata,
                                        "options": options}))
            return str(path)

        for _ in range(args.reps):
            if have_peer:
                times["bluepyefe"].append(timed([str(peer_python), runner,
                                                 "bluepyefe.extract", job("bpe")]))
            own = "0" if args.shared_session else "1"
            times["phyclone 1 worker"].append(timed([sys.executable, str(script),
                                                     job("ours1"), "1", own],
                                                    cpu["phyclone 1 worker"]))
            times["phyclone 2 workers"].append(timed([sys.executable, str(script),
                                                      job("ours2"), "2", own],
                                                     cpu["phyclone 2 workers"]))
        if have_peer:
            for name in ("ours1", "ours2"):
                diffs = compare_outputs(tmp / "bpe", tmp / name)
                assert not diffs, f"{name} differs from bluepyefe: {diffs[:5]}"
            print(f"outputs identical to bluepyefe (1e-6 rel.): "
                  f"{len(json_files(tmp / 'bpe'))} JSON files")

    print(f"\n{args.n_cells} cells, {n_sweeps} sweeps, {len(options['targets'])} targets "
          f"(best of {args.reps})\n")
    best = {k: min(v) for k, v in times.items() if v}
    print(f"{'run':<22}{'time (s)':>10}{'vs bluepyefe':>14}{'vs 1 worker':>13}")
    for k, t in best.items():
        vs_bpe = f"{best['bluepyefe'] / t:.1f}x" if "bluepyefe" in best else "-"
        vs_one = f"{best['phyclone 1 worker'] / t:.2f}x" if k.startswith("phyclone") else ""
        print(f"{k:<22}{t:>10.2f}{vs_bpe:>14}{vs_one:>13}")
    if args.reps > 1:
        print("\nall runs:", {k: [round(x, 2) for x in v] for k, v in times.items()})
    # CPU of the phyclone runs: the per-cell tasks (wherever they ran) and the rest of the
    # main process. Equal task CPU means no parallel overhead; then on 2 free cores the
    # 2-worker run would take tasks / 2 + main.
    print("\nCPU s (tasks, main process):",
          {k: [(round(a, 2), round(b, 2)) for a, b in v] for k, v in cpu.items()})
    one = min(sum(x) for x in cpu["phyclone 1 worker"])
    two = min(x[0] / 2 + x[1] for x in cpu["phyclone 2 workers"])
    print(f"2 workers vs 1 on 2 free cores, from CPU times: {one / two:.2f}x")


if __name__ == "__main__":
    main()
