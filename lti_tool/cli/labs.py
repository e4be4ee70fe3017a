"""`skillcert labs …`: the lab sandbox's own commands, and reproducing a stored grade."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from lti_tool.cli.common import fail
from lti_tool.grading.labs import ReproduceError, reproduce


@click.command(
    "labs",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def labs(ctx: click.Context, args: tuple[str, ...]) -> None:
    """The lab sandbox: `skillcert labs status|setup|overhead` (see docs/labs.md), and
    `skillcert labs reproduce SUBMISSION_ID`."""
    from assessments.labs.__main__ import main as labs_main

    if args[:1] == ("reproduce",):  # needs the database, so it is ours, not the engine's
        labs_reproduce.main(list(args[1:]), "skillcert labs reproduce", obj=ctx.obj)
    sys.exit(labs_main(list(args), prog="skillcert labs"))


@click.command("reproduce")
@click.argument("submission_id", type=int)
@with_appcontext
def labs_reproduce(submission_id: int) -> None:
    """Grade a stored lab submission again with its stored seed; exit 1 if the grade differs."""
    try:
        outcome = reproduce(current_app, submission_id)
    except ReproduceError as exc:
        fail(exc.message)
    seed = "none (fixed lab or a check)" if outcome.seed is None else outcome.seed
    click.echo(f"Lab submission {submission_id}, seed {seed}")
    click.echo(f"stored score:     {outcome.stored.score}")
    click.echo(f"reproduced score: {outcome.reproduced.score}")
    if outcome.matches:
        click.echo("The grade is reproduced exactly.")
        return
    for line in outcome.differences:
        click.echo(f"  differs: {line}")
    raise click.exceptions.Exit(1)
