"""Resource limits for one sandboxed run, kept apart so labs can override them in their spec."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

MiB = 1 << 20


@dataclasses.dataclass(frozen=True)
class Limits:
    """What one sandbox session may use; every number is enforced by the kernel or the grader.

    ``cpu_seconds``, ``memory_bytes`` (address space), ``max_processes``, ``file_size_bytes``
    and ``open_files`` are rlimits set with prlimit; ``work_dir_bytes`` is what the private
    tmpfs mounts hold together (the work dir, and ``/dev/shm`` with ``shm_bytes`` of it);
    ``wall_seconds`` and ``output_bytes`` are enforced from outside by the
    grader, which kills the whole process group when they run out.
    """

    cpu_seconds: int = 10
    wall_seconds: float = 30.0
    memory_bytes: int = 1024 * MiB
    max_processes: int = 64
    file_size_bytes: int = 16 * MiB
    open_files: int = 256
    work_dir_bytes: int = 64 * MiB
    output_bytes: int = 1 * MiB

    @property
    def shm_bytes(self) -> int:
        """The size of ``/dev/shm``: an eighth of the work-dir budget, at least 1 MiB (POSIX
        semaphores and small shared buffers fit; filling it is a resource error)."""
        return max(MiB, self.work_dir_bytes // 8)

    @property
    def work_tmpfs_bytes(self) -> int:
        """The size of the work dir: the budget less ``/dev/shm``."""
        return max(MiB, self.work_dir_bytes - self.shm_bytes)

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            if getattr(self, field.name) <= 0:
                raise ValueError(f"Limit {field.name} must be positive.")

    def override(self, values: Mapping[str, Any]) -> Limits:
        """Return a copy with the given fields replaced (a lab spec's ``limits:`` mapping)."""
        known = {field.name for field in dataclasses.fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"Unknown limit(s): {', '.join(unknown)}; known: {sorted(known)}.")
        return dataclasses.replace(self, **dict(values))
