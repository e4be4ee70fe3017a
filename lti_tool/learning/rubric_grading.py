"""Rubric work an instructor scores: free-response answers, scenario justifications, projects.

Each piece of pending work has a key inside its attempt — ``item:<id>``, ``step:<node>`` or
``project`` — and a rubric from the content. Each grader's mark is stored on its own
(``RubricMark``); the piece's score is *released* into the attempt's result, and the
attempt's score recomputed, once the marks settle it:

- single-marked work: its one mark is released;
- double-marked work (the rubric's ``double_marking`` share of summative work, chosen by
  ``Rubric.double_marks``): a second instructor marks it blind. When the two marks are
  within one level on every criterion, the first grader's mark is released — the second
  mark checks it, as in check marking, and the first grader's comments stay whole; when
  any criterion is further apart, the piece goes to moderation
  (``lti_tool.learning.moderation``) and nothing is released until a moderator decides.

The attempt stays "awaiting grading" until every piece is released. Every action is
written to the audit trail (``lti_tool.learning.grading_audit``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from assessments import rubrics
from assessments.catalog import find_activity
from assessments.items.free_response import FreeResponse
from assessments.model import Activity, ActivityKind, AssessmentError, ResultStatus, Track
from lti_tool import outcomes
from lti_tool.errors import SkillCertError
from lti_tool.learning import grading_audit
from lti_tool.learning.attempts import items_of
from lti_tool.models import (
    Attempt,
    AttemptStatus,
    GradingAction,
    GradingOutcome,
    MarkRole,
    RubricMark,
    User,
    utcnow,
)
from lti_tool.outcomes import Change
from lti_tool.scope import CurrentLaunch


class GradingError(SkillCertError):
    """This grade cannot be recorded."""

    status_code = 400
    advice = _l("Choose a level for every criterion and save again.")


class PieceState(StrEnum):
    AWAITING_MARK = "awaiting_mark"
    AWAITING_SECOND_MARK = "awaiting_second_mark"
    MODERATION = "moderation"  #: its marks are in but settle nothing: a moderator decides
    RELEASED = "released"


@dataclasses.dataclass(frozen=True)
class Piece:
    """One piece of rubric work in an attempt."""

    attempt: Attempt
    learner: str
    activity: Activity
    key: str
    prompt_html: str
    answer: str
    rubric: rubrics.Rubric

    @property
    def graded(self) -> dict | None:
        """The released result (``RubricResult`` as JSON, with the overall ``comment``)."""
        return (self.attempt.result or {}).get("rubric", {}).get(self.key)

    @property
    def double_marked(self) -> bool:
        """In the rubric's double-marked share; practice work is never double-marked."""
        return self.activity.attempt_policy.is_summative and self.rubric.double_marks(
            f"{self.attempt.id}/{self.key}"
        )

    @property
    def marks_needed(self) -> int:
        return 2 if self.double_marked else 1

    @property
    def anchor(self) -> str:
        """The id of the piece's heading on the grading page (a URL fragment)."""
        return f"piece-{self.attempt.id}-{re.sub(r'[^A-Za-z0-9_-]', '-', self.key)}"


def pieces_of(attempt: Attempt, activity: Activity, learner: str) -> list[Piece]:
    """The rubric work in one submitted attempt, graded or not."""
    if attempt.status is not AttemptStatus.SUBMITTED:
        return []
    if activity.kind is ActivityKind.PROJECT and activity.rubric is not None:
        text = attempt.answers.get("text", "")
        return [
            Piece(attempt, learner, activity, "project", activity.body_html, text, activity.rubric)
        ]
    if activity.kind is ActivityKind.SCENARIO and activity.scenario is not None:
        nodes = activity.scenario.nodes
        return [
            Piece(
                attempt,
                learner,
                activity,
                f"step:{step['node']}",
                why.prompt_html,
                step["justification"],
                why.rubric,
            )
            for step in (attempt.result or {}).get("justifications", [])
            # Only a node that asks for a justification stores one.
            if (why := nodes[step["node"]].justification) is not None
        ]
    return [
        Piece(
            attempt,
            learner,
            activity,
            f"item:{item.id}",
            item.stem_html,
            str(attempt.answers.get(item.id, "")),
            item.definition.rubric,
        )
        for item in items_of(attempt, activity)
        # Free-response items are the ones with a rubric.
        if isinstance(item.definition, FreeResponse)
    ]


def marks_of(
    session: Session, launch: CurrentLaunch, attempt_ids: Iterable[int]
) -> dict[tuple[int, str], list[RubricMark]]:
    """(attempt id, piece key) → its marks in the launch's course, oldest first."""
    found: dict[tuple[int, str], list[RubricMark]] = {}
    rows = session.scalars(
        select(RubricMark)
        .where(*RubricMark.in_course(launch), RubricMark.attempt_id.in_(list(attempt_ids)))
        .order_by(RubricMark.id)
    )
    for mark in rows:
        found.setdefault((mark.attempt_id, mark.piece_key), []).append(mark)
    return found


