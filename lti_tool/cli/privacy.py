"""`skillcert privacy …`: retention (run `purge` daily from cron) and erasure on request."""

from __future__ import annotations

import getpass

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from lti_tool.cli.common import fail
from lti_tool.db import transaction
from lti_tool.models import Registration, User, utcnow
from lti_tool.privacy import erasure, retention
from lti_tool.privacy.reach import Reach, courses_of, search

privacy_cli = click.Group(
    "privacy", help="Learners' data: retention, finding and erasing a learner (docs/privacy.md)."
)


@privacy_cli.command("purge")
@with_appcontext
def privacy_purge() -> None:
    """Delete what is older than the SKILLCERT_RETENTION_* settings (0 keeps) and finished
    jobs older than SKILLCERT_JOB_RETENTION_DAYS. Meant to run daily."""
    settings = current_app.config["SETTINGS"]
    with transaction(current_app) as session:
        counts = retention.purge(session, settings, utcnow())
    click.echo(", ".join(f"{kind}: {n}" for kind, n in counts.items()))


def _registration(session, registration_id: int) -> Registration:
    registration = session.get(Registration, registration_id)
    if registration is None:
        fail(f"There is no registration {registration_id}: `skillcert platform list` lists them.")
    return registration


@privacy_cli.command("find")
@click.option("--registration", "registration_id", type=int, required=True)
@click.option("--name", "text", required=True, help="Part of the name, or the exact LMS user id.")
@with_appcontext
def privacy_find(registration_id: int, text: str) -> None:
    """List learners of a registration by name: their LMS user id (sub) and courses."""
    with transaction(current_app) as session:
        _registration(session, registration_id)
        reach = Reach(registration_id)
        found = search(session, reach, text)
        for user in found:
            courses = "; ".join(courses_of(session, reach, user.id))
            click.echo(f"{user.sub}\t{user.name}\tuser {user.id}\t{courses}")
    if not found:
        fail(f"No learner of registration {registration_id} matches {text!r}.")


@privacy_cli.command("erase")
@click.option("--registration", "registration_id", type=int, required=True)
@click.option("--sub", required=True, help="The learner's LMS user id (`privacy find`).")
@click.option("--reason", default="", help="The request's reference (no personal data).")
@click.option("--revoke-credentials", is_flag=True, help="Also revoke their credentials.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def privacy_erase(
    registration_id: int, sub: str, reason: str, revoke_credentials: bool, yes: bool
) -> None:
    """Erase a learner's data in every course of a registration (docs/privacy.md)."""
    settings = current_app.config["SETTINGS"]
    with transaction(current_app) as session:
        _registration(session, registration_id)
        user = session.scalar(
            select(User).where(User.registration_id == registration_id, User.sub == sub)
        )
        if user is None:
            fail(
                f"Registration {registration_id} has no user with LMS user id {sub!r} "
                "(already erased, or never launched SkillCert): `skillcert privacy find` "
                "searches by name."
            )
        reach = Reach(registration_id)
        found = erasure.preview(session, reach, user)
        click.echo(
            f"Erasing: {found.attempts} attempts, {found.project_files} project files, "
            f"{found.lab_submissions} lab submissions; {len(found.credentials)} credentials "
            + ("revoked." if revoke_credentials else "kept verifiable.")
        )
        if not yes and not click.confirm("This cannot be undone. Erase?"):
            fail("Nothing was erased.")
        operator = f"operator:{getpass.getuser()}"
        request = erasure.Request(operator, None, "operator", reason, revoke_credentials)
        record = erasure.erase(session, settings, reach, user, request)
        session.flush()
        summary = ", ".join(f"{kind}: {n}" for kind, n in record.removed.items())
        click.echo(f"Erasure record {record.id}: {summary}")
