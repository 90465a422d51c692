"""Rheobase strategies: the smallest current that makes a cell spike."""

import logging

import numpy as np

logger = logging.getLogger(__name__)


def _get_list_spiking_amplitude(cell, protocols_rheobase):
    """Amplitudes and spike counts of the cell's rheobase-protocol sweeps, by amplitude."""
    pairs = []
    for rec in cell.recordings:
        if rec.protocol_name in protocols_rheobase and rec.spikecount is not None:
            pairs.append((rec.amp, rec.spikecount))
            if rec.amp < 0.01 and rec.spikecount >= 1:
                logger.warning(
                    f"A recording of cell {cell.name} protocol {rec.protocol_name} shows "
                    "spikes at a suspiciously low current in a trace from file "
                    f"{rec.files}. Check that the ton and toff are correct or for the "
                    "presence of unwanted spikes.")
    if not pairs:
        return [], []
    amps, counts = zip(*sorted(pairs))
    return amps, counts


def compute_rheobase_absolute(cell, protocols_rheobase, spike_threshold=1):
    """Lowest amplitude with at least ``spike_threshold`` spikes."""
    for amp, count in zip(*_get_list_spiking_amplitude(cell, protocols_rheobase)):
        if count >= spike_threshold:
            cell.rheobase = amp
            break


def compute_rheobase_flush(cell, protocols_rheobase, flush_length=1,
                           upper_bound_spikecount=None):
    """Lowest spiking amplitude followed by ``flush_length`` spiking sweeps (ignores
    isolated spurious spikes); stops at a sweep with more than ``upper_bound_spikecount``."""
    amps, counts = _get_list_spiking_amplitude(cell, protocols_rheobase)
    for i, amp in enumerate(amps):
        if upper_bound_spikecount is not None and counts[i] > upper_bound_spikecount:
            break
        if counts[i]:
            end = min(i + 1 + flush_length, len(amps))
            if np.count_nonzero(counts[i + 1:end]) == flush_length:
                cell.rheobase = amp
                break


def compute_rheobase_majority_bin(cell, protocols_rheobase, min_step=0.01, majority=0.5):
    """Centre of the first amplitude bin (width ``min_step``) where at least ``majority``
    of the sweeps spike. A sweep of ``np.digitize`` bin k is counted in bin k - 1 (as
    bluepyefe does), so the bins are looked at one step late."""
    amps, counts = _get_list_spiking_amplitude(cell, protocols_rheobase)
    if not len(amps):
        raise ValueError(f"Cell {cell.name}: no recording of the protocols "
                         f"{list(protocols_rheobase)} to compute the rheobase from (strategy "
                         "'majority'); check protocols_rheobase against the protocol names of "
                         "files_metadata")
    bins = np.arange(min(amps), max(amps), min_step)
    which = np.digitize(amps, bins, right=False)
    spiking = np.asarray(counts, dtype=bool)
    for i, edge in enumerate(bins):
        sel = spiking[which == i]
        frac = sel.mean() if sel.size else np.nan
        if frac >= majority:
            cell.rheobase = edge + min_step / 2.
            break


def compute_rheobase_interpolation(cell, protocols_rheobase):
    """Amplitude at one spike on a straight line fitted to spike count → amplitude, from
    the last non-spiking sweep before spiking starts."""
    amps, counts = _get_list_spiking_amplitude(cell, protocols_rheobase)
    idx = next((i for i in range(len(amps) - 1) if not counts[i] and counts[i + 1]), None)
    if idx is None:
        return
    amps, counts = amps[idx:], counts[idx:]
    try:
        fit = np.poly1d(np.polyfit(counts, amps, deg=1))
    except Exception:
        logger.error(f"Rheobase interpolation did not converge on cell {cell.name}")
        return
    cell.rheobase = fit(1)


RHEOBASE_STRATEGIES = {
    "absolute": compute_rheobase_absolute,
    "flush": compute_rheobase_flush,
    "majority": compute_rheobase_majority_bin,
    "interpolation": compute_rheobase_interpolation,
}
