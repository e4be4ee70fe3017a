"""Operator console accounts, end to end: `skillcert operator add` prints a one-time link, its
page shows a QR code, a real TOTP code (pyotp) activates the account, and the sign-in form
takes the password with a TOTP code (each once) or a recovery code (each once); failures
all read alike, are rate-limited per address and per account, and are audited without
secrets; sessions end when idle, at their absolute end, and on sign-out."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pyotp
import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.lti.keys import ensure_key
from lti_tool.models import AuditEntry, Operator, OperatorSession, ToolKey
from lti_tool.operations import accounts
from lti_tool.views.operator.access import COOKIE
from tests.conftest import csrf_token_of, query_of
from tests.operator_console import (
    EMAIL,
    PASSWORD,
    console_post,
    make_operator,
    session_token,
    sign_in,
)

FAILED = "The email address, the password or the code is wrong"


def _audit(app, action: str) -> list[AuditEntry]:
    with transaction(app) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _sign_in_form(client, email: str, password: str, code: str, **extra: str):
    """The sign-in page's form, filled in and posted as a browser would."""
    page = client.get("/operator/sign-in")
    assert page.status_code == 200
    form = {"csrf_token": csrf_token_of(page.get_data(as_text=True))}
    return client.post(
        "/operator/sign-in",
        data={**form, "email": email, "password": password, "code": code, **extra},
    )


@pytest.fixture
def build(make_app) -> Iterator[Callable[..., Flask]]:
    """``make_app``, its apps' database connections closed after the test."""
    apps: list[Flask] = []

    def make(**overrides: object) -> Flask:
        apps.append(make_app(**overrides))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["skillcert.engine"].dispose()


def _browser_at(app, address: str):
    """A browser whose requests come from ``address``."""
    browser = app.test_client()
    browser.environ_base["REMOTE_ADDR"] = address
    return browser


def _next_code(secret: str) -> str:
    """The code of the next time step: the current one was used to activate."""
    return pyotp.TOTP(secret).at(time.time() + 30)


def _steady_clock() -> None:
    """Wait out the end of a 30-second step, so a step's codes stay valid meanwhile."""
    if time.time() % 30 > 25:
        time.sleep(30 - time.time() % 30 + 0.1)


