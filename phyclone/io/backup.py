"""Timestamped backups of a file before it is overwritten."""

import os
import shutil
import time

from phyclone.utils.fileio import ensure_dir_exists


def backup_file(path, backup_dir, n_keep):
    """Keep the current ``path`` as ``backup_dir/<stem>.<timestamp><suffix>``.

    A hard link when possible (instant, no extra space: the writer then replaces ``path``
    with a new file), a copy otherwise. Only the ``n_keep`` most recent backups are kept.
    """
    backup_dir = ensure_dir_exists(backup_dir)
    now = time.time_ns()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now // 10**9)) + f"-{now % 10**9:09d}"
    dst = backup_dir / f"{path.stem}.{stamp}{path.suffix}"
    try:
        os.link(path, dst)
    except OSError:
        shutil.copy2(path, dst)
    for old in sorted(backup_dir.glob(f"{path.stem}.*{path.suffix}"))[:-n_keep]:
        old.unlink()
    return dst
