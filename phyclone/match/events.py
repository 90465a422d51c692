"""The events matched: the model's spikes and their max channels (no numba import)."""

import numpy as np


def event_max_channels(model):
    """The max channel of every spike: ``spike_max_channels.npy`` (from ``phy detect``), else
    the peak channel of its template, else (Kwik) the channel of largest mask."""
    attrs = getattr(model, "spike_attributes", None) or {}
    if "max_channels" in attrs:
        return np.asarray(attrs["max_channels"], dtype=np.int64).reshape(-1)
    if getattr(model, "masks", None) is not None and getattr(model, "features", None) is not None:
        from phyclone.io.kwik_export import max_channels_from_masks
        return max_channels_from_masks(model.masks, model.features)
    tc = getattr(model, "templates_channels", None)
    if tc is None:
        raise ValueError("the folder has neither spike_max_channels.npy nor templates.npy: "
                         "the spikes' max channels are unknown")
    return np.asarray(tc, dtype=np.int64)[np.asarray(model.spike_templates, dtype=np.int64)]


def can_match(model):
    """Whether a model has what matching needs: raw data and the spikes' max channels."""
    attrs = getattr(model, "spike_attributes", None) or {}
    return getattr(model, "traces", None) is not None and (
        "max_channels" in attrs or getattr(model, "sparse_templates", None) is not None
        or (getattr(model, "masks", None) is not None
            and getattr(model, "features", None) is not None))
