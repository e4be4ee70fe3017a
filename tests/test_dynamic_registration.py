"""LTI Dynamic Registration at /lti/register, end to end against simulated LMSs that play
the flow as Canvas, Moodle, Brightspace and Sakai do (tests/simulated_registration.py),
then launch the tool they registered. Both databases."""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from lti_tool.db import transaction
from lti_tool.errors import SettingsError
from lti_tool.lti import platform_configuration
from lti_tool.lti.dynamic_registration import MAX_PENDING_REGISTRATIONS
from lti_tool.lti.platform_configuration import RegistrationRefused
from lti_tool.lti.registrations import add_platform
from lti_tool.models import AuditEntry, RegisteredVia, Registration, utcnow
from tests.conftest import LmsDriver
from tests.simulated_lms import DELETE
from tests.simulated_registration import (
    NOTICE_HANDLERS_SCOPE,
    PLATFORM_CLAIM,
    SHAPES,
    TOOL_CONFIGURATION,
    SimulatedPlatform,
)

AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
HISTORY = {
    "resource_link_history": "$ResourceLink.id.history",
    "context_history": "$Context.id.history",
}
DATES = {
    "skillcert_available_from": "$ResourceLink.available.startDateTime",
    "skillcert_due_at": "$ResourceLink.submission.endDateTime",
}


@pytest.fixture
def platforms() -> Iterator[dict[str, SimulatedPlatform]]:
    """A simulated LMS of each shape, made on first use."""
    made: dict[str, SimulatedPlatform] = {}

    class Lazy(dict):
        def __missing__(self, name: str) -> SimulatedPlatform:
            made[name] = self[name] = SimulatedPlatform(SHAPES[name])
            return made[name]

    yield Lazy()
    for platform in made.values():
        platform.close()


def start(client: FlaskClient, platform: SimulatedPlatform, token: str | None = None):
    """The LMS opens SkillCert's registration URL, as its administrator asked it to."""
    token = token or platform.issue_registration_token()
    query = {"openid_configuration": platform.configuration_url(token), "registration_token": token}
    return client.get("/lti/register?" + urlencode(query))


def submit(client: FlaskClient, page: TestResponse) -> TestResponse:
    """The administrator presses Register on SkillCert's page."""
    text = page.get_data(as_text=True)
    assert 'action="/lti/register"' in text, text
    fields = re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', text)
    return client.post("/lti/register", data={n: html.unescape(v) for n, v in fields})


def registrations_of(app: Flask) -> list[Registration]:
    with transaction(app) as session:
        rows = session.scalars(select(Registration).order_by(Registration.id)).all()
        for row in rows:
            row.deployments  # noqa: B018 (loaded while the session is open)
        return list(rows)


