"""Two windows on one dataset (issue 11, item 7), with real processes: the second opens
read-only and says so, a save never overwrites what another window saved meanwhile, new
cluster ids stay above the ids on disk, a stale lock (killed process) is taken over."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from phyclone.utils.fileio import read_tsv

CHILD = Path(__file__).with_name("lock_child.py")


class Window:
    """A lock_child.py process (a headless controller on the dataset)."""

    def __init__(self, data_dir, config_dir):
        self.p = subprocess.Popen([sys.executable, str(CHILD), str(data_dir), str(config_dir)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=dict(os.environ, PHYCLONE_NONINTERACTIVE="1"))
        self.hello = self._answer()

    def _answer(self):
        line = self.p.stdout.readline()
        assert line, f"the child process died (exit code {self.p.wait(timeout=30)})"
        return json.loads(line)

    def __call__(self, *cmd):
        self.p.stdin.write(" ".join(map(str, cmd)) + "\n")
        self.p.stdin.flush()
        return self._answer()

    def quit(self):
        self("quit")
        assert self.p.wait(timeout=60) == 0


def on_disk(d):
    sc = np.load(d / "spike_clusters.npy", allow_pickle=False)
    return set(np.unique(sc).tolist())


@pytest.mark.slow
def test_two_processes_one_dataset(synth_dir, config_dir):
    ids = sorted(on_disk(synth_dir))
    first = Window(synth_dir, config_dir)
    assert first.hello["read_only"] is False
    second = Window(synth_dir, config_dir)
    try:
        # The second one says it is read-only, and who holds the dataset.
        assert second.hello["read_only"] is True
        assert f"process {first.p.pid}" in second.hello["message"]
        assert "read-only" in second.hello["message"]
        # First: merge 0+1 and save. Second: merge 2+3, its save is refused.
        a = first("merge", ids[0], ids[1])["id"]
        assert first("save")["saved"] is True
        b = second("merge", ids[2], ids[3])["id"]
        # Its work is journalled apart from the holder's journal.
        root = synth_dir / ".phy" / "phyclone"
        assert (root / f"journal.readonly-{second.p.pid}.jsonl").exists()
        refused = second("save")
        assert refused["saved"] is False and "read-only" in refused["status"]
        assert a in on_disk(synth_dir) and ids[0] not in on_disk(synth_dir)
        # The second takes over the lock: the files changed since it opened them, so its
        # save is still refused, saying why; the first window's work is kept.
        assert second("take_over")["read_only"] is False
        refused = second("save")
        assert refused["saved"] is False and "spike_clusters.npy" in refused["status"] \
            and "changed on disk" in refused["status"]
        assert a in on_disk(synth_dir) and b not in on_disk(synth_dir) - {a}
        # Its new clusters get ids above every id on disk.
        assert second("info")["new_id"] > max(on_disk(synth_dir))
        c = second("merge", ids[4], ids[5])["id"]
        assert c > max(on_disk(synth_dir))
        # The first one lost the lock: its next save is refused too.
        first("merge", a, ids[2])
        refused = first("save")
        assert refused["saved"] is False and "taken over" in refused["status"]
        groups = {r["cluster_id"] for r in read_tsv(synth_dir / "cluster_group.tsv")}
        assert a in groups
    finally:
        second.quit()
        first.quit()
    assert not (synth_dir / ".phy" / "phyclone" / "lock.json").exists()


@pytest.mark.slow
def test_stale_lock_of_a_killed_process(synth_dir, config_dir):
    dead = Window(synth_dir, config_dir)
    assert dead.hello["read_only"] is False
    dead.p.send_signal(signal.SIGKILL)
    dead.p.wait(timeout=30)
    assert (synth_dir / ".phy" / "phyclone" / "lock.json").exists()  # left behind
    w = Window(synth_dir, config_dir)
    try:
        assert w.hello["read_only"] is False  # a dead pid on this host: stale, taken
        ids = sorted(on_disk(synth_dir))
        w("merge", ids[0], ids[1])
        assert w("save")["saved"] is True
    finally:
        w.quit()


def test_file_changed_by_another_program(synth_dir, config_dir):
    """Without a second phyclone: a script rewrites spike_clusters.npy while the session is
    open; the save refuses to overwrite it and says which file changed."""
    from _controller_fixtures import open_controller
    c = open_controller(synth_dir, config_dir)
    try:
        s = c.supervisor
        ids = [int(x) for x in s.clustering.cluster_ids]
        s.merge(ids[:2])
        sc = np.load(synth_dir / "spike_clusters.npy", allow_pickle=False)
        np.save(synth_dir / "spike_clusters.npy", sc + 1000)
        assert s.save() is False
        assert np.load(synth_dir / "spike_clusters.npy", allow_pickle=False).min() >= 1000
        assert s.is_dirty()  # the work is still there (and in the journal)
        # A new cluster_*.tsv file appearing also counts.
        np.save(synth_dir / "spike_clusters.npy", sc)
        (synth_dir / "cluster_extra.tsv").write_text("cluster_id\textra\n0\t1\n")
        assert s.save() is False
        (synth_dir / "cluster_extra.tsv").unlink()
        assert s.save() is True
        # After our own save, saving again works (the stamps follow our writes).
        s.merge(ids[2:4])
        assert s.save() is True
    finally:
        c.close()


@pytest.mark.gl
@pytest.mark.slow
def test_gui_read_only_message_and_take_over(qtbot, synth_dir, config_dir):
    """The GUI of the second window: status bar, title and a non-modal message (the window
    stays usable) with a button that takes the lock over; then saving works."""
    from phyclone.qt import QApplication, QMessageBox

    from _controller_fixtures import close_gui, open_controller, show_gui
    holder = Window(synth_dir, config_dir)
    c = open_controller(synth_dir, config_dir)
    try:
        assert c.read_only
        gui = show_gui(qtbot, c)
        assert "read-only" in gui.status_message and f"{holder.p.pid}" in gui.status_message
        assert "[read-only]" in gui.windowTitle()
        box = c.read_only_box
        assert isinstance(box, QMessageBox) and box.isVisible() and not box.isModal()
        assert QApplication.activeModalWidget() is None
        s = c.supervisor
        ids = [int(x) for x in s.clustering.cluster_ids]
        s.merge(ids[:2])  # curating works while read-only
        assert s.save() is False and "read-only" in gui.status_message
        take = [b for b in box.buttons() if b.text() == "Take over the lock"][0]
        take.click()
        qtbot.waitUntil(lambda: not box.isVisible())
        assert not c.read_only and "[read-only]" not in gui.windowTitle()
        assert s.save() is True
        close_gui(gui, c)
    finally:
        holder.quit()


def test_new_ids_above_ids_in_cluster_files(synth_dir, config_dir):
    """A cluster file on disk naming an id above every id of spike_clusters.npy (e.g. written
    by another window's save of its cluster files): new clusters never take that id."""
    from _controller_fixtures import open_controller
    sc = np.load(synth_dir / "spike_clusters.npy", allow_pickle=False)
    top = int(sc.max()) + 7
    with open(synth_dir / "cluster_group.tsv", "a") as f:
        f.write(f"{top}\tgood\n")
    c = open_controller(synth_dir, config_dir)
    try:
        ids = [int(x) for x in c.supervisor.clustering.cluster_ids]
        assert c.supervisor.merge(ids[:2]).added[0] > top
    finally:
        c.close()
