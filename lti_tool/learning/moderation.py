"""Final marks and marking reliability: moderation, re-grading, agreement per rubric.

Double-marked work whose two marks are more than one level apart on some criterion waits
in the moderation queue, nothing released, until an instructor of the course who gave
neither mark sets the final mark: a party to the disagreement would only restate their own
reading. The same final mark re-grades released work: any instructor of the course for
single-marked work, again neither grader for double-marked work. A course that
double-marks therefore needs three instructors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessments import rubrics
from assessments.agreement import Agreement, agreement
from assessments.catalog import find_activity
from assessments.model import Activity, Track
from lti_tool.learning import grading_audit
from lti_tool.learning.rubric_grading import (
    GradingError,
    MarkedPiece,
    PieceState,
    course_pieces,
    find_piece,
    graders,
    marks_of,
    release,
    save_mark,
    score_of,
    state_of,
)
from lti_tool.models import Attempt, GradingAction, GradingOutcome, MarkRole, RubricMark, User
from lti_tool.scope import CurrentLaunch


@dataclasses.dataclass(frozen=True)
class Case:
    """Work whose marks disagree, both marks side by side."""

    work: MarkedPiece
    names: Mapping[int, str]  #: grader id → name
    apart: tuple[str, ...]  #: criteria more than one level apart

    @property
    def marks(self) -> list[RubricMark]:
        return graders(self.work.marks)

    def may_moderate(self, user_id: int) -> bool:
        return all(mark.grader_id != user_id for mark in self.marks)


def cases(session: Session, launch: CurrentLaunch, tracks: Iterable[Track]) -> list[Case]:
    """The course's work waiting for moderation, oldest submission first."""
    waiting = [
        work
        for work in course_pieces(session, launch, tracks)
        if work.state is PieceState.MODERATION
    ]
    names = grader_names(session, (mark for work in waiting for mark in work.marks))
    return [Case(work, names, _apart(work)) for work in waiting]


def grader_names(session: Session, marks: Iterable[RubricMark]) -> dict[int, str]:
    ids = {mark.grader_id for mark in marks}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def _apart(work: MarkedPiece) -> tuple[str, ...]:
    own = graders(work.marks)
    return rubrics.apart(work.piece.rubric, own[0].levels, own[1].levels) if len(own) > 1 else ()


def finalise(
    session: Session,
    launch: CurrentLaunch,
    tracks: Iterable[Track],
    attempt_id: int,
    key: str,
    choices: Mapping[str, rubrics.LevelChoice],
    comment: str = "",
) -> GradingAction:
    """Set the final mark of a piece: a moderation decision when its marks disagree, a
    re-grade when its score is already released. Released at once."""
    tracks = tuple(tracks)
    piece = find_piece(session, launch, tracks, attempt_id, key)
    result = score_of(piece, choices)
    given = graders(marks_of(session, launch, [attempt_id]).get((attempt_id, key), []))
    state = state_of(piece, given)
    if state not in (PieceState.MODERATION, PieceState.RELEASED):
        raise GradingError(
            gettext("This work is still being marked: grade it from the grading queue.")
        )
    if len(given) > 1 and any(mark.grader_id == launch.user_id for mark in given):
        raise GradingError(
            gettext("You gave one of this work's two marks: another instructor must decide.")
        )
    before = piece.graded
    mark = save_mark(session, launch, piece, MarkRole.FINAL, result, comment)
    release(session, piece, tracks, mark)
    action = GradingAction.MODERATION if state is PieceState.MODERATION else GradingAction.REGRADE
    grading_audit.record(
        session, piece.attempt, key, launch.user_id, action, GradingOutcome.RELEASED, before, mark
    )
    return action


def attempt_work(
    session: Session, launch: CurrentLaunch, tracks: Iterable[Track], attempt_id: int
) -> list[MarkedPiece]:
    """The rubric work of one handed-in attempt in the launch's course (none: no such)."""
    return course_pieces(session, launch, tracks, Attempt.id == attempt_id)


def rubric_activities(
    session: Session, launch: CurrentLaunch, tracks: Iterable[Track]
) -> list[tuple[str, Activity]]:
    """(track id, activity) of the course's activities with handed-in work marked twice:
    the ones an agreement report has something to say about."""
    rows = session.execute(
        select(Attempt.track_id, Attempt.activity_id)
        .join(RubricMark, RubricMark.attempt_id == Attempt.id)
        .where(
            *Attempt.in_course(launch),
            *RubricMark.in_course(launch),
            RubricMark.role == MarkRole.MARK,
        )
        .group_by(
            Attempt.track_id, Attempt.activity_id, RubricMark.attempt_id, RubricMark.piece_key
        )
        .having(func.count(RubricMark.id) > 1)
    ).all()
    found = {}
    for track_id, activity_id in rows:
        located = find_activity(tracks, track_id, activity_id)
        if located is not None:
            found[track_id, activity_id] = (track_id, located[1])
    return sorted(found.values(), key=lambda pair: pair[1].title)


@dataclasses.dataclass(frozen=True)
class CriterionAgreement:
    criterion: rubrics.Criterion
    agreement: Agreement


@dataclasses.dataclass(frozen=True)
class RubricAgreement:
    """How the two graders of each double-marked piece of one rubric agreed."""

    key: str  #: the piece key: ``project``, ``item:<id>``, ``step:<node>``
    rubric: rubrics.Rubric
    pieces: int  #: double-marked pieces compared
    overall: Agreement  #: over every criterion mark together
    criteria: tuple[CriterionAgreement, ...]


def agreement_report(
    session: Session,
    launch: CurrentLaunch,
    tracks: Iterable[Track],
    track_id: str,
    activity: Activity,
) -> list[RubricAgreement]:
    """Per rubric of ``activity`` (a project's, or one per free-response item or scenario
    step): exact agreement and quadratic weighted kappa of the first and second marks of
    double-marked work in the launch's course. The level scale is each criterion's
    (``Criterion.rank``); pooled over criteria, the longest criterion's. A mark on a level
    the rubric no longer has is left out."""
    by_key: dict[str, tuple[rubrics.Rubric, list[tuple[dict, dict]]]] = {}
    where = (Attempt.track_id == track_id, Attempt.activity_id == activity.id)
    for work in course_pieces(session, launch, tracks, *where):
        own = graders(work.marks)
        if len(own) < 2:
            continue
        entry = by_key.setdefault(work.piece.key, (work.piece.rubric, []))
        entry[1].append((own[0].levels, own[1].levels))
    report = []
    for key, (rubric, pairs) in by_key.items():
        per_criterion = []
        pooled: list[tuple[int, int]] = []
        for criterion in rubric.criteria:
            ranks = [
                (
                    criterion.rank(first.get(criterion.id, "")),
                    criterion.rank(second.get(criterion.id, "")),
                )
                for first, second in pairs
            ]
            known = [(a, b) for a, b in ranks if a is not None and b is not None]
            pooled += known
            per_criterion.append(
                CriterionAgreement(criterion, agreement(known, len(criterion.levels)))
            )
        scale = max(len(criterion.levels) for criterion in rubric.criteria)
        report.append(
            RubricAgreement(key, rubric, len(pairs), agreement(pooled, scale), tuple(per_criterion))
        )
    return report
