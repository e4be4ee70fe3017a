"""Rubrics: criteria with levels and points, scored later by an instructor.

Work graded by a rubric (projects, free responses, scenario justifications) is
"pending manual grading" until an instructor picks one level per criterion; only then does
it have a score. A rubric may state its ``total`` so that an author's arithmetic is
checked at load time against the sum of the best level of each criterion.

Marks must be reliable enough to certify on, so the standard criterion has four analytic
levels, each describing what the grader observes (content that falls short gets a warning),
may carry anchor exemplars shown to graders, and may be ``critical``. A rubric's
``double_marking`` share of work is marked twice, blind (``lti_tool.learning.moderation``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping

from assessments.markdown import SafeHtml, render, render_inline
from assessments.model import AssessmentError, ResultStatus
from assessments.policy import parse_critical
from assessments.spec import Spec, unique

#: Levels a criterion has by the standard: fewer cannot tell work apart, more cannot be
#: told apart reliably by two graders.
STANDARD_LEVELS = 4


class RubricScoringError(AssessmentError):
    """This rubric score is incomplete or names a level the rubric does not have."""


@dataclasses.dataclass(frozen=True, slots=True)
class Level:
    id: str
    title: str
    points: float
    description_html: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class Exemplar:
    """An anchor: a sample of work at one level, shown to graders (never to learners)."""

    level: str
    html: SafeHtml


@dataclasses.dataclass(frozen=True, slots=True)
class Criterion:
    id: str
    title: str
    levels: tuple[Level, ...]
    exemplars: tuple[Exemplar, ...] = ()
    #: Why this criterion must be met whatever the total (None: not critical); it fails
    #: when the chosen level earns less than half of the criterion's points.
    critical: str | None = None

    @property
    def max_points(self) -> float:
        return max(level.points for level in self.levels)

    def level(self, level_id: str) -> Level | None:
        return next((level for level in self.levels if level.id == level_id), None)

    def rank(self, level_id: str) -> int | None:
        """The level's index from the lowest-scoring (0) up, however the author listed them:
        "within one level" and agreement statistics count steps on this scale. None for a
        level the criterion does not have (a mark given on older content)."""
        ordered = sorted(self.levels, key=lambda level: level.points)
        return next((i for i, level in enumerate(ordered) if level.id == level_id), None)

    def fails_critical(self, points: float) -> bool:
        return self.critical is not None and points < self.max_points / 2

    def exemplars_of(self, level_id: str) -> tuple[Exemplar, ...]:
        return tuple(e for e in self.exemplars if e.level == level_id)


@dataclasses.dataclass(frozen=True, slots=True)
class Rubric:
    criteria: tuple[Criterion, ...]
    #: The share (0 to 1) of summative work marked twice, blind; 1.0 marks all of it twice.
    double_marking: float = 0.0

    @property
    def total(self) -> float:
        return sum(criterion.max_points for criterion in self.criteria)

    def criterion(self, criterion_id: str) -> Criterion | None:
        return next((c for c in self.criteria if c.id == criterion_id), None)

    def double_marks(self, work_key: str) -> bool:
        """Whether the work named ``work_key`` (its attempt and piece) is in the double-marked
        share: sha256 of the key, read as a fraction of 2**64, below ``double_marking``.
        The same key always gives the same answer, on every host, so the choice can be
        reproduced from stored attempts."""
        digest = hashlib.sha256(work_key.encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.double_marking


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
    #: Ids of critical criteria whose chosen level earns less than half their points.
    critical_failed: tuple[str, ...] = ()


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
    failed = tuple(
        c.id for c, row in zip(rubric.criteria, rows, strict=True) if c.fails_critical(row.points)
    )
    return RubricResult(
        ResultStatus.of(total, rubric.total), total, rubric.total, tuple(rows), failed
    )


def apart(rubric: Rubric, first: Mapping[str, str], second: Mapping[str, str]) -> tuple[str, ...]:
    """Criteria where two marks (criterion → level id) are more than one level apart: two
    graders that close agree within the rubric's tolerance; further apart, someone must
    look again."""
    found = []
    for criterion in rubric.criteria:
        rank_first = criterion.rank(first.get(criterion.id, ""))
        rank_second = criterion.rank(second.get(criterion.id, ""))
        # A level the rubric no longer has cannot be compared: someone must look again.
        if rank_first is None or rank_second is None or abs(rank_first - rank_second) > 1:
            found.append(criterion.id)
    return tuple(found)


def parse(spec: Spec) -> Rubric | None:
    """Read ``{criteria: [{id, title, critical?, levels: [{id, title, points, description}],
    exemplars?: [{level, text or file}]}], total?, double_marking?}``."""
    criteria = []
    children = spec.children("criteria")
    for child in children:
        criterion = _parse_criterion(child)
        if criterion is not None:
            criteria.append(criterion)
    unique(((child, child.data.get("id")) for child in children), "criterion")
    declared = spec.number("total", None, minimum=0)
    share = spec.number("double_marking", 0.0, minimum=0)
    if share is not None and share > 1:
        spec.error(
            f"'double_marking' is the share of work marked twice, from 0 to 1, found {share:g}",
            "double_marking",
        )
        share = None
    spec.done()
    if len(criteria) != len(children) or share is None:
        return None
    rubric = Rubric(tuple(criteria), share)
    if declared is not None and abs(declared - rubric.total) > 1e-9:
        spec.error(
            f"rubric total is {declared:g} but its criteria add up to {rubric.total:g}", "total"
        )
        return None
    return rubric


def _parse_criterion(spec: Spec) -> Criterion | None:
    criterion_id, title = spec.ident(), spec.text("title")
    critical = parse_critical(spec)
    levels = []
    level_specs = spec.children("levels")
    for child in level_specs:
        level_id, level_title = child.ident(), child.text("title")
        points = child.number("points", minimum=0)
        description = child.text("description", "")
        if level_title is not None and description == "":
            # A warning for now: shipped rubrics predate the standard and are being rewritten.
            child.warn(
                f"level {level_title!r} needs a 'description' of what the grader observes",
                "title",
            )
        child.done()
        if level_id is not None and level_title is not None and points is not None:
            levels.append(Level(level_id, level_title, points, render_inline(description or "")))
    unique(((child, child.data.get("id")) for child in level_specs), "level")
    if level_specs and len(level_specs) != STANDARD_LEVELS:
        spec.warn(
            f"criterion has {len(level_specs)} levels; the standard is {STANDARD_LEVELS}, "
            "each with a description",
            "levels",
        )
    exemplars = _parse_exemplars(spec, {level.id for level in levels})
    spec.done()
    if not spec.ok or criterion_id is None or title is None or exemplars is None or not levels:
        return None
    return Criterion(criterion_id, title, tuple(levels), exemplars, critical)


def _parse_exemplars(spec: Spec, level_ids: set[str]) -> tuple[Exemplar, ...] | None:
    """``exemplars: [{level, text}]`` or ``[{level, file}]`` (a Markdown file beside the
    definition): anchor work for graders. None when one of them is wrong."""
    found = []
    entries = spec.children("exemplars", required=False)
    for child in entries:
        level = child.ident("level")
        if level is not None and level not in level_ids:
            child.error(f"exemplar of level {level!r}: the criterion has no such level", "level")
        html = ""
        if child.has("text") == child.has("file"):
            child.error("an exemplar needs 'text' (Markdown) or 'file' (a .md file), one of them")
        elif child.has("file"):
            html = child.markdown_file("file")
        else:
            html = render(child.text("text") or "")
        if child.ok and not html.strip():
            child.error("the exemplar is empty", "file" if child.has("file") else "text")
        child.done()
        if child.ok and level is not None:  # level is None only beside a recorded problem
            found.append(Exemplar(level, SafeHtml(html)))
    return tuple(found) if len(found) == len(entries) else None