def audit_actions(app: Flask) -> list[tuple[str, str]]:
    with transaction(app) as session:
        return [
            (e.actor, e.action) for e in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def launcher(app: Flask, platform: SimulatedPlatform, registration: Registration, deployment: str):
    driver = LmsDriver(app, app.test_client(), platform)
    driver.issuer = registration.issuer
    driver.client_id = registration.client_id
    driver.deployment_id = deployment
    return driver


# -- end to end, per LMS ----------------------------------------------------------------


@pytest.mark.parametrize("lms", ["canvas", "moodle", "brightspace", "sakai"])
def test_registers_pending_then_approved_registration_launches(app, platforms, lms):
    platform = platforms[lms]
    client = app.test_client()

    page = start(client, platform)
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    title = {"canvas": "Canvas", "moodle": "Moodle", "brightspace": "Brightspace", "sakai": "Sakai"}
    assert f"Register SkillCert with {title[lms]}" in text
    assert "send learners' scores to the gradebook" in html.unescape(text)
    assert "does not ask for email addresses" in text
    assert platform.registration_requests == []  # nothing is registered by looking

    done = submit(client, page)
    body = done.get_data(as_text=True)
    assert done.status_code == 200, body
    assert "SkillCert is registered" in body
    assert "has been asked to approve" in body
    assert "js/registration-close.js" in body and "data-lti-close" in body

    (sent,) = platform.registration_requests
    configuration = sent[TOOL_CONFIGURATION]
    assert configuration["claims"] == ["iss", "sub", "name"]  # never email
    assert configuration["custom_parameters"].items() >= {**HISTORY, **DATES}.items()
    assert sent["initiate_login_uri"] == "http://localhost/lti/login"
    assert sent["redirect_uris"] == ["http://localhost/lti/launch"]
    assert sent["jwks_uri"] == "http://localhost/lti/jwks.json"
    assert configuration["domain"] == "localhost"
    scopes = sent["scope"].split()
    assert {AGS + "lineitem", AGS + "result.readonly", AGS + "score", NRPS} <= set(scopes)
    assert (NOTICE_HANDLERS_SCOPE in scopes) == (lms == "canvas")  # only where offered
    assert "openid" not in scopes  # listed by most, refused by Canvas in a registration
    kinds = [m["type"] for m in configuration["messages"]]
    assert "LtiDeepLinkingRequest" in kinds
    assert ("LtiSubmissionReviewRequest" in kinds) == (lms == "brightspace")

    (registration,) = registrations_of(app)
    assert registration.registered_via == RegisteredVia.DYNAMIC
    assert registration.preset == lms
    assert not registration.is_active and registration.pending_since is not None
    assert registration.issuer == platform.issuer
    assert registration.auth_login_url == platform.auth_login_url
    assert registration.key_set_url == platform.key_set_url
    assert registration.platform_configuration["issuer"] == platform.issuer
    assert registration.client_id in platform.registered
    given = platform.registered[registration.client_id]
    assert [d.deployment_id for d in registration.deployments] == ([given] if given else [])
    assert all(not d.is_active and d.pending_since for d in registration.deployments)
    assert audit_actions(app) == [("lms", "registration.dynamic")]

    deployment = given or "canvas-account-1"
    driver = launcher(app, platform, registration, deployment)
    refused = driver.login(driver.spec())
    assert refused.status_code == 403
    assert "has not approved this LMS yet" in refused.get_data(as_text=True)

    runner = app.test_cli_runner()
    approved = runner.invoke(args=["platform", "approve", str(registration.id)])
    assert approved.exit_code == 0, approved.output
    assert "its launches open" in approved.output
    if given is None:  # Canvas: the deployment id comes when the tool is installed
        added = runner.invoke(
            args=[
                "deployment",
                "add",
                "--issuer",
                registration.issuer,
                "--client-id",
                registration.client_id,
                "--deployment-id",
                deployment,
            ]
        )
        assert added.exit_code == 0, added.output

    launched = driver.launch()
    assert launched.status_code == 302, launched.get_data(as_text=True)
    assert driver.session_info().get_json()["role"] == "learner"
    assert ("cli", "registration.approve") in audit_actions(app)


def test_canvas_gets_its_extensions_and_shared_issuer(app, platforms):
    platform = platforms["canvas"]
    # Canvas's OIDC endpoint on another host than the school's (sso.canvaslms.com).
    port = platform.url.rsplit(":", 1)[1]
    platform.config_overrides = {
        "authorization_endpoint": f"http://localhost:{port}/api/lti/authorize_redirect"
    }
    client = app.test_client()
    assert submit(client, start(client, platform)).status_code == 200

    (sent,) = platform.registration_requests
    configuration = sent[TOOL_CONFIGURATION]
    assert configuration["https://canvas.instructure.com/lti/privacy_level"] == "name_only"
    placements = {m["type"]: m.get("placements") for m in configuration["messages"]}
    assert placements == {
        "LtiResourceLinkRequest": ["course_navigation"],
        "LtiDeepLinkingRequest": ["assignment_selection", "link_selection"],
    }
    assert (
        configuration["custom_parameters"]["skillcert_section_ids"] == "$Canvas.course.sectionIds"
    )
    (registration,) = registrations_of(app)
    assert registration.issuer == "https://canvas.instructure.com"
    # The school's host, where the configuration came from, frames SkillCert.
    assert registration.frame_origins == [platform.url]
    assert registration.name == "Canvas (127.0.0.1)"
    assert any("not an instructure.com host" in w for w in registration.registration_warnings)


def test_brightspace_token_audience_and_moodle_message_names(app, platforms):
    client = app.test_client()
    for lms in ("brightspace", "moodle"):
        assert submit(client, start(client, platforms[lms])).status_code == 200
    brightspace, moodle = registrations_of(app)
    assert brightspace.auth_audience == "https://api.brightspace.com/auth/token"
    assert moodle.auth_audience is None
    # Moodle lists plain message names, its placements apart: Deep Linking was read.
    (sent,) = platforms["moodle"].registration_requests
    kinds = [m["type"] for m in sent[TOOL_CONFIGURATION]["messages"]]
    assert kinds == ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]
    assert "placements" not in sent[TOOL_CONFIGURATION]["messages"][1]


