"""Due-date reminder emails (issue 17): opt-in on My progress, `skillcert reminders due`
sends one per placement and learner when work is due within two days and not handed in."""

from __future__ import annotations

import datetime as dt
import logging
import re
import socket

from aiosmtpd.controller import Controller
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.models import CredentialPreference, DueReminder, User
from tests import test_credentials_wallet
from tests.conftest import SAMPLE_CONTENT, LmsDriver
from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI

# A learner's mailbox on loopback and a course that mails there (the expiry reminders' own).
inbox = test_credentials_wallet.inbox
mailing_course = test_credentials_wallet.mailing_course


def placed(target: str, days: float) -> dict:
    due = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return {LTI + "custom": {"skillcert_target": target, "skillcert_due_at": due.isoformat()}}


def learner(course, sub: str, link: str = "lesson-link", days: float = 1, **fields):
    client = course.app.test_client()
    course.launch(
        client=client,
        sub=sub,
        name=sub.title(),
        resource_link={"id": link, "title": "Read this first"},
        claims={**placed("activity:sample/intro", days), **fields.pop("claims", {})},
        **fields,
    )
    return client


def opt_in(client, **form: str):
    page = client.get("/learn/progress").get_data(as_text=True)
    return client.post("/learn/due-reminders", data={"csrf_token": token(page), **form})


def remind(app) -> str:
    result = app.test_cli_runner().invoke(args=["reminders", "due"])
    assert result.exit_code == 0, result.output
    return result.output


def test_one_email_per_link_to_learners_who_opted_in_and_have_not_handed_in(mailing_course, caplog):
    course, inbox_ = mailing_course
    ada = learner(course, "ada")
    assert opt_in(ada, due_reminders="on", email="ada@example.org").status_code == 302
    learner(course, "bob")  # never opted in
    cy = learner(course, "cy")
    assert opt_in(cy, due_reminders="on", email="cy@example.org").status_code == 302
    page = cy.get("/learn/a/sample/intro").get_data(as_text=True)
    cy.post("/learn/a/sample/intro/done", data={"csrf_token": token(page)})  # handed in
    # In another course, a link due in 5 days: not yet.
    dee = learner(course, "dee", link="later-link", days=5, context={"id": "course-2"})
    assert opt_in(dee, due_reminders="on", email="dee@example.org").status_code == 302

    caplog.set_level(logging.INFO)
    assert remind(course.app) == "Sent 1 due-date reminder(s).\n"
    assert remind(course.app) == "Sent 0 due-date reminder(s).\n"  # daily cron: once
    (message,) = inbox_.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"].startswith("Due by ")
    assert message["Subject"].endswith(": Read this first")
    body = message.get_content()
    assert "Read this first in Intro to AI is due by " in body
    assert "turn them off in My progress" in body
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("lti_tool")]
    assert any("due-date reminder of link" in line for line in ours)
    assert not any("@" in line for line in ours)  # the log names ids, never an address
    with transaction(course.app) as session:
        (row,) = session.scalars(select(DueReminder)).all()
        assert session.get(User, row.user_id).sub == "ada"


def test_reminders_go_in_the_learners_language(mailing_course):
    course, inbox_ = mailing_course
    eva = learner(
        course,
        "eva",
        claims={
            LTI + "launch_presentation": {"locale": "es"},
            **placed("activity:sample/intro", 1),
        },
    )
    assert opt_in(eva, due_reminders="on", email="eva@example.org").status_code == 302
    remind(course.app)
    (message,) = inbox_.messages
    # The date in the learner's language ("7 de diciembre de 2026").
    assert re.search(r"\d{1,2} de [a-z]+ de \d{4}", message["Subject"])


def test_the_choice_is_checked_prefilled_and_the_address_kept_while_used(mailing_course):
    course, _ = mailing_course
    ada = learner(course, "ada")
    response = opt_in(ada, due_reminders="on", email="")
    assert response.status_code == 422
    assert "Enter the email address reminders should go to" in response.get_data(as_text=True)
    response = opt_in(ada, due_reminders="on", email="not-an-address")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "does not look like an email address" in page
    assert 'value="not-an-address"' in page and 'aria-invalid="true"' in page
    assert course.app.test_client().post("/learn/due-reminders").status_code in (400, 401)

    with transaction(course.app) as session:  # asked for credential reminders already
        user_id = session.scalar(select(User.id).where(User.sub == "ada"))
        session.add(
            CredentialPreference(
                user_id=user_id, reminder_email="ada@example.org", expiry_reminders=True
            )
        )
    page = ada.get("/learn/progress").get_data(as_text=True)
    assert 'name="email" type="email"' in page and 'value="ada@example.org"' in page
    assert opt_in(ada, due_reminders="on", email="").status_code == 302  # the stored one
    assert opt_in(ada, email="ada@example.org").status_code == 302  # off
    with transaction(course.app) as session:
        chosen = session.get(CredentialPreference, user_id)
        assert not chosen.due_date_reminders
        assert chosen.reminder_email == "ada@example.org"  # expiry reminders still use it
    assert remind(course.app) == "Sent 0 due-date reminder(s).\n"


def test_due_date_reminders_never_switch_on_expiry_reminders(mailing_course):
    """One address serves both kinds, but each is its own consent: opting in here sends
    no expiry reminder, and turning this off forgets an address nothing else uses."""
    course, _ = mailing_course
    ada = learner(course, "ada")
    assert opt_in(ada, due_reminders="on", email="ada@example.org").status_code == 302
    with transaction(course.app) as session:
        user_id = session.scalar(select(User.id).where(User.sub == "ada"))
        chosen = session.get(CredentialPreference, user_id)
        assert chosen.due_date_reminders and not chosen.expiry_reminders
    assert 'id="reminders" name="reminders">' in ada.get("/learn/credentials").get_data(
        as_text=True
    )  # the expiry box stays unticked
    assert opt_in(ada, email="ada@example.org").status_code == 302  # off
    with transaction(course.app) as session:
        assert session.get(CredentialPreference, user_id).reminder_email is None


def test_without_smtp_the_command_says_what_to_set(course):
    result = course.app.test_cli_runner().invoke(args=["reminders", "due"])
    assert result.exit_code == 1
    assert "set smtp_host and smtp_from" in result.output


class _Refusing:
    """An SMTP server that refuses every recipient, as one does for an unknown mailbox."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such mailbox"


def test_a_reminder_that_cannot_be_sent_is_logged_without_the_address_and_retried(
    make_app, simulated_lms, caplog
):
    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check cannot use 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_Refusing(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = make_app(
            content_path=str(SAMPLE_CONTENT),
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="skillcert@example.edu",
            smtp_starttls=False,
        )
        course = LmsDriver(app, app.test_client(), simulated_lms)
        course.register()
        ada = learner(course, "ada")
        assert opt_in(ada, due_reminders="on", email="ada@example.org").status_code == 302
        caplog.set_level(logging.WARNING)
        for _ in range(2):  # refused, and tried again on the next run
            result = app.test_cli_runner().invoke(args=["reminders", "due"])
            assert result.exit_code == 1
            assert "1 reminder(s) could not be sent" in result.output
        failures = [r.getMessage() for r in caplog.records if "Could not send" in r.getMessage()]
        assert len(failures) == 2
        assert all("SMTPRecipientsRefused" in line and "@" not in line for line in failures)
        with transaction(app) as session:
            assert session.scalars(select(DueReminder)).all() == []
        app.extensions["skillcert.engine"].dispose()
    finally:
        controller.stop()
