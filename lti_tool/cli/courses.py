"""`skillcert course …`: the courses (LMS contexts) SkillCert has been launched from."""

from __future__ import annotations

import json
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import and_, func, select

from lti_tool.db import transaction
from lti_tool.models import Context, Deployment, Membership, MemberStatus, Registration, Role

course_cli = click.Group("course", help="Courses SkillCert has been launched from.")


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_appcontext
def course_list(as_json: bool) -> None:
    """List the courses: the id other commands take (`--context`), the LMS's own course id
    and title, its LMS registration, and how many active learners and members it has."""
    active_learner = and_(Membership.role == Role.LEARNER, Membership.status == MemberStatus.ACTIVE)
    query = (
        select(
            Context.id,
            Context.context_id,
            Context.title,
            Registration.id,
            Registration.name,
            func.count(Membership.id).filter(active_learner),
            func.count(Membership.id),
        )
        .join(Deployment, Deployment.id == Context.deployment_id)
        .join(Registration, Registration.id == Deployment.registration_id)
        .outerjoin(Membership, Membership.context_id == Context.id)
        .group_by(Context.id, Registration.id)
        .order_by(Context.id)
    )
    with transaction(current_app) as session:
        listing: list[dict[str, Any]] = [
            {
                "id": row[0],
                "lms_context_id": row[1],
                "title": row[2],
                "registration_id": row[3],
                "registration": row[4],
                "learners": row[5],
                "members": row[6],
            }
            for row in session.execute(query)
        ]
    if as_json:
        click.echo(json.dumps(listing, indent=2))
        return
    if not listing:
        click.echo("No course has launched SkillCert yet.")
    for c in listing:
        click.echo(
            f"{c['id']}\tLMS course {c['lms_context_id']} {c['title']!r}\t"
            f"registration {c['registration_id']} {c['registration']!r}\t"
            f"{_count(c['learners'], 'learner')}, {_count(c['members'], 'member')}"
        )


course_cli.add_command(course_list)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
