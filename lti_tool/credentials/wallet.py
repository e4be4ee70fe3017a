"""A learner's credentials as they see them: standing, renewal progress, their choices.

The wallet lists every credential of the learner's user row (a learner is a user per
registration, so across courses and tracks of that LMS). Renewal credits are counted in
the course the learner opened the page from, as completion is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from assessments.model import Track
from lti_tool.credentials import renewal
from lti_tool.errors import SkillCertError
from lti_tool.models import Credential, CredentialPreference, CredentialState
from lti_tool.scope import CurrentLaunch

#: Reminders before expiry, in days: on the learner's pages from the first, by email once each.
REMINDER_DAYS = (180, 90, 30)
#: A plausible address (the mail server has the last word); RFC 5321 caps it at 320.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
MAX_EMAIL = 320


class Standing(enum.StrEnum):
    """A credential's standing as pages show it (words and not colour alone say it)."""

    ACTIVE = "active"
    EXPIRING = "expiring"  #: active, a reminder threshold reached, not renewed yet
    RENEWED = "renewed"  #: a later period continues it; still valid until its own date
    EXPIRED = "expired"
    REVOKED = "revoked"


STANDING_LABELS = {
    Standing.ACTIVE: _l("Active"),
    Standing.EXPIRING: _l("Expiring soon"),
    Standing.RENEWED: _l("Renewed"),
    Standing.EXPIRED: _l("Expired"),
    Standing.REVOKED: _l("Revoked"),
}


class PreferenceError(SkillCertError):
    """The learner's choices cannot be saved as given (the message says why)."""

    status_code = 422
    default_message = _l("Your choices could not be saved.")
    advice = _l("Correct the address and save again.")


def reminder_due(credential: Credential, now: dt.datetime) -> int | None:
    """The nearest reminder threshold reached (30 when 20 days remain), or None when more
    than the first threshold remains or the credential has expired."""
    left = credential.valid_until - now
    if left <= dt.timedelta(0):
        return None
    reached = [days for days in REMINDER_DAYS if left <= dt.timedelta(days=days)]
    return min(reached) if reached else None


def standing(credential: Credential, now: dt.datetime, *, renewed: bool = False) -> Standing:
    if credential.state is CredentialState.REVOKED:
        return Standing.REVOKED
    if now >= credential.valid_until:
        return Standing.EXPIRED
    if renewed:
        return Standing.RENEWED
    return Standing.EXPIRING if reminder_due(credential, now) is not None else Standing.ACTIVE


@dataclasses.dataclass(frozen=True)
class Entry:
    credential: Credential
    standing: Standing
    #: Whole days until ``valid_until`` (0 once expired).
    days_left: int
    track: Track | None
    #: For the current credential of a renewable track: the credits so far in this course.
    renewal: renewal.RenewalStatus | None

    @property
    def label(self) -> str:
        return str(STANDING_LABELS[self.standing])

    @property
    def reminder(self) -> bool:
        """Show the expiry reminder (the first threshold reached, not renewed)."""
        return self.standing is Standing.EXPIRING


def entries(
    session: Session, launch: CurrentLaunch, tracks: Iterable[Track], now: dt.datetime
) -> list[Entry]:
    """The learner's credentials, newest period of each track first."""
    credentials = session.scalars(
        select(Credential)
        .where(
            Credential.registration_id == launch.registration_id,
            Credential.user_id == launch.user_id,
        )
        .order_by(Credential.track_id, Credential.period.desc())
    ).all()
    renewed = {c.previous_id for c in credentials if c.previous_id}
    by_id = {track.id: track for track in tracks}
    result = []
    for credential in credentials:
        track = by_id.get(credential.track_id)
        status = None
        current = credential.id not in renewed and renewal.renewable(credential, now)
        if current and track is not None and launch.context_id is not None:
            status = renewal.renewal_status(session, launch, track, credential)
        result.append(
            Entry(
                credential,
                standing(credential, now, renewed=credential.id in renewed),
                max(0, (credential.valid_until - now).days),
                track,
                status,
            )
        )
    return result


def current_by_track(listed: Iterable[Entry]) -> dict[str, Entry]:
    """The newest credential of each track (what the progress page announces)."""
    current: dict[str, Entry] = {}
    for entry in listed:
        current.setdefault(entry.credential.track_id, entry)
    return current


def preference(session: Session, user_id: int) -> CredentialPreference:
    """The learner's choices (defaults, unsaved, when they never chose)."""
    return session.get(CredentialPreference, user_id) or CredentialPreference(
        user_id=user_id,
        include_name=False,
        reminder_email=None,
        expiry_reminders=False,
        due_date_reminders=False,
    )


def save_preference(
    session: Session,
    user_id: int,
    *,
    include_name: bool,
    reminders: bool,
    email: str,
    locale: str,
) -> CredentialPreference:
    """Keep the learner's choices. The address is kept only while some reminders use it:
    turning expiry reminders off forgets it unless due-date reminders still go there."""
    email = email.strip()
    if reminders and not email:
        raise PreferenceError(
            _l("Enter the email address reminders should go to, or leave reminders off.")
        )
    if reminders and (len(email) > MAX_EMAIL or not EMAIL.fullmatch(email)):
        raise PreferenceError(
            _l("%(email)s does not look like an email address (name@example.org).", email=email)
        )
    chosen = session.get(CredentialPreference, user_id)
    if chosen is None:
        chosen = CredentialPreference(user_id=user_id, due_date_reminders=False)
        session.add(chosen)
    chosen.include_name = include_name
    chosen.expiry_reminders = reminders
    if reminders:
        chosen.reminder_email = email
    elif not chosen.due_date_reminders:
        chosen.reminder_email = None
    chosen.reminder_locale = locale
    session.flush()
    return chosen


def is_renewed(session: Session, credential_id: str) -> bool:
    """Whether a later credential renewed this one."""
    renewal_of = select(Credential.id).where(Credential.previous_id == credential_id)
    return session.scalar(select(exists(renewal_of))) is True
