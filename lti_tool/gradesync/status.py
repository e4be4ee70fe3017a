"""Where each score stands: for the course's instructor, for a learner, for operators.

A job supersedes the older jobs of its lock key (``score:<link>:<user>``), so what counts
for a learner and line item is its newest job: done (in the LMS gradebook), queued or
running (waiting), or dead (could not be sent). Dead jobs that a newer score superseded
are left out: there is nothing to send again.

A teacher's change in the LMS to a delivered score (``GradeOverride``, found by reconcile)
holds while no newer score of the learner was queued for the link; the instructor sees it
and may send SkillCert's score again over it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from sqlalchemy import ColumnElement, String, cast, exists, func, literal, select
from sqlalchemy.orm import Session, aliased

from assessments.model import Track
from lti_tool.gradesync.outbox import JOB_KIND, covering_links, enqueue_again, group_key, score_key
from lti_tool.jobs import queue
from lti_tool.models import (
    Context,
    GradeOverride,
    Job,
    JobStatus,
    Registration,
    ResourceLink,
    User,
)
from lti_tool.scope import CurrentLaunch, LearnerInCourse


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


@dataclasses.dataclass(frozen=True)
class ChangedInLms:
    """A learner's grade a teacher changed in the LMS after SkillCert's score arrived."""

    link_id: int
    user_id: int
    learner: str
    link_title: str
    #: SkillCert's score and the LMS's, 0 to 100; None where there is no score.
    sent_score: float | None
    lms_score: float | None
    seen_at: dt.datetime


def _override_holds() -> ColumnElement[bool]:
    """No score of the override's learner and link was queued after the one it was seen
    against (its ``score_key``; jobs of that key are all grade deliveries)."""
    key = (
        literal("score:", String)
        + cast(GradeOverride.resource_link_id, String)
        + literal(":", String)
        + cast(GradeOverride.user_id, String)
    )
    return ~exists().where(Job.lock_key == key, Job.id > GradeOverride.job_id)


def _overrides_in_course(launch: CurrentLaunch) -> tuple[ColumnElement[bool], ...]:
    """The course's overrides that still hold (a query joining ResourceLink, Context, User)."""
    return (
        ResourceLink.id == GradeOverride.resource_link_id,
        ResourceLink.context_id == launch.context_id,
        Context.id == ResourceLink.context_id,
        Context.deployment_id == launch.deployment_id,
        User.id == GradeOverride.user_id,
        User.registration_id == launch.registration_id,
        _override_holds(),
    )


def changed_in_lms(session: Session, launch: CurrentLaunch) -> list[ChangedInLms]:
    """The course's grades a teacher changed in the LMS, newest first."""
    if launch.context_id is None:
        return []
    rows = session.execute(
        select(GradeOverride, User.name, ResourceLink.title)
        .where(*_overrides_in_course(launch))
        .order_by(GradeOverride.seen_at.desc(), User.name, ResourceLink.title)
    ).all()
    return [
        ChangedInLms(
            override.resource_link_id,
            override.user_id,
            name,
            title,
            override.sent_score,
            override.lms_score,
            override.seen_at,
        )
        for override, name, title in rows
    ]


def send_over_change(session: Session, launch: CurrentLaunch, link_id: int, user_id: int) -> bool:
    """Queue SkillCert's score again over a teacher's change in the LMS (the instructor's
    decision) and forget the change; False when this course has no such change (or its
    score is gone from SkillCert)."""
    if launch.context_id is None:
        return False
    override = session.scalar(
        select(GradeOverride).where(
            GradeOverride.resource_link_id == link_id,
            GradeOverride.user_id == user_id,
            *_overrides_in_course(launch),
        )
    )
    delivered = session.get(Job, override.job_id) if override is not None else None
    if override is None or delivered is None or delivered.lock_key != score_key(link_id, user_id):
        return False
    learner = LearnerInCourse(
        launch.registration_id, launch.deployment_id, launch.context_id, user_id
    )
    enqueue_again(session.connection(), learner, delivered.payload)
    session.delete(override)
    return True


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


@dataclasses.dataclass(frozen=True)
class OperatorDeadDelivery:
    """A score that could not be sent, named by the ids the LMS itself uses (its course,
    link and user ids, as an LMS administrator can look them up), never by people's names."""

    job_id: int
    registration_id: int
    context_id: int  #: SkillCert's id of the course (what `--context` options take)
    course: str  #: the LMS's context id
    course_title: str
    link: str  #: the LMS's resource link id
    link_title: str
    learner: str  #: the LMS's user id (``sub``)
    activity: str
    reason: str


def dead_deliveries(session: Session, limit: int = 100) -> list[OperatorDeadDelivery]:
    """The newest dead deliveries anywhere (the operators' view)."""
    rows = session.execute(
        select(
            Job,
            Context.context_id,
            Context.title,
            ResourceLink.resource_link_id,
            ResourceLink.title,
            User.sub,
        )
        .outerjoin(ResourceLink, ResourceLink.id == Job.payload["link"].as_integer())
        .outerjoin(Context, Context.id == ResourceLink.context_id)
        .outerjoin(User, User.id == Job.payload["user"].as_integer())
        .where(Job.kind == JOB_KIND, Job.status == JobStatus.DEAD, newest_of_key())
        .order_by(Job.finished_at.desc())
        .limit(limit)
    )
    gone = "(removed)"
    return [
        OperatorDeadDelivery(
            job.id,
            job.payload["registration"],
            job.payload["context"],
            course or gone,
            course_title or "",
            link or gone,
            link_title or "",
            sub or gone,
            job.payload["activity"],
            job.last_error or "",
        )
        for job, course, course_title, link, link_title, sub in rows
    ]
