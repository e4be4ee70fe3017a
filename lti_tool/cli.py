"""`skillcert …` commands: thin wrappers around the same functions the web app uses."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select
from werkzeug.serving import run_simple

from assessments import loader
from assessments.catalog import TRACKS_DIR
from lti_tool import migrations
from lti_tool.db import transaction
from lti_tool.errors import SettingsError
from lti_tool.gradesync import status as gradesync_report
from lti_tool.jobs.worker import Worker
from lti_tool.lti import keys as tool_keys
from lti_tool.lti import registrations
from lti_tool.lti.housekeeping import purge_expired
from lti_tool.models import Registration
from lti_tool.resources import resource_dir


def _load_app(overrides: dict | None = None) -> Flask:
    from lti_tool.app import create_app

    try:
        return create_app(overrides)
    except SettingsError as exc:
        click.echo(f"SkillCert cannot start: {exc.message}", err=True)
        sys.exit(2)


def _fail(message: str) -> None:
    raise click.ClickException(message)


def prepare_database(app: Flask) -> None:
    """Bring the schema to the newest revision and make sure a tool key exists."""
    migrations.upgrade(app.extensions["skillcert.engine"])
    with transaction(app) as session:
        tool_keys.ensure_key(session)


# -- database ---------------------------------------------------------------------------

db_cli = click.Group("db", help="Database schema.")


@db_cli.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply every pending migration (and create the first tool key)."""
    prepare_database(current_app)
    click.echo("Database is up to date.")


@db_cli.command("purge")
@with_appcontext
def db_purge() -> None:
    """Delete expired logins, used nonces and sessions (logins also do this now and then)."""
    with transaction(current_app) as session:
        counts = purge_expired(session)
    click.echo(", ".join(f"{table}: {n}" for table, n in counts.items()))


# -- keys -------------------------------------------------------------------------------

keys_cli = click.Group("keys", help="The tool's signing keys.")


@keys_cli.command("rotate")
@click.option("--overlap-days", type=int, default=None, help="Days the old key stays published.")
@with_appcontext
def keys_rotate(overlap_days: int | None) -> None:
    """Add a new signing key; keep the previous one published for the overlap period."""
    days = current_app.config["SETTINGS"].key_overlap_days if overlap_days is None else overlap_days
    if days < 0:
        _fail("--overlap-days must not be negative.")
    with transaction(current_app) as session:
        key = tool_keys.rotate(session, dt.timedelta(days=days))
        click.echo(f"New signing key {key.kid}; previous keys stay published for {days} day(s).")


@keys_cli.command("list")
@with_appcontext
def keys_list() -> None:
    """List published keys (kid and retirement date; never private material)."""
    with transaction(current_app) as session:
        for key in tool_keys.published_keys(session):
            retire = key.retire_after.isoformat() if key.retire_after else "signing"
            click.echo(f"{key.kid}\t{key.created_at:%Y-%m-%d}\t{retire}")


# -- platforms and deployments ----------------------------------------------------------

platform_cli = click.Group("platform", help="LMS registrations.")


@platform_cli.command("add")
@click.option(
    "--preset",
    default="generic",
    show_default=True,
    help="canvas, moodle, blackboard, brightspace, schoology, sakai or generic.",
)
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
    """Register an LMS."""
    try:
        with transaction(current_app) as session:
            registration = registrations.add_platform(
                session, current_app.config["SETTINGS"], **options
            )
            click.echo(
                f"Registered {registration.name} (id {registration.id}): issuer "
                f"{registration.issuer}, client id {registration.client_id}."
            )
    except ValueError as exc:
        _fail(str(exc))


