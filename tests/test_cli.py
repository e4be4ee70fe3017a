"""The `skillcert` commands an operator uses to register LMSs."""

from __future__ import annotations

import json
import secrets

import pytest
from sqlalchemy import create_engine, text

from lti_tool.db import transaction
from lti_tool.entry import main
from lti_tool.models import Deployment, Registration


def test_platform_add_from_preset_and_list(runner, app):
    result = runner.invoke(
        args=[
            "platform",
            "add",
            "--preset",
            "moodle",
            "--issuer",
            "https://moodle.school.edu",
            "--client-id",
            "abc123",
            "--deployment-id",
            "7",
        ]
    )
    assert result.exit_code == 0, result.output
    with transaction(app) as session:
        row = session.query(Registration).one()
        assert row.auth_login_url == "https://moodle.school.edu/mod/lti/auth.php"
        assert row.auth_token_url == "https://moodle.school.edu/mod/lti/token.php"
        assert row.key_set_url == "https://moodle.school.edu/mod/lti/certs.php"
        assert [d.deployment_id for d in row.deployments] == ["7"]
    listing = json.loads(runner.invoke(args=["platform", "list", "--json"]).output)
    assert listing[0]["issuer"] == "https://moodle.school.edu"
    assert listing[0]["deployments"] == ["7"]


def test_blackboard_one_client_many_deployments(runner, app):
    runner.invoke(
        args=[
            "platform",
            "add",
            "--preset",
            "blackboard",
            "--client-id",
            "bb-app",
            "--deployment-id",
            "inst-1",
        ]
    )
    result = runner.invoke(
        args=[
            "deployment",
            "add",
            "--issuer",
            "https://blackboard.com",
            "--deployment-id",
            "inst-2",
            "--name",
            "Second University",
        ]
    )
    assert result.exit_code == 0, result.output
    with transaction(app) as session:
        row = session.query(Registration).one()
        assert row.issuer == "https://blackboard.com"
        assert row.key_set_url.endswith("/applications/bb-app/jwks.json")
        assert session.query(Deployment).count() == 2
    again = runner.invoke(
        args=[
            "deployment",
            "add",
            "--issuer",
            "https://blackboard.com",
            "--deployment-id",
            "inst-2",
        ]
    )
    assert again.exit_code != 0 and "already added" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--preset", "moodle", "--client-id", "x"], "needs --issuer"),
        (["--preset", "nosuchlms", "--client-id", "x"], "Unknown LMS preset 'nosuchlms'"),
        (
            ["--preset", "generic", "--issuer", "https://lms.example", "--client-id", "x"],
            "--auth-login-url is required",
        ),
        (
            ["--preset", "moodle", "--issuer", "http://moodle.example", "--client-id", "x"],
            "must use https",
        ),
    ],
)
def test_platform_add_errors_are_clear(runner, app, args, message):
    result = runner.invoke(args=["platform", "add", *args])
    assert result.exit_code != 0
    assert message in result.output
    with transaction(app) as session:
        assert session.query(Registration).count() == 0


def test_duplicate_registration_is_refused_and_keeps_the_first(runner, app):
    args = ["platform", "add", "--preset", "canvas", "--client-id", "1000000000001"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "already registered" in result.output
    with transaction(app) as session:
        assert session.query(Registration).count() == 1


def test_platform_config_canvas_prints_developer_key_json(runner):
    result = runner.invoke(args=["platform", "config", "--lms", "canvas"])
    assert result.exit_code == 0, result.output
    key = json.loads(result.output)
    assert key["oidc_initiation_url"] == "http://localhost/lti/login"
    assert key["target_link_uri"] == "http://localhost/lti/launch"
    assert key["public_jwk_url"] == "http://localhost/lti/jwks.json"
    placements = {p["message_type"] for p in key["extensions"][0]["settings"]["placements"]}
    assert placements == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}


