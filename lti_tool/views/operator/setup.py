"""The one-time setup link printed by ``skillcert operator add``: choose a password, add the
account to an authenticator app, and receive the recovery codes (shown once).

The form takes no CSRF token (``csrf.exempt``): nobody is signed in yet, and the link's
token in the URL is itself the secret a forged post would need. A page on another site
that knew it could set the account up directly, so a token derived from a cookie would
add nothing. The TOTP secret stays on the server (``accounts.setup_secret``).
"""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from lti_tool import csrf
from lti_tool.db import get_session
from lti_tool.models import Operator
from lti_tool.operations import accounts, audit
from lti_tool.views.operator.access import bp
from lti_tool.views.public import qr_code


def _invited_or_gone(token: str) -> Operator | None:
    return accounts.invited_operator(get_session(), token)


def _gone() -> ResponseReturnValue:
    return render_template("operator/setup_gone.html"), 410


def _setup_page(account: Operator, status: int = 200, error: str = "") -> ResponseReturnValue:
    secret = accounts.setup_secret(get_session(), account)
    uri = accounts.provisioning_uri(account, secret)
    return render_template(
        "operator/setup.html",
        account=account,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=uri,
        qr=qr_code(uri),
        minimum=accounts.MIN_PASSWORD_LENGTH,
        error=error,
    ), status


@bp.get("/setup/<token>")
def setup(token: str) -> ResponseReturnValue:
    account = _invited_or_gone(token)
    return _gone() if account is None else _setup_page(account)


@bp.post("/setup/<token>")
@csrf.exempt
def setup_post(token: str) -> ResponseReturnValue:
    account = _invited_or_gone(token)
    if account is None:
        return _gone()
    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        return _setup_page(
            account, 422, gettext("The two passwords differ: type the same one twice.")
        )
    session = get_session()
    try:
        codes = accounts.activate(
            session,
            account,
            password=password,
            totp_secret=accounts.setup_secret(session, account),
            code=request.form.get("code", "").replace(" ", ""),
        )
    except accounts.AccountError as exc:
        return _setup_page(account, 422, str(exc))
    audit.record(
        session,
        "operator.activate",
        actor=account.email,
        operator_id=account.id,
        target=f"operator {account.email}",
    )
    return render_template("operator/setup_done.html", codes=codes)
