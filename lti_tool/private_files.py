"""Secret files SkillCert keeps in its instance folder, readable by its own user only."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)


def private_file_text(path: Path, new_text: str) -> str:
    """The text of a secret file of ours; on first use ``new_text``, written there 0600."""
    if path.exists():
        make_private(path)
        return path.read_text(encoding="ascii").strip()
    make_private(path.parent, folder=True)
    # Write a private temporary file, then link it into place: a concurrent first start
    # (two gunicorn workers) either wins the link or reads the winner's complete file.
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
        f.write(new_text)
        f.flush()
        os.fsync(f.fileno())  # on disk before anything it encrypts is committed
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path.read_text(encoding="ascii").strip()


def make_private(path: Path, *, folder: bool = False) -> None:
    """Take group and others' permissions away from a file or folder of ours, saying so in
    the log; ``folder``: create the folder (0700) if it is missing."""
    try:
        if folder:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)  # the umask only takes bits away
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
            log.warning("%s was readable by other users (mode %03o): made it private.", path, mode)
    except FileNotFoundError:
        pass
    except OSError as exc:  # not ours, or a read-only install: whatever needs it says so later
        log.warning("Cannot make %s private (%s): run `chmod go-rwx` on it.", path, exc.strerror)