def test_sakai_listing_only_openid_still_gets_grades_and_roster(app, platforms):
    client = app.test_client()
    assert submit(client, start(client, platforms["sakai"])).status_code == 200
    (sent,) = platforms["sakai"].registration_requests
    assert sent["scope"].split() == [AGS + "lineitem", AGS + "result.readonly", AGS + "score", NRPS]
    (registration,) = registrations_of(app)
    assert any("scopes_supported" in w for w in registration.registration_warnings)


# -- the issuer rule and broken metadata -------------------------------------------------


def test_issuer_on_another_site_is_refused_and_nothing_registered(app, platforms):
    platform = platforms["moodle"]
    platform.config_overrides = {"issuer": "https://lms.elsewhere.example"}
    client = app.test_client()

    page = start(client, platform)
    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 400
    assert "names the issuer https://lms.elsewhere.example, but it came from" in text
    assert "Nothing was registered" in text
    token = platform.issue_registration_token()
    posted = client.post(
        "/lti/register",
        data={"openid_configuration": platform.configuration_url(), "registration_token": token},
    )
    assert posted.status_code == 400
    assert platform.registration_requests == []
    assert registrations_of(app) == [] and audit_actions(app) == []


def test_blackboard_style_broken_metadata_is_corrected_with_warnings(app):
    """Metadata broken the way Blackboard's developer portal breaks it (Behind the
    Blackboard 000090618): scopes as "URL/spec/…", no version, RS512 beside RS256, a message
    type no spec defines, the registration token in the endpoint's query; and besides, a
    trailing '/' on the issuer and no algorithm list for id tokens. Each is corrected with
    a warning; the registered tool then launches."""
    shape = dataclasses.replace(
        SHAPES["canvas"],
        preset="blackboard",
        product_family_code="BlackboardLearn",
        config_path="/api/v1/gateway/openid-configuration",
        registration_path="/api/v1/gateway/registerLti",
        auth_path="/api/v1/gateway/oidcauth",
        token_path="/api/v1/gateway/oauth2/jwttoken",
        jwks_path="/.well-known/jwks.json",
        issuer=None,
        scopes_supported=(
            *("URL/spec/lti-ags/scope/" + s for s in ("lineitem", "result.readonly", "score")),
            "openid",
        ),
        messages_supported=[
            {"type": "LtiResourceLinkRequest"},
            {"type": "LtiDeepLinkingRequest"},
            {"type": "ContextLaunchRequest"},
        ],
        token_in_config_url=False,
        checks_scopes=False,
        checks_canvas_placements=False,
    )
    platform = SimulatedPlatform(shape)
    try:
        claim = platform.configuration()[PLATFORM_CLAIM]
        del claim["version"]
        platform.config_overrides = {
            "issuer": platform.url + "/",
            "id_token_signing_alg_values_supported": DELETE,
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS512"],
            "registration_endpoint": platform.url
            + shape.registration_path
            + "?registrationToken=75707671-2597",
            PLATFORM_CLAIM: claim,
        }
        client = app.test_client()
        page = start(client, platform)
        assert page.status_code == 200, page.get_data(as_text=True)
        assert "Notes for SkillCert" in page.get_data(as_text=True)
        assert submit(client, page).status_code == 200

        (registration,) = registrations_of(app)
        assert registration.preset == "blackboard"
        stored = registration.platform_configuration["registration_endpoint"]
        assert stored.endswith("?registrationToken=[hidden]")  # kept for operators, no token
        assert registration.issuer == platform.url  # the lone trailing '/' dropped
        warnings = "\n".join(registration.registration_warnings)
        for expected in (
            "without the trailing '/'",
            'lists 3 scopes as "URL/spec/…"',
            "does not list id_token_signing_alg_values_supported",
        ):
            assert expected in warnings
        (sent,) = platform.registration_requests
        assert {AGS + "lineitem", AGS + "result.readonly", AGS + "score"} <= set(
            sent["scope"].split()
        )
        kinds = [m["type"] for m in sent[TOOL_CONFIGURATION]["messages"]]
        assert kinds == ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"]

        runner = app.test_cli_runner()
        assert runner.invoke(args=["platform", "approve", str(registration.id)]).exit_code == 0
        added = runner.invoke(
            args=["deployment", "add", "--issuer", platform.url, "--deployment-id", "inst-1"]
        )
        assert added.exit_code == 0, added.output
        assert launcher(app, platform, registration, "inst-1").launch().status_code == 302
    finally:
        platform.close()


