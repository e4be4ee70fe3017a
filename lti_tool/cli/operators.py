"""`skillcert operator …`: the accounts of the operator console (/operator).

An account is made (or reset) here and set up by its owner through the one-time link
this prints; the link's token is printed once and stored only as a hash.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from lti_tool.cli.common import fail
from lti_tool.db import transaction
from lti_tool.models import Operator, utcnow
from lti_tool.operations import accounts, audit

operator_cli = click.Group("operator", help="Operator console accounts.")


@operator_cli.command("add")
@click.argument("email")
@with_appcontext
def operator_add(email: str) -> None:
    """Make a console account, or reset one (new password, app and recovery codes), and
    print its one-time setup link."""
    settings = current_app.config["SETTINGS"]
    try:
        with transaction(current_app) as session:
            existing = accounts.find_operator(session, email)
            operator, token = accounts.invite(session, email)
            audit.record(
                session,
                "operator.reset" if existing else "operator.add",
                actor=audit.CLI,
                target=f"operator {operator.email}",
            )
    except accounts.AccountError as exc:
        fail(str(exc))
    if existing:
        click.echo(
            f"Reset the account {operator.email}: its password, authenticator app and recovery "
            "codes no longer work, and its console sessions have ended."
        )
    else:
        click.echo(f"Made the account {operator.email}.")
    hours = int(accounts.INVITE_LIFETIME.total_seconds() // 3600)
    click.echo(
        f"Send its owner this link; it works once, for {hours} hours, and sets up a password "
        f"and an authenticator app:\n\n  {settings.url_for(f'/operator/setup/{token}')}\n\n"
        "Send it by a channel only they read: whoever opens it first gets the account."
    )


@operator_cli.command("list")
@with_appcontext
def operator_list() -> None:
    """Every console account: its state and last sign-in."""
    with transaction(current_app) as session:
        operators = session.scalars(select(Operator).order_by(Operator.email)).all()
        rows = [
            (operator.email, _state(operator), operator.last_login_at) for operator in operators
        ]
    if not rows:
        click.echo("No console account yet: make one with `skillcert operator add EMAIL`.")
    for email, state, last in rows:
        seen = f"last sign-in {last:%Y-%m-%d %H:%M} UTC" if last else "never signed in"
        click.echo(f"{email}\t{state}\t{seen}")


def _state(operator: Operator) -> str:
    if not operator.is_active:
        return "switched off"
    if operator.activated_at is not None:
        return "active"
    expires = operator.invite_expires_at
    if expires is None or expires < utcnow():
        return "setup link expired (run operator add again)"
    return f"waiting for setup (link works until {expires:%Y-%m-%d %H:%M} UTC)"


@operator_cli.command("disable")
@click.argument("email")
@with_appcontext
def operator_disable(email: str) -> None:
    """Switch an account off: it can no longer sign in, and its sessions end now."""
    with transaction(current_app) as session:
        operator = accounts.find_operator(session, email)
        if operator is None:
            fail(f"No console account has the address {email}: see `skillcert operator list`.")
        accounts.disable(session, operator)
        audit.record(
            session, "operator.disable", actor=audit.CLI, target=f"operator {operator.email}"
        )
    click.echo(
        f"Switched off {operator.email}: its sessions have ended. "
        "`skillcert operator add` with the same address makes a new setup link for it."
    )