@pytest.mark.parametrize("lms", ["moodle", "blackboard", "brightspace", "schoology", "sakai"])
def test_platform_config_other_lms_prints_urls(runner, lms):
    result = runner.invoke(args=["platform", "config", "--lms", lms])
    assert result.exit_code == 0, result.output
    assert "http://localhost/lti/login" in result.output
    assert "http://localhost/lti/jwks.json" in result.output


def test_platform_config_for_moodle_lists_every_field_of_its_form_in_its_words(runner):
    """Moodle's "configure a tool manually" form, label by label (Moodle's lang strings),
    the Content Selection URL (Deep Linking) among them."""
    result = runner.invoke(args=["platform", "config", "--lms", "moodle"])
    assert result.exit_code == 0, result.output
    indented = (line for line in result.output.splitlines() if line.startswith("  "))
    fields = {
        label.strip(): value.strip()
        for label, sep, value in (line.partition(": ") for line in indented)
        if sep
    }
    launch = "http://localhost/lti/launch"
    assert fields["Tool name"] == "SkillCert"
    assert fields["Tool URL"] == launch
    assert fields["LTI version"] == "LTI 1.3"
    assert fields["Public key type"] == "Keyset URL"
    assert fields["Public keyset"] == "http://localhost/lti/jwks.json"
    assert fields["Initiate login URL"] == "http://localhost/lti/login"
    assert fields["Redirection URI(s)"] == launch
    assert fields["Supports Deep Linking (Content-Item Message)"] == "ticked"
    assert fields["Content Selection URL"] == launch
    assert fields["IMS LTI Assignment and Grade Services"].startswith("Use this service")
    assert fields["IMS LTI Names and Role Provisioning"].startswith("Use this service")
    assert fields["Share launcher's name with tool"].startswith("Always")
    assert fields["Accept grades from the tool"].startswith("Always")
    for label in (
        "Tool description",
        "Custom parameters",
        "Tool configuration usage",
        "Default launch container",
        "Icon URL",
        "Secure icon URL",
        "Share launcher's email with tool",
    ):
        assert fields.get(label), label
    # Every custom parameter, one name=value per line as the field takes them.
    assert "context_history=$Context.id.history" in result.output
    assert "skillcert_due_at=$ResourceLink.submission.endDateTime" in result.output


@pytest.fixture
def empty_database(db_url: str, tmp_path):
    """A database of the same kind with no SkillCert tables (never upgraded)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'never-upgraded.db'}"
        return
    schema = f"skillcert_empty_{secrets.token_hex(3)}"
    admin = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield db_url.replace(db_url.rsplit("search_path%3D", 1)[1], schema)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.parametrize(
    "args",
    [
        ["credentials", "list"],
        ["platform", "list"],
        ["gradesync", "status"],
    ],
)
def test_a_database_never_upgraded_gets_advice_not_a_traceback(make_app, empty_database, args):
    app = make_app(database_url=empty_database)
    result = app.test_cli_runner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "Run `skillcert db upgrade` first" in result.output
    assert "Traceback" not in result.output and "sqlalchemy" not in result.output.lower()
    app.extensions["skillcert.engine"].dispose()


def test_roster_commands_list_the_ids_other_commands_take(lms, runner):
    assert runner.invoke(args=["roster", "courses"]).output == (
        "No course has launched SkillCert yet.\n"
    )
    lms.launch()
    lms.launch("instructor")
    courses = runner.invoke(args=["roster", "courses"])
    assert courses.exit_code == 0, courses.output
    (line,) = courses.output.splitlines()
    context_id = int(line.split("\t")[0])
    assert "LMS course course-1" in line and "2 members" in line
    people = runner.invoke(args=["roster", "people", "--context", str(context_id)])
    assert people.exit_code == 0, people.output
    lines = people.output.splitlines()
    assert len(lines) == 2
    assert any("LMS user user-1\tAda Lovelace\tlearner\tActive" in line for line in lines)
    assert any("LMS user teacher-1\tGrace Hopper\tinstructor\tActive" in line for line in lines)
    missing = runner.invoke(args=["roster", "people", "--context", str(context_id + 99)])
    assert missing.exit_code == 1 and "skillcert course list" in missing.output
