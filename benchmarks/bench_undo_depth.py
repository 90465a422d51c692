"""Undo / redo cost against the depth of the history.

Run: PYTHONPATH=. python benchmarks/bench_undo_depth.py [N_SPIKES=1e7] [N_CLUSTERS=500]

Same history as shared/compare/phy_bench_undo_depth.py: alternating merge (2 random
clusters) and split (10,000 random spikes of the largest cluster); at depths 1, 10, 50, 100
and 200, three (undo, redo) pairs are timed. phy replays the whole history on every undo;
phyclone replays only the undone record, so the cost should not grow with the depth.
"""

import statistics
import sys
import time

import numpy as np

from phyclone.clustering import Clustering


def main():
    n_spikes = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10_000_000
    n_clusters = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    rng = np.random.default_rng(0)
    cl = Clustering(rng.integers(0, n_clusters, n_spikes).astype(np.int64))
    depth = 0
    rows = []
    for target in (1, 10, 50, 100, 200):
        while depth < target:
            if depth % 2 == 0:
                a, b = rng.choice(cl.cluster_ids, 2, replace=False)
                cl.merge([int(a), int(b)])
            else:
                counts = cl.cluster_counts
                big = max(counts, key=counts.get)
                spikes = cl.spikes_per_cluster[big]
                n = min(10_000, len(spikes) - 1)
                cl.split(np.sort(rng.choice(spikes, n, replace=False)))
            depth += 1
        undo, redo = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            cl.undo()
            undo.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            cl.redo()
            redo.append(time.perf_counter() - t0)
        rows.append((target, statistics.median(undo), min(undo), statistics.median(redo)))
        print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"Undo/redo vs history depth, {n_spikes:,} spikes, {n_clusters} clusters "
          "(median of 3, ms)")
    print("| depth | undo median | undo min | redo median |")
    print("|------:|------------:|---------:|------------:|")
    for d, um, umin, rm in rows:
        print(f"| {d:5d} | {1e3 * um:11.2f} | {1e3 * umin:8.2f} | {1e3 * rm:11.2f} |")
    print("loadavg:", " ".join(open("/proc/loadavg").read().split()[:3]))


if __name__ == "__main__":
    main()
