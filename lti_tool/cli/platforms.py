"""`skillcert platform …` and `skillcert deployment …`: the LMSs SkillCert is registered in."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.cli.common import fail
from lti_tool.db import transaction
from lti_tool.lti import registrations
from lti_tool.models import Deployment, Registration
from lti_tool.operations import audit

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
    """List registered LMSs and their deployments: which are pending approval, which the LMS
    registered itself (Dynamic Registration), which are switched off."""
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
                "state": _state(r.is_active, r.pending_since),
                "registered_via": str(r.registered_via),
                "deployments": [d.deployment_id for d in r.deployments],
                "pending_deployments": [
                    d.deployment_id for d in r.deployments if d.pending_since is not None
                ],
            }
            for r in rows
        ]
    if as_json:
        click.echo(json.dumps(listing, indent=2))
        return
    if not listing:
        click.echo("No LMS is registered yet: add one with `skillcert platform add`.")
    for r in listing:
        notes = [] if r["state"] == "active" else [r["state"]]
        if r["registered_via"] == "dynamic":
            notes.append("dynamic registration")
        shown = f" ({', '.join(notes)})" if notes else ""
        click.echo(f"{r['id']}\t{r['preset']}\t{r['issuer']}\tclient_id={r['client_id']}{shown}")
        for deployment_id in r["deployments"]:
            pending = " (pending)" if deployment_id in r["pending_deployments"] else ""
            click.echo(f"\t\tdeployment {deployment_id}{pending}")
    if any(r["state"] == "pending" for r in listing):
        click.echo("Approve a pending registration with `skillcert platform approve ID`.")


def _state(active: bool, pending_since: dt.datetime | None) -> str:
    """The state shown: "active", "pending" (an operator has to approve it) or
    "disabled" (switched off)."""
    if active:
        return "active"
    return "pending" if pending_since is not None else "disabled"


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


@platform_cli.command("pending")
@with_appcontext
def platform_pending() -> None:
    """List what waits for an operator: registrations an LMS made itself (Dynamic
    Registration), with what SkillCert noticed in their configuration, and deployments
    an LMS launched from before they were enabled."""
    with transaction(current_app) as session:
        waiting = session.scalars(
            select(Registration)
            .where(Registration.pending_since.is_not(None))
            .order_by(Registration.pending_since, Registration.id)
        ).all()
        deployments = session.execute(
            select(Deployment, Registration)
            .join(Registration, Registration.id == Deployment.registration_id)
            .where(Deployment.pending_since.is_not(None), Registration.pending_since.is_(None))
            .order_by(Deployment.pending_since, Deployment.id)
        ).all()
        for r in waiting:
            configuration = r.platform_configuration or {}
            click.echo(f"Registration {r.id}: {r.name}, pending since {_minute(r.pending_since)}")
            click.echo(f"  Issuer:           {r.issuer}")
            click.echo(f"  Client ID:        {r.client_id}")
            click.echo(
                "  Deployment ID:    "
                + (", ".join(d.deployment_id for d in r.deployments) or "none yet")
            )
            if configuration.get("registration_endpoint"):
                click.echo(f"  Registered at:    {configuration['registration_endpoint']}")
            for warning in r.registration_warnings or []:
                click.echo(f"  Note: {warning}")
        listed = False
        for deployment, registration in deployments:
            listed = True
            click.echo(
                f"Deployment {deployment.deployment_id} of registration {registration.id} "
                f"({registration.issuer}), pending since {_minute(deployment.pending_since)}"
            )
    if not waiting and not listed:
        click.echo("Nothing waits for approval.")
        return
    if waiting:
        click.echo("Approve a registration with `skillcert platform approve ID`.")
    if listed:
        click.echo(
            "Enable a deployment with `skillcert deployment enable --issuer ISSUER "
            "--deployment-id ID`."
        )


def _minute(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


@platform_cli.command("approve")
@click.argument("registration_id", required=False, type=int)
@click.option("--issuer", help="Instead of the id: the LMS's issuer.")
@click.option("--client-id", help="With --issuer, when the issuer has several registrations.")
@with_appcontext
def platform_approve(
    registration_id: int | None, issuer: str | None, client_id: str | None
) -> None:
    """Approve a registration an LMS made itself (Dynamic Registration), with the deployment
    it registered: its launches open. `skillcert platform pending` lists them."""
    if (registration_id is None) == (issuer is None):
        fail("Give the registration's id (`skillcert platform pending` lists them) or --issuer.")
    try:
        with transaction(current_app) as session:
            if registration_id is not None:
                registration = session.get(Registration, registration_id)
                if registration is None:
                    raise ValueError(
                        f"No registration {registration_id}: `skillcert platform pending` "
                        "lists the ones waiting."
                    )
            else:
                registration = registrations.find_registration(session, str(issuer), client_id)
            if registration.pending_since is None:
                state = (
                    "already approved" if registration.is_active else "switched off, not pending"
                )
                raise ValueError(
                    f"Registration {registration.id} ({registration.name}) is {state}."
                )
            deployments = [d.deployment_id for d in registration.deployments if d.pending_since]
            registrations.approve_registration(registration)
            audit.record(
                session,
                "registration.approve",
                actor=audit.CLI,
                target=f"registration {registration.id}",
                issuer=registration.issuer,
                client_id=registration.client_id,
                deployments=deployments,
            )
            name = registration.name
    except ValueError as exc:
        fail(str(exc))
    enabled = f", with deployment {', '.join(deployments)}" if deployments else ""
    click.echo(f"Approved registration {registration.id} ({name}){enabled}: its launches open.")
    if not deployments:
        click.echo(
            "The LMS assigned no deployment yet: the first launch from each installation waits "
            "in `skillcert deployment list --pending` until `skillcert deployment enable`."
        )


@platform_cli.command("update")
@click.option("--issuer", required=True)
@click.option("--client-id", help="Needed when the issuer has several registrations.")
@click.option(
    "--serial-requests/--no-serial-requests",
    default=None,
    help="Send this LMS one request at a time (an LMS that throttles parallel calls, such as "
    "Canvas), or as many as gradesync_per_platform allows.",
)
@with_appcontext
def platform_update(issuer: str, client_id: str | None, serial_requests: bool | None) -> None:
    """Change how SkillCert calls a registered LMS."""
    if serial_requests is None:
        fail("Nothing to change: give --serial-requests or --no-serial-requests.")
    try:
        with transaction(current_app) as session:
            registration = registrations.find_registration(session, issuer, client_id)
            if registration.serial_requests != serial_requests:
                registration.serial_requests = serial_requests
                audit.record(
                    session,
                    "registration.edit",
                    actor=audit.CLI,
                    target=f"registration {registration.id}",
                    serial_requests=serial_requests,
                )
            name = registration.name
    except ValueError as exc:
        fail(str(exc))
    if serial_requests:
        click.echo(f"{name}: SkillCert now sends it one request at a time.")
    else:
        click.echo(f"{name}: SkillCert now sends it requests in parallel.")


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
            deployment = registrations.add_deployment(session, registration, deployment_id, name)
            audit.record(
                session,
                "deployment.add",
                actor=audit.CLI,
                target=f"deployment {deployment.id}",
                registration_id=registration.id,
                deployment_id=deployment_id,
            )
    except ValueError as exc:
        fail(str(exc))
    click.echo(f"Added deployment {deployment_id} to issuer {issuer}.")


@deployment_cli.command("enable")
@click.option("--issuer", required=True)
@click.option("--client-id", help="Needed when the issuer has several registrations.")
@click.option("--deployment-id", required=True)
@with_appcontext
def deployment_enable(issuer: str, client_id: str | None, deployment_id: str) -> None:
    """Let a deployment's launches in: one that launched before it was enabled (pending),
    or one switched off."""
    try:
        with transaction(current_app) as session:
            registration = registrations.find_registration(session, issuer, client_id)
            deployment = _deployment_of(session, registration, deployment_id)
            if deployment.is_active:
                click.echo(f"Deployment {deployment_id} of issuer {issuer} is already enabled.")
                return
            was_pending = deployment.pending_since is not None
            registrations.enable_deployment(deployment)
            audit.record(
                session,
                "deployment.enable",
                actor=audit.CLI,
                target=f"deployment {deployment.id}",
                registration_id=registration.id,
                deployment_id=deployment_id,
                was_pending=was_pending,
            )
    except ValueError as exc:
        fail(str(exc))
    click.echo(f"Enabled deployment {deployment_id} of issuer {issuer}: its launches now open.")
    if not registration.is_active:
        click.echo(
            f"Warning: the registration itself ({registration.name}) is not active yet, so "
            "launches are still refused until it is approved.",
            err=True,
        )


def _deployment_of(session: Session, registration: Registration, deployment_id: str) -> Deployment:
    deployment = session.scalar(
        select(Deployment).where(
            Deployment.registration_id == registration.id,
            Deployment.deployment_id == deployment_id,
        )
    )
    if deployment is None:
        raise ValueError(
            f"{registration.name} has no deployment {deployment_id}: "
            "`skillcert deployment list` lists them, `skillcert deployment add` adds one."
        )
    return deployment


@deployment_cli.command("list")
@click.option("--pending", "only_pending", is_flag=True, help="Only those waiting to be enabled.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def deployment_list(only_pending: bool, as_json: bool) -> None:
    """List every deployment with its LMS and state: active, disabled, or pending (an LMS
    launched from it before it was enabled; `skillcert deployment enable` lets it in)."""
    query = (
        select(Deployment, Registration)
        .join(Registration, Registration.id == Deployment.registration_id)
        .order_by(Registration.id, Deployment.id)
    )
    if only_pending:
        query = query.where(Deployment.pending_since.is_not(None))
    with transaction(current_app) as session:
        listing: list[dict[str, Any]] = [
            {
                "registration_id": registration.id,
                "issuer": registration.issuer,
                "client_id": registration.client_id,
                "deployment_id": deployment.deployment_id,
                "name": deployment.name,
                "state": _state(deployment.is_active, deployment.pending_since),
                "pending_since": _minute(deployment.pending_since) or None,
            }
            for deployment, registration in session.execute(query)
        ]
    if as_json:
        click.echo(json.dumps(listing, indent=2))
        return
    if not listing:
        click.echo("No deployment is pending." if only_pending else "No deployment is added yet.")
    for d in listing:
        since = f" since {d['pending_since']}" if d["pending_since"] else ""
        name = f"\t{d['name']}" if d["name"] else ""
        click.echo(
            f"{d['registration_id']}\t{d['issuer']}\tclient_id={d['client_id']}\t"
            f"deployment {d['deployment_id']}\t{d['state'].upper()}{since}{name}"
        )
    if any(d["state"] == "pending" for d in listing):
        click.echo(
            "Enable a pending one with `skillcert deployment enable --issuer ISSUER "
            "--deployment-id ID` (add --client-id when the issuer has several registrations)."
        )
