"""Clustering actions on a large assignment: construction, merge, splits, assign, undo, redo.

Run: PYTHONPATH=. python benchmarks/bench_clustering.py [N_SPIKES=1e7] [N_CLUSTERS=500] [REPS=5]

Same data as shared/compare/phy_bench_clustering.py (uniform random assignment, seed 0):
"curated" = 1,500 clusters with int32 ids up to 10,000; merge = 2 random clusters; split one = 10,000 random spikes of the largest cluster; split
spread = 10,000 random spikes of the whole recording (every cluster loses a few spikes and gets
a new id); assign = 10,000 random spikes into 4 relative clusters. Undo/redo are timed right
after each split. Deferred costs are listed separately: the first read of ``spike_clusters``
after a change (O(n_spikes)), of the new cluster's spike ids, and of ``up.spike_ids``.
"""

import statistics
import sys
import time
from operator import attrgetter

import numpy as np

from phyclone.clustering import Clustering


def timed(f, *args):
    t0 = time.perf_counter()
    out = f(*args)
    return time.perf_counter() - t0, out


def largest_cluster_spikes(cl, rng, n=10_000):
    counts = cl.cluster_counts
    big = max(counts, key=counts.get)
    spikes = cl.spikes_per_cluster[big]
    return np.sort(rng.choice(spikes, min(n, len(spikes) - 1), replace=False))


def main():
    n_spikes = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10_000_000
    n_clusters = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    rng = np.random.default_rng(0)
    spike_clusters = rng.integers(0, n_clusters, n_spikes).astype(np.int64)
    # A curated folder: 3x more clusters than templates, sparse ids up to 20x n_clusters.
    ids = rng.choice(20 * n_clusters, 3 * n_clusters, replace=False)
    curated = ids[rng.integers(0, len(ids), n_spikes)].astype(np.int32)
    res = {}

    def add(name, dt):
        res.setdefault(name, []).append(dt)

    for _ in range(reps):
        dt, cl = timed(Clustering, curated)
        add("construct (curated: 3x clusters, sparse int32 ids)", dt)
        del cl
        dt, cl = timed(Clustering, spike_clusters)
        add("construct", dt)
        ids = cl.cluster_ids
        a, b = rng.choice(ids, 2, replace=False)
        dt, up = timed(cl.merge, [int(a), int(b)])
        add("merge 2 clusters", dt)
        dt, _ = timed(cl.undo)
        add("undo merge", dt)
        dt, _ = timed(cl.redo)
        add("redo merge", dt)

        spikes = largest_cluster_spikes(cl, rng)
        dt, up = timed(cl.split, spikes)
        add("split 10k from one cluster", dt)
        dt, _ = timed(cl.undo)
        add("undo split (one cluster)", dt)
        dt, _ = timed(cl.redo)
        add("redo split (one cluster)", dt)

        spikes = np.sort(rng.choice(n_spikes, 10_000, replace=False))
        dt, up = timed(cl.split, spikes)
        add("split 10k spread over all clusters", dt)
        assert len(up.deleted) == cl.n_clusters - 1 or len(up.deleted) > 0.9 * n_clusters
        new = up.added[0]
        dt, _ = timed(attrgetter("spike_clusters"), cl)
        add("(deferred) first spike_clusters read", dt)
        dt, _ = timed(lambda c, k: c.spikes_per_cluster[k], cl, up.added[1])
        add("(deferred) first spikes_per_cluster[remainder]", dt)
        dt, _ = timed(attrgetter("spike_ids"), up)
        add("(deferred) first up.spike_ids (all spikes)", dt)
        dt, _ = timed(cl.undo)
        add("undo split (spread)", dt)
        dt, _ = timed(cl.redo)
        add("redo split (spread)", dt)
        assert np.array_equal(cl.spikes_per_cluster[new], spikes)

        spikes = np.sort(rng.choice(n_spikes, 10_000, replace=False))
        dt, _ = timed(cl.assign, spikes, rng.integers(0, 4, len(spikes)))
        add("assign 10k spread, 4 new clusters", dt)
        dt, _ = timed(cl.undo)
        add("undo assign", dt)
        del cl, up  # keep the memory high-water mark flat across repetitions
        print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)

    print(f"Clustering, {n_spikes:,} spikes, {n_clusters} clusters, median (min) of {reps}")
    print(f"| {'operation':<48} | {'median ms':>10} | {'min ms':>8} |")
    print(f"|{'-' * 50}|{'-' * 12}:|{'-' * 9}:|")
    for name, v in res.items():
        print(f"| {name:<48} | {1e3 * statistics.median(v):10.2f} | {1e3 * min(v):8.2f} |")
    print("loadavg:", " ".join(open("/proc/loadavg").read().split()[:3]))


if __name__ == "__main__":
    main()
