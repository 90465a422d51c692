"""Child process of the two-window tests: a headless TemplateController driven by commands
on stdin, one JSON answer per line on stdout.

Commands: ``merge A B`` (answers the new id), ``save`` (answers whether it saved and the
status message), ``take_over``, ``info`` (read_only, message, new cluster id), ``quit``.
Usage: python lock_child.py DATA_DIR CONFIG_DIR
"""

import json
import sys


def main(data_dir, config_dir):
    import logging

    from phyclone.apps.template import TemplateController, load_model

    c = TemplateController(model=load_model(f"{data_dir}/params.py"), dir_path=data_dir,
                           config_dir=config_dir, replay_journal=False,
                           enable_threading=False)
    s = c.supervisor
    status = []

    class Keep(logging.Handler):
        def emit(self, record):
            status.append(record.getMessage())
    logging.getLogger("phyclone.cluster.supervisor").addHandler(Keep())
    logging.getLogger("phyclone").setLevel(logging.INFO)
    print(json.dumps({"ready": True, "read_only": c.read_only,
                      "message": c.read_only_message()}), flush=True)
    for line in sys.stdin:
        cmd, *args = line.split()
        if cmd == "merge":
            out = {"id": int(s.merge([int(a) for a in args]).added[0])}
        elif cmd == "save":
            out = {"saved": bool(s.save()), "status": status[-1] if status else ""}
        elif cmd == "take_over":
            c.take_over_lock()
            out = {"read_only": c.read_only}
        elif cmd == "info":
            out = {"read_only": c.read_only, "message": c.read_only_message(),
                   "new_id": int(s.clustering.new_cluster_id())}
        else:
            c.close()
            print(json.dumps({"bye": True}), flush=True)
            return
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
