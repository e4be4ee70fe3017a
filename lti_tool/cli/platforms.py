"""`skillcert platform …` and `skillcert deployment …`: the LMSs SkillCert is registered in."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from lti_tool.cli.common import fail
from lti_tool.db import transaction
from lti_tool.lti import registrations
from lti_tool.models import Registration

PRESETS_HELP = "canvas, moodle, blackboard, brightspace, schoology, sakai or generic."

platform_cli = click.Group("platform", help="LMS registrations.")


@platform_cli.command("add")
@click.option("--preset", default="generic", show_default=True, help=PRESETS_HELP)
@click.option("--issuer", help="The LMS's issuer (iss); defaults to the preset's.")
@click.option("--client-id", required=True)
@click.option("--deployment-id", help="Add this deployment too.")
@click.option("--site-url", help="The LMS's own URL, for presets whose endpoints derive from it.")
@click.option("--name", help="A name for people, e.g. 'Springfield Canvas'.")
@click.option("--auth-login-url")
@click.option("--auth-token-url")
@click.option("--key-set-url")
@click.option("--auth-audience")
@click.option(
    "--frame-origin",
    "frame_origins",
    multiple=True,
    help="An origin the LMS shows SkillCert in, when it is not the issuer's (repeatable).",
)
@with_appcontext
def platform_add(**options: Any) -> None:
    """Register an LMS, printing what was stored and anything that looks mistyped."""
    try:
        with transaction(current_app) as session:
            registration = registrations.add_platform(
                session,
                current_app.config["SETTINGS"],
                warn=lambda message: click.echo(f"Warning: {message}", err=True),
                **options,
            )
            _echo_stored(registration)
    except ValueError as exc:
        fail(str(exc))


def _echo_stored(registration: Registration) -> None:
    """Every stored value, so the operator can compare it with the LMS's page."""
    deployments = ", ".join(d.deployment_id for d in registration.deployments) or "none yet"
    rows = [
        ("Name", registration.name),
        ("Issuer", registration.issuer),
        ("Client ID", registration.client_id),
        ("Deployment ID", deployments),
        ("Login URL", registration.auth_login_url),
        ("Token URL", registration.auth_token_url),
        ("Key set URL", registration.key_set_url or "static keys"),
        ("Token audience", registration.auth_audience or "the token URL"),
        ("Frame origins", ", ".join(registration.frame_origins or []) or "the issuer's"),
    ]
    click.echo(f"Registered platform {registration.id}:")
    for label, value in rows:
        click.echo(f"  {label + ':':<16}{value}")


@platform_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def platform_list(as_json: bool) -> None:
    """List registered LMSs and their deployments."""
    with transaction(current_app) as session:
        rows = session.scalars(select(Registration).order_by(Registration.id)).all()
        listing: list[dict[str, Any]] = [
            {
                "id": r.id,
                "name": r.name,
                "preset": r.preset,
                "issuer": r.issuer,
                "client_id": r.client_id,
                "active": r.is_active,
                "deployments": [d.deployment_id for d in r.deployments],
            }
            for r in rows
        ]
    if as_json:
        click.echo(json.dumps(listing, indent=2))
        return
    if not listing:
        click.echo("No LMS is registered yet: add one with `skillcert platform add`.")
    for r in listing:
        state = "" if r["active"] else " (inactive)"
        click.echo(f"{r['id']}\t{r['preset']}\t{r['issuer']}\tclient_id={r['client_id']}{state}")
        for deployment_id in r["deployments"]:
            click.echo(f"\t\tdeployment {deployment_id}")


@platform_cli.command("config")
@click.option("--lms", required=True, help=PRESETS_HELP)
@with_appcontext
def platform_config(lms: str) -> None:
    """Print what the LMS administrator enters on their side."""
    try:
        setup = registrations.platform_setup(lms, current_app.config["SETTINGS"])
    except ValueError as exc:
        fail(str(exc))
    click.echo(setup if isinstance(setup, str) else json.dumps(setup, indent=2))


deployment_cli = click.Group("deployment", help="Deployments of a registered LMS.")


@deployment_cli.command("add")
@click.option("--issuer", required=True)
@click.option("--client-id", help="Needed when the issuer has several registrations.")
@click.option("--deployment-id", required=True)
@click.option("--name", default="", help="A name for people, e.g. the institution.")
@with_appcontext
def deployment_add(issuer: str, client_id: str | None, deployment_id: str, name: str) -> None:
    """Add a deployment (Blackboard: one per institution) to a registered LMS."""
    try:
        with transaction(current_app) as session:
            registration = registrations.find_registration(session, issuer, client_id)
            registrations.add_deployment(session, registration, deployment_id, name)
    except ValueError as exc:
        fail(str(exc))
    click.echo(f"Added deployment {deployment_id} to issuer {issuer}.")
