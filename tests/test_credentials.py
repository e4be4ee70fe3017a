"""Open Badges 3.0 credentials: signing, did:web, status list, public page, verify API, CLI."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from lti_tool import keyring
from lti_tool.credentials import keys, statuslist
from lti_tool.credentials.jsonld import CREDENTIALS_V2, OB_V3P0, JsonLdError
from lti_tool.credentials.proofs import add_proof
from lti_tool.credentials.verify import verify
from lti_tool.db import transaction
from lti_tool.models import Credential, User

SCHEMA = (
    Path(__file__).parent.parent
    / "lti_tool/credentials/schema/ob_v3p0_achievementcredential_schema.json"
)


@pytest.fixture
def learner(course) -> int:
    """A learner of the sample-track course (a user row of the course's registration)."""
    course.launch(sub="ada", name="Ada Lovelace")
    with transaction(course.app) as session:
        return session.scalar(select(User.id).where(User.sub == "ada"))


def issue(course, user_id: int, *extra: str) -> dict:
    runner = course.app.test_cli_runner()
    result = runner.invoke(
        args=[
            "credentials",
            "issue",
            "--user",
            str(user_id),
            "--track",
            "sample",
            "--reason",
            "Prior certification",
            "--json",
            *extra,
        ]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def api_verify(course, document) -> dict:
    body = document if isinstance(document, bytes) else json.dumps(document)
    response = course.app.test_client().post(
        "/api/verify", data=body, content_type="application/json"
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def failed_codes(verdict: dict) -> set[str]:
    return {check["code"] for check in verdict["checks"] if not check["passed"]}


def test_issued_credential_verifies_and_matches_the_ob3_schema(course, learner):
    document = issue(course, learner)
    assert isinstance(document["proof"], list) and len(document["proof"]) == 1
    proof = document["proof"][0]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022" and proof["proofValue"].startswith("z")
    assert document["issuer"]["id"] == "did:web:localhost"
    assert document["@context"] == [CREDENTIALS_V2, OB_V3P0]
    subject = document["credentialSubject"]
    assert subject["id"].startswith("urn:uuid:") and "identifier" not in subject  # no name
    assert "ada" not in json.dumps(document).lower()  # neither the LMS sub nor the name
    alignments = subject["achievement"]["alignment"]
    assert {a["targetCode"] for a in alignments} == {"prompting", "evaluation", "ethics"}
    valid_from = dt.datetime.fromisoformat(document["validFrom"])
    valid_until = dt.datetime.fromisoformat(document["validUntil"])
    assert (valid_until - valid_from).days in range(1095, 1098)  # 36 months by default
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft201909Validator(schema).validate(document)

    verdict = api_verify(course, document)
    assert verdict["verified"] is True, verdict
    assert [c["check"] for c in verdict["checks"]] == [
        "format",
        "issuer",
        "proof",
        "status",
        "validity",
    ]
    assert verdict["errors"] == []


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d.update(name="Something else"),
        lambda d: d["credentialSubject"]["achievement"].update(name="Brain surgeon"),
        lambda d: d.update(validUntil="2099-01-01T00:00:00Z"),
        lambda d: d["proof"][0].update(created="2020-01-01T00:00:00Z"),
    ],
)
def test_a_tampered_credential_fails_the_proof(course, learner, tamper):
    document = issue(course, learner)
    tamper(document)
    verdict = api_verify(course, document)
    assert verdict["verified"] is False
    assert failed_codes(verdict) == {"proof_invalid"}
    assert any("changed after it was signed" in error for error in verdict["errors"])


def test_a_document_with_undefined_terms_is_never_signed(app):
    document = {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": "urn:uuid:6f1a9a83-8b3c-4a68-9e4b-8d1f6a0a1c11",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:web:localhost", "type": ["Profile"]},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"], "grade": "A+"},
    }
    with app.app_context():
        private = keys.private_key(keys.new_key(keyring.load(app.config["SETTINGS"], create=True)))
    with pytest.raises(JsonLdError, match="not defined by the document's @context: grade"):
        add_proof(document, private, "did:web:localhost#k", _now())
    typed = copy.deepcopy(document)
    del typed["credentialSubject"]["grade"]
    typed["type"].append("DiplomaCredential")
    with pytest.raises(JsonLdError, match=r"type.*DiplomaCredential"):
        add_proof(typed, private, "did:web:localhost#k", _now())
    del typed["type"][-1]
    signed = add_proof(typed, private, "did:web:localhost#k", _now())
    assert len(signed["proof"]) == 1


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_did_document_keeps_rotated_keys_and_old_credentials_verify(course, learner):
    old = issue(course, learner)
    client = course.app.test_client()
    runner = course.app.test_cli_runner()
    assert runner.invoke(args=["credentials", "keys", "rotate"]).exit_code == 0
    with transaction(course.app) as session:
        credential = session.get(Credential, old["id"].removeprefix("urn:uuid:"))
        # A re-issue for the same learner and track is refused while the first is valid.
    refused = runner.invoke(
        args=["credentials", "issue", "--user", str(learner), "--track", "sample", "--reason", "x"]
    )
    assert refused.exit_code != 0 and "already holds credential" in refused.output
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200 and "max-age" in response.headers["Cache-Control"]
    did = response.get_json()
    assert did["id"] == "did:web:localhost"
    assert len(did["verificationMethod"]) == 2
    assert did["assertionMethod"] == [m["id"] for m in did["verificationMethod"]]
    old_method = old["proof"][0]["verificationMethod"]
    assert old_method in did["assertionMethod"]
    assert all(m["publicKeyMultibase"].startswith("z6Mk") for m in did["verificationMethod"])
    assert api_verify(course, old)["verified"] is True

    # A revoked-and-reissued credential is signed with the new key.
    assert (
        runner.invoke(
            args=["credentials", "revoke", credential.id, "--reason", "Issued in error"]
        ).exit_code
        == 0
    )
    new = issue(course, learner)
    assert new["proof"][0]["verificationMethod"] != old_method
    assert api_verify(course, new)["verified"] is True

    # Retiring the old key (a compromise) makes what it signed unverifiable.
    fragment = old_method.split("#")[1]
    retired = runner.invoke(args=["credentials", "keys", "retire", fragment, "--yes"])
    assert retired.exit_code == 0, retired.output
    assert len(client.get("/.well-known/did.json").get_json()["verificationMethod"]) == 1
    assert "proof_invalid" in failed_codes(api_verify(course, old))


