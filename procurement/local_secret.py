"""The secret key of a local run (``make run``): made once under ``var/``, reused on every later run.

A newcomer sets nothing, yet sessions, CSRF tokens and password-reset links must not be signed
with a key published in the repository. The file is readable by its owner only (mode 0600) and
never committed (``/var/`` is in ``.gitignore``). Production sets ``SECRET_KEY`` and never reads it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

SECRET_MODE = 0o600


def local_secret_key(path: Path) -> str:
    """The key stored at ``path``; the first call creates it.

    The launcher and the three processes it starts may read it at the same moment: the key is
    written to a private temporary file and linked into place, so a reader sees either no file or
    the whole key, and a second writer loses the race without replacing the first key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    key = _read(path)
    if key:
        return key
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, SECRET_MODE)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(64) + "\n")
        with contextlib.suppress(FileExistsError):  # another process made it first: use that one
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    key = _read(path)
    if not key:
        raise RuntimeError(f"{path} is empty: delete it and start again")
    return key


def _read(path: Path) -> str:
    try:
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        return ""
    if mode != SECRET_MODE:
        # A copy or an umask may have widened it; only its owner needs to read it.
        path.chmod(SECRET_MODE)
    return path.read_text(encoding="ascii").strip()
