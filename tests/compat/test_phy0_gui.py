"""phy 0.x's ``Session.show_gui`` / ``show_view`` / ``create_view``, backed by phyclone's Kwik
GUI and views on the session's model."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from phyclone.cluster.manual import Session
from phyclone.gui import preset_answers

pytestmark = pytest.mark.gl

DATA = Path(__file__).resolve().parents[1] / "data" / "klusta_16ch"


@pytest.fixture
def session(tmp_path, config_dir, qapp):
    d = tmp_path / "klusta"
    shutil.copytree(DATA, d)
    s = Session(d / "synth.kwik", phy_user_dir=config_dir)
    yield s
    s.close()


def test_show_view_create_view_show_gui(qtbot, session):
    ids = [int(c) for c in session.cluster_ids]
    merged = session.merge(ids[:2]).added[0]  # unsaved: saved before the GUI opens
    with preset_answers():
        view = session.show_view("correlograms", [merged])
        gui = view.gui
        qtbot.addWidget(gui)
        assert type(view).__name__ == "CorrelogramView"
        assert not session.has_unsaved_changes  # the script's merge reached the file
        sup = session._controller.supervisor
        assert merged in sup.clustering.cluster_ids
        qtbot.waitUntil(lambda: view.cluster_ids == [merged], timeout=10000)
        qtbot.waitUntil(lambda: view.n_plots_done >= 1, timeout=10000)
        img = view.canvas.grab_image()
        assert img[..., :3].max() > 100  # the correlogram is drawn
        # show_gui returns the same GUI while it is open.
        assert session.show_gui() is gui
        # create_view: a view not attached to any GUI.
        v = session.create_view("waveforms")
        assert type(v).__name__ == "WaveformView" and v.gui is None
        v.close()
        with pytest.raises(ValueError, match="Unknown view"):
            session.create_view("nothing")
        # A merge in the GUI, saved there: the script continues from the saved file.
        sup.merge([merged, ids[2]])
        new = sup.clustering.cluster_ids
        sup.save()
        np.testing.assert_array_equal(session.cluster_ids, new)
        gui.close()
