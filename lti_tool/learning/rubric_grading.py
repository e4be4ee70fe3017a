"""Rubric work an instructor scores: free-response answers, scenario justifications, projects.

Each piece of pending work has a key inside its attempt — ``item:<id>``, ``step:<node>`` or
``project`` — and a rubric from the content. Scoring a piece stores the rubric result in
the attempt and recomputes the attempt's score; the attempt stays "awaiting grading"
until every piece is scored.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments import rubrics
from assessments.catalog import find_activity
from assessments.model import Activity, ActivityKind, AssessmentError, ResultStatus, Track
from lti_tool.credentials.issuing import queue_if_completed as queue_credential_if_completed
from lti_tool.errors import SkillCertError
from lti_tool.gradesync import outbox as gradesync
from lti_tool.learning.attempts import items_of
from lti_tool.models import Attempt, AttemptStatus, User
from lti_tool.sessions import CurrentLaunch


class GradingError(SkillCertError):
    """This grade cannot be recorded."""

    status_code = 400
    advice = _l("Choose a level for every criterion and save again.")


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
        return (self.attempt.result or {}).get("rubric", {}).get(self.key)

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
    if activity.kind is ActivityKind.SCENARIO:
        nodes = activity.scenario.nodes
        return [
            Piece(
                attempt,
                learner,
                activity,
                f"step:{step['node']}",
                nodes[step["node"]].justification.prompt_html,
                step["justification"],
                nodes[step["node"]].justification.rubric,
            )
            for step in (attempt.result or {}).get("justifications", [])
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
        if item.type == "free_response"
    ]


def queue(session: Session, launch: CurrentLaunch, tracks: Iterable[Track]) -> list[Piece]:
    """Ungraded rubric work in the launch's course, oldest submission first."""
    tracks = tuple(tracks)
    rows = session.execute(
        select(Attempt, User.name)
        .join(User, User.id == Attempt.user_id)
        .where(*Attempt.in_course(launch), Attempt.status == AttemptStatus.SUBMITTED)
        .order_by(Attempt.submitted_at, Attempt.id)
    ).all()
    pending = []
    for attempt, name in rows:
        activity = _activity(tracks, attempt)
        if activity is not None:
            pending += [p for p in pieces_of(attempt, activity, name or "") if p.graded is None]
    return pending


def following(pending: Sequence[Piece], attempt_id: int, key: str) -> Piece | None:
    """The piece to grade after this one: the next in the queue, else the first one left."""
    keys = [(piece.attempt.id, piece.key) for piece in pending]
    if (attempt_id, key) in keys:
        position = keys.index((attempt_id, key))
        if position + 1 < len(pending):
            return pending[position + 1]
    return next((p for p in pending if (p.attempt.id, p.key) != (attempt_id, key)), None)


def grade(
    session: Session,
    launch: CurrentLaunch,
    tracks: Iterable[Track],
    attempt_id: int,
    key: str,
    choices: Mapping[str, rubrics.LevelChoice],
    comment: str = "",
) -> Attempt:
    """Score one piece, with an overall ``comment``; the attempt must be in the
    instructor's course."""
    attempt = session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, *Attempt.in_course(launch))
    )
    activity = _activity(tracks, attempt) if attempt else None
    piece = (
        next((p for p in pieces_of(attempt, activity, "") if p.key == key), None)
        if activity
        else None
    )
    if piece is None:
        raise GradingError(gettext("There is no such work to grade in this course."))
    try:
        result = rubrics.score(piece.rubric, choices)
    except AssessmentError as exc:
        raise GradingError(exc.message) from None
    stored = dict(attempt.result or {})
    scored = {**dataclasses.asdict(result), "comment": comment.strip()}
    stored["rubric"] = {**stored.get("rubric", {}), key: scored}
    attempt.result = stored
    _recompute(attempt, activity)
    gradesync.queue_scores(session, attempt, tracks, new_submission=False)
    queue_credential_if_completed(session, attempt, tracks)
    return attempt


def _activity(tracks: Iterable[Track], attempt: Attempt) -> Activity | None:
    found = find_activity(tracks, attempt.track_id, attempt.activity_id)
    return None if found is None else found[1]


def _recompute(attempt: Attempt, activity: Activity) -> None:
    """The attempt's score once rubric points are in: points over maximum, 0 to 1."""
    result = dict(attempt.result)
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
