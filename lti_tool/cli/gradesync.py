"""`skillcert gradesync …`: scores on their way to LMS gradebooks."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from lti_tool.cli.common import fail
from lti_tool.db import transaction
from lti_tool.gradesync import status as gradesync_report
from lti_tool.gradesync.reconcile import reconcile as gradesync_reconcile_all

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
        for d in dead:
            click.echo(
                f"not sent (job {d.job_id}): registration {d.registration_id}, course "
                f"{d.context_id} (in the LMS: course {d.course} {d.course_title!r}, link "
                f"{d.link} {d.link_title!r}, learner {d.learner}), activity {d.activity}: "
                f"{d.reason}"
            )


@gradesync_cli.command("reconcile")
@click.option("--context", "context_id", type=int, help="Only the course with this id here.")
@with_appcontext
def gradesync_reconcile(context_id: int | None) -> None:
    """Compare the LMS gradebooks with the scores delivered; queue again those missing there
    (a worker sends them). A grade a teacher changed in the LMS is kept, counted as
    "changed in the LMS" and listed on the course's Grade sync page."""
    reports = gradesync_reconcile_all(current_app, context_id)
    if not reports:
        click.echo("No graded link with a line item in the LMS yet: nothing to compare.")
    for report in reports:
        click.echo(
            f"Registration {report.registration}: checked {report.checked}, matching "
            f"{report.matching}, changed in the LMS {report.changed_in_lms}, "
            f"re-queued {report.requeued}, errors {len(report.errors)}"
        )
        for error in report.errors:
            click.echo(f"  error: {error}")
    if any(report.changed_in_lms for report in reports):
        click.echo(
            "Changed in the LMS: a teacher changed these grades there after SkillCert's score "
            "arrived; they are kept, not re-sent. Instructors see them on the Grade sync page."
        )
    if any(report.errors for report in reports):
        fail("Some results could not be read from the LMS (above); nothing of those was changed.")
