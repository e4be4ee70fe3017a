"""Compare what LMS gradebooks hold with the scores SkillCert delivered; re-send differences.

For each graded link with a known line item: the newest job of each learner on it (the
score SkillCert means the LMS to hold). Those delivered (done) are checked against the
line item's results, read from the LMS page by page; a learner whose result is missing or
differs gets the same score queued again through the outbox (with a newer timestamp, so
the LMS takes it). Scores still waiting or dead are left to the queue and the instructor.
A link whose results cannot be read is reported and nothing of it is re-queued.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.gradesync.outbox import JOB_KIND, enqueue_score, group_key
from lti_tool.gradesync.scores import PlacementScore
from lti_tool.gradesync.status import newest_of_key
from lti_tool.lti.constants import ActivityProgress, GradingProgress
from lti_tool.models import Context, Deployment, Job, JobStatus, Registration, ResourceLink, User
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
    requeued: int = 0
    errors: list[str] = dataclasses.field(default_factory=list)


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
    delivered, subs, client = found
    where = f"course {link.context_id} link {link.id}"
    if isinstance(client, ServiceError):
        report.errors.append(f"{where}: {client.message}")
        return
    try:
        results = {result.user_id: result for result in client.results(link.lineitem_url)}
    except ServiceError as exc:
        report.errors.append(f"{where}: {exc.message}")
        return
    for job in delivered:
        report.checked += 1
        if _matches(job.payload, results.get(subs.get(job.payload["user"], ""))):
            report.matching += 1
        elif _send_again(app, link, job):
            report.requeued += 1


def _delivered(
    app: Flask, link: _Link
) -> tuple[list[Job], dict[int, str], AgsClient | ServiceError] | None:
    """The link's newest jobs that were delivered, the learners' LMS ids, an AGS client
    (or the ServiceError saying why there is none); None when none was delivered."""
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
    return jobs, subs, client


def _matches(payload: dict[str, Any], result: Result | None) -> bool:
    """Does the LMS hold the score this job sent?"""
    given = payload["score_given"]
    if result is None or result.result_score is None:
        return given is None
    if given is None:
        return False
    maximum = result.result_maximum or SCORE_MAXIMUM
    return abs(result.result_score * SCORE_MAXIMUM / maximum - given) < TOLERANCE


def _send_again(app: Flask, link: _Link, job: Job) -> bool:
    """Queue ``job``'s score again, unless a newer score of the learner came meanwhile."""
    payload = job.payload
    with transaction(app) as session:
        if (
            session.scalar(
                select(Job.id).where(Job.lock_key == job.lock_key).order_by(Job.id.desc()).limit(1)
            )
            != job.id
        ):
            return False
        learner = LearnerInCourse(
            link.registration_id, link.deployment_id, link.context_id, payload["user"]
        )
        score = PlacementScore(
            payload["score_given"],
            ActivityProgress(payload["activity_progress"]),
            GradingProgress(payload["grading_progress"]),
        )
        enqueue_score(
            session.connection(),
            learner,
            link.id,
            payload["track"],
            payload["activity"],
            score,
            submitted_at=dt.datetime.fromisoformat(
                payload.get("submitted_at") or payload["timestamp"]
            ),
            # The learner handed nothing new in: Canvas keeps the submission it has.
            new_submission=False,
        )
    return True
