"""Rubrics: criteria with levels and points, scored later by an instructor.

Work graded by a rubric (projects, free responses, scenario justifications) is
"pending manual grading" until an instructor picks one level per criterion; only then does
it have a score. A rubric may state its ``total`` so that an author's arithmetic is
checked at load time against the sum of the best level of each criterion.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from assessments.markdown import render_inline
from assessments.model import AssessmentError, ResultStatus
from assessments.spec import Spec, unique


class RubricScoringError(AssessmentError):
    """This rubric score is incomplete or names a level the rubric does not have."""


@dataclasses.dataclass(frozen=True, slots=True)
class Level:
    id: str
    title: str
    points: float
    description_html: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    title: str
    levels: tuple[Level, ...]

    @property
    def max_points(self) -> float:
        return max(level.points for level in self.levels)

    def level(self, level_id: str) -> Level | None:
        return next((level for level in self.levels if level.id == level_id), None)


@dataclasses.dataclass(frozen=True, slots=True)
class Rubric:
    criteria: tuple[Criterion, ...]

    @property
    def total(self) -> float:
        return sum(criterion.max_points for criterion in self.criteria)


@dataclasses.dataclass(frozen=True, slots=True)
class LevelChoice:
    """An instructor's judgement on one criterion."""

    level: str
    comment: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class CriterionScore:
    criterion: str
    level: str
    points: float
    max_points: float
    comment: str


@dataclasses.dataclass(frozen=True, slots=True)
class RubricResult:
    status: ResultStatus
    score: float | None  #: None while pending
    max_score: float
    criteria: tuple[CriterionScore, ...] = ()


def pending(rubric: Rubric) -> RubricResult:
    """The result of rubric work that no instructor has scored yet."""
    return RubricResult(ResultStatus.PENDING, None, rubric.total)


def score(rubric: Rubric, choices: Mapping[str, LevelChoice]) -> RubricResult:
    """Score an instructor's choice of level for every criterion; all criteria are required."""
    missing = [c.title for c in rubric.criteria if c.id not in choices]
    if missing:
        raise RubricScoringError(f"Choose a level for: {', '.join(missing)}.")
    unknown = sorted(set(choices) - {c.id for c in rubric.criteria})
    if unknown:
        raise RubricScoringError(f"This rubric has no criterion {', '.join(unknown)}.")
    rows = []
    for criterion in rubric.criteria:
        choice = choices[criterion.id]
        level = criterion.level(choice.level)
        if level is None:
            raise RubricScoringError(f"'{criterion.title}' has no level {choice.level!r}.")
        rows.append(
            CriterionScore(
                criterion.id, level.id, level.points, criterion.max_points, choice.comment
            )
        )
    total = sum(row.points for row in rows)
    return RubricResult(ResultStatus.of(total, rubric.total), total, rubric.total, tuple(rows))


def parse(spec: Spec) -> Rubric | None:
    """Read ``{criteria: [{id, title, levels: [{id, title, points, description?}]}], total?}``."""
    criteria = []
    children = spec.children("criteria")
    for child in children:
        criterion = _parse_criterion(child)
        if criterion is not None:
            criteria.append(criterion)
    unique(((child, child.data.get("id")) for child in children), "criterion")
    declared = spec.number("total", None, minimum=0)
    spec.done()
    if len(criteria) != len(children):
        return None
    rubric = Rubric(tuple(criteria))
    if declared is not None and abs(declared - rubric.total) > 1e-9:
        spec.error(
            f"rubric total is {declared:g} but its criteria add up to {rubric.total:g}", "total"
        )
        return None
    return rubric


def _parse_criterion(spec: Spec) -> Criterion | None:
    criterion_id, title = spec.ident(), spec.text("title")
    levels = []
    level_specs = spec.children("levels")
    for child in level_specs:
        level_id, level_title = child.ident(), child.text("title")
        points = child.number("points", minimum=0)
        description = child.text("description", "")
        child.done()
        if None not in (level_id, level_title, points):
            levels.append(Level(level_id, level_title, points, render_inline(description)))
    unique(((child, child.data.get("id")) for child in level_specs), "level")
    spec.done()
    if criterion_id is None or title is None or not levels or len(levels) != len(level_specs):
        return None
    return Criterion(criterion_id, title, tuple(levels))
