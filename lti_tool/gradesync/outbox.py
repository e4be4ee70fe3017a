"""Queue a learner's scores for the LMS in the transaction of the work that changed them.

A job per graded resource link of the course whose placement covers the activity, keyed
``score:<link>:<user>``: as a dedupe key, a newer score replaces one still waiting; as a
lock key, one learner's scores on one line item go out one at a time, oldest first. The
payload holds the score as computed now — what the learner saw is what is sent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, or_, select
from sqlalchemy.orm import Session

from assessments.catalog import find_activity
from assessments.model import Track
from lti_tool import progress
from lti_tool.gradesync.scores import PlacementScore, placement_score
from lti_tool.jobs import queue
from lti_tool.lti.constants import ActivityProgress, GradingProgress
from lti_tool.models import (
    Attempt,
    AttemptStatus,
    Context,
    Job,
    LabSubmission,
    Registration,
    ResourceLink,
    utcnow,
)
from lti_tool.models.lti import LearnerWork
from lti_tool.placements import resolve
from lti_tool.scope import LearnerInCourse

JOB_KIND = "grade-sync"
#: Tries before a delivery is dead: with the default backoff (10 s times 3 per try, at most an hour
#: apart) an LMS may be down for about six hours without a score being given up.
MAX_ATTEMPTS = 12


def score_key(resource_link_id: int, user_id: int) -> str:
    return f"score:{resource_link_id}:{user_id}"


def group_key(registration_id: int) -> str:
    """Deliveries to one LMS registration share its concurrency cap."""
    return f"registration:{registration_id}"


def serial_groups(conn: Connection) -> list[str]:
    """The groups of registrations whose calls go one at a time
    (``Registration.serial_requests``): every job of theirs that calls the LMS — score
    deliveries, line item syncs, roster reads — runs alone, across all workers."""
    registrations = conn.execute(select(Registration.id).where(Registration.serial_requests))
    return [group_key(registration_id) for registration_id in registrations.scalars()]


def queue_scores(
    session: Session, work: LearnerWork, tracks: Iterable[Track], *, new_submission: bool = True
) -> list[int]:
    """Queue the learner's score on every graded link covering ``work``'s activity.

    ``new_submission`` is False when an instructor's grading, not the learner's hand-in,
    changed the score (Canvas then keeps the submission and updates its grade).
    Returns the new jobs' ids.
    """
    if work.context_id is None:
        return []
    found = find_activity(tracks, work.track_id, work.activity_id)
    if found is None:
        return []
    track, activity = found
    links = covering_links(session, work.context_id, work.deployment_id, track, activity.id)
    placed = [(link, p) for link in links if (p := resolve(link.target, [track])) and p.graded]
    if not placed:
        return []
    session.flush()  # the work that changed the score is part of it
    learner = LearnerInCourse(
        work.registration_id, work.deployment_id, work.context_id, work.user_id
    )
    (report,) = progress.progress(session, learner, [track])  # type: ignore[arg-type]
    waiting = _awaiting_grading(session, learner, track)
    conn = session.connection()
    job_ids = []
    for link, placement in placed:
        score = placement_score(placement, report, waiting)
        if score is None:
            continue
        job_ids.append(
            enqueue_score(
                conn,
                learner,
                link.id,
                track.id,
                activity.id,
                score,
                submitted_at=_handed_in_at(work),
                new_submission=new_submission,
            )
        )
    return job_ids


def enqueue_score(
    conn: Connection,
    learner: LearnerInCourse,
    link_id: int,
    track_id: str,
    activity_id: str,
    score: PlacementScore,
    *,
    submitted_at: dt.datetime,
    new_submission: bool,
) -> int:
    """Queue one score for one graded link; ``submitted_at`` is when the learner handed
    in the work (Canvas shows it as the submission time). Returns the job's id."""
    key = score_key(link_id, learner.user_id)
    payload = {
        "registration": learner.registration_id,
        "context": learner.context_id,
        "link": link_id,
        "user": learner.user_id,
        "track": track_id,
        "activity": activity_id,
        "score_given": score.score_given,
        "activity_progress": str(score.activity_progress),
        "grading_progress": str(score.grading_progress),
        "timestamp": _timestamp_after(conn, key, utcnow()).isoformat(),
        "submitted_at": submitted_at.isoformat(),
        "new_submission": new_submission,
    }
    return queue.enqueue(
        conn,
        JOB_KIND,
        payload,
        lock_key=key,
        dedupe_key=key,
        group_key=group_key(learner.registration_id),
        max_attempts=MAX_ATTEMPTS,
    )


def enqueue_again(conn: Connection, learner: LearnerInCourse, payload: Mapping[str, Any]) -> int:
    """Queue once more the score a delivery carried (``payload``, its job's): reconcile
    after the LMS lost it, an instructor answering a teacher's change in the LMS. The
    learner handed nothing new in, so it is no new submission (Canvas keeps the one it has)
    and keeps the hand-in time; its timestamp is newer, so the LMS takes it."""
    score = PlacementScore(
        payload["score_given"],
        ActivityProgress(payload["activity_progress"]),
        GradingProgress(payload["grading_progress"]),
    )
    return enqueue_score(
        conn,
        learner,
        payload["link"],
        payload["track"],
        payload["activity"],
        score,
        submitted_at=dt.datetime.fromisoformat(payload.get("submitted_at") or payload["timestamp"]),
        new_submission=False,
    )


def covering_links(
    session: Session, context_id: int, deployment_id: int, track: Track, activity_id: str
) -> list[ResourceLink]:
    """The course's links placed on the activity or its module, where the LMS offered
    grade services (elsewhere there is nowhere to send a score)."""
    module = track.module_of(activity_id)
    targets = [f"activity:{track.id}/{activity_id}", f"module:{track.id}/{module.id}"]
    return list(
        session.scalars(
            select(ResourceLink)
            .join(Context, Context.id == ResourceLink.context_id)
            .where(
                ResourceLink.context_id == context_id,
                Context.deployment_id == deployment_id,
                ResourceLink.target.in_(targets),
                or_(
                    Context.ags_lineitems_url.is_not(None),
                    ResourceLink.ags_lineitem_url.is_not(None),
                ),
            )
            .order_by(ResourceLink.id)
        )
    )


def _handed_in_at(work: LearnerWork) -> dt.datetime:
    """When the learner handed the work in: an attempt's submission, a lab's upload."""
    if isinstance(work, Attempt):
        return work.submitted_at or utcnow()
    if isinstance(work, LabSubmission):
        return work.created_at
    return utcnow()


def _awaiting_grading(session: Session, learner: LearnerInCourse, track: Track) -> set[str]:
    """Activities of ``track`` where some handed-in work waits for rubric grading."""
    return set(
        session.scalars(
            select(Attempt.activity_id).where(
                *Attempt.of_learner(learner, learner.user_id),  # type: ignore[arg-type]
                Attempt.track_id == track.id,
                Attempt.status == AttemptStatus.SUBMITTED,
                Attempt.result["status"].as_string() == "pending",
            )
        )
    )


def _timestamp_after(conn: Connection, key: str, now: dt.datetime) -> dt.datetime:
    """``now``, or just after the score queued before it on this key: an LMS ignores a
    score that is not newer than the one it holds, so timestamps must only go up."""
    previous = conn.execute(
        select(Job.payload).where(Job.lock_key == key).order_by(Job.id.desc()).limit(1)
    ).scalar()
    if previous is not None:
        last = dt.datetime.fromisoformat(previous["timestamp"])
        if last >= now:
            return last + dt.timedelta(milliseconds=1)
    return now
