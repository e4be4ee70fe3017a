"""Keys from the console: rotating the tool key publishes both keys at /lti/jwks.json and the
new one signs what SkillCert sends the (simulated) LMS; retiring unpublishes a rotated-out
key, never the signing one; issuer keys rotate and retire (with a confirmation) in
did.json; each change is in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.credentials import keys as issuer_keys
from lti_tool.db import transaction
from lti_tool.lti.keys import ensure_key
from lti_tool.models import AuditEntry
from lti_tool.services.errors import ServiceError
from lti_tool.services.tokens import TokenCache
from tests.conftest import LEARNER
from tests.operator_console import EMAIL, console_post, sign_in
from tests.services_driver import ServiceCourse


@pytest.fixture
def console(app):
    client = app.test_client()
    sign_in(client, app)
    return client


def _audit(app, action: str) -> list[AuditEntry]:
    with transaction(app) as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _published(app) -> list[dict]:
    return app.test_client().get("/lti/jwks.json").get_json()["keys"]


def _lms_knows_only(course: ServiceCourse, keys: list[dict]) -> None:
    """The LMS is given these keys of the tool (and forgets its cached token)."""
    course.sim.register_tool(
        course.driver.client_id, {"keys": keys}, audience=course.registration.auth_audience
    )
    course.tokens = TokenCache(
        course.app.config["SETTINGS"], course.app.extensions["skillcert.http"]
    )


def test_rotating_the_tool_key_publishes_both_and_the_new_one_signs(app, sim, console):
    course = ServiceCourse(app, sim, members=[{"user_id": "user-1", "roles": [LEARNER]}])
    (old,) = _published(app)
    assert "Signs" in console.get("/operator/keys").get_data(as_text=True)

    rotated = console_post(console, app, "/operator/keys/tool/rotate")
    assert rotated.status_code == 303
    new, kept = _published(app)
    assert kept == old and new["kid"] != old["kid"]
    page = console.get(rotated.headers["Location"]).get_data(as_text=True)
    assert new["kid"] in page and old["kid"] in page and "Published until" in page

    _lms_knows_only(course, [new])
    # Its token request was signed with the new key, the only one the LMS knows now.
    assert [member.user_id for member in course.nrps().members()] == ["user-1"]
    _lms_knows_only(course, [old])
    with pytest.raises(ServiceError):
        course.nrps().members()
    (entry,) = _audit(app, "key.rotate")
    assert (entry.actor, entry.target) == (EMAIL, f"tool key {new['kid']}")
    assert entry.details == {"overlap_days": 14}


def test_retiring_a_rotated_out_tool_key_but_never_the_signing_one(app, console):
    with transaction(app) as session:
        ensure_key(session)  # the first key, as `skillcert db upgrade` makes it
    console_post(console, app, "/operator/keys/tool/rotate")
    console_post(console, app, "/operator/keys/tool/rotate")
    signing, previous, first = (key["kid"] for key in _published(app))
    refused = console_post(console, app, f"/operator/keys/tool/{signing}/retire")
    assert refused.status_code == 409 and "rotate first" in refused.get_data(as_text=True)
    retired = console_post(console, app, f"/operator/keys/tool/{first}/retire")
    assert retired.status_code == 303
    assert [key["kid"] for key in _published(app)] == [signing, previous]
    assert console_post(console, app, f"/operator/keys/tool/{first}/retire").status_code == 404
    assert [entry.target for entry in _audit(app, "key.retire")] == [f"tool key {first}"]


def _did_keys(app) -> list[str]:
    document = app.test_client().get("/.well-known/did.json").get_json()
    return [method["publicKeyMultibase"] for method in document["verificationMethod"]]


def test_rotating_and_retiring_issuer_keys(app, console):
    console_post(console, app, "/operator/keys/issuer/rotate")
    (first,) = _did_keys(app)
    assert console_post(console, app, "/operator/keys/issuer/rotate").status_code == 303
    second, kept = _did_keys(app)
    assert kept == first
    with transaction(app) as session:
        assert issuer_keys.signing_key(session).public_key_multibase == second
    page = console.get("/operator/keys").get_data(as_text=True)
    assert "Signs new credentials" in page and "Published; no longer signs" in page

    unconfirmed = console_post(console, app, f"/operator/keys/issuer/{first}/retire")
    assert unconfirmed.status_code == 422 and "Nothing was retired" in unconfirmed.get_data(
        as_text=True
    )
    assert _did_keys(app) == [second, first]
    confirmed = console_post(console, app, f"/operator/keys/issuer/{first}/retire", confirm="yes")
    assert confirmed.status_code == 303
    assert _did_keys(app) == [second]
    assert (
        console_post(
            console, app, f"/operator/keys/issuer/{first}/retire", confirm="yes"
        ).status_code
        == 404
    )
    assert len(_audit(app, "issuer_key.rotate")) == 2
    assert [entry.target for entry in _audit(app, "issuer_key.retire")] == [f"issuer key {first}"]
