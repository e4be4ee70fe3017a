"""Issuing and revoking Open Badges 3.0 credentials: sign, store, publish the status.

The CLI, the administrator's page and the ``issue-credential`` job (``completion``) call
the same functions; the unique (learner, track, period) constraint makes a second run, a
crash-and-retry or a racing worker harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.catalog import find_track, list_tracks
from assessments.model import Track
from lti_tool.credentials import keys, statuslist
from lti_tool.credentials.document import Award, add_months, build
from lti_tool.errors import SkillCertError
from lti_tool.models import (
    Credential,
    CredentialPreference,
    CredentialState,
    User,
    utcnow,
)
from lti_tool.observability import metrics
from lti_tool.observability.events import event
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

SYSTEM = "system"


class CredentialError(SkillCertError):
    """A credential cannot be issued or changed as asked (the message says why)."""

    status_code = 400


def issue(
    session: Session,
    settings: Settings,
    award: Award,
    *,
    issued_by: str = SYSTEM,
    reason: str = "",
    period: int = 0,
    previous_id: str | None = None,
) -> Credential:
    """Sign and store a credential for ``award`` (the caller checked that it is due)."""
    credential_id = str(uuid.uuid4())
    number, index = statuslist.allocate(session, settings)
    name = award.user.name if include_name(session, award.user.id) else None
    unsigned = build(
        settings, award, credential_id, statuslist.entry(settings, number, index), name
    )
    signed = keys.sign(session, keys.did_web(settings.base_url), unsigned)
    credential = Credential(
        id=credential_id,
        registration_id=award.user.registration_id,
        user_id=award.user.id,
        track_id=award.track.id,
        track_version=str(award.track.version),
        period=period,
        previous_id=previous_id,
        achievement=unsigned["credentialSubject"]["achievement"],
        awarded_at=award.awarded_at,
        valid_from=award.valid_from,
        valid_until=award.valid_until,
        status_list=number,
        status_index=index,
        issued_by=issued_by,
        issue_reason=reason,
        document=signed,
    )
    session.add(credential)
    session.flush()
    metrics.credential_issued()
    event(
        "credential.issued",
        credential_id=credential_id,
        learner_id=award.user.id,
        track=award.track.id,
        period=period,
        renews=previous_id,
        by_system=issued_by == SYSTEM,
    )
    return credential


def new_award(
    user: User,
    track: Track,
    now: dt.datetime,
    evidence: list[dict[str, Any]] | None = None,
    mapped: list[dict[str, Any]] | None = None,
) -> Award:
    return Award(
        user,
        track,
        now,
        now,
        add_months(now, track.credential_validity_months),
        evidence or [],
        mapped or [],
    )


def include_name(session: Session, user_id: int) -> bool:
    preference = session.get(CredentialPreference, user_id)
    return preference is not None and preference.include_name


def latest(session: Session, user_id: int, track_id: str) -> Credential | None:
    return session.scalar(
        select(Credential)
        .where(Credential.user_id == user_id, Credential.track_id == track_id)
        .order_by(Credential.period.desc())
        .limit(1)
    )


def issue_manually(
    session: Session, settings: Settings, user_id: int, track_id: str, *, by: str, reason: str
) -> Credential:
    """An operator's award (recognised prior certification, a correction), recorded with
    who and why. Refused while the learner holds a valid credential for the track."""
    if not reason.strip():
        raise CredentialError("Give a reason: it is recorded with the credential.")
    user = session.get(User, user_id)
    if user is None:
        raise CredentialError(f"There is no user {user_id}. Find the id with the roster.")
    track = find_track(list_tracks(settings.tracks_dir), track_id)
    if track is None:
        known = ", ".join(t.id for t in list_tracks(settings.tracks_dir))
        raise CredentialError(f"There is no track {track_id!r}. Known tracks: {known}.")
    now = utcnow()
    previous = latest(session, user_id, track_id)
    if (
        previous is not None
        and previous.state is CredentialState.ACTIVE
        and previous.valid_until > now
    ):
        raise CredentialError(
            f"User {user_id} already holds credential {previous.id} for {track_id}, "
            f"valid until {previous.valid_until:%Y-%m-%d}."
        )
    return issue(
        session,
        settings,
        new_award(user, track, now),
        issued_by=by,
        reason=reason.strip(),
        period=0 if previous is None else previous.period + 1,
        previous_id=None if previous is None else previous.id,
    )


def revoke(
    session: Session, settings: Settings, credential_id: str, *, by: str, reason: str
) -> Credential:
    """Revoke for good and re-sign its status list in this transaction."""
    if not reason.strip():
        raise CredentialError("Give a reason: it is recorded with the revocation.")
    credential = session.get(Credential, credential_id, with_for_update=True)
    if credential is None:
        raise CredentialError(f"There is no credential {credential_id}.")
    if credential.state is CredentialState.REVOKED:
        raise CredentialError(f"Credential {credential_id} is already revoked.")
    credential.state = CredentialState.REVOKED
    credential.state_reason = reason.strip()
    credential.state_changed_by = by
    credential.state_changed_at = utcnow()
    session.flush()
    statuslist.publish(session, settings, credential.status_list)
    event("credential.revoked", credential_id=credential_id, track=credential.track_id)
    return credential


def renew(
    session: Session,
    settings: Settings,
    held: Credential,
    user: User,
    track: Track,
    now: dt.datetime,
    evidence: list[dict[str, Any]],
    mapped: list[dict[str, Any]] | None = None,
) -> Credential:
    """Re-issue ``held`` for its next validity period: valid from now until its old
    ``validUntil`` plus the track's validity (renewing early loses no time), with the
    original award date, aligned to the institution's items as mapped now."""
    award = Award(
        user,
        track,
        awarded_at=held.awarded_at,
        valid_from=now,
        valid_until=add_months(held.valid_until, track.credential_validity_months),
        evidence=evidence,
        mapped=mapped or [],
    )
    renewed = issue(session, settings, award, period=held.period + 1, previous_id=held.id)
    log.info("Renewed credential %s as %s", held.id, renewed.id)
    return renewed
