"""Compare what LMS gradebooks hold with the scores SkillCert delivered; re-send lost ones.

For each graded link with a known line item: the newest job of each learner on it (the
score SkillCert means the LMS to hold). Those delivered (done) are checked against the
line item's results, read from the LMS page by page:

- the LMS holds the score: matching (a teacher's change recorded before is forgotten);
- the LMS holds no result: the delivery was lost, the same score is queued again through
  the outbox (with a newer timestamp, so the LMS takes it);
- the LMS holds another score: a teacher changed the grade there, a decision SkillCert
  respects. It is recorded as a ``GradeOverride`` against that delivery, shown on the
  instructor's Grade sync page and not re-sent (an LMS such as Moodle keeps an overridden
  grade whatever is posted, so re-sending would never settle). It holds until SkillCert
  queues a newer score for the learner (a regrade, or the instructor's "send again").

Scores still waiting or dead are left to the queue and the instructor. A link whose
results cannot be read is reported and nothing of it is re-queued or recorded.
"""

from __future__ import annotations

import dataclasses

from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lti_tool.db import transaction
from lti_tool.gradesync.outbox import JOB_KIND, enqueue_again, group_key
from lti_tool.gradesync.status import newest_of_key
from lti_tool.models import (
    Context,
    Deployment,
    GradeOverride,
    Job,
    JobStatus,
    Registration,
    ResourceLink,
    User,
    utcnow,
)
from lti_tool.placements import SCORE_MAXIMUM
from lti_tool.scope import LearnerInCourse
from lti_tool.services.ags import AgsClient, Result
from lti_tool.services.clients import ags_client, app_options
from lti_tool.services.errors import ServiceError

#: Scores closer than this (on the 0 to 100 scale) are the same: LMSs round what they store.
TOLERANCE = 0.01


@dataclasses.dataclass
class PlatformReconcile:
    """What reconciling found on one LMS registration."""

    registration: str
    checked: int = 0
    matching: int = 0
    #: Delivered scores a teacher changed in the LMS: kept as the teacher set them.
    changed_in_lms: int = 0
    requeued: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class _Delivered:
    """A link's newest delivered jobs, its learners' LMS ids (``sub``) and who of them has
    a teacher's change recorded."""

    jobs: list[Job]
    subs: dict[int, str]
    overridden: set[int]


@dataclasses.dataclass(frozen=True)
class _Link:
    id: int
    registration_id: int
    deployment_id: int
    context_id: int
    lineitem_url: str


def reconcile(app: Flask, context_id: int | None = None) -> list[PlatformReconcile]:
    """Reconcile every course (or the course with this id here); a report per registration."""
    reports: dict[int, PlatformReconcile] = {}
    for link in _graded_links(app, context_id):
        report = reports.get(link.registration_id)
        if report is None:
            report = reports[link.registration_id] = _report_for(app, link.registration_id)
        _reconcile_link(app, link, report)
    return [reports[key] for key in sorted(reports)]


def _report_for(app: Flask, registration_id: int) -> PlatformReconcile:
    with transaction(app) as session:
        name = session.scalar(select(Registration.name).where(Registration.id == registration_id))
    return PlatformReconcile(f"{registration_id} {name or '(removed)'}")


def _graded_links(app: Flask, context_id: int | None) -> list[_Link]:
    with transaction(app) as session:
        query = (
            select(
                ResourceLink.id,
                Deployment.registration_id,
                Deployment.id,
                Context.id,
                ResourceLink.ags_lineitem_url,
            )
            .join(Context, Context.id == ResourceLink.context_id)
            .join(Deployment, Deployment.id == Context.deployment_id)
            .where(ResourceLink.ags_lineitem_url.is_not(None))
            .order_by(Deployment.registration_id, Context.id, ResourceLink.id)
        )
        if context_id is not None:
            query = query.where(Context.id == context_id)
        links = []
        for link_id, registration_id, deployment_id, course_id, url in session.execute(query):
            if url is not None:  # always (the query asks so), but the column is nullable
                links.append(_Link(link_id, registration_id, deployment_id, course_id, url))
        return links


