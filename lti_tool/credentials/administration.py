"""Credentials as administrators see them, filtered, a page at a time: an LMS
administrator their tenant's, the operator console every tenant's.

An LMS administrator's list is tenant-scoped, and no wider than the administrator's reach:
credentials of this registration's learners who are members of a course in this launch's
deployment (an institution or system administrator), or of this launch's course (a
course's own Administrator). The console's list is the host's view of all of them, naming
learners by their LMS user id rather than their name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import ColumnElement, exists, false, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from lti_tool.credentials import wallet
from lti_tool.models import Context, Credential, CredentialState, Membership, Registration, User
from lti_tool.scope import CurrentLaunch

PAGE_SIZE = 50
#: The status filter's choices (a renewed credential is listed as active or expiring).
FILTERS = ("active", "expiring", "expired", "revoked")
#: How a credential names itself: ``"id": "urn:uuid:<its id>"``.
URN_UUID = "urn:uuid:"


def normalise_credential_id(text: str) -> str:
    """A credential's id as the credential itself names it (``urn:uuid:…``, its ``id``) or
    bare, in any case: the stored form."""
    text = text.strip()
    if text.lower().startswith(URN_UUID):
        text = text[len(URN_UUID) :]
    return text.lower()


@dataclasses.dataclass(frozen=True)
class Listing:
    #: (credential, the learner as the list names them, standing as the page names it),
    #: newest first. An LMS administrator's list names learners by name, the console's by
    #: their LMS user id.
    rows: list[tuple[Credential, str | None, str]]
    total: int
    #: The registrations of the listed credentials by id ("name (issuer)"): the console's.
    registrations: dict[int, str] = dataclasses.field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def in_tenant(launch: CurrentLaunch) -> tuple[ColumnElement[bool], ...]:
    """Credentials of this registration whose learner is within this administrator's reach:
    a member of a course of this deployment, or of this course for a course administrator."""
    where = [
        Membership.user_id == Credential.user_id,
        Context.deployment_id == launch.deployment_id,
    ]
    if not launch.administers_deployment:
        if launch.context_id is None:  # a course's administrator outside any course
            return (false(),)
        where.append(Context.id == launch.context_id)
    member_here = exists(
        select(Membership.id).join(Context, Context.id == Membership.context_id).where(*where)
    )
    return (Credential.registration_id == launch.registration_id, member_here)


def _status_filter(status: str, now: dt.datetime) -> tuple[ColumnElement[bool], ...]:
    active = Credential.state == CredentialState.ACTIVE
    soon = now + dt.timedelta(days=wallet.REMINDER_DAYS[0])
    return {
        "active": (active, Credential.valid_until > soon),
        "expiring": (active, Credential.valid_until > now, Credential.valid_until <= soon),
        "expired": (active, Credential.valid_until <= now),
        "revoked": (Credential.state == CredentialState.REVOKED,),
    }.get(status, ())


def listing(
    session: Session, launch: CurrentLaunch, track: str, status: str, page: int, now: dt.datetime
) -> Listing:
    """One page of this tenant's credentials, of ``track`` and ``status`` when given."""
    return _listing(session, list(in_tenant(launch)), track, status, page, now, User.name)


def host_listing(
    session: Session, track: str, status: str, page: int, now: dt.datetime, credential_id: str = ""
) -> Listing:
    """One page of every tenant's credentials (the operator console), of ``track`` and
    ``status`` when given; only the credential ``credential_id`` (any form
    :func:`normalise_credential_id` takes) when given."""
    conditions: list[ColumnElement[bool]] = []
    if credential_id:
        conditions.append(Credential.id == normalise_credential_id(credential_id))
    found = _listing(session, conditions, track, status, page, now, User.sub)
    ids = {credential.registration_id for credential, _learner, _standing in found.rows}
    names = {
        registration_id: f"{name} ({issuer})"
        for registration_id, name, issuer in session.execute(
            select(Registration.id, Registration.name, Registration.issuer).where(
                Registration.id.in_(ids)
            )
        )
    }
    return dataclasses.replace(found, registrations=names)


def _listing(
    session: Session,
    conditions: list[ColumnElement[bool]],
    track: str,
    status: str,
    page: int,
    now: dt.datetime,
    learner: InstrumentedAttribute[str],
) -> Listing:
    conditions = [*conditions, *_status_filter(status, now)]
    if track:
        conditions.append(Credential.track_id == track)
    total = session.scalar(select(func.count()).select_from(Credential).where(*conditions)) or 0
    rows = session.execute(
        select(Credential, learner)
        .join(User, User.id == Credential.user_id)
        .where(*conditions)
        .order_by(Credential.created_at.desc(), Credential.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    ids = [credential.id for credential, _name in rows]
    renewed = set(
        session.scalars(select(Credential.previous_id).where(Credential.previous_id.in_(ids)))
    )
    listed: list[tuple[Credential, str | None, str]] = [
        (
            credential,
            name,
            wallet.STANDING_LABELS[
                wallet.standing(credential, now, renewed=credential.id in renewed)
            ],
        )
        for credential, name in rows
    ]
    return Listing(listed, total)


def in_this_tenant(session: Session, launch: CurrentLaunch, credential_id: str) -> bool:
    found = session.scalar(
        select(Credential.id).where(Credential.id == credential_id, *in_tenant(launch))
    )
    return found is not None
