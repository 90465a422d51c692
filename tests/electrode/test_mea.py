"""phyclone.electrode: MEA, safe .prb loading, built-in probes."""

from pathlib import Path

import numpy as np
import pytest

from phyclone.electrode import MEA, edges_to_adjacency, linear_positions, list_probes, load_probe
from phyclone.utils.errors import DataError

DATA = Path(__file__).resolve().parents[1] / "data" / "klusta_16ch"


def test_mea_without_probe():
    mea = MEA(channels=[3, 1, 2], positions=[[0, 0], [0, 1], [0, 2]], adjacency={1: {2}})
    assert mea.n_channels == 3 and mea.channels.tolist() == [3, 1, 2]
    assert mea.positions.shape == (3, 2) and mea.channel_groups == []
    with pytest.raises(ValueError):
        MEA(channels=[0, 1], positions=[[0, 0]])
    with pytest.raises(ValueError):
        mea.change_channel_group(0)


def test_klusta_prb_two_shanks():
    mea = load_probe(DATA / "synth.prb")
    assert mea.channel_groups == [0, 1] and mea.channel_group == 0
    assert mea.channels.tolist() == list(range(8))
    np.testing.assert_array_equal(mea.positions[:3], [[-8, 0], [8, 20], [-8, 40]])
    mea.change_channel_group(1)
    assert mea.channels.tolist() == [13, 9, 14, 8, 12, 10, 11]
    np.testing.assert_array_equal(mea.positions[0], [192, 0])
    assert mea.channels_per_group[0] == list(range(8))
    # Adjacency of the whole probe; channel 15 (dead) has no neighbour.
    assert mea.adjacency[13] == {9, 14} and 15 not in mea.adjacency
    edges = {tuple(e) for e in mea.adjacency_graph.tolist()}
    assert (9, 13) in edges and all(a in mea.channels and b in mea.channels for a, b in edges)
    with pytest.raises(ValueError, match="unknown channel group"):
        mea.change_channel_group(5)


def test_adjacency_graph_drops_dead_channels():
    probe = {"channel_groups": {0: {"channels": [0, 1, 3], "graph": [(0, 1), (1, 2), (2, 3)],
                                    "geometry": {0: (0, 0), 1: (0, 1), 3: (0, 3)}}}}
    mea = MEA(probe=probe)
    assert mea.adjacency_graph.tolist() == [[0, 1]]
    assert edges_to_adjacency([(0, 1), (1, 2)]) == {0: {1}, 1: {0, 2}, 2: {1}}


def test_builtin_probes():
    assert {"1x32_buzsaki", "1x16_linear"} <= set(list_probes())
    mea = load_probe("1x32_buzsaki")
    assert mea.n_channels == 32
    # Staggered column: channel 31 at the tip (0, 0), 10 um pitch, alternating sides.
    np.testing.assert_array_equal(mea.positions[31], [0, 0])
    np.testing.assert_array_equal(mea.positions[30], [5, 10])
    np.testing.assert_array_equal(mea.positions[0], [35, 310])
    assert len(mea.adjacency_graph) == 31 + 30
    assert load_probe("1x16_linear").positions[:, 1].tolist() == [25. * i for i in range(16)]


def test_missing_geometry_gives_linear_positions():
    mea = MEA(probe={"channel_groups": {0: {"channels": [4, 5, 6]}}})
    np.testing.assert_array_equal(mea.positions, linear_positions(3))
    assert linear_positions(1).shape == (1, 2)


def test_prb_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    prb = tmp_path / "evil.prb"
    prb.write_text(f"import os\nos.system('touch {marker}')\nchannel_groups = {{}}\n")
    with pytest.raises(DataError, match="evil.prb"):
        load_probe(prb)
    prb.write_text(f"__import__('os').system('touch {marker}')\n")
    with pytest.raises(DataError):
        load_probe(prb)
    assert not marker.exists()


@pytest.mark.parametrize("text, match", [
    ("x = 1\n", "channel_groups"),
    ("channel_groups = {}\n", "empty"),
    ("channel_groups = {0: {'graph': []}}\n", "channels"),
    ("channel_groups = {0: {'channels': [0, 1], 'geometry': {0: (0, 0)}}}\n", "no position"),
    ("channel_groups = {0: {'channels': [0, 0]}}\n", "twice"),
    ("channel_groups = {0: {'channels': ['a']}}\n", "integers"),
    ("channel_groups = {0: {'channels': [0], 'geometry': {0: (0, 0, 1)}}}\n", r"\(x, y\)"),
    ("channel_groups = {0: {'channels': [0]\n", "syntax"),
])
def test_malformed_prb(tmp_path, text, match):
    prb = tmp_path / "bad.prb"
    prb.write_text(text)
    with pytest.raises(DataError, match=match):
        load_probe(prb)


def test_unknown_probe_name():
    with pytest.raises(DataError, match="built-in"):
        load_probe("no_such_probe")
