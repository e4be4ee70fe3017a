"""`skillcert roster …`: course rosters read from LMSs (NRPS)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from lti_tool import roster as course_roster
from lti_tool.cli.common import fail
from lti_tool.cli.courses import course_list
from lti_tool.cli.people import NO_NAME
from lti_tool.db import transaction
from lti_tool.models import Context, Membership, User

roster_cli = click.Group("roster", help="Course rosters read from LMSs (NRPS).")


@roster_cli.command("sync")
@click.option(
    "--context",
    "context_id",
    type=int,
    required=True,
    help="The course's id here (`skillcert course list` lists them).",
)
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


# The same listing as `skillcert course list`, where roster commands are looked for.
roster_cli.add_command(course_list, "courses")


@roster_cli.command("people")
@click.option("--context", "context_id", type=int, required=True, help="The course's id here.")
@with_appcontext
def roster_people(context_id: int) -> None:
    """List a course's members: the user id other commands take (`--user`), the LMS's own
    user id, the name the LMS sent, role and status."""
    with transaction(current_app) as session:
        if session.get(Context, context_id) is None:
            fail(f"There is no course {context_id}. List them with `skillcert course list`.")
        rows = session.execute(
            select(User.id, User.sub, User.name, Membership.role, Membership.status)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.context_id == context_id)
            .order_by(User.name, User.id)
        ).all()
    for user_id, sub, name, role, status in rows:
        click.echo(f"{user_id}\tLMS user {sub}\t{name or NO_NAME}\t{role}\t{status}")