def test_missing_key_set_url_takes_the_presets_documented_one(app, platforms):
    """Moodle 3.10.0's claim name (a trailing space) and message name ("LtiResourceLink"),
    and no jwks_uri: Moodle documents where its keys are, so SkillCert uses that."""
    platform = platforms["moodle"]
    claim = platform.configuration()[PLATFORM_CLAIM]
    platform.config_overrides = {
        "jwks_uri": DELETE,
        PLATFORM_CLAIM: DELETE,
        PLATFORM_CLAIM + " ": {**claim, "messages_supported": ["LtiResourceLink"]},
    }
    client = app.test_client()
    assert submit(client, start(client, platform)).status_code == 200
    (registration,) = registrations_of(app)
    assert registration.preset == "moodle"
    assert registration.key_set_url == platform.url + "/mod/lti/certs.php"
    assert any(
        "no jwks_uri: SkillCert used the one Moodle documents" in w
        for w in registration.registration_warnings
    )
    (sent,) = platform.registration_requests
    assert [m["type"] for m in sent[TOOL_CONFIGURATION]["messages"]] == ["LtiResourceLinkRequest"]
    assert app.test_cli_runner().invoke(args=["platform", "approve", str(registration.id)])
    driver = launcher(app, platform, registration, registration.deployments[0].deployment_id)
    assert driver.launch().status_code == 302


#: What Blackboard's developer portal served (Behind the Blackboard 000090618, 2025-04-16),
#: with the portal's own address as issuer, as that article reports it.
BLACKBOARD_PORTAL = {
    "issuer": "https://developer.blackboard.com",
    "authorization_endpoint": "https://developer.blackboard.com/api/v1/gateway/oidcauth",
    "token_endpoint": "https://developer.blackboard.com/api/v1/gateway/oauth2/jwttoken",
    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
    "token_endpoint_auth_signing_alg_values_supported": ["RS256", "RS512"],
    "jwks_uri": "https://developer.blackboard.com/.well-known/jwks.json",
    "registration_endpoint": (
        "https://developer.blackboard.com/api/v1/gateway/registerLti?registrationToken=7570"
    ),
    "scopes_supported": [
        "openid",
        "URL/spec/lti-ags/scope/lineitem",
        "URL/spec/lti-ags/scope/score",
    ],
    "response_types_supported": ["id_token"],
    "id_token_signing_alg_values_supported": ["RS256", "RS512"],
    "URL/spec/lti-platform-configuration": {
        "product_family_code": "BlackboardLearn",
        "messages_supported": [
            {"type": "LtiResourceLinkRequest"},
            {"type": "ContextLaunchRequest"},
        ],
        "variables": [],
    },
}


