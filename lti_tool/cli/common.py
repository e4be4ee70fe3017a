"""What the command modules share: failing with a message, and building the app."""

from __future__ import annotations

from typing import Any, NoReturn

import click
from flask import Flask
from flask.cli import ScriptInfo


def fail(message: str) -> NoReturn:
    """Stop the command with ``Error: message`` and exit status 1."""
    raise click.ClickException(message)


def build_app(overrides: dict[str, Any] | None = None) -> Flask:
    """The app, for the commands that run outside an app context (serve, worker).

    The factory is the one the `skillcert` group was made with (`lti_tool.entry`), handed
    down by click in Flask's ScriptInfo: importing `lti_tool.app` here would be an import
    cycle, as app.py registers this package's commands.
    """
    create_app = click.get_current_context().ensure_object(ScriptInfo).create_app
    if create_app is None:
        raise click.UsageError("Run this command through `skillcert`.")
    # Without overrides, call it as Flask does: a test's FlaskCliRunner factory takes none.
    return create_app(overrides) if overrides else create_app()
