"""Due-date reminders by email: ``skillcert reminders due``, run daily by cron.

A learner who opted in (``CredentialPreference.due_date_reminders``, on My progress, with
an address) gets one email per placement (link) when its deadline (``deadlines``: a
target date wins over the LMS's due date) is at most :data:`REMIND_BEFORE` away and they
have not handed in all it asks. Each reminder is recorded (``DueReminder``, one row per
link and learner) in the transaction that sends it, as expiry reminders are
(``credentials.reminders``, whose ``deliver`` sends both): a second run sends nothing, a
failed send is rolled back and tried on the next run. The log names ids, never an address.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.message import EmailMessage

from flask import Flask
from flask_babel import force_locale, format_date, format_time, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from assessments.catalog import list_tracks
from assessments.model import Track
from lti_tool import deadlines, progress
from lti_tool.credentials import reminders, wallet
from lti_tool.db import transaction
from lti_tool.errors import SkillCertError
from lti_tool.learning.due_dates import done
from lti_tool.models import (
    Context,
    CredentialPreference,
    Deployment,
    DueReminder,
    Membership,
    MemberStatus,
    ResourceLink,
    Role,
    utcnow,
)
from lti_tool.placements import resolve
from lti_tool.scope import LearnerInCourse
from lti_tool.settings import Settings

log = logging.getLogger(__name__)

#: How long before a deadline the reminder goes.
REMIND_BEFORE = dt.timedelta(days=2)


class ReminderChoiceError(SkillCertError):
    """The learner's reminder choice cannot be saved as given (the message says why)."""

    status_code = 422
    default_message = _l("Your choice could not be saved.")
    advice = _l("Correct the address and save again.")


def save_choice(
    session: Session, user_id: int, *, on: bool, email: str, locale: str
) -> CredentialPreference:
    """Turn due-date reminders on (to ``email``, or the address given for expiry
    reminders) or off. Off forgets the address unless expiry reminders still use it."""
    email = email.strip()
    chosen = session.get(CredentialPreference, user_id)
    if on and not email and (chosen is None or chosen.reminder_email is None):
        raise ReminderChoiceError(
            _l("Enter the email address reminders should go to, or leave reminders off.")
        )
    if on and email and (len(email) > wallet.MAX_EMAIL or not wallet.EMAIL.fullmatch(email)):
        raise ReminderChoiceError(
            _l("%(email)s does not look like an email address (name@example.org).", email=email)
        )
    if chosen is None:
        chosen = CredentialPreference(user_id=user_id, include_name=False, expiry_reminders=False)
        session.add(chosen)
    chosen.due_date_reminders = on
    if on:
        chosen.reminder_email = email or chosen.reminder_email
        chosen.reminder_locale = locale
    elif not chosen.expiry_reminders:
        chosen.reminder_email = None
    session.flush()
    return chosen


def due(session: Session, now: dt.datetime) -> list[tuple[int, int]]:
    """(link id, user id) of every reminder due now and not sent yet: candidates only;
    whether the work is done is checked when sending."""
    until = now + REMIND_BEFORE
    soon = or_(
        and_(
            ResourceLink.target_date.is_(None),
            ResourceLink.due_at > now,
            ResourceLink.due_at <= until,
        ),
        and_(ResourceLink.target_date >= now.date(), ResourceLink.target_date <= until.date()),
    )
    rows = session.execute(
        select(ResourceLink, Membership.user_id)
        .join(Membership, Membership.context_id == ResourceLink.context_id)
        .join(CredentialPreference, CredentialPreference.user_id == Membership.user_id)
        .where(
            soon,
            ResourceLink.target.is_not(None),
            Membership.role == Role.LEARNER,
            Membership.status == MemberStatus.ACTIVE,
            CredentialPreference.due_date_reminders.is_(True),
            CredentialPreference.reminder_email.is_not(None),
            ~exists().where(
                DueReminder.resource_link_id == ResourceLink.id,
                DueReminder.user_id == Membership.user_id,
            ),
        )
        .order_by(ResourceLink.id, Membership.user_id)
    ).all()
    result = []
    for link, user_id in rows:
        deadline = deadlines.deadline(link)  # the exact rule; the query only narrows
        if deadline is not None and now < deadline <= until:
            result.append((link.id, user_id))
    return result


def send_due(app: Flask, now: dt.datetime | None = None) -> reminders.Outcome:
    """Send every due-date reminder due (``smtp_host`` must be set); one that cannot be
    sent is logged and left for the next run."""
    settings: Settings = app.config["SETTINGS"]
    now = now or utcnow()
    tracks = tuple(list_tracks(settings.tracks_dir))
    with transaction(app) as session:
        pending = due(session, now)
    return reminders.send_each(
        pending,
        lambda due: _send(app, settings, tracks, *due, now),
        lambda due: f"the due-date reminder of link {due[0]} to user {due[1]}",
    )


def _send(
    app: Flask,
    settings: Settings,
    tracks: tuple[Track, ...],
    link_id: int,
    user_id: int,
    now: dt.datetime,
) -> int:
    with transaction(app) as session:
        link = session.get(ResourceLink, link_id)
        preference = session.get(CredentialPreference, user_id)
        if link is None or preference is None or not preference.due_date_reminders:
            return 0  # gone, or opted out, meanwhile
        placement = resolve(link.target, tracks)
        deadline = deadlines.deadline(link)
        if placement is None or deadline is None or preference.reminder_email is None:
            return 0
        context = session.get_one(Context, link.context_id)
        deployment = session.get_one(Deployment, context.deployment_id)
        scope = LearnerInCourse(deployment.registration_id, deployment.id, context.id, user_id)
        (report,) = progress.progress(session, scope, [placement.track])
        if done(report, placement):
            return 0  # handed in: nothing to remind of (checked again on later runs)
        # The row first: a concurrent run fails on the primary key instead of sending twice.
        session.add(DueReminder(resource_link_id=link_id, user_id=user_id, sent_at=now))
        session.flush()
        with force_locale(preference.reminder_locale):
            message = compose(settings, link, deadline, placement.title, context.title)
        message["To"] = preference.reminder_email
        reminders.deliver(settings, message)
    log.info("Sent the due-date reminder of link %s to user %s", link_id, user_id)
    return 1


def compose(
    settings: Settings, link: ResourceLink, deadline: dt.datetime, title: str, course: str
) -> EmailMessage:
    """The reminder, in the language the learner used when they asked for it."""
    when = (
        format_date(deadline, "long")
        if link.target_date is not None  # a target date is a whole day
        else gettext(
            "%(date)s, %(time)s UTC",
            date=format_date(deadline, "long"),
            time=format_time(deadline, "short"),
        )
    )
    name = link.title or title
    lines = [
        gettext("%(title)s in %(course)s is due by %(when)s.", title=name, course=course, when=when)
        if course
        else gettext("%(title)s is due by %(when)s.", title=name, when=when),
        "",
        gettext("Open it from your course in your LMS to finish it."),
        "",
        gettext(
            "You receive this because you asked for an email before work is due. To stop "
            "them, turn them off in My progress."
        ),
    ]
    return reminders.email(
        settings, gettext("Due by %(when)s: %(title)s", when=when, title=name), lines
    )