@pytest.mark.parametrize("issuer", ["https://developer.blackboard.com", "https://blackboard.com"])
def test_blackboard_portal_issuer_is_blackboards_own(app, issuer):
    url = "https://developer.blackboard.com/api/v1/gateway/openid-configuration"
    document = {**BLACKBOARD_PORTAL, "issuer": issuer}
    platform = platform_configuration.read(url, document, app.config["SETTINGS"])
    assert platform.issuer == "https://blackboard.com"
    assert platform.preset == "blackboard"
    assert platform.scopes_supported == {
        "openid",
        AGS + "lineitem",
        AGS + "score",
    }
    corrected = any("Blackboard signs every launch" in w for w in platform.warnings)
    assert corrected == (issuer != "https://blackboard.com")


def test_blackboards_issuer_from_anywhere_else_is_refused(app):
    url = "https://lms.example.edu/openid-configuration"
    document = {**BLACKBOARD_PORTAL, "issuer": "https://blackboard.com"}
    with pytest.raises(RegistrationRefused, match=r"names the issuer https://blackboard\.com"):
        platform_configuration.read(url, document, app.config["SETTINGS"])


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"registration_endpoint": DELETE}, "has no registration_endpoint"),
        ({"id_token_signing_alg_values_supported": ["HS256"]}, "does not offer RS256"),
        ({"issuer": "https://lms.example.edu/?x=1"}, "without query or fragment"),
        ({"jwks_uri": "http://lms.example.edu/keys"}, "must be an https URL"),
    ],
)
def test_metadata_that_cannot_be_corrected_is_refused(app, platforms, overrides, message):
    platform = platforms["sakai"]
    platform.config_overrides = overrides
    page = start(app.test_client(), platform)
    assert page.status_code == 400
    assert message in html.unescape(page.get_data(as_text=True))
    assert registrations_of(app) == []


def test_generic_platform_without_key_set_url_is_refused(app, platforms):
    platform = platforms["moodle"]
    claim = platform.configuration()[PLATFORM_CLAIM]
    platform.config_overrides = {
        "jwks_uri": DELETE,
        PLATFORM_CLAIM: {**claim, "product_family_code": "UnknownLMS"},
    }
    page = start(app.test_client(), platform)
    assert page.status_code == 400
    assert "has no jwks_uri, which SkillCert needs" in page.get_data(as_text=True)


# -- approval ---------------------------------------------------------------------------


def test_auto_approve_only_for_trusted_hosts(make_app, platforms):
    trusting = make_app(dynamic_registration_auto_approve="lms.school.edu, 127.0.0.1")
    wary = make_app(dynamic_registration_auto_approve="*.school.edu, 127.0.0.2")
    try:
        for app in (trusting, wary):
            client = app.test_client()
            page = start(client, platforms["moodle"])
            assert ("can be used at once" in page.get_data(as_text=True)) == (app is trusting)
            assert submit(client, page).status_code == 200
        trusted, waiting = registrations_of(wary)  # both apps share the test's database
        assert trusted.is_active and trusted.pending_since is None
        assert all(d.is_active for d in trusted.deployments)
        assert not waiting.is_active and waiting.pending_since is not None
        driver = launcher(trusting, platforms["moodle"], trusted, "1")
        assert driver.launch().status_code == 302
    finally:
        for app in (trusting, wary):
            app.extensions["skillcert.engine"].dispose()


