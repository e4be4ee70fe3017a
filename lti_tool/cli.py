"""`skillcert …` commands: thin wrappers around the same functions the web app uses."""

from __future__ import annotations

import datetime as dt
import getpass
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

from assessments import audit, loader
from assessments.catalog import TRACKS_DIR
from assessments.lab_audit import DEFAULT_SEEDS, SandboxDown
from lti_tool import migrations
from lti_tool import roster as course_roster
from lti_tool.db import transaction
from lti_tool.errors import SettingsError
from lti_tool.gradesync import status as gradesync_report
from lti_tool.gradesync.reconcile import reconcile as gradesync_reconcile_all
from lti_tool.grading.labs import ReproduceError, reproduce
from lti_tool.jobs.worker import Worker
from lti_tool.lti import keys as tool_keys
from lti_tool.lti import registrations
from lti_tool.lti.housekeeping import purge_expired, purge_finished_jobs
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
    """Delete expired logins, used nonces and sessions (logins also do this now and then),
    and background jobs finished more than SKILLCERT_JOB_RETENTION_DAYS ago."""
    retention = dt.timedelta(days=current_app.config["SETTINGS"].job_retention_days)
    with transaction(current_app) as session:
        counts = purge_expired(session)
        counts["job"] = purge_finished_jobs(session, retention)
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
    warnings = [*result.warnings, *audit.bias_warnings(result)]
    for problem in [*result.problems, *warnings]:
        click.echo(str(problem))
    if result.problems:
        raise click.ClickException(f"{len(result.problems)} problem(s) found; nothing was loaded.")
    warned = f", with {len(warnings)} warning(s)" if warnings else ""
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
            f"about {row['estimated_hours']:g} hours; "
            f"practical share {row['practical_share']:.0%}{extends})"
        )


@content_cli.command("coverage")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def content_coverage(path: Path | None) -> None:
    """Print, per track, which activity kinds assess each competency (Markdown, as in
    docs/tracks.md)."""
    result = loader.load_tracks(path or TRACKS_DIR)
    if result.problems:
        _fail(f"{len(result.problems)} content problem(s); run `skillcert content validate`.")
    for track in result.tracks:
        click.echo(f"### {track.title} (`{track.id}`)\n\n{loader.coverage_markdown(track)}\n")


@content_cli.command("audit")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output: one object.")
@click.option(
    "--seeds",
    type=click.IntRange(min=1),
    default=DEFAULT_SEEDS,
    show_default=True,
    help="Seeds each submission of a parameterised lab is graded on.",
)
@click.option("--no-labs", is_flag=True, help="Skip grading lab mutants and wrong solutions.")
@click.option(
    "--responses",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="Exported attempt data (CSV: learner,item,score,max_score) for item flags.",
)
def content_audit(
    path: Path | None, as_json: bool, seeds: int, no_labs: bool, responses: Path | None
) -> None:
    """Measure how well the tracks (in PATH, default the installed ones) tell people who can
    do the work from people who cannot: test-wise bias of choices, lab mutation kill rates
    and wrong solutions caught, summative rules, and (with --responses) item flags.

    Exits non-zero when content has problems; otherwise the audit only reports.
    """
    result = loader.validate_path(path or TRACKS_DIR)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    try:
        analysis = audit.read_responses(responses, result.tracks) if responses else None
        audits = audit.audit_tracks(
            result.tracks,
            labs=not no_labs,
            seeds=seeds,
            responses=analysis,
            progress=lambda message: click.echo(message, err=True),
        )
    except audit.ResponsesError as exc:
        _fail("The responses cannot be used:\n" + "\n".join(exc.problems))
    except SandboxDown as exc:
        _fail(f"Labs cannot be graded on this machine ({exc}); run `skillcert labs status`.")
    if as_json:
        click.echo(json.dumps(audit.as_json(audits), indent=2))
    else:
        for line in audit.report_lines(audits):
            click.echo(line)
    lab_problems = sum(len(lab.problems) for a in audits for lab in a.labs or ())
    if result.problems or lab_problems:
        _fail(
            f"{len(result.problems)} content problem(s) (tracks not audited) and "
            f"{lab_problems} lab problem(s) found."
        )


# -- labs -------------------------------------------------------------------------------