def test_cli_link_to_qr_page_to_activation_to_sign_in_with_totp_and_recovery_codes(app, runner):
    _steady_clock()
    made = runner.invoke(args=["operator", "add", "Ops@Example.edu"])
    assert made.exit_code == 0, made.output
    assert "Made the account ops@example.edu" in made.output and "24 hours" in made.output
    link = re.search(r"http://localhost/operator/setup/(\S+)", made.output)
    assert link, made.output
    token = link.group(1)
    (added,) = _audit(app, "operator.add")
    assert (added.actor, added.target) == ("cli", "operator ops@example.edu")
    assert token not in repr((added.details, added.target))

    browser = app.test_client()
    page = browser.get(f"/operator/setup/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and "otpauth://totp/" in html
    secret = re.search(r"<dd><code>([A-Z2-7 ]+)</code></dd>", html).group(1).replace(" ", "")
    assert f"secret={secret}" in html  # the QR code's URI holds the key shown as text
    again = browser.get(f"/operator/setup/{token}").get_data(as_text=True)
    assert secret in again.replace(" ", "")  # reloading keeps the key the app scanned

    code = pyotp.TOTP(secret).now()
    refused = {
        "The two passwords differ": {"password_again": PASSWORD + "!", "code": code},
        "at least 12 characters": {"password": "short", "password_again": "short"},
        "The code does not match": {"code": "000000" if code != "000000" else "111111"},
    }
    for message, changed in refused.items():
        form = {"password": PASSWORD, "password_again": PASSWORD, "code": code, **changed}
        answer = browser.post(f"/operator/setup/{token}", data=form)
        assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    with transaction(app) as session:
        assert session.scalar(select(Operator.activated_at)) is None

    form = {"password": PASSWORD, "password_again": PASSWORD, "code": code}
    done = browser.post(f"/operator/setup/{token}", data=form)
    assert done.status_code == 200
    codes = re.findall(
        r"<li><code>([0-9a-f]{10}-[0-9a-f]{10})</code></li>", done.get_data(as_text=True)
    )
    assert len(codes) == 10
    assert _audit(app, "operator.activate")[0].actor == "ops@example.edu"
    assert browser.get(f"/operator/setup/{token}").status_code == 410  # used up

    signed_in = _sign_in_form(browser, "ops@example.edu", PASSWORD, _next_code(secret))
    assert signed_in.status_code == 303
    assert urlsplit(signed_in.headers["Location"]).path == "/operator/registrations"
    assert browser.get("/operator/registrations").status_code == 200

    replay = app.test_client()  # the same code, a second time
    assert FAILED in _sign_in_form(replay, EMAIL, PASSWORD, _next_code(secret)).get_data(
        as_text=True
    )
    recovery = app.test_client()
    assert _sign_in_form(recovery, EMAIL, PASSWORD, codes[3]).status_code == 303
    reused = _sign_in_form(app.test_client(), EMAIL, PASSWORD, codes[3])
    assert FAILED in reused.get_data(as_text=True)

    entries = _audit(app, "operator.sign_in") + _audit(app, "operator.sign_in_failed")
    assert len(entries) == 4
    for entry in entries:
        logged = repr((entry.actor, entry.target, entry.details))
        assert PASSWORD not in logged and codes[3] not in logged and secret not in logged


def test_every_failure_reads_the_same(app):
    operator = make_operator(app)
    right = _next_code(operator.secret)
    answers = [
        _sign_in_form(app.test_client(), EMAIL, PASSWORD + "x", right),
        _sign_in_form(app.test_client(), "nobody@example.edu", PASSWORD, right),
        _sign_in_form(app.test_client(), EMAIL, PASSWORD, "123456" if right != "123456" else "1"),
        _sign_in_form(app.test_client(), EMAIL, PASSWORD, "0000aaaaff-1111bbbbff"),
    ]
    messages = []
    for answer in answers:
        html = answer.get_data(as_text=True)
        assert answer.status_code == 200 and FAILED in html
        messages.append(re.search(r'role="alert"[^>]*>(.*?)</div>', html, re.S).group(1))
    assert len(set(messages)) == 1
    failed = _audit(app, "operator.sign_in_failed")
    assert [entry.target for entry in failed] == [
        f"operator {EMAIL}",
        "",
        *[f"operator {EMAIL}"] * 2,
    ]
    assert _audit(app, "operator.sign_in") == []


def test_failed_sign_ins_are_limited_per_address_and_per_account(build):
    app = build(operator_login_attempts=3)
    operator = make_operator(app)
    attacker = _browser_at(app, "203.0.113.7")
    for _ in range(3):
        assert FAILED in _sign_in_form(attacker, EMAIL, "wrong password!", "123456").get_data(
            as_text=True
        )
    limited = _sign_in_form(attacker, EMAIL, PASSWORD, _next_code(operator.secret))
    assert limited.status_code == 429  # the right password too: nothing is checked now
    assert 0 < int(limited.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-ins" in limited.get_data(as_text=True)
    # The same account from elsewhere is limited too; another account from elsewhere is not.
    elsewhere = _browser_at(app, "198.51.100.9")
    assert _sign_in_form(elsewhere, EMAIL, PASSWORD, "123456").status_code == 429
    other = _browser_at(app, "198.51.100.10")
    assert _sign_in_form(other, "someone@example.edu", PASSWORD, "123456").status_code == 200
    # The address alone: three other accounts, then refused whichever account it names.
    spray = _browser_at(app, "192.0.2.44")
    for n in range(3):
        assert _sign_in_form(spray, f"user{n}@example.edu", "x" * 12, "1").status_code == 200
    assert _sign_in_form(spray, "user9@example.edu", "x" * 12, "1").status_code == 429


def test_a_successful_sign_in_is_not_counted_as_a_failure(build):
    app = build(operator_login_attempts=2)
    _steady_clock()
    operator = make_operator(app)
    totp = operator.totp()
    assert _sign_in_form(app.test_client(), EMAIL, PASSWORD, "000000x").status_code == 200
    assert (
        _sign_in_form(app.test_client(), EMAIL, PASSWORD, totp.at(time.time() + 30)).status_code
        == 303
    )
    # One failure so far, not two: one more attempt is still allowed.
    assert _sign_in_form(app.test_client(), EMAIL, PASSWORD, "000000x").status_code == 200
    assert _sign_in_form(app.test_client(), EMAIL, PASSWORD, "000000x").status_code == 429


def test_failed_sign_ins_are_counted_across_hosts_through_redis(build, redis_url):
    hosts = [build(operator_login_attempts=2, redis_url=redis_url) for _ in range(2)]
    email = f"ops-{secrets.token_hex(4)}@example.edu"  # a fresh key in a shared Redis
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    browsers = [_browser_at(host, address) for host in hosts]
    assert _sign_in_form(browsers[0], email, PASSWORD, "1").status_code == 200
    assert _sign_in_form(browsers[1], email, PASSWORD, "1").status_code == 200
    assert _sign_in_form(browsers[0], email, PASSWORD, "1").status_code == 429


def _move_session(app, **times: dt.timedelta) -> None:
    with transaction(app) as session:
        row = session.scalars(select(OperatorSession)).one()
        for column, delta in times.items():
            setattr(row, column, getattr(row, column) + delta)


@pytest.mark.parametrize(
    "moved",
    [
        {"last_seen_at": -dt.timedelta(minutes=31)},  # idle longer than 30 minutes
        {"expires_at": -dt.timedelta(hours=12, seconds=1)},  # the absolute end passed
    ],
    ids=["idle", "absolute"],
)
def test_sessions_end_when_idle_and_at_their_absolute_end(app, moved):
    browser = app.test_client()
    sign_in(browser, app)
    assert browser.get("/operator/keys").status_code == 200
    _move_session(app, **moved)
    ended = browser.get("/operator/keys")
    assert ended.status_code == 302
    location = urlsplit(ended.headers["Location"])
    assert location.path == "/operator/sign-in"
    assert query_of(ended.headers["Location"])["next"].startswith("/operator/keys")
    assert "Sign in to see that page" in browser.get(ended.headers["Location"]).get_data(
        as_text=True
    )


def test_a_request_keeps_the_session_alive(app):
    browser = app.test_client()
    sign_in(browser, app)
    _move_session(app, last_seen_at=-dt.timedelta(minutes=29))
    assert browser.get("/operator/keys").status_code == 200
    _move_session(app, last_seen_at=-dt.timedelta(minutes=2))  # 31 min after the first move
    assert browser.get("/operator/keys").status_code == 200


def test_sign_out_ends_the_session(app):
    browser = app.test_client()
    sign_in(browser, app)
    token = browser.get_cookie(COOKIE, path="/operator").value
    out = console_post(browser, app, "/operator/sign-out")
    assert out.status_code == 303 and "signed_out=1" in out.headers["Location"]
    assert browser.get_cookie(COOKIE, path="/operator") is None
    assert "You are signed out" in browser.get(out.headers["Location"]).get_data(as_text=True)
    thief = app.test_client()
    thief.set_cookie(COOKIE, token, path="/operator")  # the old cookie, replayed
    assert thief.get("/operator/keys").status_code == 302
    assert _audit(app, "operator.sign_out")[0].actor == EMAIL


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/operator",
        "/lti/jwks.json",
        "/operator/../lti/x",
        "/operator\\@evil.example",
        "javascript:alert(1)",
    ],
)
def test_sign_in_goes_only_to_console_pages_next(app, next_url):
    _steady_clock()
    operator = make_operator(app)
    answer = _sign_in_form(
        app.test_client(), EMAIL, PASSWORD, _next_code(operator.secret), next=next_url
    )
    assert answer.status_code == 303
    location = urlsplit(answer.headers["Location"])
    assert location.netloc in ("", "localhost") and location.path == "/operator/registrations"


