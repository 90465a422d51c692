"""When is the cache of a dataset still valid?

Per-cluster results are cached by cluster id in ``<data dir>/.phy/``. Ids are never reused
within a dataset's history, so they stay valid across sessions, unless the dataset itself
changed behind phyclone's back (a new spike sorting run in the same folder, a script that
rewrote ``spike_clusters.npy``). ``CacheKey`` fingerprints what the cached results depend on;
a mismatch at start-up clears the cache instead of showing stale data.
"""

import numpy as np

from phyclone.session import fingerprint

_NAME = "cache_key"


class CacheKey:
    """Fingerprint of a model's spikes, templates and (saved) clustering."""

    def __init__(self, model):
        self.base = {
            "n_spikes": int(model.n_spikes),
            "n_channels": int(getattr(model, "n_channels", 0) or 0),
            "n_templates": int(getattr(model, "n_templates", 0) or 0),
            "sample_rate": float(model.sample_rate),
            "spike_samples": fingerprint(np.asarray(model.spike_samples)),
            "spike_templates": fingerprint(np.asarray(getattr(model, "spike_templates", []))),
        }
        self.spike_clusters = fingerprint(np.asarray(model.spike_clusters))

    def matches(self, context):
        """Whether the key stored in the context (if any) describes this dataset."""
        stored = context.load(_NAME)
        if not stored:
            return not any((context.cache_dir / "memcache").glob("*.pkl"))
        return stored.get("base") == self.base and \
            stored.get("spike_clusters") == self.spike_clusters

    def save(self, context, spike_clusters=None):
        """Store the key (after a save, with the saved ``spike_clusters``)."""
        if spike_clusters is not None:
            self.spike_clusters = fingerprint(np.asarray(spike_clusters))
        context.save(_NAME, {"base": self.base, "spike_clusters": self.spike_clusters})
