"""Send one queued score to the LMS (the ``grade-sync`` job handler).

Everything the call needs is read from the tenant's rows first, in one query — the link,
its course, deployment and registration, the learner — and the AGS client for them only
ever calls URLs this registration's launches named. Then, outside any transaction: the
line item (the link's own, else found by resourceLinkId, else created and remembered) and
the score. Failures are sorted for the queue: worth another try later (timeouts, 5xx, 429
with its Retry-After) or final, with a reason an instructor can act on.

A column deleted in the LMS (404 or 410 on the score) is forgotten, so Send again finds or
makes a new one — when the link still grades the score and the LMS lets SkillCert make
columns in the course (:mod:`lti_tool.gradesync.columns`); otherwise the reason says why
none will be made, and none is.

A worker sends thousands of scores to a few courses, so it keeps each course's AGS client
for a minute (:class:`_Clients`) instead of building it per score from five more queries
and the tool's key; a client is rebuilt sooner when any row it was built from changed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Hashable
from typing import Any
from urllib.parse import urlsplit

from cachetools import TTLCache
from flask import Flask
from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.orm import Session

from assessments.catalog import list_tracks
from lti_tool.db import WRITES, rowcount, transaction
from lti_tool.gradesync.columns import (
    cannot_make_column,
    column,
    not_graded_here,
    submission_window,
)
from lti_tool.jobs.worker import PermanentJobError, RetryLaterError
from lti_tool.lti.constants import ActivityProgress, GradingProgress
from lti_tool.lti.deep_linking import Window
from lti_tool.models import Context, Deployment, Registration, ResourceLink, User
from lti_tool.observability import metrics
from lti_tool.observability.events import current_attempt, elapsed_ms, event
from lti_tool.placements import SCORE_MAXIMUM, Placement, resolve
from lti_tool.services.ags import AgsClient, CanvasSubmission, Score
from lti_tool.services.clients import ags_client, app_options
from lti_tool.services.errors import ServiceError

#: How long a worker reuses a course's AGS client: a rotated tool key, or a line item on a
#: host no launch had named when it was built, is picked up by then.
CLIENT_SECONDS = 60

#: Why a delivery whose rows are gone is final.
_REMOVED = (
    "The course, its LMS deployment or the learner was removed from SkillCert; "
    "the score was not sent anywhere."
)

#: What a final LMS answer means for the person reading the dead delivery.
_FINAL_REASONS = {
    400: "The LMS rejected the score as sent",
    401: "The LMS refused SkillCert's access even with a new token; check the registration",
    403: "The LMS does not let SkillCert send grades in this course",
    422: "The LMS rejected the score as sent",
}

#: The LMS's answers for a line item that is gone.
_DELETED = (404, 410)
#: Why a score to a deleted line item is final, and what Send again will do.
_DELETED_REASON = "The line item was deleted in the LMS ({})"
_MAKES_NEW = "Send again makes a new one"
#: A 404 before any line item was known: the course's line item container was not found.
_CONTAINER_GONE = "The LMS did not find this course's gradebook"

# One line item per link: deliveries in this process for a link without one wait for the
# first to find or create it (other processes are handled by ``_remember``).
_line_item_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()

_link, _context = ResourceLink.__table__, Context.__table__
_deployment, _registration, _user = Deployment.__table__, Registration.__table__, User.__table__

#: A job's link with its course, deployment and registration, and the job's learner (None
#: columns when the learner is gone): what a delivery checks and its client is built from.
_TARGET = (
    select(
        _link.c.id,
        _link.c.resource_link_id,
        _link.c.ags_lineitem_url,
        _link.c.title,
        _link.c.target,
        _link.c.available_from,
        _link.c.available_until,
        _link.c.submission_from,
        _link.c.due_at,
        _context.c.id.label("context_id"),
        _context.c.ags_lineitems_url,
        _context.c.ags_scopes,
        _deployment.c.id.label("deployment_id"),
        _deployment.c.is_active.label("deployment_active"),
        _registration.c.id.label("registration_id"),
        _registration.c.is_active.label("registration_active"),
        _registration.c.client_id,
        _registration.c.auth_token_url,
        _registration.c.auth_audience,
        _registration.c.preset,
        _user.c.sub.label("user_sub"),
        _user.c.registration_id.label("user_registration_id"),
    )
    .join(_context, _context.c.id == _link.c.context_id)
    .join(_deployment, _deployment.c.id == _context.c.deployment_id)
    .join(_registration, _registration.c.id == _deployment.c.registration_id)
    .outerjoin(_user, _user.c.id == bindparam("user"))
    .where(_link.c.id == bindparam("link"))
)


@dataclasses.dataclass(frozen=True)
class _Target:
    client: AgsClient
    link_id: int
    resource_link_id: str
    lineitem_url: str | None
    #: What the link opens now (None: its content is gone from SkillCert).
    placement: Placement | None
    #: The line item dates its stored dates give (see ``columns.submission_window``).
    window: Window
    #: The course's line item container and the AGS scopes the LMS granted there.
    lineitems_url: str | None
    scopes: frozenset[str]
    user_sub: str
    #: The registration's LMS preset (moodle, canvas, …): the deliveries metric's label.
    preset: str


def deliver(app: Flask, payload: dict[str, Any]) -> None:
    """Send the job's score; log how it went (the ``score.delivery`` event)."""
    started = time.monotonic()
    sent = _Delivery(payload)
    try:
        status = _send(app, payload, sent)
    except ServiceError as exc:
        error = _classified(exc, sent)
        sent.done(error, exc.status, started)
        if exc.status in _DELETED and sent.line_item is not None:
            # Forget the column the LMS no longer has: sent again, the score finds or makes
            # a new one instead of posting to the deleted one for good.
            forget_line_item(app, payload["link"], sent.line_item)
        raise error from exc
    except (PermanentJobError, RetryLaterError) as exc:
        sent.done(exc, None, started)
        raise
    sent.done(None, status, started)


