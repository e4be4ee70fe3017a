"""Issuing and revoking Open Badges 3.0 credentials.

``queue_if_completed`` runs in the transaction of the work that changed a learner's
scores (next to grade sync's ``queue_scores``): when the engine says the track is now
complete and no credential exists yet — or the learner's credential is due for renewal
(``renewal``: enough continuing-education credits since its validFrom) — it queues an
``issue-credential`` job, an outbox row that commits with the work or not at all.
``issue_on_completion`` (the job's handler) checks again and issues or renews; the
unique (learner, track, period) constraint makes a second run, a crash-and-retry or a
racing worker harmless.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.catalog import find_activity, list_tracks
from assessments.model import Track
from assessments.policy import completion_points
from lti_tool.credentials import keys, renewal, statuslist
from lti_tool.credentials.jsonld import CREDENTIALS_V2, OB_V3P0
from lti_tool.credentials.proofs import xsd_datetime
from lti_tool.db import transaction
from lti_tool.errors import SkillCertError
from lti_tool.gradesync.outbox import LearnerInCourse
from lti_tool.jobs import queue
from lti_tool.learning import progress
from lti_tool.models import (
    Credential,
    CredentialPreference,
    CredentialState,
    User,
    utcnow,
)
from lti_tool.models.lti import LearnerWork
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

JOB_KIND = "issue-credential"
SYSTEM = "system"


class CredentialError(SkillCertError):
    """A credential cannot be issued or changed as asked (the message says why)."""

    status_code = 400


# -- identifiers and URLs -----------------------------------------------------------------


def page_url(settings: Settings, credential_id: str) -> str:
    return settings.url_for(f"/credentials/{credential_id}")


def achievement_url(settings: Settings, track_id: str) -> str:
    return settings.url_for(f"/credentials/tracks/{track_id}")


def subject_id(settings: Settings, registration_id: int, user_id: int) -> str:
    """A stable ``urn:uuid:`` for the learner at this issuer that reveals nothing of their
    LMS identity: an HMAC of the tool's secret over the tenant and user row."""
    digest = hmac.new(
        settings.secret_key.encode(),
        f"credential-subject:{registration_id}:{user_id}".encode(),
        hashlib.sha256,
    ).digest()
    return uuid.UUID(bytes=digest[:16], version=4).urn


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# -- the document -------------------------------------------------------------------------


def achievement(settings: Settings, track: Track) -> dict[str, Any]:
    """The OB 3.0 Achievement of ``track``: what was certified and by which criteria."""
    url = achievement_url(settings, track.id)
    return {
        "id": url,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": track.title,
        "description": track.summary,
        "criteria": {"narrative": criteria_narrative(track)},
        "version": str(track.version),
        "alignment": [
            {
                "type": ["Alignment"],
                "targetName": competency.title,
                "targetDescription": competency.description,
                "targetCode": competency.id,
                "targetFramework": track.title,
                "targetType": "ceasn:Competency",
                "targetUrl": f"{url}#{competency.id}",
            }
            for competency in track.competencies
        ],
    }


def criteria_narrative(track: Track) -> str:
    """The completion rules in plain English (the credential's own language)."""
    lines = []
    for rule in track.completion.modules:
        mandatory = f" (mandatory: {rule.because})" if rule.because else ""
        title = track.module(rule.module).title
        lines.append(f"- Score at least {rule.pass_mark:g}% in the module {title}{mandatory}.")
    if (capstone := track.completion.capstone) is not None:
        title = track.activity(capstone.activity).title
        lines.append(f"- Score at least {capstone.pass_mark:g}% in the capstone {title}.")
    return "\n".join(lines)


def evidence(report: progress.TrackProgress) -> list[dict[str, Any]]:
    """What the learner's assessed work scored, per counted activity (never their answers)."""
    counted = {activity.id: activity for activity, _points in completion_points(report.track)}
    return [
        {
            "type": ["Evidence"],
            "name": activity.title,
            "description": f"{activity.kind.value.capitalize()}: "
            f"{100 * (report.scores.get(activity.id) or 0.0):.0f}%",
        }
        for activity in counted.values()
        if activity.id in report.scores
    ]


@dataclasses.dataclass(frozen=True)
class Award:
    """What a new credential says about its learner, track and dates."""

    user: User
    track: Track
    awarded_at: dt.datetime
    valid_from: dt.datetime
    valid_until: dt.datetime
    evidence: list[dict[str, Any]]


