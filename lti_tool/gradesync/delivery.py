"""Send one queued score to the LMS (the ``grade-sync`` job handler).

Everything the call needs is read from the tenant's rows first — the link, its course,
deployment and registration, the learner — and the AGS client built from them only ever
calls URLs this registration's launches named. Then, outside any transaction: the line
item (the link's own, else found by resourceLinkId, else created and remembered) and the
score. Failures are sorted for the queue: worth another try later (timeouts, 5xx, 429
with its Retry-After) or final, with a reason an instructor can act on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from typing import Any

from flask import Flask
from sqlalchemy import update

from assessments.catalog import list_tracks
from lti_tool.db import transaction
from lti_tool.jobs.worker import PermanentJobError, RetryLaterError
from lti_tool.lti.constants import ActivityProgress, GradingProgress
from lti_tool.models import Context, Deployment, Registration, ResourceLink, User
from lti_tool.placements import SCORE_MAXIMUM, resolve
from lti_tool.services.ags import AgsClient, CanvasSubmission, LineItem, Score
from lti_tool.services.clients import ags_client, token_cache
from lti_tool.services.errors import ServiceError

#: The tag on line items SkillCert creates, so they can be told apart in the LMS.
LINE_ITEM_TAG = "skillcert"

#: What a final LMS answer means for the person reading the dead delivery.
_FINAL_REASONS = {
    400: "The LMS rejected the score as sent",
    401: "The LMS refused SkillCert's access even with a new token; check the registration",
    403: "The LMS does not let SkillCert send grades in this course",
    404: "The line item was deleted in the LMS",
    410: "The line item was deleted in the LMS",
    422: "The LMS rejected the score as sent",
}

# One line item per link: deliveries in this process for a link without one wait for the
# first to find or create it (other processes are handled by ``_remember``).
_line_item_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


@dataclasses.dataclass(frozen=True)
class _Target:
    client: AgsClient
    link_id: int
    resource_link_id: str
    lineitem_url: str | None
    label: str
    resource_id: str | None
    user_sub: str


def deliver(app: Flask, payload: dict[str, Any]) -> None:
    target = _target(app, payload)
    try:
        lineitem_url = target.lineitem_url or _line_item(app, target)
        timestamp = dt.datetime.fromisoformat(payload["timestamp"])
        # Jobs queued before the payload carried the hand-in time fall back to the score's.
        submitted_at = dt.datetime.fromisoformat(
            payload.get("submitted_at") or payload["timestamp"]
        )
        given = payload["score_given"]
        target.client.post_score(
            lineitem_url,
            Score(
                user_id=target.user_sub,
                activity_progress=ActivityProgress(payload["activity_progress"]),
                grading_progress=GradingProgress(payload["grading_progress"]),
                timestamp=timestamp,
                score_given=given,
                score_maximum=None if given is None else SCORE_MAXIMUM,
                canvas_submission=CanvasSubmission(
                    submitted_at=submitted_at, new_submission=payload["new_submission"]
                ),
            ),
        )
    except ServiceError as exc:
        raise _classified(exc) from exc


def _target(app: Flask, payload: dict[str, Any]) -> _Target:
    """The link, learner and AGS client of a job, all inside the job's own tenant."""
    settings = app.config["SETTINGS"]
    with transaction(app) as session:
        link = session.get(ResourceLink, payload["link"])
        context = session.get(Context, link.context_id) if link else None
        deployment = session.get(Deployment, context.deployment_id) if context else None
        user = session.get(User, payload["user"])
        if (
            deployment is None
            or user is None
            or deployment.registration_id != payload["registration"]
            or user.registration_id != payload["registration"]
        ):
            raise PermanentJobError(
                "The course, its LMS deployment or the learner was removed from SkillCert; "
                "the score was not sent anywhere."
            )
        registration = session.get(Registration, deployment.registration_id)
        if not registration.is_active or not deployment.is_active:
            raise PermanentJobError(
                "The LMS registration or deployment of this course is no longer active; "
                "the score was not sent anywhere. Activate it again, then send again."
            )
        try:
            client = ags_client(
                session,
                deployment,
                context,
                tokens=token_cache(app),
                settings=settings,
                http=app.extensions["skillcert.http"],
            )
        except ServiceError as exc:
            raise PermanentJobError(exc.message) from exc
        placement = resolve(link.target, list_tracks(settings.tracks_dir))
        return _Target(
            client=client,
            link_id=link.id,
            resource_link_id=link.resource_link_id,
            lineitem_url=link.ags_lineitem_url,
            label=placement.title if placement else link.title,
            resource_id=placement.resource_id if placement else None,
            user_sub=user.sub,
        )


def _line_item(app: Flask, target: _Target) -> str:
    """The link's line item in the LMS: found by its resourceLinkId, else created."""
    with _locks_guard:
        lock = _line_item_locks.setdefault(target.link_id, threading.Lock())
    with lock:
        with transaction(app) as session:  # another delivery may have just stored it
            known = session.get(ResourceLink, target.link_id).ags_lineitem_url
        if known:
            return known
        item = target.client.find_line_item(resource_link_id=target.resource_link_id)
        created = item is None
        if item is None:
            item = target.client.create_line_item(
                LineItem(
                    label=target.label,
                    score_maximum=SCORE_MAXIMUM,
                    resource_link_id=target.resource_link_id,
                    resource_id=target.resource_id,
                    tag=LINE_ITEM_TAG,
                )
            )
        return _remember(app, target, item.id, created=created)


def _remember(app: Flask, target: _Target, url: str, *, created: bool) -> str:
    """Store the line item on the link, unless another worker stored one first (then its
    wins and a duplicate we created is deleted from the LMS)."""
    with transaction(app) as session:
        stored = session.execute(
            update(ResourceLink)
            .where(ResourceLink.id == target.link_id, ResourceLink.ags_lineitem_url.is_(None))
            .values(ags_lineitem_url=url)
        ).rowcount
        winner = url if stored else session.get(ResourceLink, target.link_id).ags_lineitem_url
    if winner != url and created:
        target.client.delete_line_item(url)
    return winner


def _classified(exc: ServiceError) -> Exception:
    """A transient failure is retried (not before the LMS's Retry-After); others are final."""
    if exc.transient:
        return RetryLaterError(exc.message, retry_after=exc.retry_after)
    reason = _FINAL_REASONS.get(exc.status or 0)
    return PermanentJobError(f"{reason}. {exc.message}" if reason else exc.message)
