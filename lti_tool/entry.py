"""The `skillcert` console script: the click group that builds the app for its commands.

Apart from `lti_tool.cli` because it imports `lti_tool.app`, and app.py imports
`lti_tool.cli` to register the app's commands.
"""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy.exc import DBAPIError

from lti_tool import cli
from lti_tool.app import create_app
from lti_tool.errors import SettingsError


def load_app(overrides: dict[str, Any] | None = None) -> Flask:
    """The app; settings it cannot start with are reported in one line, with exit status 2."""
    try:
        return create_app(overrides)
    except SettingsError as exc:
        click.echo(f"SkillCert cannot start: {exc.message}", err=True)
        sys.exit(2)


#: SQLSTATEs of a table or column that is not there (PostgreSQL's undefined_table and
#: undefined_column), and SQLite's words for the same.
_MISSING = frozenset({"42P01", "42703"})
_MISSING_IN_SQLITE = ("no such table", "no such column")


class _SkillCertGroup(FlaskGroup):
    """Flask's group, with one error turned into advice: a command run against a database
    that ``skillcert db upgrade`` has not brought to this version."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DBAPIError as exc:
            if not _schema_missing(exc):
                raise
            raise click.ClickException(
                "The database has no SkillCert tables, or older ones than this version "
                "needs. Run `skillcert db upgrade` first (docs/operator-guide.md)."
            ) from None


def _schema_missing(exc: DBAPIError) -> bool:
    if getattr(exc.orig, "sqlstate", None) in _MISSING:
        return True
    return any(words in str(exc.orig) for words in _MISSING_IN_SQLITE)


main = _SkillCertGroup(
    name="skillcert",
    create_app=load_app,
    add_default_commands=False,
    add_version_option=False,
    load_dotenv=False,
    help="SkillCert, the LTI 1.3 certification tool.",
)
for command in cli.COMMANDS:
    main.add_command(command)
# The installed package's version (importlib.metadata), answered before any app is built.
click.version_option(package_name="skillcert", prog_name="skillcert")(main)

if __name__ == "__main__":  # python -m lti_tool.entry
    main()
