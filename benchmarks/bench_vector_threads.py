"""How far this machine's two cores scale vectorised work: the detection filter's biquad
kernel (two sections per pass, float32, data in cache) and a scalar loop, one copy on one
thread vs two copies on two threads. The ceiling of `phy detect --jobs 2` (bench_detect.py).

    python benchmarks/bench_vector_threads.py [--repeat 3]
"""

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from scipy.signal import butter

from phyclone.detect.filters import _biquads


@numba.njit(nogil=True)
def _scalar(n):
    s = 0.
    for i in range(n):
        s += (i % 7) * 0.5
    return s


def _biquad_job(seed, reps):
    sos = butter(2, [300 / 15000, 6000 / 15000], btype="band", output="sos").astype(np.float32)
    buf = np.random.default_rng(seed).standard_normal((6600, 384)).astype(np.float32)
    z1 = np.zeros((2, 384), np.float32)
    z2 = z1.copy()

    def run():
        for _ in range(reps):
            for t0 in range(0, len(buf), 128):
                _biquads(buf, t0, min(len(buf), t0 + 128), 1, sos, z1, z2)
    return run


def _scaling(jobs):
    jobs[0]()  # compiled, caches warm
    t = time.perf_counter()
    jobs[0]()
    one = time.perf_counter() - t
    with ThreadPoolExecutor(2) as ex:
        t = time.perf_counter()
        for f in [ex.submit(j) for j in jobs]:
            f.result()
        two = time.perf_counter() - t
    return one, two, 2 * one / two


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    print("| kernel | 1 copy, 1 thread (s) | 2 copies, 2 threads (s) | scaling |")
    print("|---|---|---|---|")
    for _ in range(a.repeat):
        for name, jobs in (("biquads (float32, in cache)", [_biquad_job(i, 100) for i in range(2)]),
                           ("scalar loop", [lambda: _scalar(300_000_000)] * 2)):
            one, two, x = _scaling(jobs)
            print(f"| {name} | {one:.3f} | {two:.3f} | ×{x:.2f} |", flush=True)


if __name__ == "__main__":
    main()
