"""`skillcert platform add` tidies what an operator types, warns and refuses clearly."""

from __future__ import annotations

import pytest

from lti_tool.db import transaction
from lti_tool.lti.keys import ensure_key
from lti_tool.models import Registration
from tests.conftest import LmsDriver

MOODLE = "https://moodle.example.test"


def add(runner, *args: str):
    return runner.invoke(args=["platform", "add", *args])


def stored(app) -> list[Registration]:
    with transaction(app) as session:
        rows = session.query(Registration).all()
        session.expunge_all()
        return rows


def test_an_issuer_typed_with_a_slash_matches_moodles_iss(runner, app, client, simulated_lms):
    sim = simulated_lms
    result = add(
        runner,
        *("--preset", "moodle", "--issuer", f"  {sim.url}/ "),
        *("--client-id", " kFQFqSRXyW88NyC ", "--deployment-id", "3"),
        *("--auth-login-url", sim.auth_login_url, "--auth-token-url", sim.token_url),
        *("--key-set-url", sim.key_set_url),
    )
    assert result.exit_code == 0, result.output
    assert f"Stored the issuer as {sim.url}" in result.output
    [row] = stored(app)
    assert (row.issuer, row.client_id) == (sim.url, "kFQFqSRXyW88NyC")

    # Moodle sends its site URL, which never ends with '/', as iss.
    driver = LmsDriver(app, client, sim)
    driver.client_id, driver.deployment_id = "kFQFqSRXyW88NyC", "3"
    with transaction(app) as session:
        ensure_key(session)
    assert driver.spec().issuer == sim.url
    response = driver.launch("instructor")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert driver.session_info().get_json()["role"] == "instructor"


def test_platform_add_prints_every_stored_value(runner, app):
    result = add(
        runner,
        *("--preset", "moodle", "--issuer", MOODLE, "--client-id", "abc123"),
        *("--deployment-id", "7", "--name", "Example Moodle"),
    )
    assert result.exit_code == 0, result.output
    for line in (
        "Name:           Example Moodle",
        f"Issuer:         {MOODLE}",
        "Client ID:      abc123",
        "Deployment ID:  7",
        f"Login URL:      {MOODLE}/mod/lti/auth.php",
        f"Token URL:      {MOODLE}/mod/lti/token.php",
        f"Key set URL:    {MOODLE}/mod/lti/certs.php",
    ):
        assert line in result.output
    assert "Warning" not in result.output


@pytest.mark.parametrize(
    ("args", "warning"),
    [
        (
            ["--auth-token-url", f"{MOODLE}/mod/lti/token.php/"],
            "--auth-token-url https://moodle.example.test/mod/lti/token.php/ does not end like "
            "the Moodle endpoint (/mod/lti/token.php)",
        ),
        (
            ["--key-set-url", f"{MOODLE}/mod/lti/certs"],
            "does not end like the Moodle endpoint (/mod/lti/certs.php)",
        ),
        (
            ["--auth-login-url", "https://moodle-old.example.test/mod/lti/auth.php"],
            "The issuer's host (moodle.example.test) differs from the login URL's "
            "(moodle-old.example.test)",
        ),
    ],
)
def test_moodle_values_that_look_mistyped_are_stored_with_a_warning(runner, app, args, warning):
    result = add(runner, "--preset", "moodle", "--issuer", MOODLE, "--client-id", "x", *args)
    assert result.exit_code == 0, result.output
    assert warning in result.output and result.output.startswith("Warning: ")
    assert len(stored(app)) == 1


def test_an_issuer_path_with_a_slash_is_kept_with_a_warning(runner, app):
    result = add(runner, "--preset", "moodle", "--issuer", MOODLE + "/moodle/", "--client-id", "x")
    assert result.exit_code == 0, result.output
    assert "ends with '/'" in result.output
    assert stored(app)[0].issuer == MOODLE + "/moodle/"


def test_endpoint_hosts_are_lower_cased_and_the_issuer_keeps_its_case(runner, app):
    issuer = "https://Moodle.Example.test"
    result = add(
        runner,
        *("--preset", "moodle", "--issuer", issuer, "--client-id", "x"),
        *("--key-set-url", "HTTPS://MOODLE.EXAMPLE.TEST/mod/lti/certs.php"),
    )
    assert result.exit_code == 0, result.output
    assert "capital letters" in result.output
    [row] = stored(app)
    assert row.issuer == issuer  # iss is compared as the LMS sends it
    assert row.key_set_url == f"{MOODLE}/mod/lti/certs.php"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--issuer", MOODLE + "/?lang=en"], "has a query or fragment"),
        (["--issuer", MOODLE + "/mod/lti/auth.php"], "is Moodle's auth-login-url"),
        (["--issuer", MOODLE + "/mod/lti/certs.php/"], "is Moodle's key-set-url"),
        (["--issuer", MOODLE + " " + MOODLE], "contains a space"),
        (
            ["--issuer", MOODLE, "--auth-token-url", f"{MOODLE}/mod/lti/token.php\t{MOODLE}"],
            "--auth-token-url",
        ),
        (["--issuer", MOODLE, "--client-id", "   "], "--client-id is empty"),
        (["--issuer", "http://moodle.example.test/"], "must use https"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_stored(runner, app, args, message):
    result = add(runner, "--preset", "moodle", "--client-id", "x", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Registered" not in result.output
    assert stored(app) == []
