"""A link's gradebook column follows what the link opens (``line-item-sync`` jobs).

When what a link opens changes — an instructor's choice (``set_link_target``) or a launch
whose Deep Linking custom parameter names another target — or a launch reports new dates
for it, :func:`queue_sync` queues a job in the same transaction, keyed per link (a newer
change replaces a waiting one) and grouped per registration (it shares the LMS's
concurrency cap with score deliveries). The job reads the link as it is when it runs, then:

- the link opens something graded: the line item's label, scoreMaximum, resourceId and
  dates (``columns.submission_window``) are brought to the link's (a PUT, only when they
  differ);
- it opens something ungraded (a lesson, a module without assessed activities): the line
  item is deleted and forgotten, so no later score goes to it;
- its content is gone from SkillCert: nothing is touched (the column keeps its grades);
  :func:`orphaned_links` lists such links for the grade-sync page.

Only line items tagged ``skillcert`` are ever changed or deleted: SkillCert tags the ones
it creates, and the Deep Linking line items it asks the LMS to create. The AGS spec lets a
tool manage the line items it created; a column the LMS or the instructor made for the
link (no tag) belongs to them and is left alone — the LMS scales our percentages to its
maximum. Failures are sorted as deliveries' are: passing ones are retried, final ones go
dead with a reason on the grade-sync page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import Session

from assessments.catalog import list_tracks
from assessments.model import Track
from lti_tool.db import transaction
from lti_tool.gradesync.columns import LINE_ITEM_TAG, column, submission_window
from lti_tool.gradesync.delivery import forget_line_item
from lti_tool.gradesync.outbox import JOB_KIND as SCORE_JOB_KIND
from lti_tool.gradesync.outbox import group_key
from lti_tool.jobs import queue
from lti_tool.jobs.worker import PermanentJobError, RetryLaterError, register_handler
from lti_tool.lti.deep_linking import Window
from lti_tool.models import Context, Deployment, Job, JobStatus, Registration, ResourceLink
from lti_tool.placements import Placement, resolve
from lti_tool.scope import CurrentLaunch
from lti_tool.services.ags import AgsClient, LineItem
from lti_tool.services.clients import ags_client, app_options
from lti_tool.services.errors import ServiceError

log = logging.getLogger(__name__)

JOB_KIND = "line-item-sync"
#: A label change can wait out an LMS outage as long as a score can.
MAX_ATTEMPTS = 12

#: What a final LMS answer means for the instructor reading the failed change.
_FINAL_REASONS = {
    400: "The LMS rejected the change to the gradebook column",
    401: "The LMS refused SkillCert's access even with a new token; check the registration",
    403: "The LMS does not let SkillCert change gradebook columns in this course",
    422: "The LMS rejected the change to the gradebook column",
}


def sync_key(link_id: int) -> str:
    """Lock and dedupe key: one change per link at a time, and one waiting."""
    return f"line-item:{link_id}"


def queue_sync(
    conn: Connection, link_id: int, registration_id: int, *, retargeted: bool = True
) -> int:
    """Queue the link's line item sync in the caller's transaction; the job's id.

    When the link was ``retargeted`` (it opens something else now), scores still queued
    for it are dropped: they were worked out for what it opened before, and must not reach
    its column now. New dates alone leave them be.
    """
    dropped = 0
    if retargeted:
        dropped = conn.execute(
            delete(Job).where(
                Job.kind == SCORE_JOB_KIND,
                Job.status == JobStatus.QUEUED,
                Job.lock_key.like(f"score:{link_id}:%"),
            )
        ).rowcount
    if dropped:
        log.info("Link %s now opens something else: %d queued scores dropped", link_id, dropped)
    return queue.enqueue(
        conn,
        JOB_KIND,
        {"registration": registration_id, "link": link_id},
        lock_key=sync_key(link_id),
        dedupe_key=sync_key(link_id),
        group_key=group_key(registration_id),
        max_attempts=MAX_ATTEMPTS,
    )


def retarget(conn: Connection, link_id: int, registration_id: int, target: str) -> bool:
    """Point the link at ``target``; when that changes what it opens, queue its line item
    sync. True when it changed."""
    changed = conn.execute(
        update(ResourceLink)
        .where(ResourceLink.id == link_id, ResourceLink.target.is_distinct_from(target))
        .values(target=target)
    ).rowcount
    if changed:
        queue_sync(conn, link_id, registration_id)
    return bool(changed)


@dataclasses.dataclass(frozen=True)
class _Link:
    client: AgsClient
    id: int
    resource_link_id: str
    lineitem_url: str | None
    placement: Placement | None
    #: The line item dates the link's stored dates give.
    window: Window


def sync_line_item(app: Flask, payload: dict[str, Any]) -> None:
    """The job: bring the link's line item in step with what the link opens now."""
    link = _load(app, payload)
    if link.placement is None:
        return  # the content is gone: leave the column and its grades as they are
    try:
        item = _line_item(link)
        if item is None:
            if link.lineitem_url is not None:  # deleted in the LMS: the next score makes one
                forget_line_item(app, link.id, link.lineitem_url)
            return
        if item.tag != LINE_ITEM_TAG:
            return  # the LMS's or the instructor's column: not ours to change
        if link.placement.graded:
            made = column(link.placement, link.resource_link_id, link.window)
            wanted = dataclasses.replace(
                item,
                label=made.label,
                score_maximum=made.score_maximum,
                resource_id=made.resource_id,
                # A date the LMS never reported for the link stays as the column has it.
                start=made.start or item.start,
                end=made.end or item.end,
            )
            if wanted != item:
                link.client.update_line_item(wanted)
                log.info("Line item of link %s now reads %r", link.id, wanted.label)
            return
        link.client.delete_line_item(item.url)
        forget_line_item(app, link.id, item.url)
        log.info("Line item of link %s deleted: the link opens ungraded content", link.id)
    except ServiceError as exc:
        raise _classified(exc) from exc