def graders(marks: Sequence[RubricMark]) -> list[RubricMark]:
    """The graders' own marks (first, then second), without final ones."""
    return [mark for mark in marks if mark.role is MarkRole.MARK]


def state_of(piece: Piece, marks: Sequence[RubricMark]) -> PieceState:
    if piece.graded is not None:
        return PieceState.RELEASED
    given = len(graders(marks))
    if given == 0:
        return PieceState.AWAITING_MARK
    if given < piece.marks_needed:
        return PieceState.AWAITING_SECOND_MARK
    # All marks are in and none was released: they disagree (or the content's share
    # changed between marks); either way a final mark settles it.
    return PieceState.MODERATION


@dataclasses.dataclass(frozen=True)
class MarkedPiece:
    """A piece with the marks given on it so far."""

    piece: Piece
    marks: list[RubricMark]  #: oldest first

    @property
    def state(self) -> PieceState:
        return state_of(self.piece, self.marks)


def course_pieces(
    session: Session,
    launch: CurrentLaunch,
    tracks: Iterable[Track],
    *where: ColumnElement[bool],
) -> list[MarkedPiece]:
    """Every piece of rubric work handed in in the launch's course (and matching ``where``
    on ``Attempt``), with its marks, oldest submission first."""
    tracks = tuple(tracks)
    rows = session.execute(
        select(Attempt, User.name)
        .join(User, User.id == Attempt.user_id)
        .where(*Attempt.in_course(launch), Attempt.status == AttemptStatus.SUBMITTED, *where)
        .order_by(Attempt.submitted_at, Attempt.id)
    ).all()
    marks = marks_of(session, launch, (attempt.id for attempt, _ in rows))
    found = []
    for attempt, name in rows:
        activity = _activity(tracks, attempt)
        for piece in pieces_of(attempt, activity, name or "") if activity is not None else ():
            found.append(MarkedPiece(piece, marks.get((attempt.id, piece.key), [])))
    return found


def queue(session: Session, launch: CurrentLaunch, tracks: Iterable[Track]) -> list[Piece]:
    """Rubric work in the launch's course that awaits a mark from this instructor, oldest
    submission first: ungraded work, and double-marked work someone else marked first."""
    waiting = (PieceState.AWAITING_MARK, PieceState.AWAITING_SECOND_MARK)
    return [
        work.piece
        for work in course_pieces(session, launch, tracks)
        if work.state in waiting
        and all(mark.grader_id != launch.user_id for mark in graders(work.marks))
    ]


def following(pending: Sequence[Piece], attempt_id: int, key: str) -> Piece | None:
    """The piece to grade after this one: the next in the queue, else the first one left."""
    keys = [(piece.attempt.id, piece.key) for piece in pending]
    if (attempt_id, key) in keys:
        position = keys.index((attempt_id, key))
        if position + 1 < len(pending):
            return pending[position + 1]
    return next((p for p in pending if (p.attempt.id, p.key) != (attempt_id, key)), None)


def find_piece(
    session: Session, launch: CurrentLaunch, tracks: Iterable[Track], attempt_id: int, key: str
) -> Piece:
    """The piece in the instructor's course, its attempt locked for the rest of the
    transaction (PostgreSQL), so two graders saving at once are counted one after the other."""
    attempt = session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id, *Attempt.in_course(launch))
        .with_for_update()
    )
    activity = _activity(tracks, attempt) if attempt is not None else None
    pieces = [] if attempt is None or activity is None else pieces_of(attempt, activity, "")
    piece = next((p for p in pieces if p.key == key), None)
    if piece is None:
        raise GradingError(gettext("There is no such work to grade in this course."))
    return piece


def grade(
    session: Session,
    launch: CurrentLaunch,
    tracks: Iterable[Track],
    attempt_id: int,
    key: str,
    choices: Mapping[str, rubrics.LevelChoice],
    comment: str = "",
) -> GradingOutcome:
    """Save this instructor's mark on one piece, with an overall ``comment``, and release
    the score if the marks now settle it. The attempt must be in the instructor's course;
    an instructor marks a piece once."""
    tracks = tuple(tracks)
    piece = find_piece(session, launch, tracks, attempt_id, key)
    result = score_of(piece, choices)
    given = marks_of(session, launch, [attempt_id]).get((attempt_id, key), [])
    match state_of(piece, given):
        case PieceState.RELEASED:
            raise GradingError(
                gettext("This work is already graded. To change its grade, re-grade it.")
            )
        case PieceState.MODERATION:
            raise GradingError(gettext("This work's marks differ: it waits for moderation."))
    if any(mark.grader_id == launch.user_id for mark in given):
        raise GradingError(
            gettext("You have already marked this work: another instructor gives its second mark.")
        )
    mark = save_mark(session, launch, piece, MarkRole.MARK, result, comment)
    marks = [*graders(given), mark]
    if len(marks) < piece.marks_needed:
        outcome = GradingOutcome.AWAITING_SECOND_MARK
    elif len(marks) > 1 and rubrics.apart(piece.rubric, marks[0].levels, marks[1].levels):
        outcome = GradingOutcome.MODERATION
    else:
        release(session, piece, tracks, marks[0])
        outcome = GradingOutcome.RELEASED
    action = GradingAction.MARK if len(marks) == 1 else GradingAction.SECOND_MARK
    grading_audit.record(session, piece.attempt, key, launch.user_id, action, outcome, None, mark)
    return outcome


