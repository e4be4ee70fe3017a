"""`skillcert …` commands: thin wrappers around the same functions the web app uses.

One module per command group. The groups that work on the app's database are the app's
own (`init_app`, called by `create_app`); the rest sit on the `skillcert` group itself
(`COMMANDS`, added by `lti_tool.entry`), as they need no app or build their own.
"""

from __future__ import annotations

import click
from flask import Flask

from lti_tool.cli.content import content_cli
from lti_tool.cli.courses import course_cli
from lti_tool.cli.credentials import credentials_cli
from lti_tool.cli.db import db_cli, prepare_database
from lti_tool.cli.gradesync import gradesync_cli
from lti_tool.cli.keys import keys_cli
from lti_tool.cli.labs import labs
from lti_tool.cli.operators import operator_cli
from lti_tool.cli.platforms import deployment_cli, platform_cli
from lti_tool.cli.privacy import privacy_cli
from lti_tool.cli.reminders import reminders_cli
from lti_tool.cli.roster import roster_cli
from lti_tool.cli.serve import serve
from lti_tool.cli.worker import worker

__all__ = ["COMMANDS", "init_app", "prepare_database"]

COMMANDS: tuple[click.Command, ...] = (serve, worker, content_cli, labs)


def init_app(app: Flask) -> None:
    """Give the app its database commands (`flask`-style: they run in its app context)."""
    for group in (
        db_cli,
        keys_cli,
        platform_cli,
        deployment_cli,
        course_cli,
        operator_cli,
        gradesync_cli,
        roster_cli,
        credentials_cli,
        privacy_cli,
        reminders_cli,
    ):
        app.cli.add_command(group)
