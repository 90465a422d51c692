"""Child process of the exit test: a script that opens a GUI, curates while the views'
workers run, saves, closes the GUI and leaves the interpreter without any clean-up
(``controller.close()`` is never called), as a user's script would. ``cli`` runs the same
actions inside ``phy template-gui``'s function (the event loop, then its own clean-up);
``replay`` first leaves an unsaved session behind (as a crash would), then replays its journal
in the GUI's controller.

Usage: python exit_script_child.py template|kwik|cli|replay PATH CONFIG_DIR
"""

import os
import sys
from pathlib import Path


def curate_and_close(controller, gui):
    s = controller.supervisor
    ids = [int(x) for x in s.clustering.cluster_ids]
    s.select(ids[:2])
    s.merge(ids[:2])
    s.select([ids[2]])
    s.split(s.clustering.spikes_per_cluster[ids[2]][::2])
    s.label("group", "good", [ids[3]])
    s.save()
    s.select([ids[4]])  # the views start preparing their data in workers
    gui.close()


def main(kind, path, config_dir):
    os.environ["PHYCLONE_NONINTERACTIVE"] = "1"
    os.environ["PHYCLONE_CONFIG_DIR"] = config_dir
    from phyclone.gui import create_app
    if kind == "cli":
        from phyclone.apps.template import controller as module
        from phyclone.qt import QTimer
        create_gui = module.TemplateController.create_gui

        def create_gui_then_curate(self, *args, **kwargs):
            gui = create_gui(self, *args, **kwargs)
            QTimer.singleShot(0, lambda: curate_and_close(self, gui))
            return gui
        module.TemplateController.create_gui = create_gui_then_curate
        module.template_gui(Path(path) / "params.py", replay_journal=False)
        return
    create_app()
    if kind == "kwik":
        from phyclone.apps.kwik import KwikController
        controller = KwikController(path, config_dir=config_dir, replay_journal=False)
    else:
        from phyclone.apps.template import TemplateController, load_model

        def open_controller(replay):
            return TemplateController(model=load_model(Path(path) / "params.py"),
                                      dir_path=path, config_dir=config_dir,
                                      replay_journal=replay)
        if kind == "replay":  # an unsaved session, never closed: its journal is replayed
            crashed = open_controller(False).supervisor
            ids = [int(x) for x in crashed.clustering.cluster_ids]
            crashed.merge(ids[-2:])
            crashed.label("group", "mua", [ids[0]])
        controller = open_controller(kind == "replay")
        if kind == "replay":
            assert controller.supervisor.session.replayed == 2
    gui = controller.create_gui()
    gui.show()
    curate_and_close(controller, gui)


if __name__ == "__main__":
    main(*sys.argv[1:4])
