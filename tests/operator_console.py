"""The operator console in tests: an account set up the way its owner sets it up, and a
browser signed in to the console.

``make_operator(app)`` invites and activates an account through lti_tool.operations.accounts
(a real TOTP code from pyotp); ``sign_in(client, app)`` gives a Flask test client a live
console session cookie, and ``console_post`` posts a console form with its CSRF token.
The fixture ``operator_client`` is a test client of the ``app`` fixture, signed in.
tests/test_operator_accounts.py drives the real sign-in form instead.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from lti_tool.csrf import token_for
from lti_tool.db import transaction
from lti_tool.operations import accounts
from lti_tool.views.operator.access import COOKIE

EMAIL = "ops@example.edu"
PASSWORD = "correct horse battery staple"


@dataclasses.dataclass(frozen=True)
class ConsoleOperator:
    email: str
    password: str
    #: The TOTP secret, as the authenticator app holds it.
    secret: str
    recovery_codes: list[str]

    def totp(self) -> pyotp.TOTP:
        return pyotp.TOTP(self.secret)


def make_operator(app: Flask, email: str = EMAIL, password: str = PASSWORD) -> ConsoleOperator:
    """An activated console account."""
    with transaction(app) as session:
        operator, _token = accounts.invite(session, email)
        secret = accounts.setup_secret(session, operator)
        codes = accounts.activate(
            session,
            operator,
            password=password,
            totp_secret=secret,
            code=pyotp.TOTP(secret).now(),
        )
    return ConsoleOperator(email, password, secret, codes)


def session_token(app: Flask, email: str = EMAIL) -> str:
    """A new console session of the account: the value of its cookie."""
    with transaction(app) as session:
        operator = accounts.find_operator(session, email)
        assert operator is not None, f"no account {email}: make_operator first"
        return accounts.start_session(session, app.config["SETTINGS"], operator)


def sign_in(client: FlaskClient, app: Flask, email: str = EMAIL) -> ConsoleOperator:
    """Make the account and give ``client`` a session of it (the cookie the sign-in sets)."""
    operator = make_operator(app, email)
    client.set_cookie(COOKIE, session_token(app, email), path="/operator")
    return operator


def csrf_of(app: Flask, token: str) -> str:
    """The console forms' CSRF token for the console cookie ``token``."""
    with app.test_request_context():
        return token_for(token)


def console_post(client: FlaskClient, app: Flask, url: str, **form: Any) -> TestResponse:
    """Post a console form as its page would: with the CSRF token of the client's cookie."""
    cookie = client.get_cookie(COOKIE, path="/operator")
    assert cookie is not None, "the client has no console cookie: sign_in first"
    return client.post(url, data={"csrf_token": csrf_of(app, cookie.value), **form})


@pytest.fixture
def operator_client(app: Flask) -> FlaskClient:
    """A test client of ``app`` signed in to the console as ``EMAIL``."""
    client = app.test_client()
    sign_in(client, app)
    return client
