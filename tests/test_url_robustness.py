"""No URL makes the tool fail (issue 15, finding 5).

Every route of the URL map, with each variable in turn given an out-of-range, zero,
negative, non-numeric, overlong (10,000 characters) or non-UTF-8 value, is requested
with no session and as a learner, an instructor and an administrator (launched through
the simulated LMS), with every method the rule allows; POSTs carry the session's valid
CSRF token. No answer may be a 500; a row id out of range is "no such page" (404).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule

from lti_tool import csrf
from lti_tool.sessions import SESSION_COOKIE
from lti_tool.views import MAX_ID, IdConverter
from tests.conftest import SAMPLE_CONTENT, LmsDriver

ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
#: Values each variable gets in turn (the raw text of the path segment).
BAD = {
    "2**63": str(MAX_ID + 1),
    "2**64": str(2**64),
    "zero": "0",
    "negative": "-1",
    "non-numeric": "abc",
    "overlong": "9" * 10_000,
    "non-utf8": "%FF%FE%C3%28",
    "36 characters": "z" * 35 + "%C3%A9",  # the length of a credential id, not a UUID
}
#: What the other variables of a rule get: a real track, otherwise a plausible id.
PLAUSIBLE = {"track_id": "sample", "role": "learner", "filename": "app.css"}
_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@pytest.fixture
def tool(make_app, simulated_lms) -> Iterator[LmsDriver]:
    """The sample track, with the demo LMS mounted too (its routes are in the map)."""
    app = make_app(content_path=str(SAMPLE_CONTENT), demo=True)
    driver = LmsDriver(app, app.test_client(), simulated_lms)
    driver.register()
    yield driver
    app.extensions["skillcert.engine"].dispose()


def clients(tool: LmsDriver) -> dict[str, FlaskClient]:
    """A browser per role: none, learner, instructor, administrator."""
    found = {"no session": tool.app.test_client()}
    for name, fields in (
        ("learner", {}),
        ("instructor", {"role": "instructor"}),
        ("administrator", {"sub": "admin-1", "roles": [ADMIN]}),
    ):
        client = tool.app.test_client()
        assert tool.launch(client=client, **fields).status_code == 302
        found[name] = client
    return found


def csrf_of(app: Flask, client: FlaskClient) -> str:
    cookie = client.get_cookie(SESSION_COOKIE)
    if cookie is None:
        return ""
    with app.test_request_context(headers={"Cookie": f"{SESSION_COOKIE}={cookie.value}"}):
        return csrf.csrf_token()


def rules_with_variables(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if r.arguments), key=lambda r: r.rule)


def path_of(rule: Rule, variable: str, value: str) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return value if name == variable else PLAUSIBLE.get(name, "1")

    return _VARIABLE.sub(fill, rule.rule)


def walk(tool: LmsDriver, values: dict[str, str], roles: list[str] | None = None) -> list[str]:
    """Request every rule with each bad value in each variable; what went wrong."""
    app = tool.app
    problems = []
    count = 0
    for role, client in clients(tool).items():
        if roles is not None and role not in roles:
            continue
        token = csrf_of(app, client)
        for rule in rules_with_variables(app):
            for variable in sorted(rule.arguments):
                is_id = isinstance(rule._converters[variable], IdConverter)
                for label, value in values.items():
                    path = path_of(rule, variable, value)
                    for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                        data = {"csrf_token": token} if method != "GET" else None
                        response = client.open(path, method=method, data=data)
                        count += 1
                        where = f"{role}: {method} {rule.rule} with {variable}={label}"
                        if response.status_code >= 500:
                            problems.append(f"{where} gave {response.status_code}")
                        elif (
                            is_id
                            and response.status_code != 404
                            and not (
                                # a form without a session is refused first (CSRF, 400)
                                method != "GET" and not token and response.status_code == 400
                            )
                        ):
                            problems.append(f"{where} gave {response.status_code}, not 404")
    assert count < 5000, count  # bounded
    return problems + ([] if roles else [f"only {count} requests"] if count < 1000 else [])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # the full walk; see below
def test_no_url_value_makes_any_route_fail(tool, db_url):
    problems = walk(tool, BAD)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "db_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_smoke_pass(tool, db_url):
    """The values that reach the database differently on PostgreSQL, as two roles."""
    values = {k: BAD[k] for k in ("2**63", "overlong", "non-utf8", "36 characters")}
    problems = walk(tool, values, roles=["no session", "administrator"])
    assert not problems, "\n".join(problems)


def test_every_integer_variable_is_a_bounded_id(tool):
    """A new route taking ``<int:…>`` would reach the database unbounded: use ``<id:…>``."""
    unbounded = [
        f"{rule.rule} ({name})"
        for rule in tool.app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if isinstance(converter, IntegerConverter) and not isinstance(converter, IdConverter)
    ]
    assert not unbounded, unbounded


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("1", True),
        ("10", True),
        (str(MAX_ID), True),
        (str(MAX_ID - 1), True),
        (str(MAX_ID + 1), False),
        ("9" * 19, False),
        ("0", False),
        ("01", False),
        ("٣", False),
    ],
)
def test_the_id_converter_bounds(tool, value, found):
    adapter = tool.app.url_map.bind("localhost")
    if found:
        assert adapter.match(f"/credentials/status/{value}")[1] == {"number": int(value)}
    else:
        with pytest.raises(Exception, match="404"):
            adapter.match(f"/credentials/status/{value}")


def test_the_administrators_page_number_is_bounded(tool):
    admin = clients(tool)["administrator"]
    response = admin.get(f"/admin/credentials?page={2**70}")
    assert response.status_code == 200