def test_sign_in_follows_next_to_a_console_page(app):
    _steady_clock()
    operator = make_operator(app)
    browser = app.test_client()
    page = browser.get("/operator/sign-in?next=/operator/keys").get_data(as_text=True)
    assert 'name="next" value="/operator/keys"' in page
    answer = _sign_in_form(
        browser, EMAIL, PASSWORD, _next_code(operator.secret), next="/operator/keys"
    )
    assert urlsplit(answer.headers["Location"]).path == "/operator/keys"


def test_forms_without_their_csrf_token_are_refused(app):
    make_operator(app)
    browser = app.test_client()
    browser.get("/operator/sign-in")  # the page's cookie, but not its token
    form = {"email": EMAIL, "password": PASSWORD, "code": "123456"}
    assert browser.post("/operator/sign-in", data=form).status_code == 400
    forged = {**form, "csrf_token": "0" * 64}
    assert browser.post("/operator/sign-in", data=forged).status_code == 400
    signed_in = app.test_client()
    sign_in(signed_in, app, "other@example.edu")
    with transaction(app) as session:
        keys_before = len(session.scalars(select(ToolKey)).all())
    assert signed_in.post("/operator/keys/tool/rotate").status_code == 400
    with transaction(app) as session:
        assert len(session.scalars(select(ToolKey)).all()) == keys_before
    assert _audit(app, "operator.sign_in_failed") == []  # refused before any check


