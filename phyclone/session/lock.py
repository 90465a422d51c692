"""One curating instance per dataset: a lock file, and the dataset's files as last seen.

``FolderLock`` is a JSON file (``lock.json`` in phyclone's cache folder of the dataset) naming
the process holding it: pid, host, the process's start time. It is created atomically
(``O_EXCL``); a lock whose holder is gone (same host, dead pid, or a pid reused by another
process) is stale and taken over. A live holder means another window works on the dataset:
the caller opens read-only, and may ``take_over()`` later.

``FileStamps`` records size, mtime and hash of the files a save overwrites, at open and after
each save; before the next save ``changed()`` says which of them another program rewrote
meanwhile, so that its work is never silently overwritten.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from phyclone.utils.fileio import atomic_open, ensure_dir_exists, file_stamp

logger = logging.getLogger(__name__)

_HELD: dict[str, int] = {}  # lock file -> number of FolderLocks of this process holding it (re-entrant)


def _process_start(pid: int) -> int | None:
    """Start time of a process (clock ticks since boot, Linux), None when unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return int(stat[stat.rindex(b")") + 2:].split()[19])
    except (OSError, ValueError, IndexError):
        return None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    except OSError:
        return False
    return True


def _me() -> dict[str, Any]:
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "process_start": _process_start(pid),
            "time": time.time()}


class FolderLock:
    """The lock of a dataset's cache folder (``path``: the lock file)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.held = False
        self.holder: dict[str, Any] | None = None  # who holds it when we do not

    def read(self) -> dict[str, Any] | None:
        """The holder's record, None when there is no (readable) lock file."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    @staticmethod
    def is_stale(info: dict[str, Any] | None) -> bool:
        """Whether a holder is gone: same host and its pid is dead or now another process's.
        A lock of another host is never stale (its processes cannot be checked)."""
        if not info or info.get("host") != socket.gethostname():
            return not info
        try:
            pid = int(info["pid"])
        except (KeyError, TypeError, ValueError):
            return True
        if pid == os.getpid():
            return str(info.get("process_start")) != str(_process_start(pid))
        if not _pid_alive(pid):
            return True
        start = info.get("process_start")
        return start is not None and _process_start(pid) not in (None, start)

    def acquire(self) -> bool:
        """Take the lock if free or stale; returns whether it is held by this process."""
        ensure_dir_exists(self.path.parent)
        for _ in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                info = self.read()
                if _names_me(info):
                    return self._hold()  # another controller of this process (re-entrant)
                if info is None and self.path.exists():
                    # Being written by its creator right now, or damaged: look again.
                    time.sleep(.05)
                    info = self.read()
                if self.is_stale(info):
                    logger.info("Removing the stale lock %s (%s).", self.path, _describe(info))
                    self.path.unlink(missing_ok=True)
                    continue
                self.holder = info
                return False
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(_me(), f)
            _HELD[self._key()] = 0
            return self._hold()
        self.holder = self.read()
        return False

    def _key(self) -> str:
        return str(self.path.resolve())

    def _hold(self) -> bool:
        if not self.held:
            _HELD[self._key()] = _HELD.get(self._key(), 0) + 1
        self.held, self.holder = True, None
        return True

    def take_over(self) -> None:
        """Take the lock even if another process holds it (the user asked)."""
        with atomic_open(self.path, "w", encoding="utf-8", fsync=False) as f:
            json.dump(_me(), f)
        if self.holder:
            logger.warning("Took over the lock of %s from %s.", self.path.parent,
                           _describe(self.holder))
        self._hold()

    def still_held(self) -> bool:
        """Whether the lock file still names this process (another one may have taken over)."""
        return bool(self.held and _names_me(self.read()))

    def release(self) -> None:
        """Remove the lock file if it still names this process and no other controller of
        this process holds it."""
        if not self.held:
            return
        self.held = False
        key = self._key()
        _HELD[key] = _HELD.get(key, 1) - 1
        if _HELD[key] <= 0:
            _HELD.pop(key, None)
            if _names_me(self.read()):
                self.path.unlink(missing_ok=True)

    def describe_holder(self) -> str:
        return _describe(self.holder)


def _names_me(info: dict[str, Any] | None) -> bool:
    return info is not None and info.get("pid") == os.getpid() and \
        info.get("host") == socket.gethostname() and \
        str(info.get("process_start")) == str(_process_start(os.getpid()))


def _describe(info: dict[str, Any] | None) -> str:
    if not info:
        return "an unknown process"
    when = info.get("time")
    since = time.strftime(" since %Y-%m-%d %H:%M", time.localtime(when)) if when else ""
    return f"process {info.get('pid')} on {info.get('host')}{since}"


class FileStamps:
    """The stamps of the files ``paths()`` returns (a callable: files may appear).

    A file is unchanged when its size and SHA-256 are those recorded (the modification time
    when the hash could not be computed: the file changed while being read). At open the hashes
    are computed in a background thread (``record(background=True)``: opening a large dataset
    does not wait for them)."""

    def __init__(self, paths: Callable[[], Iterable[str | os.PathLike[str]]]) -> None:
        self._paths = paths
        self.stamps: dict[str, tuple[int, int, str | None] | None] = {}
        self._thread: threading.Thread | None = None

    def record(self, background: bool = False) -> None:
        """Remember the files as they are now (at open, after a save)."""
        self._join()
        paths = [str(p) for p in self._paths()]
        self.stamps = {p: file_stamp(p, with_hash=False) for p in paths}
        if not background:
            self._hash(paths)
            return
        self._thread = threading.Thread(target=self._hash, args=(paths,), daemon=True,
                                        name="phyclone-file-stamps")
        self._thread.start()

    def _hash(self, paths: list[str]) -> None:
        for p in paths:
            old, new = self.stamps.get(p), file_stamp(p)
            if old is not None and new is not None and new[:2] == old[:2]:
                self.stamps[p] = new  # the hash of the file as it was recorded

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def changed(self) -> list[str]:
        """Names of the files that changed, appeared or disappeared since ``record``."""
        self._join()
        now = {str(p): None for p in self._paths()}
        out = []
        for path in sorted(set(now) | set(self.stamps)):
            old = self.stamps.get(path)
            new = file_stamp(path, with_hash=False)
            if old is None and new is None:
                continue
            if old is not None and new is not None:
                new = file_stamp(path)
                if new is not None and (new[0], new[2] or new[1]) == (old[0], old[2] or old[1]):
                    continue  # the same bytes (maybe touched or copied back)
            out.append(Path(path).name)
        return out
