"""A launch from a new deployment of a registered LMS is recorded as pending, once the token
has passed every check, and the person is told politely; an operator enables it with one
command. The simulated LMS signs real id_tokens over loopback HTTP."""

from __future__ import annotations

import base64
import html
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from lti_tool.db import transaction
from lti_tool.lti.launch import MAX_PENDING_DEPLOYMENTS
from lti_tool.models import AuditEntry, Deployment, Registration, utcnow
from tests.simulated_lms import DELETE, LTI

PRESENTATION = LTI + "launch_presentation"
RETURN_URL = "https://lms.example/course/7/return?launch=abc"


def launch_new_deployment(lms, deployment_id: str = "dep-new", **claims):
    return lms.launch(deployment_id=deployment_id, claims=claims)


def deployments(app) -> dict[str, Deployment]:
    with transaction(app) as session:
        return {d.deployment_id: d for d in session.scalars(select(Deployment))}


def audit_actions(app) -> list[tuple[str, str, dict]]:
    with transaction(app) as session:
        entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.actor, e.details) for e in entries]


def return_link(page: str) -> str | None:
    start = page.find('class="button" href="')
    if start < 0:
        return None
    start += len('class="button" href="')
    return html.unescape(page[start : page.index('"', start)])


def test_new_deployment_is_recorded_pending_and_the_person_told_politely(lms, app, sim):
    response = launch_new_deployment(
        lms, **{PRESENTATION: {"return_url": RETURN_URL, "document_target": "iframe"}}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "administrator has been asked to enable it" in page
    assert "<code>dep-new</code>" in page
    # Shown in the LMS's frame, like every launch answer.
    assert sim.url in response.headers["Content-Security-Policy"]
    # The link back keeps the LMS's own query and adds the message the LMS may show.
    link = urlsplit(return_link(page))
    assert f"{link.scheme}://{link.netloc}{link.path}" == RETURN_URL.split("?")[0]
    query = parse_qs(link.query)
    assert query["launch"] == ["abc"]
    assert query["lti_msg"] == ["SkillCert's administrator has been asked to enable this tool."]
    # No session: the person is not let in.
    assert lms.session_info().status_code == 401
    held = deployments(app)["dep-new"]
    assert held.is_active is False and held.pending_since is not None
    assert deployments(app)["deployment-1"].pending_since is None  # the enabled one untouched
    (entry,) = audit_actions(app)
    assert entry == (
        "deployment.pending",
        "lms",
        {"registration_id": held.registration_id, "deployment_id": "dep-new"},
    )


def test_the_same_deployment_launching_again_gets_the_same_page_and_no_new_row(lms, app):
    first = launch_new_deployment(lms)
    since = deployments(app)["dep-new"].pending_since
    again = launch_new_deployment(lms, sub="user-2")
    assert again.status_code == 200
    assert "administrator has been asked to enable it" in again.get_data(as_text=True)
    assert first.status_code == 200
    assert len(deployments(app)) == 2
    assert deployments(app)["dep-new"].pending_since == since
    assert [action for action, _, _ in audit_actions(app)] == ["deployment.pending"]


@pytest.mark.parametrize(
    "presentation",
    [
        None,
        {"return_url": "javascript:alert(document.domain)"},
        {"return_url": "data:text/html,<script>alert(1)</script>"},
        {"return_url": "//lms.example/no-scheme"},
        {"return_url": 42},
    ],
    ids=["no claim", "javascript", "data", "no scheme", "not a string"],
)
def test_no_return_link_unless_the_lms_gave_an_http_url(lms, presentation):
    claims = {} if presentation is None else {PRESENTATION: presentation}
    response = launch_new_deployment(lms, **claims)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert return_link(page) is None
    assert "javascript:" not in page and "data:text" not in page


NOW = int(time.time())


@pytest.mark.parametrize(
    ("tamper", "status", "message"),
    [
        ({"signing": "stranger"}, 400, "Signature verification failed"),
        ({"signing": "none"}, 400, "not RS256"),
        ({"header": {"kid": "kid-nobody-published"}}, 400, "kid-nobody-published"),
        ({"claims": {"nonce": "not-the-login-nonce"}}, 400, "nonce does not match"),
        ({"claims": {"exp": NOW - 3600, "iat": NOW - 3700}}, 400, "This launch has expired"),
        ({"claims": {"aud": "someone-else"}}, 403, "This LMS is not registered"),
        ({"claims": {"iss": "https://unknown-lms.example"}}, 403, "This LMS is not registered"),
        ({"claims": {LTI + "version": "1.1"}}, 400, "supports LTI 1.3.0 launches only"),
        ({"claims": {LTI + "roles": DELETE}}, 400, "roles claim is missing"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_a_launch_that_fails_any_check_records_nothing(lms, app, tamper, status, message):
    response = lms.launch(deployment_id="dep-forged", **tamper)
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert message in text
    assert "dep-forged" not in deployments(app)
    assert audit_actions(app) == []


def test_a_tampered_payload_with_a_new_deployment_records_nothing(lms, app):
    form = lms.authorize(lms.login(lms.spec()))
    head, body, signature = form["id_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims[LTI + "deployment_id"] = "dep-forged"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    form["id_token"] = f"{head}.{forged}.{signature}"
    response = lms.client.post("/lti/launch", data=form)
    assert response.status_code == 400
    assert "Signature verification failed" in response.get_data(as_text=True)
    assert "dep-forged" not in deployments(app)
    assert audit_actions(app) == []


def test_a_replayed_pending_launch_is_refused_as_already_used(lms, app):
    form = lms.authorize(lms.login(lms.spec(deployment_id="dep-new")))
    assert lms.client.post("/lti/launch", data=form).status_code == 200
    replay = app.test_client().post("/lti/launch", data=form)
    assert replay.status_code == 400
    assert "already used" in replay.get_data(as_text=True)
    assert len(deployments(app)) == 2


def test_beyond_the_cap_new_deployments_are_refused_unrecorded(lms, app):
    with transaction(app) as session:
        registration = session.scalars(select(Registration)).one()
        session.add_all(
            Deployment(
                registration_id=registration.id,
                deployment_id=f"dep-{n}",
                is_active=False,
                pending_since=utcnow(),
            )
            for n in range(MAX_PENDING_DEPLOYMENTS)
        )
    refused = launch_new_deployment(lms, "dep-one-too-many")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 403, text
    assert "This LMS deployment (dep-one-too-many) is not enabled" in text
    assert "dep-one-too-many" not in deployments(app)
    # One already waiting still gets the polite page.
    assert launch_new_deployment(lms, "dep-0").status_code == 200
    with transaction(app) as session:
        assert session.scalar(select(func.count()).select_from(Deployment)) == (
            MAX_PENDING_DEPLOYMENTS + 1
        )
    assert audit_actions(app) == []


def test_deployment_enable_lets_the_same_launch_in(lms, app, runner):
    assert launch_new_deployment(lms).status_code == 200
    listed = runner.invoke(args=["deployment", "list", "--pending"])
    assert listed.exit_code == 0, listed.output
    (line, advice) = listed.output.splitlines()
    assert "deployment dep-new\tPENDING since " in line and lms.issuer in line
    assert "skillcert deployment enable --issuer" in advice

    result = runner.invoke(
        args=["deployment", "enable", "--issuer", lms.issuer, "--deployment-id", "dep-new"]
    )
    assert result.exit_code == 0, result.output
    assert "Enabled deployment dep-new" in result.output
    held = deployments(app)["dep-new"]
    assert held.is_active is True and held.pending_since is None
    assert audit_actions(app)[-1] == (
        "deployment.enable",
        "cli",
        {"registration_id": held.registration_id, "deployment_id": "dep-new", "was_pending": True},
    )

    response = launch_new_deployment(lms)
    assert response.status_code == 302 and response.headers["Location"] == "/learn/"
    assert lms.session_info().get_json()["deployment_id"] == held.id
    assert runner.invoke(args=["deployment", "list", "--pending"]).output == (
        "No deployment is pending.\n"
    )
    again = runner.invoke(
        args=["deployment", "enable", "--issuer", lms.issuer, "--deployment-id", "dep-new"]
    )
    assert again.exit_code == 0 and "already enabled" in again.output
    assert [action for action, _, _ in audit_actions(app)].count("deployment.enable") == 1


def test_deployment_enable_names_what_it_cannot_find(lms, app, runner):
    unknown = runner.invoke(
        args=["deployment", "enable", "--issuer", lms.issuer, "--deployment-id", "nope"]
    )
    assert unknown.exit_code == 1
    assert "has no deployment nope" in unknown.output
    assert "skillcert deployment list" in unknown.output
    no_issuer = runner.invoke(
        args=["deployment", "enable", "--issuer", "https://x.example", "--deployment-id", "1"]
    )
    assert no_issuer.exit_code == 1
    assert "No platform is registered with issuer https://x.example" in no_issuer.output
    assert audit_actions(app) == []


def test_a_deployment_an_operator_switched_off_stays_refused(lms, app, runner):
    with transaction(app) as session:
        session.execute(
            Deployment.__table__.update()
            .where(Deployment.deployment_id == "deployment-1")
            .values(is_active=False)
        )
    response = lms.launch()
    text = response.get_data(as_text=True)
    assert response.status_code == 403, text
    assert "This LMS deployment (deployment-1) is not enabled" in text
    assert "skillcert deployment enable" in text
    assert lms.session_info().status_code == 401
    switched_off = deployments(app)["deployment-1"]
    assert switched_off.is_active is False and switched_off.pending_since is None
    assert audit_actions(app) == []
    listed = runner.invoke(args=["deployment", "list"]).output
    assert "deployment deployment-1\tDISABLED" in listed
    assert (
        runner.invoke(
            args=["deployment", "enable", "--issuer", lms.issuer, "--deployment-id", "deployment-1"]
        ).exit_code
        == 0
    )
    assert lms.launch().status_code == 302


def test_deployment_list_json_marks_each_state(lms, runner):
    launch_new_deployment(lms)
    listing = runner.invoke(args=["deployment", "list", "--json"])
    assert listing.exit_code == 0, listing.output
    states = {
        d["deployment_id"]: (d["state"], d["pending_since"]) for d in json.loads(listing.output)
    }
    assert states["deployment-1"] == ("active", None)
    assert states["dep-new"][0] == "pending" and states["dep-new"][1] is not None


def test_deployment_add_is_audited_and_enable_warns_of_a_registration_not_yet_approved(
    lms, app, runner
):
    added = runner.invoke(
        args=["deployment", "add", "--issuer", lms.issuer, "--deployment-id", "dep-typed"]
    )
    assert added.exit_code == 0, added.output
    typed = deployments(app)["dep-typed"]
    assert typed.is_active is True and typed.pending_since is None
    assert audit_actions(app) == [
        (
            "deployment.add",
            "cli",
            {"registration_id": typed.registration_id, "deployment_id": "dep-typed"},
        )
    ]
    assert launch_new_deployment(lms).status_code == 200
    with transaction(app) as session:
        session.execute(
            Registration.__table__.update().values(is_active=False, pending_since=utcnow())
        )
    enabled = runner.invoke(
        args=["deployment", "enable", "--issuer", lms.issuer, "--deployment-id", "dep-new"]
    )
    assert enabled.exit_code == 0, enabled.output
    assert "not active yet" in enabled.output
    assert deployments(app)["dep-new"].is_active is True


def test_the_page_is_in_the_language_the_launch_asks_for(lms):
    """No session exists yet: the launch's own locale claim chooses the page's language."""
    spanish = launch_new_deployment(lms, **{PRESENTATION: {"locale": "es-MX"}})
    assert spanish.status_code == 200
    assert '<html lang="es">' in spanish.get_data(as_text=True)
    english = launch_new_deployment(lms, **{PRESENTATION: {"locale": "en-GB"}})
    assert '<html lang="en">' in english.get_data(as_text=True)
