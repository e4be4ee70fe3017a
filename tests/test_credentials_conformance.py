"""Conformance: an independent verifier accepts SkillCert's credentials.

``tests/verifier/verify.mjs`` is built from Digital Bazaar's VC libraries (npm), with the
JSON-LD contexts those packages bundle — none of SkillCert's code or vendored contexts.
The tool is served over real HTTP on loopback; the verifier resolves its did:web and
fetches its status list from there. Needs Node.js and ``npm ci --prefix tests/verifier``
(the README's test command runs both); outside CI the tests skip with the reason when
either is missing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from assessments.catalog import list_tracks
from lti_tool.credentials import issuing
from lti_tool.db import transaction
from lti_tool.models import Credential, User, utcnow
from tests import loopback
from tests.conftest import SAMPLE_CONTENT
from tests.gradesync_driver import GradeCourse
from tests.independent_verifier import independent_verdict
from tests.test_credentials import api_verify, failed_codes
from tests.test_credentials_completion import grade_capstone, record_scores


@pytest.fixture
def served(make_app, simulated_lms) -> Iterator[GradeCourse]:
    """The sample-track tool on a loopback port, its base URL (and so its did:web) there."""
    build = functools.partial(make_app, content_path=str(SAMPLE_CONTENT))
    with loopback.serving(lambda base: build(base_url=base)) as (app, base):
        course = GradeCourse(app, simulated_lms)
        # The simulated LMS launches this server, not conftest's default tool address.
        launch = f"{base}/lti/launch"
        course.driver.spec = functools.partial(course.driver.spec, target_link_uri=launch)
        yield course


def complete_the_track(course: GradeCourse, sub: str) -> Credential:
    """The learner completes the sample track; the worker issues the credential."""
    course.launch(sub)
    record_scores(course, sub, {"basics-quiz": 1.0, "basics-exam": 0.9, "ethics-scenario": 1.0})
    course.hand_in_project(sub)
    grade_capstone(course)
    course.deliver_all()
    with transaction(course.app) as session:
        return session.scalars(select(Credential).join(User).where(User.sub == sub)).one()


def issue_expired(course: GradeCourse, sub: str) -> Credential:
    """A credential awarded 37 months ago for the default 36 (as the issuing API does it)."""
    course.launch(sub)
    settings = course.app.config["SETTINGS"]
    (track,) = [t for t in list_tracks(settings.tracks_dir) if t.id == "sample"]
    with transaction(course.app) as session:
        user = session.scalars(select(User).where(User.sub == sub)).one()
        award = issuing.new_award(user, track, utcnow() - dt.timedelta(days=37 * 31))
        return issuing.issue(session, settings, award, issued_by="test", reason="expired")


def cli(course: GradeCourse, *args: str) -> str:
    result = course.app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_a_credential_issued_on_completion_verifies_independently(served, node):
    credential = complete_the_track(served, "ada")
    document = credential.document
    assert document["evidence"]  # the completion-only parts are covered too

    verdict = independent_verdict(node, document)
    assert verdict == {
        "verified": True,
        "errors": [],
        "status": {"checked": True, "revoked": False},
    }

    # After a key rotation the DID document still publishes the key that signed it.
    cli(served, "credentials", "keys", "rotate")
    assert independent_verdict(node, document)["verified"] is True


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"]["achievement"].update(name="Brain surgeon"),
        lambda d: d.update(validUntil="2099-01-01T00:00:00Z"),
        lambda d: d["credentialStatus"].update(statusListIndex="7"),
        lambda d: d["proof"][0].update(created="2020-01-01T00:00:00Z"),
    ],
    ids=["achievement", "validUntil", "status-index", "proof-created"],
)
def test_a_tampered_credential_fails_independently(served, node, tamper):
    document = complete_the_track(served, "ada").document
    tamper(document)
    verdict = independent_verdict(node, document)
    assert verdict["verified"] is False
    assert "Invalid signature." in verdict["errors"]


def test_a_revoked_credential_is_reported_revoked_independently(served, node):
    credential = complete_the_track(served, "ada")
    assert independent_verdict(node, credential.document)["status"]["revoked"] is False

    cli(served, "credentials", "revoke", credential.id, "--reason", "Exam fraud")
    verdict = independent_verdict(node, credential.document)
    assert verdict["verified"] is False
    assert verdict["status"] == {"checked": True, "revoked": True}
    # The signature still holds: revoked is the only problem, and our own verdict agrees.
    assert verdict["errors"] == ["The credential is revoked (its bit is set in the status list)."]
    assert failed_codes(api_verify(served.driver, credential.document)) == {"revoked"}


def test_an_expired_credential_fails_independently(served, node):
    credential = issue_expired(served, "bob")
    verdict = independent_verdict(node, credential.document)
    assert verdict["verified"] is False
    assert any('after "validUntil"' in error for error in verdict["errors"]), verdict

    # Within its validity window the same document verifies: expiry is the only problem.
    inside = (credential.valid_until - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert independent_verdict(node, credential.document, "--now", inside)["verified"] is True
