"""The console's registrations and deployments, with the simulated LMS launching for real:
a pending registration launches once approved, a pending deployment once enabled, a
switched-off one no more; the add and edit forms run `skillcert platform add`'s checks,
show their errors and store nothing then; every change is in the audit log."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lti_tool.db import transaction
from lti_tool.models import AuditEntry, Deployment, RegisteredVia, Registration, utcnow
from tests.operator_console import EMAIL, console_post, sign_in


@pytest.fixture
def console(app):
    client = app.test_client()
    sign_in(client, app)
    return client


def _registration(app, lms) -> Registration:
    """The driver's registration, with its deployments loaded."""
    with transaction(app) as session:
        return session.scalars(
            select(Registration)
            .options(selectinload(Registration.deployments))
            .where(Registration.client_id == lms.client_id)
        ).one()


def _launches(lms, **fields) -> int:
    """The status the whole launch ends with: the login's when the tool refuses it there,
    else the launch post's (302 to the page when accepted)."""
    spec = lms.spec(**fields)
    login = lms.login(spec)
    if login.status_code != 302:
        return login.status_code
    return lms.client.post(
        "/lti/launch", data=lms.sim.authorize(login.headers["Location"])
    ).status_code


def _audit(app, action: str) -> list[AuditEntry]:
    with transaction(app) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _count(app, model) -> int:
    with transaction(app) as session:
        return session.scalar(select(func.count()).select_from(model))


def _make_pending(app, lms) -> int:
    """What Dynamic Registration leaves: the registration and its deployment waiting, the
    platform's configuration and a warning to read."""
    with transaction(app) as session:
        registration = session.scalars(
            select(Registration).where(Registration.client_id == lms.client_id)
        ).one()
        registration.is_active = False
        registration.pending_since = utcnow()
        registration.registered_via = RegisteredVia.DYNAMIC
        registration.platform_configuration = {
            "issuer": lms.issuer,
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "<script>alert(1)</script>",
            },
        }
        registration.registration_warnings = ["Stored the issuer without its trailing '/'."]
        for deployment in registration.deployments:
            deployment.is_active = False
            deployment.pending_since = utcnow()
        return registration.id


