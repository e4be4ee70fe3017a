"""Course rosters from the LMS (NRPS): everyone in a course, including those who never launched.

A sync reads the course's memberships, every page, with the NRPS client built from the
course's own deployment and registration; only then, in one transaction, it upserts each
member's user (registration + sub: the row their launches use) and membership (the role
mapped as a launch's is, the LMS's status). Members the LMS no longer lists are marked
Deleted. Nothing is ever deleted, and a read that fails changes nothing.

Syncs run as ``roster-sync`` jobs, so no page waits on the LMS: an instructor's visit to
the course overview queues one at most every :data:`SYNC_EVERY` per course, "Sync roster
now" queues one at once (a queued one is replaced: one per course), and
``skillcert roster sync`` runs one in the foreground.

Group enrollments, where the LMS lists them (:attr:`Member.group_ids`), are stored as the
course's sections (``lti.sections``: a ``CourseSection`` per group id, nameless, as NRPS
gives no names) and each listed member's ``SectionMember`` rows, which the gradebook's
section filter reads. Each sync replaces a listed member's sections with the groups
listed now; section rows stay. A roster that lists no group enrollments at all (an LMS
that does not offer them) leaves sections as they are, so it cannot undo what Canvas
launches reported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Sequence
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, Row, func, select, update
from sqlalchemy.orm import Session

from lti_tool.db import transaction
from lti_tool.errors import SkillCertError
from lti_tool.gradesync.outbox import group_key
from lti_tool.jobs import queue
from lti_tool.jobs.worker import PermanentJobError, RetryLaterError, register_handler
from lti_tool.lti import sections
from lti_tool.lti.roles import skillcert_role
from lti_tool.models import (
    Context,
    Deployment,
    Job,
    JobStatus,
    Membership,
    MemberStatus,
    Registration,
    ResourceLink,
    Role,
    User,
    utcnow,
)
from lti_tool.models.lti import CourseScope
from lti_tool.observability.events import elapsed_ms, event
from lti_tool.services.clients import app_options, nrps_client
from lti_tool.services.errors import ServiceError
from lti_tool.services.nrps import Member
from lti_tool.upsert import upsert_returning_id

JOB_KIND = "roster-sync"
#: An instructor's visits queue a sync of their course at most this often.
SYNC_EVERY = dt.timedelta(minutes=15)
#: A roster read that fails for a passing reason (timeout, 5xx, 429) is tried this often.
MAX_ATTEMPTS = 3
#: Members marked Deleted per statement (SQLite caps bound parameters).
_CHUNK = 500

#: A member's status as the roster table shows it.
STATUS_WORDS = {
    MemberStatus.ACTIVE: _l("Active"),
    MemberStatus.INACTIVE: _l("Inactive"),
    MemberStatus.DELETED: _l("Removed from the course"),
}


class RosterError(SkillCertError):
    """A course's roster cannot be synced; what was stored before is unchanged."""

    status_code = 502


class RosterReadError(RosterError):
    """The LMS's roster could not be read."""

    def __init__(self, platform: str, error: ServiceError) -> None:
        super().__init__(f"The roster could not be read from {platform}: {error.message}")
        self.platform = platform
        self.reason = error.message
        self.transient = error.transient
        self.retry_after = error.retry_after


@dataclasses.dataclass(frozen=True)
class SyncResult:
    platform: str
    #: Members the LMS listed (each stored or updated).
    members: int
    #: Members stored before whom the LMS no longer lists, now marked Deleted.
    marked_deleted: int


@dataclasses.dataclass(frozen=True)
class RosterState:
    """Where a course's roster sync stands, for the course overview."""

    #: The LMS named a roster service (NRPS) in this course's launches.
    offered: bool
    #: When the newest successful sync finished.
    synced_at: dt.datetime | None
    #: A sync is queued or running.
    pending: bool
    #: Why the newest sync failed (None when it succeeded, or none failed since).
    error: str | None


def roster_key(context_id: int) -> str:
    """Lock and dedupe key: one sync per course at a time, and one waiting."""
    return f"roster:{context_id}"


def queue_sync(
    session: Session, context_id: int, registration_id: int, *, only_if_due: bool = False
) -> int | None:
    """Queue a sync of the course's roster in the caller's transaction; the job's id.

    With ``only_if_due`` (a page visit), nothing is queued when the course has no roster
    service or a sync was queued less than :data:`SYNC_EVERY` ago.
    """
    conn = session.connection()
    key = roster_key(context_id)
    if only_if_due:
        offered = conn.execute(
            select(Context.nrps_memberships_url).where(Context.id == context_id)
        ).scalar()
        last = conn.execute(
            select(Job.created_at).where(Job.lock_key == key).order_by(Job.id.desc()).limit(1)
        ).scalar()
        if not offered or (last is not None and last > utcnow() - SYNC_EVERY):
            return None
    return queue.enqueue(
        conn,
        JOB_KIND,
        {"context": context_id},
        lock_key=key,
        dedupe_key=key,
        # Roster reads share the LMS's cap with grade deliveries: one slow LMS holds no more.
        group_key=group_key(registration_id),
        max_attempts=MAX_ATTEMPTS,
    )


