"""The CLI speaks the ids people have: the LMS's course and user ids beside SkillCert's,
`--user` with `--platform`, and the installed version (issue 18's CLI findings)."""

from __future__ import annotations

import importlib.metadata
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.entry import main
from lti_tool.lti.registrations import add_platform
from lti_tool.models import Credential, Registration, User
from tests.test_cli import empty_database  # noqa: F401 (a fixture)


def test_version_is_the_installed_packages():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.output == f"skillcert, version {importlib.metadata.version('skillcert')}\n"


def user_id(app, sub: str) -> int:
    with transaction(app) as session:
        return session.scalars(select(User.id).where(User.sub == sub)).one()


def test_course_list_names_each_course_by_the_lms_ids_with_its_learners(course):
    runner = course.app.test_cli_runner()
    assert (
        runner.invoke(args=["course", "list"]).output == "No course has launched SkillCert yet.\n"
    )
    course.launch(sub="ada", name="Ada Lovelace")
    course.launch(sub="bob", name="Bob Babbage")
    course.launch("instructor")
    course.launch(sub="cy", name="Cy Young", context={"id": "c-2", "title": "Ethics"})
    listed = runner.invoke(args=["course", "list"])
    assert listed.exit_code == 0, listed.output
    first, second = listed.output.splitlines()
    with transaction(course.app) as session:
        registration = session.scalars(select(Registration)).one()
    assert first.split("\t")[1:] == [
        "LMS course course-1 'Intro to AI'",
        f"registration {registration.id} {registration.name!r}",
        "2 learners, 3 members",
    ]
    assert second.split("\t")[1:] == [
        "LMS course c-2 'Ethics'",
        f"registration {registration.id} {registration.name!r}",
        "1 learner, 1 member",
    ]
    # The first column is the id `--context` takes.
    context_id = first.split("\t")[0]
    people = runner.invoke(args=["roster", "people", "--context", context_id]).output
    assert "LMS user ada\tAda Lovelace\tlearner\tActive" in people
    as_json = json.loads(runner.invoke(args=["course", "list", "--json"]).output)
    assert [(c["lms_context_id"], c["learners"], c["members"]) for c in as_json] == [
        ("course-1", 2, 3),
        ("c-2", 1, 1),
    ]
    # Where roster commands are looked for, the same listing.
    assert runner.invoke(args=["roster", "courses"]).output == listed.output


def issue(runner, *user_args: str):
    return runner.invoke(
        args=["credentials", "issue", *user_args, "--track", "sample", "--reason", "Prior"]
    )


def test_user_options_take_the_lms_user_id_with_platform(course):
    """LMS user ids are often numbers (Moodle's are): with --platform, --user is the LMS's
    id even where it is also some other person's SkillCert id."""
    course.launch(sub="2", name="Ada Lovelace")
    course.launch(sub="1", name="Bob Babbage")
    ada, bob = user_id(course.app, "2"), user_id(course.app, "1")
    runner = course.app.test_cli_runner()

    by_lms_id = issue(runner, "--user", "1", "--platform", course.issuer)
    assert by_lms_id.exit_code == 0, by_lms_id.output
    with transaction(course.app) as session:
        registration_id = session.scalars(select(Registration.id)).one()
        (credential,) = session.scalars(select(Credential)).all()
    assert credential.user_id == bob
    assert f"user {bob}\tLMS user 1 (registration {registration_id})\tBob Babbage" in (
        by_lms_id.output
    )
    by_internal_id = issue(runner, "--user", str(ada))
    assert by_internal_id.exit_code == 0, by_internal_id.output
    assert f"user {ada}\tLMS user 2 (registration {registration_id})\tAda Lovelace" in (
        by_internal_id.output
    )

    listed = runner.invoke(args=["credentials", "list"])
    assert listed.exit_code == 0, listed.output
    assert len(listed.output.splitlines()) == 2
    assert "Ada Lovelace" in listed.output and "Bob Babbage" in listed.output
    # --platform also takes the registration id.
    only_bob = runner.invoke(
        args=["credentials", "list", "--user", "1", "--platform", str(registration_id)]
    )
    assert only_bob.exit_code == 0, only_bob.output
    assert only_bob.output.count("\n") == 1 and "Bob Babbage" in only_bob.output
    shown = runner.invoke(args=["credentials", "show", credential.id])
    assert "LMS user 1" in shown.output and "Bob Babbage" in shown.output


def test_user_options_say_what_is_wrong(course):
    course.launch(sub="ada", name="Ada Lovelace")
    runner = course.app.test_cli_runner()
    cases = [
        (["--user", "ada"], "--user ada is not a SkillCert user id"),
        (["--user", "999"], "There is no user 999"),
        (
            ["--user", "ada", "--platform", "https://nope.example"],
            "No LMS is registered with issuer https://nope.example",
        ),
        (["--user", "ada", "--platform", "77"], "There is no registration 77"),
        (["--user", "nobody", "--platform", course.issuer], "has no user with LMS user id"),
    ]
    for user_args, message in cases:
        result = issue(runner, *user_args)
        assert result.exit_code == 1, result.output
        assert message in result.output, result.output
    alone = runner.invoke(args=["credentials", "list", "--platform", course.issuer])
    assert alone.exit_code == 1 and "give --user too" in alone.output
    with transaction(course.app) as session:
        assert session.scalars(select(Credential)).all() == []


def test_an_issuer_with_several_registrations_is_named_by_registration_id(course):
    course.launch(sub="ada", name="Ada Lovelace")
    with transaction(course.app) as session:
        add_platform(
            session,
            course.app.config["SETTINGS"],
            preset="generic",
            issuer=course.issuer,
            client_id="second-client",
            auth_login_url=course.sim.auth_login_url,
            auth_token_url=course.sim.token_url,
            key_set_url=course.sim.key_set_url,
        )
        first = session.scalars(
            select(Registration.id).where(Registration.client_id == course.client_id)
        ).one()
    runner = course.app.test_cli_runner()
    ambiguous = issue(runner, "--user", "ada", "--platform", course.issuer)
    assert ambiguous.exit_code == 1
    assert "several registrations: give --platform the registration's id" in ambiguous.output
    assert issue(runner, "--user", "ada", "--platform", str(first)).exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["course", "list"],
        ["deployment", "list"],
        [
            "credentials",
            "issue",
            "--user",
            "1",
            "--platform",
            "https://lms.example",
            "--track",
            "t",
            "--reason",
            "r",
        ],
    ],
    ids=["course list", "deployment list", "credentials issue --platform"],
)
def test_new_commands_on_a_database_never_upgraded_give_advice(
    make_app,
    empty_database,  # noqa: F811
    args,
):
    app = make_app(database_url=empty_database)
    result = app.test_cli_runner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "Run `skillcert db upgrade` first" in result.output
    assert "Traceback" not in result.output
    app.extensions["skillcert.engine"].dispose()