def build(
    settings: Settings, award: Award, credential_id: str, status: dict[str, Any], name: str | None
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential (VC Data Model 2.0)."""
    subject: dict[str, Any] = {
        "id": subject_id(settings, award.user.registration_id, award.user.id),
        "type": ["AchievementSubject"],
        "achievement": achievement(settings, award.track),
    }
    if name:
        subject["identifier"] = [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": name,
            }
        ]
    document = {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": award.track.title,
        "issuer": {
            "id": keys.did_web(settings.base_url),
            "type": ["Profile"],
            "name": settings.issuer_name,
            "url": settings.url_for("/"),
        },
        "validFrom": xsd_datetime(award.valid_from),
        "validUntil": xsd_datetime(award.valid_until),
        "awardedDate": xsd_datetime(award.awarded_at),
        "credentialSubject": subject,
        "credentialStatus": status,
    }
    if award.evidence:
        document["evidence"] = award.evidence
    return document


# -- issuing ------------------------------------------------------------------------------


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
    log.info(
        "Issued credential %s to user %s for track %s (by %s)",
        credential_id,
        award.user.id,
        award.track.id,
        issued_by,
    )
    return credential


def new_award(
    user: User, track: Track, now: dt.datetime, evidence: list[dict[str, Any]] | None = None
) -> Award:
    return Award(
        user, track, now, now, add_months(now, track.credential_validity_months), evidence or []
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
    track = next((t for t in list_tracks(settings.tracks_dir) if t.id == track_id), None)
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
    log.warning("Revoked credential %s (by %s)", credential_id, by)
    return credential


# -- on completion ------------------------------------------------------------------------


def queue_if_completed(session: Session, work: LearnerWork, tracks: Iterable[Track]) -> int | None:
    """Queue issuing if ``work`` completed its track for the learner, or renewing if it
    brought their credential's renewal credits up to what the track requires; the job's
    id, or None."""
    if work.context_id is None:
        return None
    found = find_activity(tracks, work.track_id, work.activity_id)
    if found is None:
        return None
    track = found[0]
    held = latest(session, work.user_id, track.id)
    if held is not None and (track.renewal is None or not renewal.renewable(held, utcnow())):
        return None
    session.flush()  # the work that changed the scores counts
    learner = LearnerInCourse(
        work.registration_id, work.deployment_id, work.context_id, work.user_id
    )
    if not _due(session, learner, track, held):
        return None
    key = f"credential:{work.user_id}:{track.id}"
    payload = {**dataclasses.asdict(learner), "track": track.id}
    return queue.enqueue(session.connection(), JOB_KIND, payload, lock_key=key, dedupe_key=key)


def _due(
    session: Session, learner: LearnerInCourse, track: Track, held: Credential | None
) -> progress.TrackProgress | None:
    """The learner's progress when a credential is due — the first (the track is complete)
    or a renewal of ``held`` (enough credits since its validFrom) — else None."""
    (report,) = progress.progress(session, learner, [track])  # type: ignore[arg-type]
    if held is None:
        return report if report.status.complete else None
    status = renewal.renewal_status(session, learner, track, held)
    return report if status is not None and status.met else None


def issue_on_completion(app: Flask, payload: dict[str, Any]) -> None:
    """The ``issue-credential`` job: issue if the track is still complete and not yet
    issued, or renew if the latest credential is still due for renewal."""
    settings: Settings = app.config["SETTINGS"]
    track = next((t for t in list_tracks(settings.tracks_dir) if t.id == payload["track"]), None)
    if track is None:
        log.warning("Not issuing: track %s is no longer served", payload["track"])
        return
    learner = LearnerInCourse(
        payload["registration_id"],
        payload["deployment_id"],
        payload["context_id"],
        payload["user_id"],
    )
    with transaction(app) as session:
        user = session.get(User, learner.user_id)
        if user is None or user.registration_id != learner.registration_id:
            return
        now = utcnow()
        held = latest(session, learner.user_id, track.id)
        if held is not None and not renewal.renewable(held, now):
            return  # revoked or expired meanwhile: nothing to renew
        report = _due(session, learner, track, held)
        if report is None:
            # A retry after issuing (or renewing), work in another course, or a grade
            # lowered since the job was queued.
            log.info("Not issuing to user %s for %s: nothing is due", user.id, track.id)
            return
        if held is None:
            issue(session, settings, new_award(user, track, now, evidence(report)))
        else:
            renew(session, settings, held, user, track, now, evidence(report))


def renew(
    session: Session,
    settings: Settings,
    held: Credential,
    user: User,
    track: Track,
    now: dt.datetime,
    evidence: list[dict[str, Any]],
) -> Credential:
    """Re-issue ``held`` for its next validity period: valid from now until its old
    ``validUntil`` plus the track's validity (renewing early loses no time), with the
    original award date."""
    award = Award(
        user,
        track,
        awarded_at=held.awarded_at,
        valid_from=now,
        valid_until=add_months(held.valid_until, track.credential_validity_months),
        evidence=evidence,
    )
    renewed = issue(session, settings, award, period=held.period + 1, previous_id=held.id)
    log.info("Renewed credential %s as %s", held.id, renewed.id)
    return renewed
