"""The small values content is made of: kinds, difficulty, result status, versions, ids."""

from __future__ import annotations

import dataclasses
import re
from enum import StrEnum


class ActivityKind(StrEnum):
    """What a learner does in an activity; decides which fields the activity needs."""

    LESSON = "lesson"
    LAB = "lab"
    SCENARIO = "scenario"
    PROJECT = "project"
    QUIZ = "quiz"
    EXAM = "exam"

    @property
    def is_assessed(self) -> bool:
        return self is not ActivityKind.LESSON

    @property
    def has_items(self) -> bool:
        return self in (ActivityKind.QUIZ, ActivityKind.EXAM)

    @property
    def is_practical(self) -> bool:
        """Work judged by doing (labs, scenarios, projects), not by recognising answers."""
        return self in (ActivityKind.LAB, ActivityKind.SCENARIO, ActivityKind.PROJECT)


class Difficulty(StrEnum):
    """How hard the author means an item to be; item analysis later checks it against data."""

    INTRODUCTORY = "introductory"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class ResultStatus(StrEnum):
    """How a scored answer or activity stands; ``pending`` waits for an instructor."""

    CORRECT = "correct"
    PARTIAL = "partial"
    INCORRECT = "incorrect"
    PENDING = "pending"

    @classmethod
    def of(cls, score: float, max_score: float) -> ResultStatus:
        if score >= max_score:
            return cls.CORRECT
        return cls.PARTIAL if score > 0 else cls.INCORRECT


_SEMVER = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@dataclasses.dataclass(frozen=True, order=True, slots=True)
class Version:
    """A semantic version, MAJOR.MINOR.PATCH; ordered so "is this newer" is one comparison."""

    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _SEMVER.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a version like 1.0.0")
        return cls(*(int(part) for part in match.groups()))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclasses.dataclass(frozen=True, slots=True)
class Competency:
    """One entry of a track's competency framework; assessed work aligns to these ids."""

    id: str
    title: str
    description: str
