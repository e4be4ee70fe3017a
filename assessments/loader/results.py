"""What a load returns: per file, per track folder, and for the whole load."""

from __future__ import annotations

import dataclasses

from assessments.model import Track
from assessments.spec import Problem


@dataclasses.dataclass(frozen=True, slots=True)
class FileReport:
    path: str
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class TrackReport:
    """What became of one track folder: the track, or its problems file by file."""

    folder: str
    track: Track | None
    files: tuple[FileReport, ...]

    @property
    def problems(self) -> list[Problem]:
        return [problem for report in self.files for problem in report.problems]

    @property
    def warnings(self) -> list[Problem]:
        return [warning for report in self.files for warning in report.warnings]


@dataclasses.dataclass(frozen=True, slots=True)
class LoadResult:
    reports: tuple[TrackReport, ...]
    extra_problems: tuple[Problem, ...] = ()  #: problems that belong to no track folder

    @property
    def tracks(self) -> tuple[Track, ...]:
        return tuple(r.track for r in self.reports if r.track is not None)

    @property
    def problems(self) -> list[Problem]:
        """Errors: a track with any of them was not loaded."""
        return [*self.extra_problems, *(p for r in self.reports for p in r.problems)]

    @property
    def warnings(self) -> list[Problem]:
        """To fix soon, but the tracks loaded anyway."""
        return [w for r in self.reports for w in r.warnings]
