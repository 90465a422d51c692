"""Timings of the utilities on the hot paths: atomic saves, TSV tables, cluster colours.

Run: PYTHONPATH=. python benchmarks/bench_utils.py
"""

import tempfile
import time
from pathlib import Path

import numpy as np

from phyclone.utils import read_python, read_tsv, save_npy, write_tsv
from phyclone.utils.colors import ClusterColorSelector, colormaps, spike_colors


def timeit(f, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def main():
    rng = np.random.default_rng(0)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        sc = rng.integers(0, 500, 10_000_000).astype(np.int32)
        rows.append(("save_npy 1e7 int32 (atomic + fsync)",
                     timeit(lambda: save_npy(d / "spike_clusters.npy", sc))))
        rows.append(("np.save 1e7 int32 (plain, no fsync)",
                     timeit(lambda: np.save(d / "plain.npy", sc))))

        n = 10_000
        info = [{"cluster_id": i, "group": "good", "fr": rng.uniform(0, 50),
                 "amp": rng.uniform(10, 500), "depth": rng.uniform(0, 3840),
                 "n_spikes": int(rng.integers(10, 10**5)), "ch": int(rng.integers(384))}
                for i in range(n)]
        path = d / "cluster_info.tsv"
        rows.append(("write_tsv 10k clusters x 7 fields (8 sig. fig.)", timeit(
            lambda: write_tsv(path, info, first_field="cluster_id", n_significant_figures=8))))
        rows.append(("read_tsv 10k clusters x 7 fields", timeit(lambda: read_tsv(path))))

        (d / "params.py").write_text("dat_path = r'C:\\data\\rec.dat'\nn_channels_dat = 385\n"
                                     "dtype = 'int16'\noffset = 0\nsample_rate = 30000.\n"
                                     "hp_filtered = False\n")
        rows.append(("read_python params.py", timeit(lambda: read_python(d / "params.py"))))

    t = time.perf_counter()
    colormaps["default"]
    rows.append(("build the 256-colour palette (once)", time.perf_counter() - t))
    ids = np.arange(10_000)
    groups = {int(i): ["good", "mua", "noise", None][i % 4] for i in ids}
    fr = rng.lognormal(1, 1, len(ids))
    sel = ClusterColorSelector("group", cluster_ids=ids, cluster_labels={"group": groups},
                               cluster_metrics={"fr": lambda c: fr[c]})
    rows.append(("get_colors 10k clusters, group label", timeit(lambda: sel.get_colors(ids))))
    sel.set_color_mapping("fr")
    rows.append(("get_colors 10k clusters, log firing rate", timeit(lambda: sel.get_colors(ids))))
    rows.append(("set_cluster_ids 10k clusters (range)", timeit(lambda: sel.set_cluster_ids(ids))))
    spikes = rng.integers(0, 20, 1_000_000)
    rows.append(("spike_colors 1e6 spikes, 5 selected",
                 timeit(lambda: spike_colors(spikes, [1, 3, 5, 7, 9]))))

    width = max(len(r[0]) for r in rows)
    print(f"{'operation':<{width}}  time (ms)")
    for name, t in rows:
        print(f"{name:<{width}}  {1000 * t:9.1f}")


if __name__ == "__main__":
    main()
