"""A learner's progress toward completing each track: the engine decides, we gather scores."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.model import Track
from assessments.policy import DEFAULT_POLICY, CompletionStatus, completion
from lti_tool.models import Attempt, AttemptStatus, LabSubmission, SubmissionStatus
from lti_tool.sessions import CurrentLaunch


@dataclasses.dataclass(frozen=True)
class TrackProgress:
    track: Track
    status: CompletionStatus
    #: activity id → counted score (0 to 1), or None while it awaits grading.
    scores: dict[str, float | None]


def progress(
    session: Session, launch: CurrentLaunch, tracks: Iterable[Track]
) -> list[TrackProgress]:
    """Per track, the counted score of every activity the learner has done in this course."""
    work: dict[tuple[str, str], list[float | None]] = defaultdict(list)
    for track_id, activity_id, score, result in session.execute(
        select(Attempt.track_id, Attempt.activity_id, Attempt.score, Attempt.result)
        .where(
            *Attempt.of_learner(launch, launch.user_id), Attempt.status == AttemptStatus.SUBMITTED
        )
        .order_by(Attempt.number)
    ):
        pending = (result or {}).get("status") == "pending"
        work[track_id, activity_id].append(None if pending else score)
    for track_id, activity_id, score in session.execute(
        select(LabSubmission.track_id, LabSubmission.activity_id, LabSubmission.score)
        .where(
            *LabSubmission.of_learner(launch, launch.user_id),
            LabSubmission.status == SubmissionStatus.GRADED,
            ~LabSubmission.visible_only,
        )
        .order_by(LabSubmission.id)
    ):
        work[track_id, activity_id].append(score)
    report = []
    for track in tracks:
        scores: dict[str, float | None] = {}
        for activity in track.activities():
            done = work.get((track.id, activity.id))
            if not done:
                continue
            graded = [s for s in done if s is not None]
            policy = activity.policy or DEFAULT_POLICY
            scores[activity.id] = policy.counted(graded) if graded else None
        report.append(TrackProgress(track, completion(track, scores), scores))
    return report
