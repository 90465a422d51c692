"""Digital Butterworth filters as second-order sections, designed with numpy alone.

The coefficients are those of ``scipy.signal.butter(order, wn, btype, output="sos")``
(analog prototype, band or high-pass transform, bilinear transform, poles paired with their
nearest zeros, the sections ordered so that the poles nearest the unit circle come last),
without importing scipy.signal: it takes ~0.5 s, longer than detecting spikes in a minute
of 32 channels.
"""

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


def butter_sos(order: int, wn: ArrayLike, btype: str = "band") -> NDArray[np.float64]:
    """Second-order sections (rows ``b0 b1 b2 1 a1 a2``) of a digital Butterworth filter:
    ``btype`` "band" (``wn`` = (low, high)) or "high" (``wn`` = cut-off), frequencies as
    fractions of the Nyquist frequency."""
    order = int(order)
    wn = np.atleast_1d(np.asarray(wn, dtype=np.float64))
    if order < 1 or np.any(wn <= 0) or np.any(wn >= 1) or \
            len(wn) != (2 if btype == "band" else 1) or btype not in ("band", "high"):
        raise ValueError(f"no {btype} Butterworth filter of order {order} at {wn.tolist()} "
                         "(frequencies are fractions of Nyquist, 0 < wn < 1)")
    m = np.arange(1 - order, order, 2)
    poles = -np.exp(1j * np.pi * m / (2 * order))  # analog low-pass prototype, cut-off 1
    warped = 4 * np.tan(np.pi * wn / 2)  # pre-warped for the bilinear transform (fs = 2)
    if btype == "band":
        bw, w0 = warped[1] - warped[0], np.sqrt(warped[0] * warped[1])
        p = poles * bw / 2
        root = np.sqrt(p ** 2 - w0 ** 2)
        poles = np.concatenate([p + root, p - root])
        gain = bw ** order
    else:
        gain = np.real(1 / np.prod(-poles))
        poles = warped[0] / poles
    zeros = np.zeros(order, dtype=complex)  # at 0 in both transforms
    # bilinear transform, fs = 2
    gain = gain * np.real(np.prod(4 - zeros) / np.prod(4 - poles))
    zeros = np.concatenate([(4 + zeros) / (4 - zeros), -np.ones(len(poles) - len(zeros))])
    poles = (4 + poles) / (4 - poles)
    return _sections(zeros, poles, gain)


def band_sos(sample_rate: float, low: float, high: float | None = None, order: int = 3
             ) -> NDArray[np.float64]:
    """:func:`butter_sos` in Hz: band-pass ``[low, high]``, or high-pass at ``low`` when
    ``high`` is None or within 0.1 % of the Nyquist frequency."""
    nyq = 0.5 * float(sample_rate)
    if high is None or float(high) >= nyq * 0.999:
        return butter_sos(order, float(low) / nyq, "high")
    return butter_sos(order, [float(low) / nyq, float(high) / nyq], "band")


def _pairs_then_reals(x: NDArray[np.complex128]) -> NDArray[np.complex128]:
    """Complex values with a positive imaginary part (each averaged with its conjugate),
    then the real values; each group by real part, then by |imaginary part|."""
    tol = 100 * np.finfo(np.float64).eps
    x = x[np.lexsort((np.abs(x.imag), x.real))]
    real = np.abs(x.imag) <= tol * np.abs(x)
    reals = x[real].real
    x = x[~real]
    up, down = x[x.imag > 0], x[x.imag < 0]
    if len(up) != len(down) or np.any(np.abs(up - down.conj()) > tol * np.abs(down)):
        raise ValueError("complex values without their conjugates")
    same = np.diff(up.real) <= tol * np.abs(up[:-1])
    edges = np.diff(np.concatenate([[0], same.astype(np.int8), [0]]))
    for a, b in zip(np.flatnonzero(edges > 0), np.flatnonzero(edges < 0) + 1):
        for part in (up[a:b], down[a:b]):  # runs of one real part: by |imaginary part|
            part[...] = part[np.argsort(np.abs(part.imag), kind="stable")]
    return np.concatenate([(up + down.conj()) / 2, reals])


def _nearest(values: NDArray[np.complex128], to: np.complex128, real: bool | None) -> int:
    """Index of the value nearest ``to``: among the real ones (``real`` True), the complex
    ones (False) or all (None)."""
    order = np.argsort(np.abs(values - to), kind="stable")
    if real is None:
        return int(order[0])
    is_real = values[order].imag == 0
    return int(order[np.flatnonzero(is_real if real else ~is_real)[0]])


def _section(zeros: Sequence[complex], poles: Sequence[complex]) -> NDArray[np.float64]:
    """One row ``b0 b1 b2 a0 a1 a2`` with these (at most two) zeros and poles."""
    row = np.zeros(6)
    b, a = np.atleast_1d(np.real(np.poly(zeros))), np.atleast_1d(np.real(np.poly(poles)))
    row[3 - len(b):3] = b
    row[6 - len(a):6] = a
    return row


def _take(values: NDArray[np.complex128], i: int
          ) -> tuple[np.complex128, NDArray[np.complex128]]:
    """The value at ``i`` and the others."""
    return values[i], np.delete(values, i)


def _sections(zeros: NDArray[np.complex128], poles: NDArray[np.complex128], gain: float
              ) -> NDArray[np.float64]:
    """Second-order sections of a zero-pole-gain filter: built from the last, each from the
    remaining pole nearest the unit circle (with its conjugate, or the real pole nearest
    the circle) and the zeros nearest it; the gain goes into the first section."""
    n = max(len(zeros), len(poles))
    zeros = np.concatenate([zeros, np.zeros(n - len(zeros))]).astype(complex)
    poles = np.concatenate([poles, np.zeros(n - len(poles))]).astype(complex)
    n_sections = (n + 1) // 2
    if n % 2:
        zeros, poles = np.append(zeros, 0), np.append(poles, 0)
    zeros, poles = _pairs_then_reals(zeros), _pairs_then_reals(poles)
    sos = np.zeros((n_sections, 6))
    for i in range(n_sections - 1, -1, -1):
        p1, poles = _take(poles, int(np.argmin(np.abs(1 - np.abs(poles)))))
        real_poles = poles.imag == 0
        if p1.imag == 0 and not real_poles.any():  # the last real pole
            z1, zeros = _take(zeros, _nearest(zeros, p1, True))
            sos[i] = _section([z1, 0], [p1, 0])
        elif (len(poles) + 1 == len(zeros) and p1.imag != 0 and real_poles.sum() == 1
              and (zeros.imag == 0).sum() == 1):  # one real pole and zero left for later
            z1, zeros = _take(zeros, _nearest(zeros, p1, False))
            sos[i] = _section([z1, z1.conj()], [p1, p1.conj()])
        else:
            if p1.imag == 0:
                reals = np.flatnonzero(real_poles)
                p2, poles = _take(poles, int(reals[np.argmin(np.abs(np.abs(poles[reals]) - 1))]))
            else:
                p2 = p1.conj()
            if not len(zeros):
                sos[i] = _section([], [p1, p2])
                continue
            z1, zeros = _take(zeros, _nearest(zeros, p1, None))
            if z1.imag != 0:
                sos[i] = _section([z1, z1.conj()], [p1, p2])
            elif len(zeros):
                z2, zeros = _take(zeros, _nearest(zeros, p1, True))
                sos[i] = _section([z1, z2], [p1, p2])
            else:
                sos[i] = _section([z1], [p1, p2])
    sos[0, :3] *= gain
    return sos