@platform_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def platform_list(as_json: bool) -> None:
    """List registered LMSs and their deployments."""
    with transaction(current_app) as session:
        rows = session.scalars(select(Registration).order_by(Registration.id)).all()
        listing = [
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
@click.option(
    "--lms",
    required=True,
    help="canvas, moodle, blackboard, brightspace, schoology, sakai or generic.",
)
@with_appcontext
def platform_config(lms: str) -> None:
    """Print what the LMS administrator enters on their side."""
    try:
        setup = registrations.platform_setup(lms, current_app.config["SETTINGS"])
    except ValueError as exc:
        _fail(str(exc))
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
        _fail(str(exc))
    click.echo(f"Added deployment {deployment_id} to issuer {issuer}.")


# -- content ----------------------------------------------------------------------------

content_cli = click.Group("content", help="Track content (assessments/tracks).")


@content_cli.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def content_validate(path: Path | None) -> None:
    """Check a track folder (or a folder of tracks); list every problem as file:line: message.

    Warnings (such as a module past its review date) are listed too, but do not fail.
    """
    result = loader.validate_path(path or TRACKS_DIR)
    for problem in [*result.problems, *result.warnings]:
        click.echo(str(problem))
    if result.problems:
        raise click.ClickException(f"{len(result.problems)} problem(s) found; nothing was loaded.")
    warned = f", with {len(result.warnings)} warning(s)" if result.warnings else ""
    click.echo(f"Content is valid{warned}.")


@content_cli.command("list")
@click.argument("path", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def content_list(path: Path | None, as_json: bool) -> None:
    """List the tracks (in PATH, default the installed ones) with their counts and balance."""
    result = loader.load_tracks(path or TRACKS_DIR)
    for problem in [*result.problems, *result.warnings]:
        click.echo(str(problem), err=True)
    rows = loader.summarise(result.tracks)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        counts = ", ".join(f"{k} {v}" for k, v in row.items() if isinstance(v, int))
        extends = f", extends {row['extends']}" if row["extends"] else ""
        click.echo(
            f"{row['id']} {row['version']}: {row['title']} ({counts}; "
            f"practical share {row['practical_share']:.0%}{extends})"
        )


# -- labs -------------------------------------------------------------------------------


@click.command(
    "labs",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def labs(args: tuple[str, ...]) -> None:
    """The lab sandbox: `skillcert labs status|setup|overhead` (see docs/labs.md)."""
    from assessments.labs.__main__ import main as labs_main

    sys.exit(labs_main(list(args), prog="skillcert labs"))


# -- background work --------------------------------------------------------------------


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the jobs that are due, then stop.")
@click.option("--poll-seconds", type=float, default=1.0, show_default=True)
def worker(once: bool, poll_seconds: float) -> None:
    """Run background jobs (lab grading, …) until stopped with SIGTERM or Ctrl-C.

    Run several on PostgreSQL (they never take the same job); one on SQLite.
    """
    app = _load_app()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    settings = app.config["SETTINGS"]
    runner = Worker(
        app, concurrency=settings.worker_concurrency, group_cap=settings.gradesync_per_platform
    )
    click.echo(f"Worker {runner.worker_id} started.")
    try:
        if once:
            while runner.run_once():
                pass
        else:
            runner.run(stop, poll_seconds=poll_seconds)
    except KeyboardInterrupt:
        pass
    click.echo(f"Worker {runner.worker_id} stopped.")


# -- grade sync -------------------------------------------------------------------------

gradesync_cli = click.Group("gradesync", help="Scores sent to LMS gradebooks.")


@gradesync_cli.command("status")
@with_appcontext
def gradesync_status() -> None:
    """Deliveries per LMS registration (newest score per learner and line item), and the
    ones that could not be sent, with why."""
    with transaction(current_app) as session:
        platforms = gradesync_report.platform_counts(session)
        dead = gradesync_report.dead_deliveries(session)
        if not platforms:
            click.echo("No scores have been queued for any LMS yet.")
        for platform in platforms:
            counts = ", ".join(f"{status}: {n}" for status, n in sorted(platform.counts.items()))
            click.echo(f"Registration {platform.registration}: {counts}")
        for job in dead:
            p = job.payload
            click.echo(
                f"dead job {job.id}: registration {p['registration']} course {p['context']} "
                f"link {p['link']} learner {p['user']} activity {p['activity']}: {job.last_error}"
            )


# -- serving ----------------------------------------------------------------------------


@click.command("serve")
@click.option("--demo", is_flag=True, help="Run with the built-in demo LMS at /demo-lms.")
@click.option("--workers", type=int, help="Gunicorn workers (default: SKILLCERT_WORKERS).")
@click.option("--bind", help="host:port to listen on (default: SKILLCERT_BIND).")
def serve(demo: bool, workers: int | None, bind: str | None) -> None:
    """Run SkillCert: gunicorn in production, Flask's threaded server with --demo."""
    app = _load_app({"demo": True} if demo else None)
    settings = app.config["SETTINGS"]
    engine = app.extensions["skillcert.engine"]
    if settings.sqlite:
        prepare_database(app)
    elif migrations.current_revision(engine) != migrations.head_revision(engine):
        _fail("The database schema is not up to date: run `skillcert db upgrade` first.")
    if demo:
        from lti_tool.demo_lms.platform import register_demo_platform

        register_demo_platform(app)
        # The demo runs its background jobs in-process; production runs `skillcert worker`.
        runner = Worker(
            app, concurrency=settings.worker_concurrency, group_cap=settings.gradesync_per_platform
        )
        threading.Thread(target=runner.run, args=(threading.Event(),), daemon=True).start()
        base = urlsplit(settings.base_url)
        host, port = bind.rsplit(":", 1) if bind else (base.hostname, base.port or 80)
        click.echo(f"SkillCert demo: open {settings.url_for('/demo-lms/')} in your browser.")
        run_simple(host, int(port), app, threaded=True)
        return
    conf = resource_dir("config") / "gunicorn.conf.py"
    argv = [sys.executable, "-m", "gunicorn", "--config", str(conf)]
    argv += ["--bind", bind or settings.bind, "--workers", str(workers or settings.workers)]
    os.execv(sys.executable, [*argv, "lti_tool.wsgi:app"])  # noqa: S606 (fixed argv, no shell)


def init_app(app: Flask) -> None:
    for group in (db_cli, keys_cli, platform_cli, deployment_cli, gradesync_cli):
        app.cli.add_command(group)


main = FlaskGroup(
    name="skillcert",
    create_app=_load_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    help="SkillCert, the LTI 1.3 certification tool.",
)
main.add_command(serve)
main.add_command(worker)
main.add_command(content_cli)
main.add_command(labs)
if __name__ == "__main__":  # python -m lti_tool.cli
    main()
