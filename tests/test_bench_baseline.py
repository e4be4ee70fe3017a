"""The launch bench's baseline tool (bench/baseline_tool) really validates launches.

``bench/launch.py --baseline`` compares SkillCert with an ordinary pylti1p3 + Flask tool;
the comparison is only honest if that tool does the work an LTI tool must: these tests
launch it from the bench's simulated platform (its JWKS served over loopback HTTP, its
id_tokens signed with RS256) and check that a good launch lands and forged ones do not.
No timing here: the numbers are in docs/performance.md.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))  # the bench's modules import each other as top-level modules

from baseline_server import BaselineServer  # noqa: E402
from baseline_tool import SESSION_COOKIE, create_app  # noqa: E402
from harness import CLIENT_ID, DEPLOYMENT_ID, ConnectionCounter, Platform, client  # noqa: E402

LAUNCH_URL = "http://localhost/launch/"


@pytest.fixture
def platform() -> Iterator[Platform]:
    platform = Platform()
    platform.start()
    yield platform
    platform.stop()


@pytest.fixture
def server(platform: Platform) -> Iterator[BaselineServer]:
    """The baseline's folder (tool.json, keys, cache) registered with ``platform``."""
    server = BaselineServer(workers=1)
    server.prepare(platform)
    yield server
    server.stop()
    shutil.rmtree(server.instance, ignore_errors=True)


@pytest.fixture
def tool(server: BaselineServer) -> FlaskClient:
    return create_app(str(server.config_file)).test_client()


def login(tool: FlaskClient, platform: Platform) -> tuple[str, str]:
    """The OIDC login: the tool redirects to the platform with a state and a nonce."""
    response = tool.get(
        "/login/",
        query_string={
            "iss": platform.issuer,
            "login_hint": "student-0",
            "target_link_uri": LAUNCH_URL,
            "client_id": CLIENT_ID,
            "lti_deployment_id": DEPLOYMENT_ID,
        },
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(platform.auth_url + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["redirect_uri"] == LAUNCH_URL
    assert tool.get_cookie("lti1p3-" + query["state"]) is not None
    return query["state"], query["nonce"]


def launch(tool: FlaskClient, token: str, state: str) -> TestResponse:
    return tool.post("/launch/", data={"id_token": token, "state": state})


def good_claims(platform: Platform, nonce: str) -> dict:
    return platform.claims(sub="student-0", name="Student 0", nonce=nonce, target=LAUNCH_URL)


def test_a_good_launch_lands_on_the_page_with_a_session(
    tool: FlaskClient, platform: Platform
) -> None:
    state, nonce = login(tool, platform)
    response = launch(tool, platform.sign(good_claims(platform, nonce)), state)
    assert response.status_code == 200
    assert "Welcome, Student 0." in response.get_data(as_text=True)
    assert tool.get_cookie(SESSION_COOKIE) is not None
    assert platform.jwks_requests == 1  # the key came from the platform over HTTP

    state, nonce = login(tool, platform)
    assert launch(tool, platform.sign(good_claims(platform, nonce)), state).status_code == 200
    assert platform.jwks_requests == 1  # and stays in the file-system cache


def test_a_token_signed_with_another_key_is_refused(tool: FlaskClient, platform: Platform) -> None:
    state, nonce = login(tool, platform)
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        good_claims(platform, nonce), forger, algorithm="RS256", headers={"kid": platform.kid}
    )
    response = launch(tool, forged, state)
    assert response.status_code == 403
    assert "Launch refused" in response.get_data(as_text=True)
    assert tool.get_cookie(SESSION_COOKIE) is None


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda claims: claims.update(nonce="never-issued"), id="unknown nonce"),
        pytest.param(lambda claims: claims.update(aud="another-client"), id="other audience"),
        pytest.param(lambda claims: claims.update(exp=claims["iat"] - 600), id="expired"),
        pytest.param(
            lambda claims: claims.update(
                {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "other-dep"}
            ),
            id="unknown deployment",
        ),
    ],
)
def test_a_tampered_launch_is_refused(tool: FlaskClient, platform: Platform, tamper) -> None:
    state, nonce = login(tool, platform)
    claims = good_claims(platform, nonce)
    tamper(claims)
    response = launch(tool, platform.sign(claims), state)
    # pylti1p3 raises LtiException (the tool's 403) for most, a bare Exception (500) for
    # an unknown client_id: refused either way, and no session.
    assert response.status_code in {403, 500}
    assert "Welcome" not in response.get_data(as_text=True)
    assert tool.get_cookie(SESSION_COOKIE) is None


def test_a_launch_without_its_state_cookie_is_refused(
    tool: FlaskClient, platform: Platform
) -> None:
    state, nonce = login(tool, platform)
    tool.delete_cookie("lti1p3-" + state)
    response = launch(tool, platform.sign(good_claims(platform, nonce)), state)
    assert response.status_code == 403
    assert "State not found" in response.get_data(as_text=True)


def test_the_bench_cycle_lands_on_the_served_baseline(
    server: BaselineServer, platform: Platform
) -> None:
    """The bench's own browser cycle against gunicorn serving the baseline, as measured."""
    from launch import Student, launch_cycle

    server.start()
    server.wait_healthy()
    target = server.target(platform)

    async def one() -> object:
        async with client(1, ConnectionCounter()) as http:
            return await launch_cycle(http, target, Student("student-1", "Student 1"))

    outcome = asyncio.run(one())
    assert outcome.error is None, outcome.detail
    assert outcome.landing_bytes > 1000