def _reconcile_link(app: Flask, link: _Link, report: PlatformReconcile) -> None:
    found = _delivered(app, link)
    if found is None:
        return
    delivered, client = found
    where = f"course {link.context_id} link {link.id}"
    if isinstance(client, ServiceError):
        report.errors.append(f"{where}: {client.message}")
        return
    try:
        results = {result.user_id: result for result in client.results(link.lineitem_url)}
    except ServiceError as exc:
        report.errors.append(f"{where}: {exc.message}")
        return
    for job in delivered.jobs:
        report.checked += 1
        user_id = job.payload["user"]
        given = job.payload["score_given"]
        held = _held(results.get(delivered.subs.get(user_id, "")))
        if _same(given, held):
            report.matching += 1
            if user_id in delivered.overridden:  # the LMS took SkillCert's score back
                _forget_override(app, link.id, user_id)
        elif held is None:  # lost on the way, or removed in the LMS: deliver it again
            if _send_again(app, link, job):
                report.requeued += 1
        elif _record_override(app, link, job, held):
            report.changed_in_lms += 1


def _delivered(app: Flask, link: _Link) -> tuple[_Delivered, AgsClient | ServiceError] | None:
    """The link's newest delivered jobs and more (:class:`_Delivered`), an AGS client (or
    the ServiceError saying why there is none); None when none was delivered."""
    with transaction(app) as session:
        jobs = list(
            session.scalars(
                select(Job).where(
                    Job.kind == JOB_KIND,
                    Job.group_key == group_key(link.registration_id),
                    Job.payload["link"].as_integer() == link.id,
                    newest_of_key(),
                    Job.status == JobStatus.DONE,
                )
            )
        )
        if not jobs:
            return None
        subs = dict(
            session.execute(
                select(User.id, User.sub).where(
                    User.registration_id == link.registration_id,
                    User.id.in_({job.payload["user"] for job in jobs}),
                )
            ).all()
        )
        overridden = set(
            session.scalars(
                select(GradeOverride.user_id).where(GradeOverride.resource_link_id == link.id)
            )
        )
        client: AgsClient | ServiceError
        deployment = session.get(Deployment, link.deployment_id)
        context = session.get(Context, link.context_id)
        if deployment is None or context is None:  # removed since the links were read
            client = ServiceError(f"Course {link.context_id} was removed from SkillCert.")
        else:
            try:
                client = ags_client(session, deployment, context, **app_options(app))
            except ServiceError as exc:
                client = exc
        session.expunge_all()
    return _Delivered(jobs, subs, overridden), client


def _held(result: Result | None) -> float | None:
    """The score the LMS holds (0 to 100), None when it holds none."""
    if result is None or result.result_score is None:
        return None
    return result.result_score * SCORE_MAXIMUM / (result.result_maximum or SCORE_MAXIMUM)


def _same(given: float | None, held: float | None) -> bool:
    if given is None or held is None:
        return given is held
    return abs(held - given) < TOLERANCE


def _still_newest(session: Session, job: Job) -> bool:
    """No newer score of the learner came for the link since ``job`` (it is what counts)."""
    newest = session.scalar(
        select(Job.id).where(Job.lock_key == job.lock_key).order_by(Job.id.desc()).limit(1)
    )
    return newest == job.id


def _send_again(app: Flask, link: _Link, job: Job) -> bool:
    """Queue ``job``'s score again, unless a newer score of the learner came meanwhile."""
    with transaction(app) as session:
        if not _still_newest(session, job):
            return False
        learner = LearnerInCourse(
            link.registration_id, link.deployment_id, link.context_id, job.payload["user"]
        )
        enqueue_again(session.connection(), learner, job.payload)
    return True


def _record_override(app: Flask, link: _Link, job: Job, held: float) -> bool:
    """Record (or refresh) that the LMS holds ``held`` instead of ``job``'s score, unless a
    newer score of the learner came meanwhile (the queue delivers that one)."""
    user_id, sent = job.payload["user"], job.payload["score_given"]
    with transaction(app) as session:
        if not _still_newest(session, job):
            return False
        override = session.get(GradeOverride, (link.id, user_id))
        if override is None:
            session.add(
                GradeOverride(
                    resource_link_id=link.id,
                    user_id=user_id,
                    job_id=job.id,
                    sent_score=sent,
                    lms_score=held,
                )
            )
        elif override.job_id != job.id or not _same(override.lms_score, held):
            # Seen anew: against a newer delivery, or the teacher changed the grade again.
            override.job_id, override.sent_score, override.lms_score = job.id, sent, held
            override.seen_at = utcnow()
    return True


def _forget_override(app: Flask, link_id: int, user_id: int) -> None:
    with transaction(app) as session:
        session.execute(
            delete(GradeOverride).where(
                GradeOverride.resource_link_id == link_id, GradeOverride.user_id == user_id
            )
        )
