"""Text summary of a Kwik dataset (``phy kwik-describe``)."""

from collections import defaultdict
from pathlib import Path


def describe(model):
    """The summary of a ``KwikModel``: files, recordings, channel groups, clusterings (the
    current ones starred), spikes, clusters, features, waveforms and warnings."""
    def mark(items, current):
        return ", ".join(f"{x}{'*' if x == current else ''}" for x in items)
    groups = defaultdict(int)
    for gname in model.cluster_groups.values():
        groups[gname] += 1
    fm = model.features_masks
    rows = [
        ("Kwik file", str(model.kwik_path)),
        ("Recordings", f"{model.n_recordings} (start samples "
                       f"{model.recording_offsets.tolist()})"),
        ("Raw data", ", ".join(Path(s).name if s else "missing" for s in model.raw_data_files)),
        ("Channel groups", mark(model.channel_groups, model.channel_group)),
        ("Clusterings", mark(model.clusterings, model.clustering) or "none"),
        ("Channels", f"{model.n_channels} {model.channel_order.tolist()}"),
        ("Sample rate", f"{model.sample_rate:g} Hz"),
        ("Duration", f"{model.duration:.2f} s"),
        ("Spikes", f"{model.n_spikes}"),
        ("Clusters", f"{model.n_clusters}"),
        ("Cluster groups", ", ".join(f"{k}: {v}" for k, v in sorted(groups.items()))),
        ("Features", f"{fm.shape} ({model.n_features_per_channel} per channel)"
         if fm is not None else "none"),
        ("Waveforms", f"{model.n_samples_waveforms} samples" if model.waveforms is not None
         else "none"),
    ]
    lines = [f"{k:<16}{v}" for k, v in rows]
    lines += [f"{'Warning':<16}{w}" for w in model.warnings]
    return "\n".join(lines)


def kwik_describe(kwik_path, channel_group=None, clustering=None):
    """Print the summary of a Kwik dataset (phy's ``kwik_describe``)."""
    from phyclone.io.kwik.model import KwikModel
    with KwikModel(kwik_path, channel_group=channel_group, clustering=clustering) as model:
        print(describe(model))
