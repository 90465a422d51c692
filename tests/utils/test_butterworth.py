"""Butterworth second-order sections designed with numpy alone: the coefficients of
scipy.signal.butter, bit for bit, and scipy.signal never imported by detection."""

import itertools
import subprocess
import sys

import numpy as np
import pytest
from scipy.signal import butter, sosfreqz

from phyclone.utils.butterworth import band_sos, butter_sos


@pytest.mark.parametrize("order", range(1, 9))
def test_same_sections_as_scipy(order):
    for fs in (1000., 20000., 25000., 30000., 32000.):
        nyq = fs / 2
        for low, high in itertools.product((1., 150., 300., 2000.), (400., 6000., 9000.)):
            if low < high < nyq:
                wn = [low / nyq, high / nyq]
                assert np.array_equal(butter_sos(order, wn, "band"),
                                      butter(order, wn, btype="band", output="sos"))
        for cut in (1., 150., 300., 2000.):
            if cut < nyq:
                assert np.array_equal(butter_sos(order, cut / nyq, "high"),
                                      butter(order, cut / nyq, btype="high", output="sos"))


def test_response_is_butterworths():
    sos = butter_sos(3, [300 / 15000, 6000 / 15000], "band")
    w, h = sosfreqz(sos, worN=[300., 6000., np.sqrt(300 * 6000.)], fs=30000.)
    assert np.allclose(np.abs(h), [2 ** -.5, 2 ** -.5, 1.], atol=1e-3)
    sos = butter_sos(4, 150 / 15000, "high")
    w, h = sosfreqz(sos, worN=[150., 10000.], fs=30000.)
    assert np.allclose(np.abs(h), [2 ** -.5, 1.], atol=1e-3)


@pytest.mark.parametrize("order, wn, btype", [
    (0, .1, "high"), (3, 1., "high"), (3, [.2, .1, .3], "band"), (3, .1, "band"),
    (3, [.1, .2], "low"), (3, -.1, "high")])
def test_bad_designs_are_refused(order, wn, btype):
    with pytest.raises(ValueError, match="Butterworth"):
        butter_sos(order, wn, btype)


def test_detection_does_not_import_scipy_signal(tmp_path):
    code = (
        "import sys, numpy as np\n"
        "from phyclone.detect import detect\n"
        "x = np.random.default_rng(0).normal(0, 20, (30000, 4))\n"
        "x[np.arange(300, 30000, 600)[:, None] + np.arange(-2, 3), 1] -= 400\n"
        f"x.astype(np.int16).tofile(r'{tmp_path}/r.dat')\n"
        f"np.save(r'{tmp_path}/p.npy', np.c_[np.zeros(4), np.arange(4) * 20.])\n"
        f"ev = detect(r'{tmp_path}/r.dat', probe=r'{tmp_path}/p.npy', n_channels=4,\n"
        f"            sample_rate=30000., dtype='int16', out_dir=r'{tmp_path}/o')\n"
        "print(len(ev.times), 'scipy.signal' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert int(out[0]) >= 45 and out[1] == "False"



def test_band_sos_in_hz():
    band = butter(3, [300 / 15000, 6000 / 15000], btype="band", output="sos")
    high = butter(3, 300 / 15000, btype="high", output="sos")
    assert np.array_equal(band_sos(30000., 300., 6000., 3), band)
    assert np.array_equal(band_sos(30000., 300., None, 3), high)
    assert np.array_equal(band_sos(30000., 300., 14990., 3), high)  # at Nyquist: high-pass
