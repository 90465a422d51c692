"""Signed pickles: the only pickles phyclone ever loads from a dataset folder.

A dataset folder comes from anywhere (a download, a colleague's share), and unpickling runs
code. So every pickle phyclone writes there is signed with an HMAC-SHA256 of its bytes, keyed
by a random secret of the user's configuration folder (``<config dir>/cache_secret``, created
once, mode 0600), and a pickle is loaded only after the signature was checked on the raw bytes:
a file that this user's phyclone did not write is never handed to ``pickle``.

File format: ``MAGIC`` + 64 hexadecimal digits (the HMAC of ``role + NUL + payload``) +
``\\n`` + the pickle payload. ``role`` names what the file holds (e.g. ``memcache/<function>``),
so that a signed file moved to another name is refused too.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
from pathlib import Path
from typing import Any

from .config import phy_config_dir
from .errors import DataError
from .fileio import atomic_open, ensure_dir_exists

MAGIC = b"PHYCLONE-SIGNED-PICKLE-1\n"
_SIG_LEN = 64


def user_secret(config_dir: str | os.PathLike[str] | None = None) -> bytes:
    """The user's random secret (``<config dir>/cache_secret``), created on first use."""
    path = phy_config_dir(config_dir) / "cache_secret"
    try:
        value = path.read_bytes()
    except FileNotFoundError:
        ensure_dir_exists(path.parent)
        value = secrets.token_hex(32).encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it meanwhile
            return path.read_bytes()
        with os.fdopen(fd, "wb") as f:
            f.write(value)
    if len(value) < 32:
        raise DataError(path, "is too short to be a secret key",
                        "delete it: phyclone creates a new one (its caches are then rebuilt)")
    return value


def signature(secret: bytes, role: str, payload: bytes) -> str:
    """Hex HMAC-SHA256 of ``payload`` (bytes) for ``role``."""
    return hmac.new(secret, role.encode() + b"\0" + payload, hashlib.sha256).hexdigest()


def dump_signed_pickle(path: str | os.PathLike[str], obj: Any, role: str,
                       config_dir: str | os.PathLike[str] | None = None) -> None:
    """Pickle ``obj`` into ``path`` (atomically), signed for ``role``."""
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sig = signature(user_secret(config_dir), role, payload).encode()
    with atomic_open(path, "wb", fsync=False) as f:
        f.write(MAGIC + sig + b"\n" + payload)


def load_signed_pickle(path: str | os.PathLike[str], role: str, config_dir: str | os.PathLike[str] | None = None) -> Any:
    """The object pickled in ``path`` by ``dump_signed_pickle`` for ``role``; a file without a
    valid signature raises ``DataError`` and is never unpickled."""
    path = Path(path)
    data = path.read_bytes()
    head = len(MAGIC) + _SIG_LEN + 1
    if not data.startswith(MAGIC) or len(data) < head or data[head - 1:head] != b"\n":
        raise DataError(path, "is not a pickle signed by phyclone for this user: not loaded",
                        "nothing to do: it is ignored (delete it if you do not need it)")
    sig, payload = data[len(MAGIC):head - 1], data[head:]
    expected = signature(user_secret(config_dir), role, payload).encode()
    if not hmac.compare_digest(sig, expected):
        raise DataError(path, "has a signature that is not this user's: not loaded",
                        "nothing to do: it is ignored (delete it if you do not need it)")
    try:
        return pickle.loads(payload)  # signed by this user's phyclone: trusted
    except Exception as e:
        raise DataError(path, f"is a damaged cache file ({type(e).__name__}: {e})",
                        "delete it") from None