def save_mark(
    session: Session,
    launch: CurrentLaunch,
    piece: Piece,
    role: MarkRole,
    result: rubrics.RubricResult,
    comment: str,
) -> RubricMark:
    """Store the instructor's mark of this role (a final mark replaces their earlier one)."""
    if result.score is None:
        # score_of always scores; a pending result would store a mark without points.
        raise ValueError("A mark needs a scored rubric result, not a pending one.")
    mark = None
    if role is MarkRole.FINAL:
        mark = session.scalar(
            select(RubricMark).where(
                *RubricMark.in_course(launch),
                RubricMark.attempt_id == piece.attempt.id,
                RubricMark.piece_key == piece.key,
                RubricMark.grader_id == launch.user_id,
                RubricMark.role == role,
            )
        )
    if mark is None:
        mark = RubricMark(
            registration_id=piece.attempt.registration_id,
            deployment_id=piece.attempt.deployment_id,
            context_id=piece.attempt.context_id,
            attempt_id=piece.attempt.id,
            piece_key=piece.key,
            grader_id=launch.user_id,
            role=role,
        )
        session.add(mark)
    mark.levels = {row.criterion: row.level for row in result.criteria}
    mark.comments = {row.criterion: row.comment for row in result.criteria if row.comment}
    mark.comment = comment.strip()
    mark.score = result.score
    mark.marked_at = utcnow()
    session.flush()
    return mark


def release(session: Session, piece: Piece, tracks: Iterable[Track], mark: RubricMark) -> None:
    """Make ``mark`` the piece's score: into the attempt's result, then the attempt's score,
    the LMS's grade and a credential if the track is now complete."""
    choices = {
        criterion: rubrics.LevelChoice(level, mark.comments.get(criterion, ""))
        for criterion, level in mark.levels.items()
    }
    result = score_of(piece, choices)
    attempt = piece.attempt
    stored = dict(attempt.result or {})
    scored = {**dataclasses.asdict(result), "comment": mark.comment}
    stored["rubric"] = {**stored.get("rubric", {}), piece.key: scored}
    _recompute(attempt, piece.activity, stored)
    outcomes.work_changed(session, attempt, tracks, Change.GRADED)


def score_of(piece: Piece, choices: Mapping[str, rubrics.LevelChoice]) -> rubrics.RubricResult:
    """The rubric's score of these choices; a ``GradingError`` says what is missing."""
    try:
        return rubrics.score(piece.rubric, choices)
    except AssessmentError as exc:
        raise GradingError(exc.message) from None


def _activity(tracks: Iterable[Track], attempt: Attempt) -> Activity | None:
    found = find_activity(tracks, attempt.track_id, attempt.activity_id)
    return None if found is None else found[1]


def _recompute(attempt: Attempt, activity: Activity, result: dict[str, Any]) -> None:
    """Store ``result``, the attempt's result with new rubric points in, with its status and
    the attempt's score recomputed: points over maximum, 0 to 1."""
    graded = result.get("rubric", {})
    pieces = pieces_of(attempt, activity, "")
    earned = possible = 0.0
    if activity.kind.has_items:
        for item_id, item_result in result["items"].items():
            rubric_result = graded.get(f"item:{item_id}")
            if rubric_result is None:
                earned += item_result["score"]
            else:  # scale the rubric's points to the item's
                fraction = rubric_result["score"] / rubric_result["max_score"]
                earned += fraction * item_result["max_score"]
            possible += item_result["max_score"]
    else:
        earned = result.get("score", 0.0) if activity.kind is ActivityKind.SCENARIO else 0.0
        possible = result.get("max_score", 0.0) if activity.kind is ActivityKind.SCENARIO else 0.0
        for piece in pieces:
            rubric_result = graded.get(piece.key)
            earned += rubric_result["score"] if rubric_result else 0.0
            possible += piece.rubric.total
    all_graded = all(p.key in graded for p in pieces)
    result["status"] = (
        ResultStatus.of(earned, possible).value if all_graded else ResultStatus.PENDING.value
    )
    attempt.result = result
    attempt.score = earned / possible if possible else 0.0
