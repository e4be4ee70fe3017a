"""`skillcert keys …`: the tool's LTI signing keys."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from lti_tool.cli.common import fail
from lti_tool.db import transaction
from lti_tool.lti import keys as tool_keys

keys_cli = click.Group("keys", help="The tool's signing keys.")


@keys_cli.command("rotate")
@click.option("--overlap-days", type=int, default=None, help="Days the old key stays published.")
@with_appcontext
def keys_rotate(overlap_days: int | None) -> None:
    """Add a new signing key; keep the previous one published for the overlap period."""
    days = current_app.config["SETTINGS"].key_overlap_days if overlap_days is None else overlap_days
    if days < 0:
        fail("--overlap-days must not be negative.")
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
