"""Crash journal: every curation action is appended (and fsync'd) before it is applied.

The journal is a JSON-lines file in ``<data dir>/.phy/``: a header line (format version, a
fingerprint of the clustering it starts from, the first new cluster id) followed by one line
per action. Saving starts a fresh journal. After a crash, the actions written since the last
save are replayed on the saved clustering, which gives back the exact same state (cluster ids
are deterministic). A torn last line (crash in the middle of a write) is ignored.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import time
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import ArrayLike

from phyclone.utils.fileio import ensure_dir_exists, write_text

logger = logging.getLogger(__name__)

FORMAT = 1
_SMALL = 64


def fingerprint(spike_clusters: ArrayLike) -> str:
    """A cheap identity of a spike_clusters array (size, checksum, strided sample)."""
    arr = np.asarray(spike_clusters)
    n = len(arr)
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{n}:{arr.dtype.kind}".encode())
    if n:
        h.update(np.ascontiguousarray(arr[:: max(1, n // 65536)], dtype=np.int64).tobytes())
        h.update(str(int(np.sum(arr, dtype=np.int64))).encode())
        h.update(np.ascontiguousarray(arr[-1024:], dtype=np.int64).tobytes())
    return h.hexdigest()


def encode(value: Any) -> Any:
    """JSON-friendly encoding; integer arrays are delta-encoded and zlib-compressed, float
    arrays stored exactly (float64 bytes, zlib-compressed)."""
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        floats = np.ascontiguousarray(value, dtype=np.float64).ravel()
        return {"f64z": base64.b64encode(zlib.compress(floats.tobytes(), 1)).decode("ascii"),
                "n": int(len(floats))}
    if isinstance(value, np.ndarray) or (isinstance(value, (list, tuple)) and len(value) > _SMALL
                                         and all(isinstance(v, (int, np.integer)) for v in value)):
        arr = np.asarray(value, dtype=np.int64).ravel()
        if len(arr) <= _SMALL:
            return arr.tolist()
        delta = np.diff(arr, prepend=0).astype(np.int64)
        return {"i64z": base64.b64encode(zlib.compress(delta.tobytes(), 1)).decode("ascii"),
                "n": int(len(arr))}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "i64z" in value:
            delta = np.frombuffer(zlib.decompress(base64.b64decode(value["i64z"])), dtype=np.int64)
            arr = np.cumsum(delta)
            if len(arr) != value["n"]:
                raise ValueError("corrupt array in journal")
            return arr
        if "f64z" in value:
            arr = np.frombuffer(zlib.decompress(base64.b64decode(value["f64z"])),
                                dtype=np.float64).copy()
            if len(arr) != value["n"]:
                raise ValueError("corrupt array in journal")
            return arr
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


class Journal:
    """Append-only action log stored at ``path``."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._f: IO[bytes] | None = None
        self._seq = 0

    # Reading --------------------------------------------------------------------------------
    def read(self) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """Return ``(header, actions)``; ``(None, [])`` when there is no usable journal."""
        if not self.path.exists():
            return None, []
        try:
            lines = self.path.read_bytes().split(b"\n")
        except OSError as e:
            logger.warning("Cannot read the journal %s: %s", self.path, e)
            return None, []
        header, actions = None, []
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                last = all(not rest.strip() for rest in lines[i + 1:])
                if last:
                    logger.warning("Ignoring the torn last line of the journal %s.", self.path)
                else:
                    logger.warning("Journal %s is corrupt at line %d; later actions are ignored.",
                                   self.path, i + 1)
                break
            if header is None:
                if item.get("journal") != FORMAT:
                    logger.warning("Unknown journal format in %s; ignored.", self.path)
                    return None, []
                header = item
            else:
                item["args"] = decode(item.get("args", {}))
                actions.append(item)
        return header, actions

    def pending(self, start_fingerprint: str) -> list[dict[str, Any]]:
        """Actions recorded since the last save, if the journal starts from this clustering."""
        header, actions = self.read()
        if header is None or not actions:
            return []
        if header.get("fingerprint") != start_fingerprint:
            logger.warning("The journal %s does not start from the saved clustering; "
                           "it is kept as %s.old and not replayed.", self.path, self.path.name)
            self.close()
            os.replace(self.path, self.path.with_name(self.path.name + ".old"))
            return []
        return actions

    def header(self) -> dict[str, Any] | None:
        return self.read()[0]

    # Writing --------------------------------------------------------------------------------
    def start(self, start_fingerprint: str, new_cluster_id: int, keep_actions: bool = False
              ) -> None:
        """Begin a journal from a (saved) clustering; with ``keep_actions`` append to it."""
        self.close()
        ensure_dir_exists(self.path.parent)
        if keep_actions and self.path.exists():
            _, actions = self.read()
            self._seq = actions[-1]["seq"] if actions else 0
        else:
            head = dict(journal=FORMAT, fingerprint=start_fingerprint,
                        new_cluster_id=int(new_cluster_id), created=time.time())
            write_text(self.path, json.dumps(head) + "\n")
            self._seq = 0
        self._f = open(self.path, "ab")

    def append(self, action: str, **args: Any) -> int:
        """Write one action durably (flush + fsync) and return its sequence number."""
        if self._f is None:
            raise RuntimeError("Journal.start() must be called before append()")
        self._seq += 1
        line = json.dumps(dict(seq=self._seq, t=round(time.time(), 3), action=action,
                               args=encode(args)), separators=(",", ":"))
        self._f.write(line.encode("utf-8") + b"\n")
        self._f.flush()
        os.fsync(self._f.fileno())
        return self._seq

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None
