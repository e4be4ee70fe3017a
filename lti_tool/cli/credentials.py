"""`skillcert credentials …`: Open Badges credentials and the issuer's signing keys."""

from __future__ import annotations

import getpass
import json

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from lti_tool.cli.common import fail
from lti_tool.cli.people import describe, find_user, user_options
from lti_tool.credentials import issuing, reminders
from lti_tool.credentials import keys as issuer_keys
from lti_tool.credentials.administration import normalise_credential_id
from lti_tool.db import transaction
from lti_tool.models import Credential, User

#: How a credential names itself: ``"id": "urn:uuid:<its id>"``.
credentials_cli = click.Group(
    "credentials", help="Open Badges 3.0 credentials (docs/credentials.md)."
)


def _operator(by: str | None) -> str:
    """Who ran the command, recorded with what it did."""
    return by or f"operator:{getpass.getuser()}"


def _credential_line(credential: Credential, learner: User) -> str:
    return (
        f"{credential.id}\t{describe(learner)}\t{credential.track_id} "
        f"{credential.track_version}\t{credential.state.value}\t"
        f"valid {credential.valid_from:%Y-%m-%d}..{credential.valid_until:%Y-%m-%d}\t"
        f"by {credential.issued_by}"
    )


def _echo_document(credential: Credential) -> None:
    """The credential exactly as issued and signed."""
    click.echo(json.dumps(credential.document, indent=2, ensure_ascii=False))


@credentials_cli.command("issue")
@user_options("The learner:", required=True)
@click.option("--track", "track_id", required=True, help="The track id.")
@click.option("--reason", required=True, help="Why it is issued by hand (recorded).")
@click.option("--by", help="Who issues it (default: operator:<your login>).")
@click.option("--json", "as_json", is_flag=True, help="Print the signed credential.")
@with_appcontext
def credentials_issue(
    user: str, platform: str | None, track_id: str, reason: str, by: str | None, as_json: bool
):
    """Issue a credential by hand (for example, recognised prior certification)."""
    try:
        with transaction(current_app) as session:
            learner = find_user(session, user, platform)
            credential = issuing.issue_manually(
                session,
                current_app.config["SETTINGS"],
                learner.id,
                track_id,
                by=_operator(by),
                reason=reason,
            )
    except issuing.CredentialError as exc:
        fail(exc.message)
    if as_json:
        _echo_document(credential)
    else:
        click.echo(_credential_line(credential, learner))


def _credential_id(_context: click.Context, _param: click.Parameter, value: str) -> str:
    return normalise_credential_id(value)


@credentials_cli.command("show")
@click.argument("credential_id", callback=_credential_id)
@click.option("--json", "as_json", is_flag=True, help="Print the signed credential.")
@with_appcontext
def credentials_show(credential_id: str, as_json: bool) -> None:
    """Show one credential (with --json: exactly as issued and signed)."""
    with transaction(current_app) as session:
        credential = session.get(Credential, credential_id)
        if credential is None:
            fail(
                f"There is no credential {credential_id}. "
                "List them with `skillcert credentials list`."
            )
        learner = session.get_one(User, credential.user_id)
    if as_json:
        _echo_document(credential)
        return
    click.echo(_credential_line(credential, learner))
    if credential.issue_reason:
        click.echo(f"issue reason: {credential.issue_reason}")
    if credential.state_reason:
        click.echo(
            f"{credential.state.value} by {credential.state_changed_by} at "
            f"{credential.state_changed_at:%Y-%m-%d %H:%M}: {credential.state_reason}"
        )


@credentials_cli.command("list")
@user_options("Only this learner's:", required=False)
@with_appcontext
def credentials_list(user: str | None, platform: str | None) -> None:
    """List issued credentials, newest first, with each learner's ids and name."""
    query = (
        select(Credential, User)
        .join(User, User.id == Credential.user_id)
        .order_by(Credential.created_at.desc())
    )
    with transaction(current_app) as session:
        if user is not None:
            query = query.where(Credential.user_id == find_user(session, user, platform).id)
        elif platform is not None:
            fail("--platform names the LMS of a --user: give --user too.")
        for credential, learner in session.execute(query):
            click.echo(_credential_line(credential, learner))


@credentials_cli.command("revoke")
@click.argument("credential_id", callback=_credential_id)
@click.option("--reason", required=True, help="Why (recorded; not published).")
@click.option("--by", help="Who revokes it (default: operator:<your login>).")
@with_appcontext
def credentials_revoke(credential_id: str, reason: str, by: str | None) -> None:
    """Revoke a credential for good; verifiers see it within the status list's cache time."""
    try:
        with transaction(current_app) as session:
            issuing.revoke(
                session,
                current_app.config["SETTINGS"],
                credential_id,
                by=_operator(by),
                reason=reason,
            )
    except issuing.CredentialError as exc:
        fail(exc.message)
    click.echo(f"Revoked {credential_id}.")


@credentials_cli.command("remind")
@with_appcontext
def credentials_remind() -> None:
    """Email the expiry reminders due (180, 90, 30 days before); run it daily from cron."""
    if not current_app.config["SETTINGS"].smtp_host:
        fail(
            "SMTP is not configured: set smtp_host and smtp_from (docs/operator-guide.md). "
            "Learners still see reminders on their pages."
        )
    outcome = reminders.send_due(current_app)
    click.echo(f"Sent {outcome.sent} reminder(s).")
    if outcome.failed:
        fail(f"{outcome.failed} reminder(s) could not be sent (see the log); the next run retries.")


issuer_keys_cli = click.Group("keys", help="The issuer's did:web signing keys.")
credentials_cli.add_command(issuer_keys_cli)


@issuer_keys_cli.command("rotate")
@with_appcontext
def credentials_keys_rotate() -> None:
    """Sign new credentials with a new key; older keys stay published so theirs verify."""
    with transaction(current_app) as session:
        key = issuer_keys.rotate(session)
        click.echo(f"New issuer key {key.public_key_multibase}; older keys stay published.")


@issuer_keys_cli.command("list")
@with_appcontext
def credentials_keys_list() -> None:
    """Published issuer keys, newest first (the first one signs)."""
    with transaction(current_app) as session:
        for key in issuer_keys.published_keys(session):
            role = "published" if key.superseded_at else "signing"
            click.echo(f"{key.public_key_multibase}\t{key.created_at:%Y-%m-%d}\t{role}")


@issuer_keys_cli.command("retire")
@click.argument("public_key_multibase")
@click.confirmation_option(
    prompt="Credentials signed with this key will no longer verify. Retire it?"
)
@with_appcontext
def credentials_keys_retire(public_key_multibase: str) -> None:
    """Unpublish a compromised key: what it signed stops verifying."""
    with transaction(current_app) as session:
        if issuer_keys.retire(session, public_key_multibase) is None:
            fail(f"No published issuer key {public_key_multibase}.")
    click.echo(f"Retired {public_key_multibase}.")
