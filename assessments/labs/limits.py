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
    and ``open_files`` are rlimits set with prlimit; ``work_dir_bytes`` is the size of the
    private tmpfs; ``wall_seconds`` and ``output_bytes`` are enforced from outside by the
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
