"""Minimal two-channel (voltage, current) episodic Axon ABF 1.3 files for the reader tests:
int16 samples, channels interleaved, one synch-array entry per sweep (what neo's AxonIO
reads)."""

import struct

import numpy as np

_BLOCK = 512
_HEADER_BLOCKS = 4


def write_abf1(path, voltage, current, sample_rate, units=("mV", "pA")):
    """Write sweeps ``voltage`` and ``current`` (n_sweeps, n_points) into ``path``; returns
    the quantization step of each channel (values are stored as int16)."""
    voltage, current = np.asarray(voltage, float), np.asarray(current, float)
    n_sweeps, n_points = voltage.shape
    n_ch = 2
    n_values = n_sweeps * n_points * n_ch
    data_blocks = n_values * 2 // _BLOCK + 1
    synch = _HEADER_BLOCKS + data_blocks
    buf = bytearray((synch + n_sweeps * 8 // _BLOCK + 1) * _BLOCK)
    struct.pack_into("4s", buf, 0, b"ABF ")
    struct.pack_into("f", buf, 4, 1.3)
    struct.pack_into("h", buf, 8, 5)  # episodic, fixed length
    struct.pack_into("i", buf, 10, n_values)  # lActualAcqLength
    struct.pack_into("i", buf, 16, n_sweeps)  # lActualEpisodes
    struct.pack_into("i", buf, 40, _HEADER_BLOCKS)  # lDataSectionPtr
    struct.pack_into("i", buf, 92, synch)  # lSynchArrayPtr
    struct.pack_into("i", buf, 96, n_sweeps)  # lSynchArraySize
    struct.pack_into("h", buf, 100, 0)  # int16 samples
    struct.pack_into("h", buf, 120, n_ch)  # nADCNumChannels
    struct.pack_into("f", buf, 122, 1e6 / sample_rate / n_ch)  # µs between interleaved samples
    struct.pack_into("i", buf, 138, n_points * n_ch)  # lNumSamplesPerEpisode
    resolution, adc_range = 2 ** 15, 10.
    struct.pack_into("i", buf, 252, resolution)
    struct.pack_into("f", buf, 244, adc_range)
    steps = []
    counts = np.empty((n_sweeps, n_points, n_ch), np.int16)
    for ch, (sig, unit) in enumerate(zip((voltage, current), units)):
        per_unit = 32767 / (np.abs(sig).max() * 1.1 + 1e-9)  # counts per unit
        steps.append(1 / per_unit)
        counts[..., ch] = np.round(sig * per_unit)
        struct.pack_into("f", buf, 922 + 4 * ch, per_unit * adc_range / resolution)
        struct.pack_into("f", buf, 1050 + 4 * ch, 1.)  # fSignalGain
        struct.pack_into("f", buf, 730 + 4 * ch, 1.)  # fADCProgrammableGain
        struct.pack_into("8s", buf, 602 + 8 * ch, unit.ljust(8).encode())
        struct.pack_into("10s", buf, 442 + 10 * ch, f"IN {ch}".ljust(10).encode())
    for i in range(16):
        struct.pack_into("h", buf, 378 + 2 * i, i)  # nADCPtoLChannelMap
        struct.pack_into("h", buf, 410 + 2 * i, i if i < n_ch else -1)  # nADCSamplingSeq
    for k in range(n_sweeps):
        struct.pack_into("ii", buf, synch * _BLOCK + 8 * k, k * n_points * n_ch, n_points * n_ch)
    raw = counts.tobytes()
    buf[_HEADER_BLOCKS * _BLOCK:_HEADER_BLOCKS * _BLOCK + len(raw)] = raw
    with open(path, "wb") as f:
        f.write(buf)
    return steps
