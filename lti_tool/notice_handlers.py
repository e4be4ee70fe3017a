"""Registering SkillCert's notice handler with an LMS's Platform Notification Service.

A launch may offer PNS: its ``platformnotificationservice`` claim names the service's
URL, the scope to ask a token for and the notice types the platform sends. Canvas puts it
in every launch and keeps one handler per notice type for each deployment
(canvas-lms doc/api/pns.md, read 2026-12-06), so handlers are set per deployment.

When a launch of any role offers the ``noticehandlers`` scope and a notice type SkillCert
handles (:class:`~lti_tool.lti.constants.NoticeType`), and the registration has no
handler for one of those types yet, or this deployment never had its handlers set, the
launch queues a ``pns-handlers`` job: one per deployment at a time, and after one that
failed not again for :data:`RETRY_EVERY`, so a slow or refusing LMS never slows a launch.
The job sets ``/lti/notices`` as the handler of each type, then adds the types to
``Registration.notice_handlers``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import Connection, bindparam, select

from lti_tool.db import transaction
from lti_tool.gradesync.outbox import group_key
from lti_tool.jobs import queue
from lti_tool.jobs.worker import PermanentJobError, RetryLaterError, register_handler
from lti_tool.lti.constants import NOTICE_HANDLERS_SCOPE, Claim, NoticeType
from lti_tool.lti.launch import ValidatedLaunch
from lti_tool.lti.urls import notices_url
from lti_tool.models import Deployment, Job, JobStatus, Registration, utcnow
from lti_tool.observability.events import elapsed_ms, event
from lti_tool.services.clients import app_options, pns_client
from lti_tool.services.errors import ServiceError

JOB_KIND = "pns-handlers"
#: After a failed registration, launches queue the next one no sooner than this.
RETRY_EVERY = dt.timedelta(hours=1)
#: A registration that fails for a passing reason (timeout, 5xx, 429) is tried this often.
MAX_ATTEMPTS = 3
_URL_LENGTH = 1000
#: What became of a deployment's newest handler registration. Every launch of an LMS that
#: offers PNS runs it (Canvas: all of them), so it is built once (see lti.statements).
_NEWEST_JOB = (
    select(Job.status, Job.created_at)
    .where(Job.lock_key == bindparam("key"))
    .order_by(Job.id.desc())
    .limit(1)
)


@dataclasses.dataclass(frozen=True)
class Offer:
    """What a launch's PNS claim offers SkillCert: the service URL, the types it handles."""

    service_url: str
    notice_types: tuple[str, ...]

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Offer | None:
        """The offer in a launch's claims; None when there is no usable one."""
        claim = claims.get(Claim.PLATFORM_NOTIFICATION_SERVICE)
        if not isinstance(claim, dict):
            return None
        url, scopes = claim.get("platform_notification_service_url"), claim.get("scope")
        supported = claim.get("notice_types_supported")
        if not isinstance(url, str) or not 0 < len(url) <= _URL_LENGTH:
            return None
        if not isinstance(scopes, list) or NOTICE_HANDLERS_SCOPE not in scopes:
            return None
        if not isinstance(supported, list):
            return None
        types = tuple(str(kind) for kind in NoticeType if kind in supported)
        return cls(url, types) if types else None


def deployment_key(deployment_pk: int) -> str:
    """Lock and dedupe key: one handler registration per deployment at a time."""
    return f"pns:{deployment_pk}"


def queue_registration(conn: Connection, launch: ValidatedLaunch) -> int | None:
    """Queue setting the handlers the launch's PNS claim offers, in the launch's
    transaction, when they are not set yet (see the module's doc); the job's id."""
    offer = Offer.from_claims(launch.claims)
    if offer is None:
        return None
    key = deployment_key(launch.deployment_pk)
    newest = conn.execute(_NEWEST_JOB, {"key": key}).first()
    if newest is not None:
        registered = set(launch.registration.notice_handlers or ())
        if newest.status in (JobStatus.QUEUED, JobStatus.RUNNING):
            return None
        if newest.status == JobStatus.DONE and registered.issuperset(offer.notice_types):
            return None
        if newest.created_at > utcnow() - RETRY_EVERY:
            return None
    return queue.enqueue(
        conn,
        JOB_KIND,
        {
            "deployment": launch.deployment_pk,
            "url": offer.service_url,
            "types": list(offer.notice_types),
        },
        lock_key=key,
        dedupe_key=key,
        group_key=group_key(launch.registration.id),
        max_attempts=MAX_ATTEMPTS,
    )


def set_handlers(app: Flask, deployment_pk: int, service_url: str, types: list[str]) -> None:
    """Set SkillCert's handler for each of ``types`` at ``service_url``, then record them.

    Raises :class:`ServiceError` when the LMS refuses or cannot be reached; the types set
    before the failure are not recorded (setting a handler again is harmless).
    """
    with transaction(app) as session:
        deployment = session.get(Deployment, deployment_pk)
        if deployment is None:
            raise ServiceError(f"Deployment {deployment_pk} is no longer in SkillCert.")
        registration_id = deployment.registration_id
        client = pns_client(session, deployment, service_url, **app_options(app))
    handler = notices_url(app.config["SETTINGS"])
    started = time.monotonic()
    try:  # outside any transaction: the LMS may be slow
        for notice_type in types:
            client.set_handler(notice_type, handler)
    except ServiceError as exc:
        _log(registration_id, deployment_pk, types, started, exc)
        raise
    with transaction(app) as session:
        registration = session.get_one(Registration, registration_id)
        registration.notice_handlers = sorted({*registration.notice_handlers, *types})
    _log(registration_id, deployment_pk, types, started, None)


def _log(
    registration_id: int,
    deployment_pk: int,
    types: list[str],
    started: float,
    error: ServiceError | None,
) -> None:
    event(
        "pns.handlers",
        outcome="ok" if error is None else "failed",
        registration_id=registration_id,
        deployment_id=deployment_pk,
        notice_types=types,
        http_status=None if error is None else error.status,
        duration_ms=elapsed_ms(started),
    )


def _run(app: Flask, payload: dict[str, Any]) -> None:
    """The job: a passing failure is tried again later, any other is final."""
    try:
        set_handlers(app, payload["deployment"], payload["url"], payload["types"])
    except ServiceError as exc:
        if exc.transient:
            raise RetryLaterError(exc.message, retry_after=exc.retry_after) from exc
        raise PermanentJobError(exc.message) from exc


def init_app(app: Flask) -> None:
    register_handler(app, JOB_KIND, _run, concurrent=True)
