"""GUIState: global/local round trip, defaults, corrupt files."""

import json

from phyclone.gui import GUIState
from phyclone.gui.state import gui_state_path
from phyclone.utils import Bunch


class View:
    def __init__(self, name):
        self.name = name


def test_round_trip(tmp_path):
    path = gui_state_path("MyGUI", tmp_path)
    assert path == tmp_path / "MyGUI" / "state.json"
    local = tmp_path / "data" / ".phy" / "state.json"
    s = GUIState(path, local_path=local, local_keys=["WaveformView.box_scaling"])
    v = View("WaveformView")
    assert s.get_view_state(v) == {}
    s.update_view_state(v, {"box_scaling": [1.5, 2.0], "overlap": True})
    s.update_view_state(View("AmplitudeView"), Bunch(x=1))
    s["geometry_state"] = {"geometry": "abc"}
    s.save()
    glob = json.loads(path.read_text())
    assert glob == {"WaveformView": {"overlap": True}, "AmplitudeView": {"x": 1},
                    "geometry_state": {"geometry": "abc"}}
    assert json.loads(local.read_text()) == {"WaveformView": {"box_scaling": [1.5, 2.0]}}

    s2 = GUIState(path, local_path=local, local_keys=["WaveformView.box_scaling"])
    assert s2.get_view_state(v) == {"box_scaling": [1.5, 2.0], "overlap": True}
    assert s2.WaveformView.overlap is True
    assert s2 == s

    # Another dataset: no local state, the global one only.
    s3 = GUIState(path, local_path=tmp_path / "other" / ".phy" / "state.json")
    assert s3.get_view_state(v) == {"overlap": True}


def test_local_overrides_global(tmp_path):
    path = tmp_path / "G" / "state.json"
    local = tmp_path / "local.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"V": {"a": 1, "b": 2}}))
    local.write_text(json.dumps({"V": {"a": 10}}))
    s = GUIState(path, local_path=local, local_keys=["V.a"])
    assert s.V == {"a": 10, "b": 2}


def test_default_state(tmp_path):
    default = tmp_path / "default.json"
    default.write_text(json.dumps({"V": {"a": 1}}))
    path = tmp_path / "cfg" / "G" / "state.json"
    s = GUIState(path, default_state_path=default)
    assert s.V.a == 1 and path.exists()


def test_corrupt_files_reset(tmp_path, caplog):
    path = tmp_path / "G" / "state.json"
    path.parent.mkdir()
    path.write_text("{not json")
    local = tmp_path / "local.json"
    local.write_text("[1, 2]")
    s = GUIState(path, local_path=local, local_keys=["V.a"])
    assert dict(s.items()) == {k: v for k, v in s.items() if k.startswith("_")}
    assert "Invalid GUI state file" in caplog.text
    assert (tmp_path / "G" / "state.json.corrupt").read_text() == "{not json"
    assert not path.exists()
    s.update_view_state(View("V"), {"a": 3})
    s.save()
    assert GUIState(path, local_path=local, local_keys=["V.a"]).V.a == 3


def test_local_fallback_read_only(tmp_path):
    """phy 2's local state is the starting point until ours exists; it is never written,
    and a corrupt one is left in place."""
    phy2 = tmp_path / ".phy" / "state.json"
    phy2.parent.mkdir()
    phy2.write_text(json.dumps({"WaveformView": {"box_scaling": [3.0, 1.0]}}))
    before = phy2.read_bytes()
    ours = tmp_path / ".phy" / "phyclone" / "state.json"
    keys = ["WaveformView.box_scaling"]
    s = GUIState(tmp_path / "g.json", local_path=ours, local_fallback_path=phy2, local_keys=keys)
    assert s.WaveformView.box_scaling == [3.0, 1.0]
    s.update_view_state(View("WaveformView"), {"box_scaling": [2.0, 1.0]})
    s.save()
    assert phy2.read_bytes() == before and ours.exists()
    s2 = GUIState(tmp_path / "g.json", local_path=ours, local_fallback_path=phy2, local_keys=keys)
    assert s2.WaveformView.box_scaling == [2.0, 1.0]  # ours wins once it exists
    ours.unlink()
    phy2.write_bytes(b"\x80not json")
    s3 = GUIState(tmp_path / "g.json", local_path=ours, local_fallback_path=phy2)
    assert phy2.exists() and not phy2.with_name("state.json.corrupt").exists()
    assert "box_scaling" not in s3.get("WaveformView", {})