def test_approving_a_pending_registration_lets_its_lms_launch(app, lms, console):
    registration_id = _make_pending(app, lms)
    assert _launches(lms) in (400, 403)
    listing = console.get("/operator/registrations").get_data(as_text=True)
    assert "Pending approval" in listing and "Dynamic Registration" in listing
    page = console.get(f"/operator/registrations/{registration_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "trailing" in page and '"product_family_code"' in page.replace("&#34;", '"')

    approved = console_post(console, app, f"/operator/registrations/{registration_id}/approve")
    assert approved.status_code == 303
    assert "Approved" in console.get(approved.headers["Location"]).get_data(as_text=True)
    assert _launches(lms) == 302
    (entry,) = _audit(app, "registration.approve")
    assert (entry.actor, entry.target) == (EMAIL, f"registration {registration_id}")
    assert entry.details["issuer"] == lms.issuer
    again = console_post(console, app, f"/operator/registrations/{registration_id}/approve")
    assert "not_pending" in again.headers["Location"]
    assert len(_audit(app, "registration.approve")) == 1


def test_a_pending_deployment_is_enabled_in_one_click(app, lms, console):
    """A deployment first seen in a launch waits (is_active False, pending_since set)."""
    with transaction(app) as session:
        registration = session.scalars(select(Registration)).one()
        waiting = Deployment(
            registration=registration,
            deployment_id="deployment-2",
            is_active=False,
            pending_since=utcnow(),
        )
        session.add(waiting)
        session.flush()
        registration_id, deployment_id = registration.id, waiting.id
    assert _launches(lms, deployment_id="deployment-2") != 302
    listing = console.get("/operator/registrations").get_data(as_text=True)
    enable = f"/operator/registrations/{registration_id}/deployments/{deployment_id}/enable"
    assert f'action="{enable}"' in listing  # the button is in the list itself
    assert console_post(console, app, enable).status_code == 303
    assert _launches(lms, deployment_id="deployment-2") == 302
    (entry,) = _audit(app, "deployment.enable")
    assert entry.target == f"deployment {deployment_id}"
    assert entry.details == {"registration_id": registration_id, "deployment_id": "deployment-2"}


def test_switching_registrations_and_deployments_off_and_on(app, lms, console):
    registration = _registration(app, lms)
    deployment = registration.deployments[0]
    base = f"/operator/registrations/{registration.id}"
    assert console_post(console, app, f"{base}/disable").status_code == 303
    assert _launches(lms) == 403
    assert console_post(console, app, f"{base}/enable").status_code == 303
    assert _launches(lms) == 302
    off = console_post(console, app, f"{base}/deployments/{deployment.id}/disable")
    assert off.status_code == 303
    assert _launches(lms) == 403
    assert (
        console_post(console, app, f"{base}/deployments/{deployment.id}/enable").status_code == 303
    )
    assert _launches(lms) == 302
    actions = [
        e.action for e in _audit(app, "registration.disable") + _audit(app, "deployment.disable")
    ]
    assert actions == ["registration.disable", "deployment.disable"]
    assert len(_audit(app, "registration.enable") + _audit(app, "deployment.enable")) == 2


def test_a_deployment_of_another_registration_is_not_reachable_by_its_url(app, lms, console):
    registration = _registration(app, lms)
    other = lms.__class__(app, app.test_client(), lms.sim)
    other.register(deployment_id="theirs")
    theirs = _registration(app, other).deployments[0]
    url = f"/operator/registrations/{registration.id}/deployments/{theirs.id}/disable"
    assert console_post(console, app, url).status_code == 404
    assert _launches(other, deployment_id="theirs") == 302
    assert console.get("/operator/registrations/999999").status_code == 404


def _add_form(lms, **changed: str) -> dict[str, str]:
    return {
        "preset": "generic",
        "name": "District Moodle",
        "issuer": lms.sim.url,
        "client_id": "console-client",
        "deployment_id": "d-1",
        "auth_login_url": lms.sim.auth_login_url,
        "auth_token_url": lms.sim.token_url,
        "key_set_url": lms.sim.key_set_url,
        "frame_origins": "",
        **changed,
    }


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"client_id": ""}, "--client-id is empty"),
        ({"issuer": "http://lms.example.edu"}, "must use https"),
        ({"auth_token_url": "ftp://127.0.0.1/token"}, "must use https"),
        ({"key_set_url": "https://exa mple.edu/keys"}, "contains a space"),
        ({"preset": "nosuchlms"}, "Unknown LMS preset"),
        ({"frame_origins": "lms.example.edu"}, "--frame-origin"),
        ({"frame_origins": "https://admin:secret@lms.example.edu"}, "user name or password"),
    ],
)
def test_adding_with_bad_input_shows_the_error_and_stores_nothing(
    app, lms, console, changed, message
):
    before = (_count(app, Registration), _count(app, Deployment), _count(app, AuditEntry))
    answer = console_post(console, app, "/operator/registrations/new", **_add_form(lms, **changed))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and message in page and "Nothing was saved" in page
    assert 'value="District Moodle"' in page  # what was typed stays in the form
    after = (_count(app, Registration), _count(app, Deployment), _count(app, AuditEntry))
    assert after == before


