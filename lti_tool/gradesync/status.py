"""Where each score stands: for the course's instructor, for a learner, for operators.

A job supersedes the older jobs of its lock key (``score:<link>:<user>``), so what counts
for a learner and line item is its newest job: done (in the LMS gradebook), queued or
running (waiting), or dead (could not be sent). Dead jobs that a newer score superseded
are left out: there is nothing to send again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session, aliased

from assessments.model import Track
from lti_tool.gradesync.outbox import JOB_KIND, covering_links, group_key, score_key
from lti_tool.jobs import queue
from lti_tool.models import Job, JobStatus, Registration, ResourceLink, User
from lti_tool.scope import CurrentLaunch


class Delivery(enum.StrEnum):
    SENT = "sent"
    WAITING = "waiting"
    FAILED = "failed"


_DELIVERY = {
    JobStatus.DONE: Delivery.SENT,
    JobStatus.QUEUED: Delivery.WAITING,
    JobStatus.RUNNING: Delivery.WAITING,
    JobStatus.DEAD: Delivery.FAILED,
}


@dataclasses.dataclass(frozen=True)
class DeadDelivery:
    job_id: int
    user_id: int
    learner: str
    link_title: str
    activity_id: str
    reason: str
    at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class CourseSync:
    waiting: int
    sent: int
    dead: list[DeadDelivery]


def newest_of_key() -> ColumnElement[bool]:
    """No newer job shares this job's lock key."""
    newer = aliased(Job)
    return ~exists().where(newer.lock_key == Job.lock_key, newer.id > Job.id)


def _in_course(launch: CurrentLaunch) -> tuple[ColumnElement[bool], ...]:
    return (
        Job.kind == JOB_KIND,
        Job.group_key == group_key(launch.registration_id),
        Job.payload["context"].as_integer() == launch.context_id,
    )


def course_sync(session: Session, launch: CurrentLaunch) -> CourseSync:
    """Counts of the course's newest scores by state, and the dead ones with their reasons."""
    if launch.context_id is None:
        return CourseSync(0, 0, [])
    counts = dict(
        session.execute(
            select(Job.status, func.count())
            .where(*_in_course(launch), newest_of_key())
            .group_by(Job.status)
        ).all()
    )
    dead_jobs = session.scalars(
        select(Job)
        .where(*_in_course(launch), newest_of_key(), Job.status == JobStatus.DEAD)
        .order_by(Job.finished_at.desc(), Job.id.desc())
    ).all()
    names = dict(
        session.execute(
            select(User.id, User.name).where(
                User.registration_id == launch.registration_id,
                User.id.in_({job.payload["user"] for job in dead_jobs}),
            )
        ).all()
    )
    titles = dict(
        session.execute(
            select(ResourceLink.id, ResourceLink.title).where(
                ResourceLink.context_id == launch.context_id,
                ResourceLink.id.in_({job.payload["link"] for job in dead_jobs}),
            )
        ).all()
    )
    dead = [
        DeadDelivery(
            job.id,
            job.payload["user"],
            names.get(job.payload["user"]) or "",
            titles.get(job.payload["link"]) or "",
            job.payload["activity"],
            job.last_error or "",
            job.finished_at,
        )
        for job in dead_jobs
    ]
    waiting = counts.get(JobStatus.QUEUED, 0) + counts.get(JobStatus.RUNNING, 0)
    return CourseSync(waiting, counts.get(JobStatus.DONE, 0), dead)


def send_again(session: Session, launch: CurrentLaunch, job_id: int) -> bool:
    """Re-queue a dead delivery of this course (still its learner's newest score)."""
    if launch.context_id is None:
        return False
    found = session.scalar(
        select(Job.id).where(
            Job.id == job_id, *_in_course(launch), newest_of_key(), Job.status == JobStatus.DEAD
        )
    )
    if found is None:
        return False
    return queue.requeue(session.connection(), job_id, f"instructor {launch.user_id}")


def learner_delivery(
    session: Session, launch: CurrentLaunch, track: Track, activity_id: str
) -> Delivery | None:
    """Has this learner's score on the activity reached the LMS gradebook (every graded
    link that covers it)? None when no score of it was queued."""
    if launch.context_id is None:
        return None
    links = covering_links(session, launch.context_id, launch.deployment_id, track, activity_id)
    keys = [score_key(link.id, launch.user_id) for link in links]
    if not keys:
        return None
    states = set(
        session.scalars(
            select(Job.status).where(Job.lock_key.in_(keys), Job.kind == JOB_KIND, newest_of_key())
        )
    )
    deliveries = {_DELIVERY[state] for state in states}
    for worst in (Delivery.FAILED, Delivery.WAITING, Delivery.SENT):
        if worst in deliveries:
            return worst
    return None


@dataclasses.dataclass(frozen=True)
class PlatformCounts:
    registration: str
    counts: dict[JobStatus, int]


def platform_counts(session: Session) -> list[PlatformCounts]:
    """Every registration's grade deliveries by state (newest per learner and line item)."""
    rows = session.execute(
        select(Job.group_key, Job.status, func.count())
        .where(Job.kind == JOB_KIND, newest_of_key())
        .group_by(Job.group_key, Job.status)
    ).all()
    names = dict(session.execute(select(Registration.id, Registration.name)).all())
    report: dict[int, PlatformCounts] = {}
    # Deliveries queued before jobs had a group key (registration) cannot be counted under one.
    by_registration = [
        (int(key.rsplit(":", 1)[1]), status, n) for key, status, n in rows if key is not None
    ]
    for registration_id, status, count in sorted(by_registration, key=lambda row: row[0]):
        name = names.get(registration_id, "(removed)")
        entry = report.setdefault(registration_id, PlatformCounts(f"{registration_id} {name}", {}))
        entry.counts[status] = count
    return list(report.values())


def dead_deliveries(session: Session, limit: int = 100) -> list[Job]:
    """The newest dead deliveries anywhere (operators' view: ids, no names)."""
    return list(
        session.scalars(
            select(Job)
            .where(Job.kind == JOB_KIND, Job.status == JobStatus.DEAD, newest_of_key())
            .order_by(Job.finished_at.desc())
            .limit(limit)
        )
    )
