"""The demo LMS's own records: small JSON files in the instance folder, replaced whole.

The demo LMS stands for another system, so its gradebook and placed links live in files
of its own rather than in SkillCert's database (no tables or migrations for a demo, and
nothing of it in a production schema). ``skillcert serve --demo`` is one process, so a
lock per file is enough between its request threads and its in-process worker; a write
goes to a temporary file that then replaces the old one, so a crash leaves the previous
version or the new one, never half of either.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

_locks: dict[Path, threading.RLock] = {}
_locks_guard = threading.Lock()


class JsonFile:
    """One JSON document; ``empty()`` gives its content before the first write."""

    def __init__(self, path: Path, empty: Callable[[], Any]) -> None:
        self.path = path
        self._empty = empty
        with _locks_guard:  # every JsonFile on the same path shares its lock
            self._lock = _locks.setdefault(path.resolve(), threading.RLock())

    def read(self) -> Any:
        with self._lock:
            try:
                return json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                return self._empty()

    @contextlib.contextmanager
    def update(self) -> Iterator[Any]:
        """Read, let the caller change the document in place, then write it back (unless
        the caller raised: then nothing is written)."""
        with self._lock:
            document = self.read()
            yield document
            self._write(document)

    def _write(self, document: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(document, f, indent=2)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
