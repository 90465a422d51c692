"""Values of recovered spikes (mode B): how large each one is relative to its template."""

import numpy as np

from .blocks import read_filtered


def template_scales(traces, templates, j, spike_samples, filter="highpass"):
    """Least-squares scale of template ``j`` in the filtered data at each spike sample
    (``argmin_a ||data - a template||²`` on the template's channels and window): 1 for a
    spike as large as the template. float64 (n_spikes,)."""
    t = np.asarray(spike_samples, dtype=np.int64).ravel()
    chans = templates.channels[j]
    chans = chans[chans >= 0]
    tpl = np.asarray(templates.data[j][:, :len(chans)], dtype=np.float64)
    n_s = tpl.shape[0]
    off = int(templates.offsets[j])
    norm = float((tpl ** 2).sum()) or 1.
    out = np.empty(len(t))
    for i, s in enumerate(t):
        x = read_filtered(traces, s + off, s + off + n_s, chans, filter=filter)
        out[i] = float((x * tpl).sum()) / norm
    return out
