"""`skillcert reminders …`: emails learners asked for (docs/operator-guide.md)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from lti_tool.cli.common import fail
from lti_tool.learning import due_reminders

reminders_cli = click.Group("reminders", help="Reminder emails learners opted in to.")


@reminders_cli.command("due")
@with_appcontext
def reminders_due() -> None:
    """Email learners who opted in, once per placement, when work is due within two days
    and not handed in; run it daily from cron."""
    if not current_app.config["SETTINGS"].smtp_host:
        fail(
            "SMTP is not configured: set smtp_host and smtp_from (docs/operator-guide.md). "
            "Learners still see due dates on their pages."
        )
    outcome = due_reminders.send_due(current_app)
    click.echo(f"Sent {outcome.sent} due-date reminder(s).")
    if outcome.failed:
        fail(f"{outcome.failed} reminder(s) could not be sent (see the log); the next run retries.")