def test_adding_a_registration_runs_the_clis_checks_and_keeps_its_warnings(app, lms, console):
    form = _add_form(lms, preset="moodle", auth_login_url=lms.sim.auth_login_url + "/")
    added = console_post(console, app, "/operator/registrations/new", **form)
    assert added.status_code == 303, added.get_data(as_text=True)
    with transaction(app) as session:
        stored = session.scalars(
            select(Registration).where(Registration.client_id == "console-client")
        ).one()
        assert (stored.name, stored.preset, stored.issuer) == (
            "District Moodle",
            "moodle",
            lms.sim.url,
        )
        assert [d.deployment_id for d in stored.deployments] == ["d-1"]
        assert any(
            "does not end like the Moodle endpoint" in w for w in stored.registration_warnings
        )
        registration_id = stored.id
    assert urlsplit(added.headers["Location"]).path == f"/operator/registrations/{registration_id}"
    page = console.get(added.headers["Location"]).get_data(as_text=True)
    assert "does not end like the Moodle endpoint" in page and "The LMS is registered" in page
    (entry,) = _audit(app, "registration.add")
    assert entry.details == {
        "issuer": lms.sim.url,
        "client_id": "console-client",
        "deployment_id": "d-1",
    }
    duplicate = console_post(console, app, "/operator/registrations/new", **form)
    assert duplicate.status_code == 422 and "already registered" in duplicate.get_data(as_text=True)


def test_editing_goes_through_the_same_checks(app, lms, console):
    registration = _registration(app, lms)
    url = f"/operator/registrations/{registration.id}/edit"
    form = console.get(url).get_data(as_text=True)
    assert f'value="{lms.sim.token_url}"' in form
    good = {
        "name": "Springfield LMS",
        "auth_login_url": lms.sim.auth_login_url,
        "auth_token_url": lms.sim.token_url,
        "key_set_url": lms.sim.key_set_url,
        "auth_audience": "",
        "frame_origins": "https://lms.springfield.edu/courses/1\nhttps://Other.Example.edu",
        "serial_requests": "on",
    }
    for changed, message in [
        ({"auth_token_url": "ftp://127.0.0.1/token"}, "must use https"),
        ({"name": "  "}, "The name must be"),
        ({"auth_login_url": ""}, "--auth-login-url is required"),
        ({"frame_origins": "not a url"}, "--frame-origin"),
    ]:
        refused = console_post(console, app, url, **{**good, **changed})
        assert refused.status_code == 422 and message in refused.get_data(as_text=True)
    unchanged = _registration(app, lms)
    assert (unchanged.name, unchanged.frame_origins, unchanged.serial_requests) == (
        registration.name,
        [],
        False,
    )
    assert _audit(app, "registration.edit") == []

    saved = console_post(console, app, url, **good)
    assert saved.status_code == 303
    changed = _registration(app, lms)
    assert changed.name == "Springfield LMS" and changed.serial_requests is True
    assert changed.frame_origins == ["https://lms.springfield.edu", "https://other.example.edu"]
    (entry,) = _audit(app, "registration.edit")
    assert entry.details == {
        "name": "Springfield LMS",
        "frame_origins": ["https://lms.springfield.edu", "https://other.example.edu"],
        "serial_requests": True,
    }
    again = console_post(console, app, url, **good)
    assert "unchanged" in again.headers["Location"] and len(_audit(app, "registration.edit")) == 1


def test_adding_a_deployment_on_the_registrations_page(app, lms, console):
    registration = _registration(app, lms)
    url = f"/operator/registrations/{registration.id}/deployments"
    added = console_post(console, app, url, deployment_id="inst-2", name="Second campus")
    assert added.status_code == 303
    assert _launches(lms, deployment_id="inst-2") == 302
    duplicate = console_post(console, app, url, deployment_id="inst-2")
    assert duplicate.status_code == 422 and "already added" in duplicate.get_data(as_text=True)
    assert len(_audit(app, "deployment.add")) == 1


def test_what_to_enter_in_the_lms(app, console):
    page = console.get("/operator/registrations/lms-setup?lms=canvas").get_data(as_text=True)
    assert "oidc_initiation_url" in page and "http://localhost/lti/login" in page
    moodle = console.get("/operator/registrations/lms-setup?lms=moodle").get_data(as_text=True)
    assert "http://localhost/lti/jwks.json" in moodle
    assert console.get("/operator/registrations/lms-setup?lms=nope").status_code == 404
