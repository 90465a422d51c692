"""ClusterMeta: fields, set/get, undo/redo, inheritance through descendants."""

import numpy as np
import pytest

from phyclone.clustering import ClusterMeta, create_cluster_meta
from phyclone.utils import event


@pytest.fixture(autouse=True)
def _clean_events():
    event.reset()
    yield
    event.reset()


@pytest.fixture
def meta():
    m = ClusterMeta()
    m.add_field("group")
    m.add_field("color", 1)
    return m


def test_fields_and_defaults(meta):
    assert meta.fields == ["color", "group"]
    assert meta.get("group", 3) is None
    assert meta.get("color", 3) == 1
    assert meta.color(3) == 1
    assert meta.get("color", [3, 4]) == [1, 1]
    with pytest.raises(KeyError):
        meta.get("unknown", 3)


def test_set_get_to_dict(meta):
    seen = []
    event.connect(lambda s, up: seen.append(up), event="cluster", sender=meta)
    up = meta.set("group", [2, 3], "good")
    assert up.description == "metadata_group"
    assert up.metadata_changed == [2, 3] and up.metadata_value == "good"
    assert meta.group(2) == "good" and meta.get("group", np.int64(3)) == "good"
    meta.set("color", 5, 2)
    assert meta.to_dict("group") == {2: "good", 3: "good", 5: None}
    assert meta.to_dict("color") == {2: 1, 3: 1, 5: 2}
    assert [u.description for u in seen] == ["metadata_group", "metadata_color"]
    meta.set("group", 7, "mua", add_to_stack=False)  # no event, not undoable
    assert len(seen) == 2
    meta.set("new_label", [1], 0.5)  # unknown fields are added on the fly
    assert "new_label" in meta.fields and meta.get("new_label", 1) == 0.5
    with pytest.raises(KeyError):
        meta.to_dict("nope")


def test_undo_redo(meta):
    seen = []
    event.connect(lambda s, up: seen.append((up.description, up.history)), event="cluster",
                  sender=meta)
    event.connect(lambda s, up: "state", event="request_undo_state", sender=meta)
    assert meta.undo() is None and meta.redo() is None
    meta.set("group", [1, 2], "good")
    meta.set("group", [2], "mua")
    up = meta.undo()
    assert up.history == "undo" and up.metadata_changed == [2] and up.undo_state == ["state"]
    assert meta.get("group", [1, 2]) == ["good", "good"]
    up = meta.undo()
    assert meta.get("group", [1, 2]) == [None, None]
    assert meta.to_dict("group") == {}
    assert meta.undo() is None
    up = meta.redo()
    assert up.history == "redo" and meta.get("group", [1, 2]) == ["good", "good"]
    meta.redo()
    assert meta.get("group", 2) == "mua"
    assert meta.redo() is None
    assert seen[-2:] == [("metadata_group", "redo"), ("metadata_group", "redo")]
    # A new change after an undo drops the redo branch.
    meta.undo()
    meta.set("group", [3], "noise")
    assert meta.redo() is None
    assert meta.get("group", [1, 2, 3]) == ["good", "good", "noise"]


def test_undo_keeps_values_set_outside_the_stack(meta):
    meta.set("group", [1], "good", add_to_stack=False)  # e.g. inherited after a merge
    meta.set("group", [4], "mua")
    meta.undo()
    assert meta.group(1) == "good" and meta.group(4) is None


def test_from_dict_is_silent_and_not_undoable(meta):
    seen = []
    event.connect(lambda s, up: seen.append(up), event="cluster")
    event.connect(lambda s, up: seen.append(up), event="request_undo_state")
    meta.from_dict({1: {"group": "good"}, 2: {"group": "mua", "color": 3}})
    assert seen == []
    assert meta.get("group", [1, 2]) == ["good", "mua"] and meta.color(2) == 3
    assert meta.undo() is None


def test_set_from_descendants(meta):
    meta.from_dict({1: {"group": "good"}, 2: {"group": "good"}, 3: {"group": "mua"},
                    5: {"group": "noise"}})
    # All old clusters agree (defaults ignored): the new clusters take the value.
    meta.set_from_descendants([(1, 10), (2, 10), (4, 10)])
    assert meta.group(10) == "good"
    # Conflict: the largest old cluster wins.
    meta.set_from_descendants([(1, 11), (3, 11), (3, 12)], largest_old_cluster=3)
    assert meta.get("group", [11, 12]) == ["mua", "mua"]
    # The largest old cluster may hold the default value.
    meta.set_from_descendants([(1, 13), (3, 13), (4, 13)], largest_old_cluster=4)
    assert meta.group(13) is None
    # A new cluster with a non-default value keeps it.
    meta.set("group", 14, "noise", add_to_stack=False)
    meta.set_from_descendants([(1, 14)])
    assert meta.group(14) == "noise"
    # Only defaults: nothing set; fields with a non-None default are handled too.
    meta.set_from_descendants([(4, 15)])
    assert 15 not in meta.to_dict("group")
    meta.set("color", 5, 7, add_to_stack=False)
    meta.set_from_descendants([(5, 16), (4, 16)])
    assert meta.color(16) == 7 and meta.group(16) == "noise"
    with pytest.raises(ValueError):
        meta.set_from_descendants([(1, 17), (3, 17)])


def test_create_cluster_meta():
    meta = create_cluster_meta({0: "noise", 3: "good"})
    assert meta.fields == ["group"]
    assert meta.get("group", [0, 1, 3]) == ["noise", None, "good"]
    assert create_cluster_meta(None).to_dict("group") == {}
