"""UpdateInfo (with lazy keys), History and GlobalHistory."""

import copy
import json
import pickle

import numpy as np
import pytest

from phyclone.clustering import GlobalHistory, History, UpdateInfo


def test_update_info_defaults_and_repr():
    up = UpdateInfo()
    assert up.description == "" and up.history is None
    assert up.spike_ids == [] and up.added == [] and up.deleted == []
    assert up.descendants == [] and up.metadata_changed == []
    assert up.metadata_value is None and up.undo_state is None
    assert repr(up) == "<UpdateInfo>"
    assert repr(UpdateInfo(description="merge", deleted=[1, 2], added=[3])) == \
        "<merge [1, 2] => [3]>"
    assert repr(UpdateInfo(description="assign", history="undo", deleted=[3], added=[1, 2])) \
        == "<assign (undo) [3] => [1, 2]>"
    assert repr(UpdateInfo(description="metadata_group", metadata_changed=[4],
                           metadata_value="good")) == "<metadata_group [4] => good>"


def _lazy_up(calls):
    up = UpdateInfo(description="assign", added=[1])

    def compute():
        calls.append(1)
        return np.arange(3)

    up.set_lazy("spike_ids", compute)
    return up


@pytest.mark.parametrize("access", [
    lambda up: up.spike_ids,
    lambda up: up["spike_ids"],
    lambda up: up.get("spike_ids"),
    lambda up: dict(up)["spike_ids"],
    lambda up: dict(up.items())["spike_ids"],
    lambda up: pickle.loads(pickle.dumps(up))["spike_ids"],
    lambda up: copy.deepcopy(up).spike_ids,
    lambda up: up.copy()["spike_ids"],
    lambda up: {**up}["spike_ids"],
])
def test_lazy_key_computed_once(access):
    calls = []
    up = _lazy_up(calls)
    assert "spike_ids" in up
    assert calls == []
    assert np.array_equal(access(up), np.arange(3))
    assert np.array_equal(up.spike_ids, np.arange(3))
    assert calls == [1]


def test_lazy_key_overwritten_and_update():
    calls = []
    up = _lazy_up(calls)
    up["spike_ids"] = [7]
    assert up.spike_ids == [7] and calls == []
    up = _lazy_up(calls)
    target = UpdateInfo(description="metadata_group")
    target.update(up)  # as phy's supervisor merges the UpdateInfo of two undo stacks
    assert np.array_equal(target.spike_ids, np.arange(3))
    assert target.description == "assign"
    up = _lazy_up(calls)
    assert len(up) == 9  # the 9 fields of phy, spike_ids still lazy
    del up["spike_ids"]
    assert "spike_ids" not in up and len(up) == 8


def test_update_info_equality_with_arrays():
    a = UpdateInfo(spike_ids=np.arange(3), added=[1])
    b = UpdateInfo(spike_ids=np.arange(3), added=[1])
    c = UpdateInfo(spike_ids=np.arange(4), added=[1])
    assert a == b and a != c
    b.set_lazy("spike_ids", lambda: np.arange(3))
    assert a == b


def test_update_info_json():
    up = UpdateInfo(added=[1])
    up.set_lazy("spike_ids", lambda: [0, 1])
    assert json.loads(json.dumps(up))["spike_ids"] == [0, 1]


def test_history():
    h = History(base_item="base")
    assert len(h) == 1 and h.current_item == "base" and h.current_position == 0
    assert h.back() is None and h.forward() is None
    h.add(1)
    h.add(2)
    h.add(3)
    assert list(h) == ["base", 1, 2, 3] and h.is_last()
    assert h.back() == 3 and h.undo() == 2
    assert h.current_item == 1 and h.is_first()
    assert list(h) == ["base", 1]
    assert list(h.iter(0, len(h))) == ["base", 1, 2, 3]
    assert h.forward() == 2 and h.redo() == 3 and h.forward() is None
    h.back()
    h.back()
    h.add(4)  # drops the redo branch
    assert list(h.iter(0, len(h))) == ["base", 1, 4]
    h.clear()
    assert len(h) == 1 and h.current_item is None


class _Controller:
    def __init__(self, name, log):
        self.name, self.log = name, log

    def undo(self):
        self.log.append(("undo", self.name))
        return self.name

    def redo(self):
        self.log.append(("redo", self.name))
        return self.name


def test_global_history():
    log = []
    a, b = _Controller("a", log), _Controller("b", log)
    gh = GlobalHistory()
    assert gh.undo() == ()
    gh.action(a)
    gh.action(b)
    gh.add_to_current_action(a)
    assert gh.undo() == ("b", "a")
    assert gh.undo() == ("a",)
    assert gh.undo() == ()
    assert gh.redo() == ("a",)
    joined = GlobalHistory(process_ups=lambda ups: "+".join(ups))
    joined.action(a, b)
    assert joined.undo() == "a+b"
    assert joined.redo() == "a+b"
    assert log[-2:] == [("redo", "a"), ("redo", "b")]
