"""A learner's progress toward completing each track: the engine decides, we gather scores."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session

from assessments.labs.results import LabResult
from assessments.model import Activity, ActivityKind, Track
from assessments.policy import CompletionStatus, completion
from lti_tool.models import Attempt, AttemptStatus, LabSubmission, SubmissionStatus
from lti_tool.scope import LearnerScope


class ActivityState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"  #: an attempt is open, or lab work waits for the grader
    AWAITING_GRADING = "awaiting_grading"  #: handed in, an instructor has yet to grade it
    DONE = "done"  #: a lesson the learner marked as done
    SCORED = "scored"


@dataclasses.dataclass
class Work:
    #: Each submitted attempt or graded lab submission, oldest first; None while pending.
    scores: list[float | None] = dataclasses.field(default_factory=list)
    #: The critical checks each of them failed, in the same order.
    critical: list[tuple[str, ...]] = dataclasses.field(default_factory=list)
    open: bool = False

    def add(self, score: float | None, critical: tuple[str, ...]) -> None:
        self.scores.append(score)
        self.critical.append(critical)

    def add_attempt(
        self, status: AttemptStatus, score: float | None, result: dict[str, Any] | None
    ) -> None:
        """One attempt, in number order: an open one, or one handed in (graded or pending)."""
        if status is AttemptStatus.IN_PROGRESS:
            self.open = True
        else:
            pending = (result or {}).get("status") == "pending"
            self.add(None if pending else score, critical_failed(result))

    def add_lab(
        self, status: SubmissionStatus, score: float | None, result: dict[str, Any] | None
    ) -> None:
        """One counted lab submission (``collect``'s), in id order."""
        if status is SubmissionStatus.QUEUED:
            self.open = True
        else:
            self.add(score, LabResult.from_dict(result).critical_failed if result else ())

    def counted(self, activity: Activity) -> tuple[float | None, tuple[str, ...]]:
        """The counted score (None while all of it waits for grading) and the critical
        checks the counted attempt failed (while all of it waits: those the latest failed
        already, such as a scenario's decisions, known before its explanations are graded)."""
        graded = [(s, c) for s, c in zip(self.scores, self.critical, strict=True) if s is not None]
        policy = activity.attempt_policy
        scores = [score for score, _ in graded]
        index = policy.counted_index(scores)  # None exactly when nothing is graded yet
        if index is None:
            return None, self.critical[-1]
        return policy.counted(scores), graded[index][1]


def critical_failed(result: dict[str, Any] | None) -> tuple[str, ...]:
    """The critical checks a stored attempt result failed: its own (items, scenario
    situations) and those of its rubric-graded pieces."""
    result = result or {}
    failed = list(result.get("critical_failed", ()))
    for piece in (result.get("rubric") or {}).values():
        failed += piece.get("critical_failed", ())
    return tuple(failed)


@dataclasses.dataclass(frozen=True)
class TrackProgress:
    track: Track
    status: CompletionStatus
    #: activity id → counted score (0 to 1), or None while it awaits grading.
    scores: dict[str, float | None]
    #: activity ids with an attempt open or lab work waiting for the grader.
    open: frozenset[str]
    #: activity ids whose counted attempt failed a critical check.
    critical_failed: frozenset[str] = frozenset()

    def state(self, activity: Activity) -> ActivityState:
        if activity.id in self.scores:
            if self.scores[activity.id] is None:
                return ActivityState.AWAITING_GRADING
            return (
                ActivityState.DONE if activity.kind is ActivityKind.LESSON else ActivityState.SCORED
            )
        return ActivityState.IN_PROGRESS if activity.id in self.open else ActivityState.NOT_STARTED

    def finished(self, activity: Activity) -> bool:
        """Handed in or marked done: the learner's part is over, graded or not yet (what
        progress bars count; a pending grade is the instructor's part)."""
        return activity.id in self.scores


def collect(
    session: Session,
    attempts_in: Sequence[ColumnElement[bool]],
    labs_in: Sequence[ColumnElement[bool]],
    since: dt.datetime | None = None,
) -> dict[tuple[int, str, str], Work]:
    """The work the conditions select (one learner's, or a whole course's on one activity:
    the organisation reports), by (user, track id, activity id); with ``since``, only work
    handed in from then on."""
    attempts, labs = _handed_in_since(_work_statements(attempts_in, labs_in), since)
    return _gather(session, attempts, labs, {})


def _work_statements(
    attempts_in: Sequence[ColumnElement[bool]], labs_in: Sequence[ColumnElement[bool]]
) -> tuple[Select[Any], Select[Any]]:
    attempts = select(
        Attempt.user_id,
        Attempt.track_id,
        Attempt.activity_id,
        Attempt.status,
        Attempt.score,
        Attempt.result,
    ).where(*attempts_in)
    labs = select(
        LabSubmission.user_id,
        LabSubmission.track_id,
        LabSubmission.activity_id,
        LabSubmission.status,
        LabSubmission.score,
        LabSubmission.result,
    ).where(
        *labs_in,
        LabSubmission.status.in_((SubmissionStatus.GRADED, SubmissionStatus.QUEUED)),
        ~LabSubmission.visible_only,
    )
    return attempts.order_by(Attempt.number), labs.order_by(LabSubmission.id)


def _handed_in_since(
    statements: tuple[Select[Any], Select[Any]], since: dt.datetime | None
) -> tuple[Select[Any], Select[Any]]:
    attempts, labs = statements
    if since is None:
        return attempts, labs
    return (
        attempts.where(Attempt.submitted_at >= since),
        labs.where(LabSubmission.created_at >= since),
    )


def _gather(
    session: Session, attempts: Select[Any], labs: Select[Any], params: dict[str, Any]
) -> dict[tuple[int, str, str], Work]:
    work: dict[tuple[int, str, str], Work] = defaultdict(Work)
    connection = session.connection()  # plain rows: no ORM work per row
    for user_id, track_id, activity_id, status, score, result in connection.execute(
        attempts, params
    ):
        work[user_id, track_id, activity_id].add_attempt(status, score, result)
    for user_id, track_id, activity_id, status, score, result in connection.execute(labs, params):
        work[user_id, track_id, activity_id].add_lab(status, score, result)
    return work


def _learner_statements(in_course: bool) -> tuple[Select[Any], Select[Any]]:
    # A learner scope made of bind parameters: the models' own tenancy conditions
    # (``of_learner``), in statements built once.
    scope = cast(
        LearnerScope,
        SimpleNamespace(
            registration_id=bindparam("registration_id"),
            deployment_id=bindparam("deployment_id"),
            context_id=bindparam("context_id") if in_course else None,
            user_id=bindparam("user_id"),
        ),
    )
    return _work_statements(
        Attempt.of_learner(scope, scope.user_id), LabSubmission.of_learner(scope, scope.user_id)
    )


#: One learner's work, in a course (True) or outside any (False). Every learner page reads
#: it, and building the statements per request cost more than running them.
_LEARNER_WORK = {in_course: _learner_statements(in_course) for in_course in (True, False)}


def judge(track: Track, work: Mapping[tuple[str, str], Work]) -> TrackProgress:
    """The track's progress from the work done on its activities, by (track, activity)."""
    scores: dict[str, float | None] = {}
    open_: set[str] = set()
    failed: set[str] = set()
    for activity in track.activities():
        done = work.get((track.id, activity.id))
        if done is None:
            continue
        if done.open:
            open_.add(activity.id)
        if done.scores:
            scores[activity.id], critical = done.counted(activity)
            if critical:
                failed.add(activity.id)
    status = completion(track, scores, failed)
    return TrackProgress(track, status, scores, frozenset(open_), frozenset(failed))


def progress(
    session: Session,
    launch: LearnerScope,
    tracks: Iterable[Track],
    *,
    since: dt.datetime | None = None,
) -> list[TrackProgress]:
    """Per track, the counted score and state of every activity the learner has done here
    (with ``since``, counting only work handed in from then on: credential renewal)."""
    attempts, labs = _handed_in_since(_LEARNER_WORK[launch.context_id is not None], since)
    params = {
        "registration_id": launch.registration_id,
        "deployment_id": launch.deployment_id,
        "context_id": launch.context_id,
        "user_id": launch.user_id,
    }
    mine = _gather(session, attempts, labs, params)
    work = {(track_id, activity_id): done for (_, track_id, activity_id), done in mine.items()}
    return [judge(track, work) for track in tracks]
