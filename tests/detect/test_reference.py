"""The common median reference's kernels against numpy: one row (buckets), rows in a
sequence (pivots from the previous row's median), the keys the pivots count with."""

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from phyclone.detect.reference import BUCKETED, _key, _median, _pivoted, _row_medians

KINDS = ["normal", "ties", "outlier", "two", "tiny", "halves", "powers"]


def _rows(draw_kind, n, rng):
    """A row of ``n`` float32 values of some kind met in filtered data, and harder ones."""
    x = rng.normal(0, 30, n)
    if draw_kind == "ties":  # few distinct values, signed zeros
        x = np.round(x / 20) * 20 * np.where(rng.random(n) < .5, -1, 1)
    elif draw_kind == "outlier":  # a saturated channel stretches the range
        x[rng.integers(n)] = 1e7
    elif draw_kind == "two":  # two distant clusters
        x = np.where(rng.random(n) < .5, -1e30, 1e30) + rng.normal(0, 1, n)
    elif draw_kind == "tiny":  # a range below float32's resolution of the bucket scale
        x = 1e-30 * rng.normal(0, 1, n)
    elif draw_kind == "halves":  # the two middle values (n even) far apart
        x[n // 2:] = 1e6 + np.arange(n - n // 2)
    elif draw_kind == "powers":  # values over orders of magnitude: buckets make little progress
        x = 2.0 ** -rng.integers(0, 120, n)
    return x.astype(np.float32)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 400), kind=st.sampled_from(["normal", "ties", "outlier", "two", "tiny",
                                                    "halves", "powers"]),
       seed=st.integers(0, 2 ** 32 - 1))
def test_median_is_numpys(n, kind, seed):
    v = _rows(kind, n, np.random.default_rng(seed))
    want = np.float64(np.median(v))  # (float32 mean of the two middle values when n is even)
    got = _median(v.copy(), np.empty(n, np.float32), np.empty(n, np.int32),
                  np.empty(max(16, n), np.int32))
    assert got == want


@settings(max_examples=200, deadline=None)
@given(arrays(np.float32, st.integers(1, 300), elements=st.floats(
    width=32, allow_nan=False, allow_infinity=False, allow_subnormal=False)))
def test_median_is_numpys_on_any_floats(v):
    got = _median(v.copy(), np.empty(len(v), np.float32), np.empty(len(v), np.int32),
                  np.empty(max(16, len(v)), np.int32))
    assert got == np.float64(np.median(v))


@numba.njit
def _numba_median(v):
    return np.median(v)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_median_of_a_row_with_a_non_finite_value_is_numbas(bad):
    v = np.random.default_rng(3).normal(0, 1, 99).astype(np.float32)
    v[7] = bad
    got = _median(v.copy(), np.empty(99, np.float32), np.empty(99, np.int32),
                  np.empty(99, np.int32))
    np.testing.assert_equal(got, _numba_median(v.copy()))


def _keys(v):
    """The keys of float32 ``v``, computed with numpy (an independent :func:`_key`)."""
    bits = np.asarray(v, np.float32).view(np.int32)
    k = bits ^ ((bits >> 31) & np.int32(0x7FFFFFFF))
    return np.where(k == -1, 0, k).astype(np.int32)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float32, st.integers(2, 200), elements=st.floats(width=32, allow_nan=False)))
def test_keys_order_as_the_values(v):
    k = _keys(v)
    assert np.array_equal(k[:, None] < k[None, :], v[:, None] < v[None, :])
    assert np.array_equal(k[:, None] == k[None, :], v[:, None] == v[None, :])
    assert all(_key(b) == kk for b, kk in zip(v.view(np.int32)[:5], k[:5]))  # the kernel's


def _sequence(kind, n_rows, n, rng):
    """Rows of ``n`` values whose median moves like a common-mode signal (``walk``),
    jumps (``jumps``), or rows of the single-row kinds one after another."""
    if kind in ("walk", "jumps"):
        x = rng.normal(0, 15, (n_rows, n))
        step = rng.normal(0, 1 if kind == "walk" else 40, n_rows)
        return (x + np.cumsum(step)[:, None]).astype(np.float32)
    kinds = KINDS if kind == "mixed" else [kind]
    return np.stack([_rows(kinds[i % len(kinds)], n, rng) for i in range(n_rows)])


@settings(max_examples=150, deadline=None)
@given(n=st.one_of(st.integers(1, 80), st.integers(BUCKETED + 1, 400)),
       n_rows=st.integers(1, 60), kind=st.sampled_from(["walk", "jumps", "mixed"] + KINDS),
       subset=st.booleans(), seed=st.integers(0, 2 ** 32 - 1))
def test_row_medians_are_numpys(n, n_rows, kind, subset, seed):
    rng = np.random.default_rng(seed)
    x = _sequence(kind, n_rows, n + 3, rng)
    keep = (np.sort(rng.choice(n + 3, n, replace=False)) if subset else np.arange(n))
    got = np.empty(n_rows)
    _row_medians(x, keep.astype(np.int64), got)
    want = np.median(x[:, keep], axis=1).astype(np.float64)  # (float32 like numba's)
    assert np.array_equal(got, want)


def test_row_medians_after_a_row_with_a_non_finite_value():
    x = _sequence("walk", 40, 300, np.random.default_rng(5))
    x[10, 7], x[11, 3], x[20, :] = np.nan, np.inf, -np.inf
    got = np.empty(40)
    _row_medians(x, np.arange(300), got)
    want = np.array([_numba_median(r.copy()) for r in x])
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("n", [65, 128, 384])
def test_pivots_settle_most_rows_of_a_drifting_signal(n):
    """The pivots find the middle values of a row whose median moved from the previous
    one's, in a few passes: the rows they settle are right, and they settle most."""
    x = _sequence("walk", 400, n, np.random.default_rng(n))
    half = n >> 1
    r_lo, r_hi = (half, half) if n & 1 else (half - 1, half)
    word = np.empty(1, np.int32)
    found, gap = 0, float(np.ptp(x[0])) / n / 4
    for t in range(1, len(x)):
        ok, a, c, gap = _pivoted(_keys(x[t]), np.float32(np.median(x[t - 1])), gap, r_lo,
                                 r_hi, word)
        if ok:
            s = np.sort(x[t])
            assert (a, c) == (s[r_lo], s[r_hi])
            found += 1
    assert found > .85 * (len(x) - 1)
