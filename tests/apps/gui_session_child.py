"""Child process of the crash test: a real Template GUI that curates, prints the expected
state, then waits (for SIGKILL) without ever saving.

Usage: python gui_session_child.py DATA_DIR CONFIG_DIR
"""

import json
import sys
import time
from pathlib import Path

import numpy as np


def main(data_dir, config_dir):
    from phyclone.apps.template import TemplateController, load_model
    from phyclone.gui import create_app

    app = create_app()
    c = TemplateController(model=load_model(Path(data_dir) / "params.py"), dir_path=data_dir,
                           config_dir=config_dir, replay_journal=False)
    gui = c.create_gui()
    gui.show()
    s = c.supervisor
    ids = [int(x) for x in s.clustering.cluster_ids]
    s.select(ids[0])
    s.merge(ids[:3])
    s.split(s.clustering.spikes_per_cluster[ids[3]][1::2])
    s.label("group", "good", [ids[4]])
    s.move("noise", "best")
    s.label("quality", 7, [ids[5]])
    s.undo()
    s.redo()
    spike_ids = s.clustering.spikes_in_clusters([ids[4], ids[5]])[::5]
    s.split(spike_ids, np.arange(len(spike_ids)) % 2)
    s.block()
    state = dict(spike_clusters=np.asarray(s.clustering.spike_clusters).tolist(),
                 groups={str(k): v for k, v in s.get_labels("group").items()},
                 quality={str(k): v for k, v in s.get_labels("quality").items()},
                 new_cluster_id=int(s.clustering.new_cluster_id()))
    print(json.dumps(state), flush=True)
    print("READY", flush=True)
    while True:  # killed here, never saved
        app.processEvents()
        time.sleep(.01)


if __name__ == "__main__":
    main(*sys.argv[1:3])