@dataclasses.dataclass
class _Delivery:
    """What the ``score.delivery`` event says: learned as the delivery goes."""

    payload: dict[str, Any]
    preset: str = ""
    line_item: str | None = None
    #: Why Send again could make no new column if this one is gone (None: it can).
    no_new_column: str | None = None

    def done(self, error: Exception | None, status: int | None, started: float) -> None:
        outcome = "delivered" if error is None else "failed"
        if isinstance(error, RetryLaterError):
            outcome = "retry"
        metrics.delivery(outcome, self.preset)
        event(
            "score.delivery",
            outcome=outcome,
            line_item=self.line_item,
            learner_id=self.payload["user"],
            link_id=self.payload["link"],
            registration_id=self.payload["registration"],
            http_status=status,
            attempt=current_attempt(),
            duration_ms=elapsed_ms(started),
        )


def _send(app: Flask, payload: dict[str, Any], sent: _Delivery) -> int:
    """Post the score to the link's line item (found or created first); the LMS's status."""
    target = _target(app, payload)
    sent.preset = target.preset
    placement = target.placement
    elsewhere = not_graded_here(placement, payload["track"], payload["activity"])
    cannot_make = cannot_make_column(target.lineitems_url, target.scopes)
    sent.no_new_column = elsewhere or cannot_make
    # A link whose content is gone from SkillCert keeps its column as it is, and the
    # scores for it; one placed on something else since has a column that now stands for
    # that, and one without a column gets a column only while it grades the score.
    if target.lineitem_url is not None and (placement is None or elsewhere is None):
        lineitem_url = target.lineitem_url
    elif placement is not None and elsewhere is None:
        lineitem_url = _line_item(app, target, placement, cannot_make)
    else:
        raise PermanentJobError(f"{elsewhere}; the score was not sent anywhere.")
    sent.line_item = lineitem_url
    timestamp = dt.datetime.fromisoformat(payload["timestamp"])
    # Jobs queued before the payload carried the hand-in time fall back to the score's.
    submitted_at = dt.datetime.fromisoformat(payload.get("submitted_at") or payload["timestamp"])
    given = payload["score_given"]
    return target.client.post_score(
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


def _target(app: Flask, payload: dict[str, Any]) -> _Target:
    """The link, learner and AGS client of a job, all inside the job's own tenant."""
    # One read on a plain connection (the ORM session is only needed to build a client),
    # which SQLite need not lock for writing.
    with app.extensions["skillcert.engine"].connect() as conn:
        conn = conn.execution_options(**{WRITES: False})
        row = conn.execute(_TARGET, {"link": payload["link"], "user": payload["user"]}).first()
    if (
        row is None
        or row.user_sub is None
        or row.registration_id != payload["registration"]
        or row.user_registration_id != payload["registration"]
    ):
        raise PermanentJobError(_REMOVED)
    if not row.registration_active or not row.deployment_active:
        raise PermanentJobError(
            "The LMS registration or deployment of this course is no longer active; "
            "the score was not sent anywhere. Activate it again, then send again."
        )
    if row.ags_lineitem_url is None and row.ags_lineitems_url is None:
        # The link's own column was deleted in the LMS, and its launches name nowhere to
        # look for or make another.
        raise PermanentJobError(f"{cannot_make_column(None, ())}; the score was not sent anywhere.")
    return _Target(
        client=_clients(app).get(row),
        link_id=row.id,
        resource_link_id=row.resource_link_id,
        lineitem_url=row.ags_lineitem_url,
        placement=resolve(row.target, list_tracks(app.config["SETTINGS"].tracks_dir)),
        window=submission_window(
            row.available_from, row.available_until, row.submission_from, row.due_at
        ),
        lineitems_url=row.ags_lineitems_url,
        scopes=frozenset(row.ags_scopes or ()),
        user_sub=row.user_sub,
        preset=row.preset,
    )


class _Clients:
    """A worker's AGS clients, one per course and version of the rows it was built from."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._cache: TTLCache[Hashable, AgsClient] = TTLCache(1024, CLIENT_SECONDS)
        self._lock = threading.Lock()

    def get(self, row: Row) -> AgsClient:
        """The client for ``row`` (a ``_TARGET`` row): kept, else built from the database."""
        # The link's own line item may be on a host other links of the course do not use:
        # a client built before its launch named that host would refuse it.
        lineitem_host = urlsplit(row.ags_lineitem_url)[:2] if row.ags_lineitem_url else None
        key = (
            row.context_id,
            row.deployment_id,
            row.registration_id,
            row.client_id,
            row.auth_token_url,
            row.auth_audience,
            row.preset,
            row.ags_lineitems_url,
            tuple(row.ags_scopes or ()),
            lineitem_host,
        )
        with self._lock:
            client = self._cache.get(key)
        if client is not None:
            return client
        try:
            with transaction(self._app) as session:
                deployment = session.get(Deployment, row.deployment_id)
                context = session.get(Context, row.context_id)
                if deployment is None or context is None:  # removed since ``row`` was read
                    raise PermanentJobError(_REMOVED)
                client = ags_client(session, deployment, context, **app_options(self._app))
        except ServiceError as exc:
            raise PermanentJobError(exc.message) from exc
        with self._lock:
            self._cache[key] = client
        return client


def _clients(app: Flask) -> _Clients:
    clients = app.extensions.get("skillcert.ags_clients")
    if clients is None:
        clients = app.extensions.setdefault("skillcert.ags_clients", _Clients(app))
    return clients


def _line_item(app: Flask, target: _Target, placement: Placement, cannot_make: str | None) -> str:
    """The link's line item in the LMS: found by its resourceLinkId, else created for
    ``placement``; a final error saying why when the LMS lets SkillCert make none.
    (``_target`` made sure the course has a line item container to look in.)"""
    with _locks_guard:
        lock = _line_item_locks.setdefault(target.link_id, threading.Lock())
    with lock:
        with transaction(app) as session:  # another delivery may have just stored it
            known = _stored_line_item(session, target.link_id)
        if known:
            return known
        item = target.client.find_line_item(resource_link_id=target.resource_link_id)
        created = item is None
        if item is None:
            if cannot_make is not None:
                raise PermanentJobError(f"{cannot_make}; the score was not sent anywhere.")
            item = target.client.create_line_item(
                column(placement, target.resource_link_id, target.window)
            )
        return _remember(app, target, item.url, created=created)


def _remember(app: Flask, target: _Target, url: str, *, created: bool) -> str:
    """Store the line item on the link, unless another worker stored one first (then its
    wins and a duplicate we created is deleted from the LMS)."""
    with transaction(app) as session:
        stored = rowcount(
            session.execute(
                update(ResourceLink)
                .where(ResourceLink.id == target.link_id, ResourceLink.ags_lineitem_url.is_(None))
                .values(ags_lineitem_url=url)
            )
        )
        winner = url if stored else _stored_line_item(session, target.link_id)
    if winner is None:
        # A line item sync forgot the one stored first, in the instant since: what the
        # link opens changed, so look again.
        raise RetryLaterError("The link's gradebook column changed while the score was sent.")
    if winner != url and created:
        target.client.delete_line_item(url)
    return winner


def _stored_line_item(session: Session, link_id: int) -> str | None:
    """The line item URL stored on the link; the link was removed: the job is final."""
    link = session.get(ResourceLink, link_id)
    if link is None:
        raise PermanentJobError(_REMOVED)
    return link.ags_lineitem_url


def _classified(exc: ServiceError, sent: _Delivery) -> Exception:
    """A transient failure is retried (not before the LMS's Retry-After); others are final.
    A deleted line item's reason says whether Send again will make a new one."""
    if exc.transient:
        return RetryLaterError(exc.message, retry_after=exc.retry_after)
    reason = _FINAL_REASONS.get(exc.status or 0)
    if exc.status in _DELETED:
        if sent.line_item is None:
            reason = _CONTAINER_GONE
        else:
            reason = _DELETED_REASON.format(sent.no_new_column or _MAKES_NEW)
    return PermanentJobError(f"{reason}. {exc.message}" if reason else exc.message)


def forget_line_item(app: Flask, link_id: int, url: str) -> None:
    """The deleted line item is no longer the link's (unless another took its place)."""
    with transaction(app) as session:
        session.execute(
            update(ResourceLink)
            .where(ResourceLink.id == link_id, ResourceLink.ags_lineitem_url == url)
            .values(ags_lineitem_url=None)
        )
