"""The learner's wallet, expiry reminders (on pages and by email), the admin revoke page."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from lti_tool.db import transaction
from lti_tool.errors import SettingsError
from lti_tool.models import Credential, CredentialPreference, CredentialReminder, utcnow
from lti_tool.settings import load_settings
from tests.conftest import SAMPLE_CONTENT, LmsDriver
from tests.conftest import csrf_token_of as token
from tests.test_credentials import api_verify
from tests.test_credentials_renewal import credentials_of, hold_credential

ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"


def days_from_now(days: float) -> dt.datetime:
    return utcnow() + dt.timedelta(days=days)


def save_choices(client, **fields: str):
    page = client.get("/learn/credentials").get_data(as_text=True)
    return client.post("/learn/credentials/preferences", data={"csrf_token": token(page), **fields})


def test_wallet_lists_credentials_with_status_links_and_renewal(course):
    course.launch(sub="ada")
    empty = course.client.get("/learn/credentials").get_data(as_text=True)
    assert "You have no credentials yet" in empty
    held = hold_credential(course.app, "ada", valid_until=days_from_now(400))
    page = course.client.get("/learn/credentials").get_data(as_text=True)
    assert "Status:</strong> Active" in page
    assert f'href="/credentials/{held}.json" download' in page  # the signed JSON
    assert f"/credentials/{held}</code>" in page  # the share link, written out
    assert "Renewal: 0 of 2 credits" in page
    assert "What changed this year</a>: 1 credits — not earned yet" in page
    # Home and progress link to it; the progress page announces the credential.
    assert 'href="/learn/credentials"' in course.client.get("/learn/").get_data(as_text=True)
    progress = course.client.get("/learn/progress").get_data(as_text=True)
    assert "You earned the credential Sample Practitioner on January 15, 2024." in progress
    assert "Renew soon" not in progress  # 400 days left: no reminder yet


def test_reminder_shows_on_pages_from_180_days(course):
    course.launch(sub="ada")
    hold_credential(course.app, "ada", valid_until=days_from_now(89.5))
    for url in ("/learn/credentials", "/learn/progress"):
        page = course.client.get(url).get_data(as_text=True)
        assert "Renew soon: this credential expires in 89 days" in page, url
        assert "You have 0 of the 2 continuing-education credits needed" in page, url
        assert "Ethics module</a>: 1.5 credits" in page or "1.5 credits" in page, url


def test_choices_need_the_form_token_and_a_valid_address(course):
    course.launch(sub="ada")
    refused = course.client.post("/learn/credentials/preferences", data={"include_name": "on"})
    assert refused.status_code == 400  # no CSRF token
    bad = save_choices(course.client, reminders="on", email="not an address")
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "does not look like an email address" in text
    assert 'value="not an address"' in text  # what the learner typed is kept
    with transaction(course.app) as session:
        assert session.scalars(select(CredentialPreference)).all() == []

    assert save_choices(course.client, include_name="on").status_code == 302
    with transaction(course.app) as session:
        (chosen,) = session.scalars(select(CredentialPreference)).all()
        assert chosen.include_name and chosen.reminder_email is None
    # The name goes into credentials issued from then on.
    hold_credential(course.app, "ada", valid_until=days_from_now(400))
    (credential,) = credentials_of(course.app)
    (identity,) = credential.document["credentialSubject"]["identifier"]
    assert identity["identityHash"] == "Ada Lovelace"
    assert api_verify(course, credential.document)["verified"] is True

    assert save_choices(course.client, reminders="on", email="ada@example.org").status_code == 302
    saved = course.client.get("/learn/credentials?saved=1").get_data(as_text=True)
    assert "Your choices are saved." in saved and 'value="ada@example.org"' in saved
    assert save_choices(course.client).status_code == 302  # reminders off: address forgotten
    with transaction(course.app) as session:
        (chosen,) = session.scalars(select(CredentialPreference)).all()
        assert chosen.reminder_email is None and not chosen.include_name


class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@pytest.fixture
def inbox():
    """A local SMTP server on loopback that keeps what it receives."""
    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check cannot use 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def mailing_course(make_app, simulated_lms, inbox):
    handler, port = inbox
    app = make_app(
        content_path=str(SAMPLE_CONTENT),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="skillcert@example.edu",
        smtp_starttls=False,
    )
    driver = LmsDriver(app, app.test_client(), simulated_lms)
    driver.register()
    yield driver, handler
    app.extensions["skillcert.engine"].dispose()


def remind(app) -> str:
    result = app.test_cli_runner().invoke(args=["credentials", "remind"])
    assert result.exit_code == 0, result.output
    return result.output


def test_reminder_emails_go_once_per_threshold_to_learners_who_asked(mailing_course):
    course, handler = mailing_course
    course.launch(sub="ada")
    held = hold_credential(course.app, "ada", valid_until=days_from_now(100))
    course.launch(sub="bob")  # bob holds one too but never asked for email
    hold_credential(course.app, "bob", valid_until=days_from_now(100))
    assert remind(course.app) == "Sent 0 reminder(s).\n"  # 100 days: no threshold but 180
    course.launch(sub="ada")
    save_choices(course.client, reminders="on", email="ada@example.org")

    assert remind(course.app) == "Sent 1 reminder(s).\n"
    assert remind(course.app) == "Sent 0 reminder(s).\n"  # daily cron: once per threshold
    (message,) = handler.messages
    assert message["To"] == "ada@example.org"
    assert message["Subject"].startswith("Renew Sample Practitioner before ")
    body = message.get_content()
    assert "earn 2 continuing-education credits" in body
    assert f"/credentials/{held}" in body

    # 25 days left: the 30-day reminder (the 90-day one is skipped, being past).
    with transaction(course.app) as session:
        session.execute(
            update(Credential).where(Credential.id == held).values(valid_until=days_from_now(25))
        )
    assert remind(course.app) == "Sent 1 reminder(s).\n"
    assert remind(course.app) == "Sent 0 reminder(s).\n"
    assert len(handler.messages) == 2
    with transaction(course.app) as session:
        sent = session.scalars(select(CredentialReminder.days_before)).all()
    assert sorted(sent) == [30, 180]


def test_reminders_follow_the_language_the_learner_used(mailing_course):
    course, handler = mailing_course
    course.launch(
        sub="eva",
        claims={
            "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {"locale": "es-MX"}
        },
    )
    hold_credential(course.app, "eva", valid_until=days_from_now(20))
    save_choices(course.client, reminders="on", email="eva@example.org")
    remind(course.app)
    (message,) = handler.messages
    assert message["Subject"].startswith("Renueve ")
    # The date in the learner's language too ("antes del 26 de diciembre de 2026").
    assert re.search(r"antes del \d{1,2} de \w+ de \d{4}$", message["Subject"])


def test_remind_without_smtp_says_what_to_set(course):
    result = course.app.test_cli_runner().invoke(args=["credentials", "remind"])
    assert result.exit_code == 1
    assert "set smtp_host and smtp_from" in result.output


def admin_launch(course, sub: str = "admin-1"):
    client = course.app.test_client()
    response = course.launch(role="learner", client=client, sub=sub, roles=[ADMIN])
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    return client


def test_admin_page_lists_and_revokes_with_a_reason(course):
    course.launch(sub="ada")
    held = hold_credential(course.app, "ada", valid_until=days_from_now(400))
    admin = admin_launch(course)
    assert 'href="/admin/credentials"' in admin.get("/teach/").get_data(as_text=True)
    page = admin.get("/admin/credentials").get_data(as_text=True)
    assert "Ada Lovelace" in page and held in page
    assert "Credentials: 1 (page 1 of 1)" in page
    assert "Credentials:" not in admin.get("/admin/credentials?status=revoked").get_data(
        as_text=True
    )

    # No reason: refused, nothing changes.
    empty = admin.post(
        f"/admin/credentials/{held}/revoke", data={"csrf_token": token(page), "reason": " "}
    )
    assert empty.status_code == 422
    assert "Give the reason for revoking" in empty.get_data(as_text=True)
    assert credentials_of(course.app)[0].state.value == "active"
    # No token: refused.
    assert admin.post(f"/admin/credentials/{held}/revoke", data={"reason": "x"}).status_code == 400

    done = admin.post(
        f"/admin/credentials/{held}/revoke",
        data={"csrf_token": token(page), "reason": "Exam misconduct"},
    )
    assert done.status_code == 302
    (credential,) = credentials_of(course.app)
    assert credential.state.value == "revoked" and credential.state_reason == "Exam misconduct"
    assert credential.state_changed_by.startswith("lms-administrator:user-")
    listed = admin.get("/admin/credentials?status=revoked").get_data(as_text=True)
    assert "Credentials: 1 (page 1 of 1)" in listed and "Exam misconduct" in listed
    assert "Revoked:" in course.client.get(f"/credentials/{held}").get_data(as_text=True)
    assert api_verify(course, credential.document)["verified"] is False


def test_admin_page_is_for_administrators_of_this_tenant_only(course, simulated_lms):
    course.launch(sub="ada")
    held = hold_credential(course.app, "ada", valid_until=days_from_now(400))
    # A learner and an instructor are refused.
    assert course.client.get("/admin/credentials").status_code == 403
    teacher = course.app.test_client()
    course.launch(role="instructor", client=teacher)
    assert teacher.get("/admin/credentials").status_code == 403
    # An administrator of another LMS sees none of this tenant's credentials.
    other = LmsDriver(course.app, course.app.test_client(), simulated_lms)
    other.register(issuer="https://other-lms.example", client_id="other-client")
    stranger = course.app.test_client()
    other.launch(client=stranger, sub="admin-2", roles=[ADMIN])
    page = stranger.get("/admin/credentials").get_data(as_text=True)
    assert held not in page and "No credential matches." in page
    own_token = token(stranger.get("/learn/credentials").get_data(as_text=True))
    response = stranger.post(
        f"/admin/credentials/{held}/revoke", data={"csrf_token": own_token, "reason": "x"}
    )
    assert response.status_code == 404
    assert credentials_of(course.app)[0].state.value == "active"


def test_public_page_status_names_the_standing(course):
    course.launch(sub="ada")
    held = hold_credential(course.app, "ada", valid_until=days_from_now(60))
    page = course.client.get(f"/credentials/{held}").get_data(as_text=True)
    assert re.search(r"<dt>Status</dt><dd>Expiring soon</dd>", page)


@pytest.mark.parametrize(
    ("smtp", "message"),
    [
        ({"smtp_from": ""}, "smtp_from must be the sender's email address"),
        ({"smtp_port": 0}, "smtp_port must be a port number"),
        ({"smtp_username": "skillcert"}, "smtp_username and smtp_password go together"),
        (
            {"smtp_username": "u", "smtp_password": "secret", "smtp_starttls": False},
            "smtp_starttls must be true",
        ),
    ],
)
def test_smtp_settings_are_checked_at_start_up(tmp_path, smtp, message):
    values = {"smtp_host": "smtp.example.edu", "smtp_from": "skillcert@example.edu", **smtp}
    with pytest.raises(SettingsError, match=message):
        load_settings(values, environ={}, default_instance_path=tmp_path)
    good = load_settings(
        {
            "smtp_host": "smtp.example.edu",
            "smtp_from": "s@example.edu",
            "smtp_username": "u",
            "smtp_password": "pw-4711",
        },
        environ={},
        default_instance_path=tmp_path,
    )
    assert "pw-4711" not in repr(good)  # settings may be logged; the password never is
