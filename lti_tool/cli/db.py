"""`skillcert db …`: the database schema, and purging what has expired."""

from __future__ import annotations

import datetime as dt

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from lti_tool import migrations
from lti_tool.db import transaction
from lti_tool.lti import keys as tool_keys
from lti_tool.lti.housekeeping import purge_expired, purge_finished_jobs


def prepare_database(app: Flask) -> None:
    """Bring the schema to the newest revision and make sure a tool key exists."""
    migrations.upgrade(app.extensions["skillcert.engine"])
    with transaction(app) as session:
        tool_keys.ensure_key(session)


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