def test_cli_lists_pending_and_approves_by_issuer(app, platforms):
    client = app.test_client()
    assert submit(client, start(client, platforms["sakai"])).status_code == 200
    runner = app.test_cli_runner()

    pending = runner.invoke(args=["platform", "pending"])
    assert pending.exit_code == 0
    (registration,) = registrations_of(app)
    assert f"Registration {registration.id}: Sakai (127.0.0.1), pending since" in pending.output
    assert "Note: The LMS does not list the LTI service scopes" in pending.output
    listed = runner.invoke(args=["platform", "list"])
    assert "(pending, dynamic registration)" in listed.output
    assert "deployment 1 (pending)" in listed.output

    approved = runner.invoke(
        args=["platform", "approve", "--issuer", registration.issuer, "--client-id", "nope"]
    )
    assert approved.exit_code == 1 and "No platform is registered" in approved.output
    approved = runner.invoke(args=["platform", "approve", "--issuer", registration.issuer])
    assert approved.exit_code == 0, approved.output
    assert "with deployment 1" in approved.output
    again = runner.invoke(args=["platform", "approve", str(registration.id)])
    assert again.exit_code == 1 and "already approved" in again.output
    assert (
        runner.invoke(args=["platform", "pending"]).output.strip() == "Nothing waits for approval."
    )
    assert audit_actions(app) == [
        ("lms", "registration.dynamic"),
        ("cli", "registration.approve"),
    ]


# -- bad input: a clear page, nothing stored --------------------------------------------


def _nothing_stored(app: Flask) -> None:
    assert registrations_of(app) == []
    assert audit_actions(app) == []


def test_missing_parameter(app):
    page = app.test_client().get("/lti/register")
    assert page.status_code == 400
    assert "without an openid_configuration URL" in page.get_data(as_text=True)
    posted = app.test_client().post("/lti/register", data={})
    assert posted.status_code == 400
    _nothing_stored(app)


@pytest.mark.parametrize(
    "url",
    [
        "http://lms.example.edu/mod/lti/openid-configuration.php",
        "https://10.20.0.5/mod/lti/openid-configuration.php",
        "https://127.0.0.1:1/mod/lti/openid-configuration.php",
        "ftp://lms.example.edu/config",
    ],
)
def test_configuration_url_not_https_or_not_public(make_app, url):
    app = make_app(base_url="https://skillcert.example.edu")
    try:
        page = app.test_client().get("/lti/register?" + urlencode({"openid_configuration": url}))
        text = html.unescape(page.get_data(as_text=True))
        assert page.status_code == 400, text
        assert "it must be an https URL of an LMS on the public internet" in text
        assert "outbound_allowed_hosts" in text
        _nothing_stored(app)
    finally:
        app.extensions["skillcert.engine"].dispose()


def test_oversized_configuration(make_app, platforms, caplog):
    app = make_app(http_max_response_bytes=4000)
    platform = platforms["canvas"]
    platform.config_padding = 10_000
    token = platform.issue_registration_token()
    try:
        with caplog.at_level(logging.INFO):
            page = start(app.test_client(), platform, token)
        assert page.status_code == 400
        assert "returned more than 4000 bytes" in page.get_data(as_text=True)
        assert token not in caplog.text  # the token in Canvas's configuration URL
        assert "registration_token=[hidden]" in caplog.text
        _nothing_stored(app)
    finally:
        app.extensions["skillcert.engine"].dispose()


def test_registration_endpoint_error_is_shown(app, platforms):
    platform = platforms["canvas"]
    platform.refuse_next_registration = (
        422,
        {"errors": [{"message": "Validation failed: Scopes Invalid scopes: x"}]},
    )
    client = app.test_client()
    done = submit(client, start(client, platform))
    text = html.unescape(done.get_data(as_text=True))
    assert done.status_code == 400
    assert "The LMS refused SkillCert's registration (HTTP 422)" in text
    assert "Invalid scopes: x" in text
    assert "A registration token works once" in text
    _nothing_stored(app)


def test_used_registration_token_is_refused_by_the_lms(app, platforms):
    platform = platforms["moodle"]
    client = app.test_client()
    page = start(client, platform)
    assert submit(client, page).status_code == 200
    again = submit(client, page)  # the same form posted twice (a reload)
    assert again.status_code == 400
    assert "token_already_used" in again.get_data(as_text=True)
    assert len(registrations_of(app)) == 1


