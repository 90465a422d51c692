"""Every plugin of ``examples/plugins/``, installed as a user would (copied into the config
folder's ``plugins/``, enabled in ``phy_config.py``), in a real Template GUI on a small
synthetic dataset: each test checks the plugin's effect against a reference computed here."""

import numpy as np
import pytest

from phyclone.apps.demo import is_blank

from _controller_fixtures import press, type_snippet

pytestmark = pytest.mark.gl


def ids_of(c):
    return [int(x) for x in c.supervisor.clustering.cluster_ids]


def largest(c, k=1):
    """The ``k`` largest clusters, largest first."""
    return sorted(ids_of(c), key=c.supervisor.n_spikes, reverse=True)[:k]


def select(c, cluster_ids):
    c.supervisor.select(list(cluster_ids))
    c.supervisor.block()


def read_png(path):
    """(height, width, 3) uint8 pixels of a PNG file."""
    import matplotlib.pyplot as plt
    img = plt.imread(str(path))
    return (img[..., :3] * 255).round().astype(np.uint8) if img.dtype != np.uint8 \
        else img[..., :3]


def has_color(pixels, rgba, tol=40):
    """Whether some pixels are close to a colour (RGB components within ``tol``)."""
    rgb = (np.asarray(rgba[:3]) * 255).astype(int)
    return bool((np.abs(pixels.astype(int) - rgb).max(axis=-1) <= tol).any())


def spike_times(c, cluster_id):
    """Seconds of every spike of a cluster, from the model and the clustering (reference)."""
    sc = c.supervisor.clustering.spike_clusters
    return np.asarray(c.model.spike_samples)[sc == cluster_id] / c.model.sample_rate


# Columns -------------------------------------------------------------------------------------

def test_cluster_metrics(example_gui, qtbot, data_dir):
    from phyclone.utils.fileio import read_tsv
    c, gui = example_gui("cluster_metrics.py", "ExampleClusterMetricsPlugin")
    s = c.supervisor
    assert "meanisi" in s.cluster_view.columns and "meanisi" in s.similarity_view.columns

    def expected(cid):
        return np.diff(spike_times(c, cid)).mean() * 1e3

    for cid in ids_of(c):
        assert s.cluster_view.get(cid)["meanisi"] == pytest.approx(expected(cid), rel=1e-9)
    a, b = largest(c, 2)
    select(c, [a, b])
    press(qtbot, gui, "g", s)  # merge: the new cluster gets its value
    merged = s.selected[0]
    assert s.cluster_view.get(merged)["meanisi"] == pytest.approx(expected(merged), rel=1e-9)
    # Sorting by the new column orders the table by it.
    s.sort("meanisi", "asc")
    values = [s.cluster_view.get(i)["meanisi"] for i in s.cluster_view.get_ids()]
    assert values == sorted(values)
    press(qtbot, gui, "ctrl+s", s)
    rows = {r["cluster_id"]: r for r in read_tsv(data_dir / "cluster_info.tsv")}
    assert rows[merged]["meanisi"] == pytest.approx(expected(merged), rel=1e-6)


def test_waveform_metrics(example_gui):
    c, gui = example_gui("waveform_metrics.py", "ExampleWaveformMetricsPlugin")
    s = c.supervisor
    assert "trough_peak" in s.cluster_view.columns
    spike_templates = np.asarray(c.model.spike_templates)
    sc = s.clustering.spike_clusters
    for cid in ids_of(c):
        main = np.bincount(spike_templates[sc == cid]).argmax()
        t = c.model.get_template(int(main))
        best = np.ptp(t.template, axis=0).argmax()  # the channel of largest amplitude
        w = t.template[:, best]
        trough = w.argmin()
        peak = trough + w[trough:].argmax()
        assert s.cluster_view.get(cid)["trough_peak"] == pytest.approx(
            (peak - trough) / c.model.sample_rate * 1e3)


def test_custom_columns(example_gui):
    c, gui = example_gui("custom_columns.py", "ExampleCustomColumnsPlugin")
    s = c.supervisor
    assert s.cluster_view.columns == ["id", "ch", "fr", "n_spikes", "group"]
    assert s.similarity_view.columns == ["id", "ch", "fr", "n_spikes", "group", "similarity"]
    # Hidden metrics are still there for filters and for cluster_info.tsv.
    assert "amp" in s.cluster_info[0] and "depth" in s.cluster_info[0]
    amp = {cid: s.get_cluster_info(cid)["amp"] for cid in ids_of(c)}
    threshold = float(np.median(list(amp.values())))
    s.filter(f"amp > {threshold}")
    s.block()
    assert sorted(s.shown_cluster_ids) == sorted(k for k, v in amp.items() if v > threshold)