@click.command(
    "labs",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def labs(ctx: click.Context, args: tuple[str, ...]) -> None:
    """The lab sandbox: `skillcert labs status|setup|overhead` (see docs/labs.md), and
    `skillcert labs reproduce SUBMISSION_ID`."""
    from assessments.labs.__main__ import main as labs_main

    if args[:1] == ("reproduce",):  # needs the database, so it is ours, not the engine's
        labs_reproduce.main(list(args[1:]), "skillcert labs reproduce", obj=ctx.obj)
    sys.exit(labs_main(list(args), prog="skillcert labs"))


@click.command("reproduce")
@click.argument("submission_id", type=int)
@with_appcontext
def labs_reproduce(submission_id: int) -> None:
    """Grade a stored lab submission again with its stored seed; exit 1 if the grade differs."""
    try:
        outcome = reproduce(current_app, submission_id)
    except ReproduceError as exc:
        _fail(exc.message)
    seed = "none (fixed lab or a check)" if outcome.seed is None else outcome.seed
    click.echo(f"Lab submission {submission_id}, seed {seed}")
    click.echo(f"stored score:     {outcome.stored.score}")
    click.echo(f"reproduced score: {outcome.reproduced.score}")
    if outcome.matches:
        click.echo("The grade is reproduced exactly.")
        return
    for line in outcome.differences:
        click.echo(f"  differs: {line}")
    raise click.exceptions.Exit(1)


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


@gradesync_cli.command("reconcile")
@click.option("--context", "context_id", type=int, help="Only the course with this id here.")
@with_appcontext
def gradesync_reconcile(context_id: int | None) -> None:
    """Compare the LMS gradebooks with the scores delivered; queue again those that differ
    or are missing (a worker sends them)."""
    reports = gradesync_reconcile_all(current_app, context_id)
    if not reports:
        click.echo("No graded link with a line item in the LMS yet: nothing to compare.")
    for report in reports:
        click.echo(
            f"Registration {report.registration}: checked {report.checked}, matching "
            f"{report.matching}, re-queued {report.requeued}, errors {len(report.errors)}"
        )
        for error in report.errors:
            click.echo(f"  error: {error}")
    if any(report.errors for report in reports):
        _fail("Some results could not be read from the LMS (above); nothing of those was changed.")


# -- rosters ----------------------------------------------------------------------------

roster_cli = click.Group("roster", help="Course rosters read from LMSs (NRPS).")


@roster_cli.command("sync")
@click.option("--context", "context_id", type=int, required=True, help="The course's id here.")
@with_appcontext
def roster_sync(context_id: int) -> None:
    """Read one course's roster from its LMS now and store it (as the job does)."""
    try:
        result = course_roster.sync(current_app, context_id)
    except course_roster.RosterError as exc:
        _fail(f"{exc.message} Nothing stored was changed.")
    click.echo(
        f"Read {result.members} members from {result.platform}; "
        f"{result.marked_deleted} no longer listed, marked as removed."
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


# -- credentials ------------------------------------------------------------------------

credentials_cli = click.Group(
    "credentials", help="Open Badges 3.0 credentials (docs/credentials.md)."
)


def _operator(by: str | None) -> str:
    """Who ran the command, recorded with what it did."""
    return by or f"operator:{getpass.getuser()}"


def _credential_line(credential) -> str:
    return (
        f"{credential.id}\tuser {credential.user_id}\t{credential.track_id} "
        f"{credential.track_version}\t{credential.state.value}\t"
        f"valid {credential.valid_from:%Y-%m-%d}..{credential.valid_until:%Y-%m-%d}\t"
        f"by {credential.issued_by}"
    )


@credentials_cli.command("issue")
@click.option("--user", "user_id", type=int, required=True, help="The learner's user id.")
@click.option("--track", "track_id", required=True, help="The track id.")
@click.option("--reason", required=True, help="Why it is issued by hand (recorded).")
@click.option("--by", help="Who issues it (default: operator:<your login>).")
@click.option("--json", "as_json", is_flag=True, help="Print the signed credential.")
@with_appcontext
def credentials_issue(user_id: int, track_id: str, reason: str, by: str | None, as_json: bool):
    """Issue a credential by hand (for example, recognised prior certification)."""
    from lti_tool.credentials import issuing

    try:
        with transaction(current_app) as session:
            credential = issuing.issue_manually(
                session,
                current_app.config["SETTINGS"],
                user_id,
                track_id,
                by=_operator(by),
                reason=reason,
            )
    except issuing.CredentialError as exc:
        _fail(exc.message)
    if as_json:
        click.echo(json.dumps(credential.document, indent=2, ensure_ascii=False))
    else:
        click.echo(_credential_line(credential))


@credentials_cli.command("show")
@click.argument("credential_id")
@click.option("--json", "as_json", is_flag=True, help="Print the signed credential.")
@with_appcontext
def credentials_show(credential_id: str, as_json: bool) -> None:
    """Show one credential (with --json: exactly as issued and signed)."""
    from lti_tool.models import Credential

    with transaction(current_app) as session:
        credential = session.get(Credential, credential_id)
    if credential is None:
        _fail(
            f"There is no credential {credential_id}. List them with `skillcert credentials list`."
        )
    if as_json:
        click.echo(json.dumps(credential.document, indent=2, ensure_ascii=False))
        return
    click.echo(_credential_line(credential))
    if credential.issue_reason:
        click.echo(f"issue reason: {credential.issue_reason}")
    if credential.state_reason:
        click.echo(
            f"{credential.state.value} by {credential.state_changed_by} at "
            f"{credential.state_changed_at:%Y-%m-%d %H:%M}: {credential.state_reason}"
        )


@credentials_cli.command("list")
@click.option("--user", "user_id", type=int, help="Only this learner's.")
@with_appcontext
def credentials_list(user_id: int | None) -> None:
    """List issued credentials, newest first."""
    from lti_tool.models import Credential

    query = select(Credential).order_by(Credential.created_at.desc())
    if user_id is not None:
        query = query.where(Credential.user_id == user_id)
    with transaction(current_app) as session:
        for credential in session.scalars(query):
            click.echo(_credential_line(credential))


@credentials_cli.command("revoke")
@click.argument("credential_id")
@click.option("--reason", required=True, help="Why (recorded; not published).")
@click.option("--by", help="Who revokes it (default: operator:<your login>).")
@with_appcontext
def credentials_revoke(credential_id: str, reason: str, by: str | None) -> None:
    """Revoke a credential for good; verifiers see it within the status list's cache time."""
    from lti_tool.credentials import issuing

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
        _fail(exc.message)
    click.echo(f"Revoked {credential_id}.")


@credentials_cli.command("remind")
@with_appcontext
def credentials_remind() -> None:
    """Email the expiry reminders due (180, 90, 30 days before); run it daily from cron."""
    from lti_tool.credentials import reminders

    if not current_app.config["SETTINGS"].smtp_host:
        _fail(
            "SMTP is not configured: set smtp_host and smtp_from (docs/operator-guide.md). "
            "Learners still see reminders on their pages."
        )
    outcome = reminders.send_due(current_app)
    click.echo(f"Sent {outcome.sent} reminder(s).")
    if outcome.failed:
        _fail(
            f"{outcome.failed} reminder(s) could not be sent (see the log); the next run retries."
        )


credentials_keys_cli = click.Group("keys", help="The issuer's did:web signing keys.")
credentials_cli.add_command(credentials_keys_cli)


@credentials_keys_cli.command("rotate")
@with_appcontext
def credentials_keys_rotate() -> None:
    """Sign new credentials with a new key; older keys stay published so theirs verify."""
    from lti_tool.credentials import keys as issuer_keys

    with transaction(current_app) as session:
        key = issuer_keys.rotate(session)
        click.echo(f"New issuer key {key.public_key_multibase}; older keys stay published.")


@credentials_keys_cli.command("list")
@with_appcontext
def credentials_keys_list() -> None:
    """Published issuer keys, newest first (the first one signs)."""
    from lti_tool.credentials import keys as issuer_keys

    with transaction(current_app) as session:
        for key in issuer_keys.published_keys(session):
            role = "published" if key.superseded_at else "signing"
            click.echo(f"{key.public_key_multibase}\t{key.created_at:%Y-%m-%d}\t{role}")


@credentials_keys_cli.command("retire")
@click.argument("public_key_multibase")
@click.confirmation_option(
    prompt="Credentials signed with this key will no longer verify. Retire it?"
)
@with_appcontext
def credentials_keys_retire(public_key_multibase: str) -> None:
    """Unpublish a compromised key: what it signed stops verifying."""
    from lti_tool.credentials import keys as issuer_keys

    with transaction(current_app) as session:
        if issuer_keys.retire(session, public_key_multibase) is None:
            _fail(f"No published issuer key {public_key_multibase}.")
    click.echo(f"Retired {public_key_multibase}.")


def init_app(app: Flask) -> None:
    for group in (
        db_cli,
        keys_cli,
        platform_cli,
        deployment_cli,
        gradesync_cli,
        roster_cli,
        credentials_cli,
    ):
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