def test_pending_registrations_are_capped(app, platforms):
    with transaction(app) as session:
        for n in range(MAX_PENDING_REGISTRATIONS):
            registration = add_platform(
                session,
                app.config["SETTINGS"],
                preset="generic",
                issuer=f"https://lms{n}.example.edu",
                client_id="c",
                auth_login_url="https://lms.example.edu/auth",
                auth_token_url="https://lms.example.edu/token",
                key_set_url="https://lms.example.edu/jwks",
            )
            registration.is_active, registration.pending_since = False, utcnow()
    platform = platforms["moodle"]
    page = start(app.test_client(), platform)
    assert page.status_code == 503
    assert "too many registrations waiting" in page.get_data(as_text=True)
    assert platform.registration_requests == []
    with transaction(app) as session:
        assert session.scalar(select(func.count()).select_from(Registration)) == 50


def test_register_is_rate_limited(make_app, platforms):
    app = make_app(rate_limit_burst=2)
    try:
        client = app.test_client()
        statuses = [start(client, platforms["moodle"]).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
    finally:
        app.extensions["skillcert.engine"].dispose()


# -- framing ----------------------------------------------------------------------------


def test_registration_pages_are_framed_by_the_lms_being_registered(app, platforms):
    platform = platforms["canvas"]
    page = start(app.test_client(), platform)
    policy = page.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {platform.url}" in policy
    refused = app.test_client().get("/lti/register")
    assert "frame-ancestors 'self';" not in refused.headers["Content-Security-Policy"]
    assert refused.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")


def test_a_pending_lms_may_frame_the_page_that_says_it_waits(app, platforms):
    platform = platforms["moodle"]
    client = app.test_client()
    assert submit(client, start(client, platform)).status_code == 200
    (registration,) = registrations_of(app)
    driver = launcher(app, platform, registration, "1")
    refused = driver.login(driver.spec())
    assert refused.status_code == 403
    assert platform.url in refused.headers["Content-Security-Policy"]
    with transaction(app) as session:
        session.get(Registration, registration.id).pending_since = None  # switched off
    other = app.test_client()
    driver.client = other
    switched_off = driver.login(driver.spec())
    assert switched_off.status_code == 403
    assert "not registered" in switched_off.get_data(as_text=True)


def test_canvas_configuration_needs_the_registration_token(app, platforms):
    """Canvas answers its configuration URL only with the token as Bearer: SkillCert sends
    it, and a registration started without one is refused with Canvas's answer."""
    platform = platforms["canvas"]
    url = platform.configuration_url()
    page = app.test_client().get("/lti/register?" + urlencode({"openid_configuration": url}))
    assert page.status_code == 400
    assert "The LMS answered HTTP 401 for its configuration" in page.get_data(as_text=True)
    _nothing_stored(app)


# -- one set of custom parameters, for every way of registering --------------------------


def test_presets_setup_declares_the_same_custom_parameters(app):
    runner = app.test_cli_runner()
    canvas = json.loads(runner.invoke(args=["platform", "config", "--lms", "canvas"]).output)
    assert canvas["custom_fields"].items() >= {**HISTORY, **DATES}.items()
    sakai = runner.invoke(args=["platform", "config", "--lms", "sakai"]).output
    for name, value in {**HISTORY, **DATES}.items():
        assert f"    {name}={value}\n" in sakai


@pytest.mark.parametrize("value", ["https://lms.school.edu", "lms.school.edu/path", "*.", "a b"])
def test_a_bad_auto_approve_entry_stops_start_up(make_app, value):
    with pytest.raises(SettingsError, match="dynamic_registration_auto_approve"):
        make_app(dynamic_registration_auto_approve=f"lms.example.edu, {value}")


def test_unusable_registration_token(app, platforms):
    platform = platforms["moodle"]
    query = {"openid_configuration": platform.configuration_url(), "registration_token": "a b\n"}
    page = app.test_client().get("/lti/register?" + urlencode(query))
    assert page.status_code == 400
    assert "registration token SkillCert cannot use" in page.get_data(as_text=True)
    _nothing_stored(app)
