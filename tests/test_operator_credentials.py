"""The operator console's credentials page: every tenant's credentials, found by the id a
credential gives itself, and revoked with a reason that the audit log keeps; the LMS
administrator's page still shows its own tenant's only."""

from __future__ import annotations

import re

from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.models import AuditEntry, Credential
from tests.conftest import LmsDriver
from tests.conftest import csrf_token_of as token
from tests.operator_console import EMAIL, sign_in
from tests.test_credentials import api_verify, failed_codes
from tests.test_credentials_renewal import hold_credential
from tests.test_credentials_wallet import admin_launch, days_from_now


def two_tenants(course, simulated_lms) -> tuple[str, str]:
    """Ada's credential from the course's LMS, and Bea's from another LMS; their ids."""
    course.launch(sub="ada", name="Ada Lovelace")
    ours = hold_credential(course.app, "ada", valid_until=days_from_now(400))
    other = LmsDriver(course.app, course.app.test_client(), simulated_lms)
    other.register(issuer="https://other-lms.example", client_id="other-client")
    other.launch(sub="bea", name="Bea Other")
    theirs = hold_credential(course.app, "bea", valid_until=days_from_now(400))
    return ours, theirs


def console(course):
    client = course.app.test_client()
    sign_in(client, course.app)
    return client


def test_the_console_lists_every_tenants_credentials_and_finds_one_by_its_id(course, simulated_lms):
    ours, theirs = two_tenants(course, simulated_lms)
    operator = console(course)
    page = operator.get("/operator/credentials").get_data(as_text=True)
    assert ours in page and theirs in page
    assert "Credentials: 2 (page 1 of 1)" in page
    # Each row names its LMS, and the learner by their LMS user id rather than their name.
    assert "(https://other-lms.example)" in page and f"({simulated_lms.url})" in page
    assert '<span lang="">bea</span>' in page and "Bea Other" not in page

    # The id as the credential itself gives it (urn:uuid:…), in any case, or bare.
    for asked in (f"urn:uuid:{theirs}", f"URN:UUID:{theirs.upper()}", f"  {theirs} "):
        found = operator.get("/operator/credentials", query_string={"q": asked})
        shown = found.get_data(as_text=True)
        assert "Credentials: 1 (page 1 of 1)" in shown, asked
        assert theirs in shown and ours not in shown
    nobody = operator.get(
        "/operator/credentials", query_string={"q": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    ).get_data(as_text=True)
    assert "No credential matches." in nobody
    wrong = operator.get("/operator/credentials", query_string={"q": "ada"}).get_data(as_text=True)
    assert "This is not a credential id" in wrong and 'aria-invalid="true"' in wrong
    assert ours not in wrong

    # The LMS administrator's page keeps to its own tenant.
    admin = admin_launch(course)
    own = admin.get("/admin/credentials").get_data(as_text=True)
    assert ours in own and theirs not in own and "Ada Lovelace" in own


def test_an_operator_revokes_with_a_reason_and_verifiers_see_it(course, simulated_lms):
    ours, theirs = two_tenants(course, simulated_lms)
    operator = console(course)
    page = operator.get("/operator/credentials").get_data(as_text=True)
    revoke = f"/operator/credentials/urn:uuid:{theirs.upper()}/revoke"

    # No reason: refused, nothing changes, the field says why.
    empty = operator.post(revoke, data={"csrf_token": token(page), "reason": "  "})
    assert empty.status_code == 422
    refused = empty.get_data(as_text=True)
    assert "Give the reason for revoking" in refused
    assert re.search(rf'id="reason-{theirs}"[^>]*aria-invalid="true"', refused)
    # No CSRF token: refused.
    assert operator.post(revoke, data={"reason": "Fraud"}).status_code == 400
    # No such credential.
    missing = operator.post(
        "/operator/credentials/00000000-0000-4000-8000-000000000000/revoke",
        data={"csrf_token": token(page), "reason": "Fraud"},
    )
    assert missing.status_code == 404
    with transaction(course.app) as session:
        assert session.get(Credential, theirs).state.value == "active"
        assert (
            session.scalars(select(AuditEntry).where(AuditEntry.action.like("credential%"))).all()
            == []
        )

    done = operator.post(revoke, data={"csrf_token": token(page), "reason": "Identity fraud"})
    assert done.status_code == 302
    shown = operator.get(done.headers["Location"]).get_data(as_text=True)
    assert f"Credential {theirs} is revoked." in shown
    with transaction(course.app) as session:
        credential = session.get(Credential, theirs)
        (entry,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "credential.revoke")
        )
        untouched = session.get(Credential, ours)
    assert credential.state.value == "revoked" and credential.state_reason == "Identity fraud"
    assert credential.state_changed_by == f"operator:{EMAIL}"
    assert (entry.actor, entry.target) == (EMAIL, f"credential {theirs}")
    assert entry.details == {
        "track": "sample",
        "registration": credential.registration_id,
        "reason": "Identity fraud",
    }
    assert untouched.state.value == "active"
    # Every verifier now reports it revoked; the other tenant's still verifies.
    assert failed_codes(api_verify(course, credential.document)) == {"revoked"}
    assert api_verify(course, untouched.document)["verified"] is True
    # Revoked for good: no form to revoke it again, and a second post is refused.
    listed = operator.get("/operator/credentials?status=revoked").get_data(as_text=True)
    assert "Identity fraud" in listed and f'id="reason-{theirs}"' not in listed
    again = operator.post(revoke, data={"csrf_token": token(page), "reason": "Twice"})
    assert again.status_code == 422 and "already revoked" in again.get_data(as_text=True)


def test_the_credentials_page_needs_a_console_session(course, simulated_lms):
    ours, _theirs = two_tenants(course, simulated_lms)
    browser = course.app.test_client()
    listed = browser.get("/operator/credentials")
    assert listed.status_code == 302 and listed.headers["Location"].startswith("/operator/sign-in")
    # An LMS administrator's launch is no console session either.
    admin = admin_launch(course)
    assert admin.get("/operator/credentials").status_code == 302
    own_token = token(admin.get("/admin/credentials").get_data(as_text=True))
    posted = admin.post(
        f"/operator/credentials/{ours}/revoke", data={"csrf_token": own_token, "reason": "x"}
    )
    assert posted.status_code == 400  # its launch session makes no console form token
    with transaction(course.app) as session:
        assert session.get(Credential, ours).state.value == "active"
