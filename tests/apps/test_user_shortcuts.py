"""c.TemplateGUI.shortcuts / snippets in phy_config.py override the defaults (as phy)."""

import pytest
from _controller_fixtures import close_gui, open_controller, press, show_gui, type_snippet

pytestmark = pytest.mark.gl


def test_user_shortcut_and_snippet(qtbot, synth_dir, config_dir):
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "phy_config.py").write_text(
        "c = get_config()\n"
        "c.TemplateGUI.shortcuts = {'merge': 'alt+shift+j'}\n"
        "c.TemplateGUI.snippets = {'merge': 'mg'}\n")
    c = open_controller(synth_dir, config_dir)
    gui = show_gui(qtbot, c)
    s = c.supervisor
    try:
        ids = [int(i) for i in s.clustering.cluster_ids]
        s.select(ids[:2])
        s.block()
        press(qtbot, gui, "g", s)  # the default shortcut no longer merges
        assert [int(i) for i in s.clustering.cluster_ids] == ids
        press(qtbot, gui, "alt+shift+j", s)
        assert len(s.clustering.cluster_ids) == len(ids) - 1
        new = [int(i) for i in s.clustering.cluster_ids]
        type_snippet(qtbot, gui, f":mg {new[0]},{new[1]}", s)
        assert len(s.clustering.cluster_ids) == len(ids) - 2
    finally:
        close_gui(gui, c)
