"""`skillcert roster …`: course rosters read from LMSs (NRPS)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from lti_tool import roster as course_roster
from lti_tool.cli.common import fail

roster_cli = click.Group("roster", help="Course rosters read from LMSs (NRPS).")


@roster_cli.command("sync")
@click.option("--context", "context_id", type=int, required=True, help="The course's id here.")
@with_appcontext
def roster_sync(context_id: int) -> None:
    """Read one course's roster from its LMS now and store it (as the job does)."""
    try:
        result = course_roster.sync(current_app, context_id)
    except course_roster.RosterError as exc:
        fail(f"{exc.message} Nothing stored was changed.")
    click.echo(
        f"Read {result.members} members from {result.platform}; "
        f"{result.marked_deleted} no longer listed, marked as removed."
    )
