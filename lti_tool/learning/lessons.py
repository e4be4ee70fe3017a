"""Lessons a learner marks as done: recorded as one submitted attempt, so progress sees it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assessments.model import Activity, ContentVersions, Track
from lti_tool import outcomes
from lti_tool.models import Attempt, AttemptStatus, utcnow
from lti_tool.outcomes import Change
from lti_tool.scope import CurrentLaunch
from lti_tool.upsert import upsert_returning_id


def mark_done(session: Session, launch: CurrentLaunch, track: Track, lesson: Activity) -> None:
    """Record that the learner finished reading ``lesson``; marking it again (in two tabs at
    once, too) keeps the first record. A lesson of a renewal module may be the last credit a
    credential's renewal needs, so the outcome is checked either way."""
    now = utcnow()
    values = {
        "registration_id": launch.registration_id,
        "deployment_id": launch.deployment_id,
        "context_id": launch.context_id,
        "user_id": launch.user_id,
        "track_id": track.id,
        "activity_id": lesson.id,
        "number": 1,
        "content_versions": ContentVersions.of(track, lesson.id).as_dict(),
        "answers": {},
        "status": AttemptStatus.SUBMITTED,
        "started_at": now,
        "submitted_at": now,
        "score": 1.0,
    }
    conflict = ("context_id", "user_id", "track_id", "activity_id", "number")
    # Updating the number to itself makes the conflict return the existing row's id.
    attempt_id = upsert_returning_id(
        session.connection(), Attempt.__table__, values, conflict, update=("number",)
    )
    done = session.get_one(Attempt, attempt_id)
    outcomes.work_changed(session, done, [track], Change.MARKED_DONE)