def state(session: Session, context: Context) -> RosterState:
    """The course's roster sync: last success, whether one waits, the newest failure."""
    key = roster_key(context.id)
    newest = session.execute(
        select(Job.status, Job.last_error)
        .where(Job.lock_key == key)
        .order_by(Job.id.desc())
        .limit(1)
    ).first()
    synced_at = session.scalar(
        select(func.max(Job.finished_at)).where(Job.lock_key == key, Job.status == JobStatus.DONE)
    )
    pending = newest is not None and newest.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    error = None
    if newest is not None and newest.status is not JobStatus.DONE:
        error = newest.last_error or None  # an empty message is no failure to show
    return RosterState(
        offered=context.nrps_memberships_url is not None,
        synced_at=synced_at,
        pending=pending,
        error=error,
    )


def sync(app: Flask, context_id: int) -> SyncResult:
    """Read the course's whole roster from its LMS, then store it.

    Raises :class:`RosterReadError` when the LMS cannot be read, :class:`RosterError` when
    the course is unknown; either way nothing stored changes.
    """
    with transaction(app) as session:
        context = session.get(Context, context_id)
        deployment = session.get(Deployment, context.deployment_id) if context else None
        registration = session.get(Registration, deployment.registration_id) if deployment else None
        if context is None or deployment is None or registration is None:
            raise RosterError(f"Course {context_id} is not in SkillCert.")
        platform, registration_id = registration.name, registration.id
        try:
            client = nrps_client(
                session,
                deployment,
                context,
                **app_options(app),
            )
        except ServiceError as exc:
            raise RosterReadError(platform, exc) from exc
    started = time.monotonic()
    try:  # outside any transaction: the LMS may be slow
        members = client.members()
    except ServiceError as exc:
        event(
            "roster.read",
            outcome="failed",
            context_id=context_id,
            registration_id=registration_id,
            pages=client.pages_read,
            http_status=exc.status,
            duration_ms=elapsed_ms(started),
        )
        raise RosterReadError(platform, exc) from exc
    with transaction(app) as session:
        deleted = store(session.connection(), context_id, registration_id, members)
    event(
        "roster.read",
        outcome="ok",
        context_id=context_id,
        registration_id=registration_id,
        pages=client.pages_read,
        members=len(members),
        marked_deleted=deleted,
        duration_ms=elapsed_ms(started),
    )
    return SyncResult(platform, len(members), deleted)


def store(
    conn: Connection, context_id: int, registration_id: int, members: Sequence[Member]
) -> int:
    """Upsert the members of one course (of one registration) and, where the roster lists
    groups, their sections; mark the ones not listed Deleted. Returns how many were marked."""
    now = utcnow()
    listed = set()
    groups: dict[int, tuple[str, ...]] = {}
    for member in members:
        if len(member.user_id) > 255:  # longer than any sub a launch accepts: never seen here
            continue
        user_id = upsert_returning_id(
            conn,
            User.__table__,
            {
                "registration_id": registration_id,
                "sub": member.user_id,
                "name": member.name,
                "updated_at": now,
            },
            conflict=("registration_id", "sub"),
            # An LMS that withholds names from the roster keeps the name launches gave.
            update=("name", "updated_at") if member.name else ("updated_at",),
        )
        listed.add(user_id)
        groups[user_id] = member.group_ids
        upsert_returning_id(
            conn,
            Membership.__table__,
            {
                "context_id": context_id,
                "user_id": user_id,
                "role": skillcert_role(member.roles).value,
                "lti_roles": list(member.roles),
                "status": member.status.value,
            },
            conflict=("context_id", "user_id"),
            update=("role", "lti_roles", "status"),
        )
    if any(groups.values()):
        sections.store_roster_groups(conn, context_id, groups)
    known = conn.execute(
        select(Membership.user_id).where(
            Membership.context_id == context_id, Membership.status != MemberStatus.DELETED
        )
    ).scalars()
    gone = sorted(set(known) - listed)
    for start in range(0, len(gone), _CHUNK):
        conn.execute(
            update(Membership)
            .where(
                Membership.context_id == context_id,
                Membership.user_id.in_(gone[start : start + _CHUNK]),
            )
            .values(status=MemberStatus.DELETED)
        )
    return len(gone)


def _run(app: Flask, payload: dict[str, Any]) -> None:
    """The job: a passing failure is tried again later, any other is final."""
    try:
        sync(app, payload["context"])
    except RosterReadError as exc:
        if exc.transient:
            raise RetryLaterError(exc.reason, retry_after=exc.retry_after) from exc
        raise PermanentJobError(exc.reason) from exc
    except RosterError as exc:
        raise PermanentJobError(exc.message) from exc


def init_app(app: Flask) -> None:
    register_handler(app, JOB_KIND, _run, concurrent=True)


# -- what the course's pages read ---------------------------------------------------------
# context_id comes from a launch session, which is bound to one deployment: nothing from
# another tenant can match.


def course_links(session: Session, context_id: int) -> Sequence[ResourceLink]:
    """The course's resource links, by title."""
    return session.scalars(
        select(ResourceLink)
        .where(ResourceLink.context_id == context_id)
        .order_by(ResourceLink.title, ResourceLink.id)
    ).all()


def course_members(
    session: Session, context_id: int
) -> Sequence[Row[str, Role, MemberStatus, dt.datetime | None]]:
    """Everyone in the course with their role, status and last launch, by role and name."""
    return session.execute(
        select(User.name, Membership.role, Membership.status, Membership.last_launch_at)
        .join(User, User.id == Membership.user_id)
        .where(Membership.context_id == context_id)
        .order_by(Membership.role, User.name, User.id)
    ).all()


def member_id(session: Session, scope: CourseScope, sub: str) -> int | None:
    """The user the LMS calls ``sub``, if they are a member of the scope's course."""
    return session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.registration_id == scope.registration_id,
            User.sub == sub,
            Membership.context_id == scope.context_id,
        )
    )