def test_did_web_encodes_port_and_path():
    assert keys.did_web("http://127.0.0.1:5000") == "did:web:127.0.0.1%3A5000"
    assert keys.did_web("https://example.edu/skillcert/") == "did:web:example.edu:skillcert"
    assert keys.did_document_path("https://example.edu/skillcert") == "/did.json"
    assert keys.did_document_path("https://example.edu") == "/.well-known/did.json"


def test_status_list_flips_on_revoke_and_the_public_page_says_revoked(course, learner):
    document = issue(course, learner)
    entry = document["credentialStatus"]
    assert entry["type"] == "BitstringStatusListEntry"
    assert entry["statusPurpose"] == "revocation"
    client = course.app.test_client()
    list_path = entry["statusListCredential"].removeprefix("http://localhost")

    def bit() -> bool:
        response = client.get(list_path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == f"public, max-age={statuslist.CACHE_SECONDS}"
        status_credential = response.get_json()
        assert "BitstringStatusListCredential" in status_credential["type"]
        assert api_verify(course, status_credential)["checks"][2]["passed"]  # its proof
        bits = statuslist.decode(status_credential["credentialSubject"]["encodedList"])
        assert len(bits) == 16 * 1024  # 131,072 entries
        return statuslist.is_set(bits, int(entry["statusListIndex"]))

    credential_id = document["id"].removeprefix("urn:uuid:")
    page = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    assert "Verified:" in page and "Sample Practitioner" in page
    assert "<svg" in page and "linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in page
    assert bit() is False

    result = course.app.test_cli_runner().invoke(
        args=["credentials", "revoke", credential_id, "--reason", "Academic misconduct"]
    )
    assert result.exit_code == 0, result.output
    assert bit() is True
    page = client.get(f"/credentials/{credential_id}").get_data(as_text=True)
    assert "Revoked:" in page and "Verified:" not in page
    assert failed_codes(api_verify(course, document)) == {"revoked"}
    shown = course.app.test_cli_runner().invoke(args=["credentials", "show", credential_id])
    assert "Academic misconduct" in shown.output and "revoked" in shown.output
    # The id as the credential itself gives it, in any case, names the same credential.
    for named in (document["id"], document["id"].upper()):
        shown = course.app.test_cli_runner().invoke(args=["credentials", "show", named])
        assert shown.exit_code == 0 and "Academic misconduct" in shown.output, shown.output
    download = client.get(f"/credentials/{credential_id}.json")
    assert download.get_json() == document
    assert "attachment" in download.headers["Content-Disposition"]


def test_the_public_page_is_in_spanish_for_spanish_readers(course, learner):
    credential_id = issue(course, learner)["id"].removeprefix("urn:uuid:")
    page = course.app.test_client().get(
        f"/credentials/{credential_id}", headers={"Accept-Language": "es"}
    )
    assert page.status_code == 200
    assert "Verificado:" in page.get_data(as_text=True)


def test_expired_and_not_yet_valid_credentials_fail_the_validity_check(course, learner):
    document = issue(course, learner)
    with transaction(course.app) as session:
        settings = course.app.config["SETTINGS"]
        later = verify(session, settings, document, _now() + dt.timedelta(days=4 * 366))
        earlier = verify(session, settings, document, _now() - dt.timedelta(days=1))
    assert not later.verified and later.failed("expired")
    assert not earlier.verified and earlier.failed("not_yet_valid")


def test_verify_api_gives_a_verdict_for_bad_input_never_an_error(course, learner):
    document = issue(course, learner)
    other_issuer = {**document, "issuer": {"id": "did:web:elsewhere.example", "type": ["Profile"]}}
    unknown_context = {**document, "@context": [*document["@context"], "https://evil.example/x"]}
    wrong_suite = copy.deepcopy(document)
    wrong_suite["proof"][0]["cryptosuite"] = "ecdsa-rdfc-2019"
    no_proof = {k: v for k, v in document.items() if k != "proof"}
    cases = {
        b"{not json": "malformed",
        b"[1, 2]": "malformed",
        b"x" * (300 * 1024): "too_large",
        b"[" * 100_000 + b"]" * 100_000: "malformed",  # deeper than any parser recurses
        json.dumps(other_issuer).encode(): "other_issuer",
        json.dumps(unknown_context).encode(): "unverifiable",
        json.dumps(wrong_suite).encode(): "proof_invalid",
        json.dumps(no_proof).encode(): "proof_invalid",
    }
    for body, code in cases.items():
        verdict = api_verify(course, body)
        assert verdict["verified"] is False, body[:80]
        assert code in failed_codes(verdict), (body[:80], verdict)
        assert verdict["errors"]
    unknown = api_verify(course, unknown_context)
    assert "never fetched" in " ".join(unknown["errors"])


def test_cli_refuses_unknown_user_and_track_clearly(course, learner):
    runner = course.app.test_cli_runner()
    no_user = runner.invoke(
        args=["credentials", "issue", "--user", "999", "--track", "sample", "--reason", "r"]
    )
    assert no_user.exit_code != 0 and "There is no user 999" in no_user.output
    no_track = runner.invoke(
        args=["credentials", "issue", "--user", str(learner), "--track", "nope", "--reason", "r"]
    )
    assert no_track.exit_code != 0 and "There is no track 'nope'" in no_track.output
    assert "sample" in no_track.output
    no_reason = runner.invoke(
        args=["credentials", "issue", "--user", str(learner), "--track", "sample", "--reason", " "]
    )
    assert no_reason.exit_code != 0 and "Give a reason" in no_reason.output
    listed = runner.invoke(args=["credentials", "list"])
    assert listed.exit_code == 0 and listed.output == ""
    with transaction(course.app) as session:
        assert session.scalar(select(Credential.id)) is None