def test_console_pages_need_a_session(app):
    for path in ("/operator/registrations", "/operator/keys", "/operator/audit"):
        answer = app.test_client().get(path)
        assert answer.status_code == 302
        assert urlsplit(answer.headers["Location"]).path == "/operator/sign-in"
    home = app.test_client().get("/operator/", follow_redirects=True)
    assert home.request.path == "/operator/sign-in" and "Sign in to the operator console" in (
        home.get_data(as_text=True)
    )


def test_an_expired_setup_link_says_what_to_do(app, runner):
    made = runner.invoke(args=["operator", "add", EMAIL])
    token = re.search(r"/operator/setup/(\S+)", made.output).group(1)
    with transaction(app) as session:
        operator = session.scalars(select(Operator)).one()
        operator.invite_expires_at -= dt.timedelta(hours=24, seconds=1)
    gone = app.test_client().get(f"/operator/setup/{token}")
    assert gone.status_code == 410
    assert "skillcert operator add" in gone.get_data(as_text=True)
    assert app.test_client().get("/operator/setup/not-a-token").status_code == 410


def test_cli_resets_lists_and_switches_off_accounts(app, runner):
    _steady_clock()
    operator = make_operator(app)
    browser = app.test_client()
    browser.set_cookie(COOKIE, session_token(app), path="/operator")
    listed = runner.invoke(args=["operator", "list"])
    assert f"{EMAIL}\tactive\tnever signed in" in listed.output

    reset = runner.invoke(args=["operator", "add", EMAIL.upper()])
    assert "Reset the account ops@example.edu" in reset.output
    assert browser.get("/operator/keys").status_code == 302  # its sessions ended
    assert FAILED in _sign_in_form(
        app.test_client(), EMAIL, PASSWORD, _next_code(operator.secret)
    ).get_data(as_text=True)
    assert "waiting for setup" in runner.invoke(args=["operator", "list"]).output
    assert [e.action for e in _audit(app, "operator.reset")] == ["operator.reset"]

    make_operator(app, "second@example.edu")
    other = app.test_client()
    other.set_cookie(COOKIE, session_token(app, "second@example.edu"), path="/operator")
    off = runner.invoke(args=["operator", "disable", "second@example.edu"])
    assert off.exit_code == 0 and "Switched off second@example.edu" in off.output
    assert other.get("/operator/keys").status_code == 302
    assert "second@example.edu\tswitched off" in runner.invoke(args=["operator", "list"]).output
    assert _audit(app, "operator.disable")[0].actor == "cli"
    unknown = runner.invoke(args=["operator", "disable", "nobody@example.edu"])
    assert unknown.exit_code == 1 and "No console account" in unknown.output
    bad = runner.invoke(args=["operator", "add", "not-an-address"])
    assert bad.exit_code == 1 and "is not an email address" in bad.output


def test_rotating_the_key_encryption_key_keeps_operators_signing_in(app, runner):
    """The TOTP secrets are encrypted with the private keys' KEK: `skillcert keys
    reencrypt` moves them to the new one with the keys."""
    _steady_clock()
    operator = make_operator(app)
    with transaction(app) as session:
        ensure_key(session)  # the tool's key, as `skillcert db upgrade` makes it
        stored = session.scalar(select(Operator.totp_secret_encrypted))
    rotated = runner.invoke(args=["keys", "reencrypt"])
    assert rotated.exit_code == 0, rotated.output
    with transaction(app) as session:
        assert session.scalar(select(Operator.totp_secret_encrypted)) != stored
    answer = _sign_in_form(app.test_client(), EMAIL, PASSWORD, _next_code(operator.secret))
    assert answer.status_code == 303


def test_two_sign_ins_racing_with_one_code_let_one_in(app):
    """Both read the account before either wrote: the guarded UPDATE lets one claim the
    code's time step. (On SQLite a transaction that read holds the only write lock, so
    the second cannot even read first: nothing to race.)"""
    if not app.config["SETTINGS"].database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises the two sign-ins: the second reads the first's row")
    _steady_clock()
    operator = make_operator(app)
    code = _next_code(operator.secret)
    settings = app.config["SETTINGS"]
    with transaction(app) as first:
        stale = accounts.find_operator(first, EMAIL)  # read before the other signs in
        assert stale is not None and stale.last_totp_step is not None
        with transaction(app) as second:
            assert accounts.authenticate(second, settings, EMAIL, PASSWORD, code) is not None
        assert accounts.authenticate(first, settings, EMAIL, PASSWORD, code) is None
