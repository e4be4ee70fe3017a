"""Expiry reminders by email: ``skillcert credentials remind``, run daily by cron.

A credential gets one email per threshold (180, 90, 30 days before ``validUntil``) when
its learner asked for reminders and gave an address on the wallet page, and it is the
learner's current credential for the track (active, unexpired, not renewed). Each
reminder is recorded (``credential_reminder``, one row per credential and threshold) in
the transaction that sends it: a second run the same day sends nothing, and a failed
send is rolled back and tried again on the next run. Only the nearest threshold reached
is sent, so a learner who opts in at 60 days left gets the 90-day reminder, not three.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
import ssl
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from typing import TypeVar

from flask import Flask
from flask_babel import force_locale, format_date, format_decimal, gettext
from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from assessments.catalog import list_tracks
from assessments.model import Track
from lti_tool.credentials import wallet
from lti_tool.credentials.document import page_url
from lti_tool.db import transaction
from lti_tool.models import (
    Credential,
    CredentialPreference,
    CredentialReminder,
    CredentialState,
    utcnow,
)
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

#: One reminder waiting to be sent, as its kind's ``due`` lists it.
Pending = TypeVar("Pending")

#: How long one SMTP conversation may take.
SMTP_TIMEOUT_SECONDS = 20


def due(session: Session, now: dt.datetime) -> list[tuple[str, int]]:
    """(credential id, threshold) of every reminder due now and not sent yet."""
    later = aliased(Credential)
    rows = session.execute(
        select(Credential)
        .join(CredentialPreference, CredentialPreference.user_id == Credential.user_id)
        .where(
            CredentialPreference.expiry_reminders.is_(True),
            CredentialPreference.reminder_email.is_not(None),
            Credential.state == CredentialState.ACTIVE,
            Credential.valid_until > now,
            Credential.valid_until <= now + dt.timedelta(days=wallet.REMINDER_DAYS[0]),
            ~exists().where(later.previous_id == Credential.id),
        )
    ).scalars()
    result = []
    for credential in rows:
        days = wallet.reminder_due(credential, now)
        if days is not None and session.get(CredentialReminder, (credential.id, days)) is None:
            result.append((credential.id, days))
    return result


@dataclasses.dataclass(frozen=True)
class Outcome:
    sent: int
    failed: int


def send_due(app: Flask, now: dt.datetime | None = None) -> Outcome:
    """Send every reminder due (``smtp_host`` must be set); a reminder that cannot be sent
    is logged and left for the next run."""
    settings: Settings = app.config["SETTINGS"]
    now = now or utcnow()
    tracks = {track.id: track for track in list_tracks(settings.tracks_dir)}
    with transaction(app) as session:
        pending = due(session, now)
    return send_each(
        pending,
        lambda due: _send(app, settings, tracks, *due),
        lambda due: f"the {due[1]}-day reminder of credential {due[0]}",
    )


def send_each(
    pending: Iterable[Pending], send: Callable[[Pending], int], what: Callable[[Pending], str]
) -> Outcome:
    """Send each pending reminder (``send`` returns how many went); one that cannot be sent
    is logged as ``what`` it is, and left for the next run."""
    sent = failed = 0
    for item in pending:
        try:
            sent += send(item)
        except (smtplib.SMTPException, OSError) as exc:
            failed += 1
            # The exception's text can carry the address: the log gets its type only.
            log.warning("Could not send %s: %s", what(item), type(exc).__name__)
    return Outcome(sent, failed)


def _send(
    app: Flask, settings: Settings, tracks: dict[str, Track], credential_id: str, days: int
) -> int:
    with transaction(app) as session:
        credential = session.get(Credential, credential_id)
        if credential is None:
            return 0  # deleted meanwhile
        preference = session.get(CredentialPreference, credential.user_id)
        if preference is None or not preference.expiry_reminders or not preference.reminder_email:
            return 0  # opted out meanwhile
        # The row first: a concurrent run fails on the primary key instead of sending twice.
        session.add(CredentialReminder(credential_id=credential_id, days_before=days))
        session.flush()
        with force_locale(preference.reminder_locale):
            message = compose(settings, credential, tracks.get(credential.track_id))
        message["To"] = preference.reminder_email
        deliver(settings, message)
    log.info("Sent the %s-day expiry reminder of credential %s", days, credential_id)
    return 1


def compose(settings: Settings, credential: Credential, track: Track | None) -> EmailMessage:
    """The reminder, in the language the learner used when they asked for it."""
    name = credential.achievement["name"]
    until = format_date(credential.valid_until, "long")
    lines = [gettext("Your credential %(name)s is valid until %(date)s.", name=name, date=until)]
    if track is not None and track.renewal is not None:
        lines += [
            "",
            gettext(
                "To renew it, earn %(required)s continuing-education credits from these "
                "modules, in your course, before it expires:",
                required=format_decimal(track.renewal.credits_required),
            ),
        ]
        lines += [
            "- "
            + gettext(
                "%(module)s: %(credits)s credits",
                module=track.module(m.module).title,
                credits=format_decimal(m.credits),
            )
            for m in track.renewal.modules
        ]
    lines += [
        "",
        gettext("Open SkillCert from your course: My credentials shows the credits you have."),
        gettext("The credential's public page: %(url)s", url=page_url(settings, credential.id)),
        "",
        gettext(
            "You receive this because you asked for expiry reminders. To stop them, turn "
            "reminders off in My credentials."
        ),
    ]
    return email(settings, gettext("Renew %(name)s before %(date)s", name=name, date=until), lines)


def email(settings: Settings, subject: str, lines: list[str]) -> EmailMessage:
    """A plain-text reminder from SkillCert's address (the caller adds ``To``)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message.set_content("\n".join(lines))
    return message


def deliver(settings: Settings, message: EmailMessage) -> None:
    """Send through the configured server (STARTTLS and login as the settings say)."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)