def _line_item(link: _Link) -> LineItem | None:
    """The link's line item as the LMS holds it now: the stored one, else the one with its
    resourceLinkId; None when there is none (or the stored one was deleted in the LMS)."""
    if link.lineitem_url is not None:
        try:
            return link.client.get_line_item(link.lineitem_url)
        except ServiceError as exc:
            if exc.status in (404, 410):
                return None
            raise
    if link.client.lineitems_url is None:
        return None
    return link.client.find_line_item(resource_link_id=link.resource_link_id)


def _load(app: Flask, payload: dict[str, Any]) -> _Link:
    """The link, its placement and an AGS client, all inside the job's own tenant."""
    settings = app.config["SETTINGS"]
    with transaction(app) as session:
        link = session.get(ResourceLink, payload["link"])
        context = session.get(Context, link.context_id) if link else None
        deployment = session.get(Deployment, context.deployment_id) if context else None
        if (
            link is None
            or context is None
            or deployment is None
            or deployment.registration_id != payload["registration"]
        ):
            raise PermanentJobError(
                "The link, its course or its LMS deployment was removed from SkillCert; "
                "nothing was changed in the LMS."
            )
        registration = session.get(Registration, deployment.registration_id)
        if registration is None or not registration.is_active or not deployment.is_active:
            raise PermanentJobError(
                "The LMS registration or deployment of this course is no longer active; "
                "nothing was changed in the LMS."
            )
        try:
            client = ags_client(
                session,
                deployment,
                context,
                **app_options(app),
            )
        except ServiceError as exc:
            raise PermanentJobError(exc.message) from exc
        return _Link(
            client=client,
            id=link.id,
            resource_link_id=link.resource_link_id,
            lineitem_url=link.ags_lineitem_url,
            placement=resolve(link.target, list_tracks(settings.tracks_dir)),
            window=submission_window(
                link.available_from, link.available_until, link.submission_from, link.due_at
            ),
        )


def _classified(exc: ServiceError) -> Exception:
    if exc.transient:
        return RetryLaterError(exc.message, retry_after=exc.retry_after)
    reason = _FINAL_REASONS.get(exc.status or 0)
    return PermanentJobError(f"{reason}. {exc.message}" if reason else exc.message)


# -- the grade-sync page -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ColumnProblem:
    """A link whose gradebook column SkillCert could not, or will not, keep in step."""

    link_title: str
    #: The LMS's reason for a failed change; empty when the link's content is gone.
    reason: str
    at: dt.datetime | None


def course_problems(
    session: Session, launch: CurrentLaunch, tracks: Iterable[Track]
) -> list[ColumnProblem]:
    """The course's failed column changes (each link's newest), then its links with a
    column whose content is gone from SkillCert (those columns are left as they are)."""
    if launch.context_id is None:
        return []
    links = session.execute(
        select(
            ResourceLink.id,
            ResourceLink.title,
            ResourceLink.resource_link_id,
            ResourceLink.target,
            ResourceLink.ags_lineitem_url,
        )
        .where(ResourceLink.context_id == launch.context_id)
        .order_by(ResourceLink.title, ResourceLink.id)
    ).all()
    if not links:
        return []
    keys = {sync_key(link.id): link for link in links}
    newest = {}
    for job in session.execute(
        select(Job.lock_key, Job.status, Job.last_error, Job.finished_at)
        .where(
            Job.kind == JOB_KIND,
            Job.group_key == group_key(launch.registration_id),
            Job.lock_key.in_(keys),
        )
        .order_by(Job.id)
    ):
        newest[job.lock_key] = job
    problems = [
        ColumnProblem(
            keys[key].title or keys[key].resource_link_id, job.last_error or "", job.finished_at
        )
        for key, job in newest.items()
        if job.status is JobStatus.DEAD
    ]
    tracks = list(tracks)
    problems += [
        ColumnProblem(link.title or link.resource_link_id, "", None)
        for link in links
        if link.ags_lineitem_url is not None
        and link.target is not None
        and resolve(link.target, tracks) is None
    ]
    return problems


def init_app(app: Flask) -> None:
    stalled_after = dt.timedelta(seconds=app.config["SETTINGS"].gradesync_stall_seconds)
    register_handler(app, JOB_KIND, sync_line_item, stalled_after=stalled_after, concurrent=True)
