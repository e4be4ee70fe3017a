"""A learner's progress toward completing each track: the engine decides, we gather scores."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.model import Activity, ActivityKind, Track
from assessments.policy import DEFAULT_POLICY, CompletionStatus, completion
from lti_tool.models import Attempt, AttemptStatus, LabSubmission, SubmissionStatus
from lti_tool.sessions import CurrentLaunch


class ActivityState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"  #: an attempt is open, or lab work waits for the grader
    AWAITING_GRADING = "awaiting_grading"  #: handed in, an instructor has yet to grade it
    DONE = "done"  #: a lesson the learner marked as done
    SCORED = "scored"


@dataclasses.dataclass
class _Work:
    #: Each submitted attempt or graded lab submission, oldest first; None while pending.
    scores: list[float | None] = dataclasses.field(default_factory=list)
    open: bool = False


@dataclasses.dataclass(frozen=True)
class TrackProgress:
    track: Track
    status: CompletionStatus
    #: activity id → counted score (0 to 1), or None while it awaits grading.
    scores: dict[str, float | None]
    #: activity ids with an attempt open or lab work waiting for the grader.
    open: frozenset[str]

    def state(self, activity: Activity) -> ActivityState:
        if activity.id in self.scores:
            if self.scores[activity.id] is None:
                return ActivityState.AWAITING_GRADING
            return (
                ActivityState.DONE if activity.kind is ActivityKind.LESSON else ActivityState.SCORED
            )
        return ActivityState.IN_PROGRESS if activity.id in self.open else ActivityState.NOT_STARTED


def _learner_work(
    session: Session, launch: CurrentLaunch, since: dt.datetime | None
) -> dict[tuple[str, str], _Work]:
    """Everything this learner has done in this course, by (track id, activity id); with
    ``since``, only work handed in from then on."""
    work: dict[tuple[str, str], _Work] = defaultdict(_Work)
    attempts = select(
        Attempt.track_id, Attempt.activity_id, Attempt.status, Attempt.score, Attempt.result
    ).where(*Attempt.of_learner(launch, launch.user_id))
    labs = select(
        LabSubmission.track_id,
        LabSubmission.activity_id,
        LabSubmission.status,
        LabSubmission.score,
    ).where(
        *LabSubmission.of_learner(launch, launch.user_id),
        LabSubmission.status.in_((SubmissionStatus.GRADED, SubmissionStatus.QUEUED)),
        ~LabSubmission.visible_only,
    )
    if since is not None:
        attempts = attempts.where(Attempt.submitted_at >= since)
        labs = labs.where(LabSubmission.created_at >= since)
    for track_id, activity_id, status, score, result in session.execute(
        attempts.order_by(Attempt.number)
    ):
        if status is AttemptStatus.IN_PROGRESS:
            work[track_id, activity_id].open = True
        else:
            pending = (result or {}).get("status") == "pending"
            work[track_id, activity_id].scores.append(None if pending else score)
    for track_id, activity_id, status, score in session.execute(labs.order_by(LabSubmission.id)):
        if status is SubmissionStatus.QUEUED:
            work[track_id, activity_id].open = True
        else:
            work[track_id, activity_id].scores.append(score)
    return work


def progress(
    session: Session,
    launch: CurrentLaunch,
    tracks: Iterable[Track],
    *,
    since: dt.datetime | None = None,
) -> list[TrackProgress]:
    """Per track, the counted score and state of every activity the learner has done here
    (with ``since``, counting only work handed in from then on: credential renewal)."""
    work = _learner_work(session, launch, since)
    report = []
    for track in tracks:
        scores: dict[str, float | None] = {}
        open_: set[str] = set()
        for activity in track.activities():
            done = work.get((track.id, activity.id))
            if done is None:
                continue
            if done.open:
                open_.add(activity.id)
            if done.scores:
                graded = [s for s in done.scores if s is not None]
                policy = activity.policy or DEFAULT_POLICY
                scores[activity.id] = policy.counted(graded) if graded else None
        report.append(TrackProgress(track, completion(track, scores), scores, frozenset(open_)))
    return report
