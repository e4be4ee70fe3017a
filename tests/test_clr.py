"""The learner record: a signed CLR 2.0 ClrCredential of the learner's credentials and
competency results, checked against 1EdTech's schema, our verifier and an independent one."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import jsonschema
from sqlalchemy import select

from assessments.catalog import TRACKS_DIR, list_tracks
from lti_tool.credentials import clr, jsonld, keys
from lti_tool.credentials.issuing import issue, new_award
from lti_tool.db import transaction
from lti_tool.models import AccessKind, AccessLogEntry, User, utcnow
from tests import test_credentials_conformance
from tests.gradesync_driver import GradeCourse
from tests.independent_verifier import independent_verdict
from tests.test_credentials import SCHEMA as OB3_SCHEMA
from tests.test_credentials import api_verify, failed_codes
from tests.test_credentials_completion import record_scores
from tests.test_credentials_conformance import cli, complete_the_track

#: The sample-track tool served on loopback, where the independent verifier resolves its
#: did:web (a fixture of the conformance tests).
served = test_credentials_conformance.served

ROOT = Path(__file__).parent.parent
CLR_SCHEMA = ROOT / "lti_tool/credentials/schema/clr_v2p0_clrcredential_schema.json"
RECORD = "/learn/credentials/learner-record.json"
CLR_CONTEXT_SHA256 = "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6"


def download(course: GradeCourse, sub: str) -> dict:
    """``sub`` opens SkillCert from the course and downloads their learner record."""
    response = course.launch(sub).get(RECORD)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="learner-record.json"'
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.get_data())


def validate(document: dict, schema: Path) -> None:
    jsonschema.Draft201909Validator(json.loads(schema.read_text())).validate(document)


def held(document: dict) -> list[dict]:
    return document["credentialSubject"]["verifiableCredential"]


def results(document: dict) -> dict[str, str]:
    """Competency name → the percent its result credential states."""
    return {
        vc["credentialSubject"]["achievement"]["name"]: vc["credentialSubject"]["result"][0][
            "value"
        ]
        for vc in held(document)
        if "AchievementCredential" in vc["type"]
    }


def test_the_record_holds_the_credential_and_competency_results_and_verifies(served, node):
    credential = complete_the_track(served, "ada")
    page = served.launch("ada").get("/learn/credentials").get_data(as_text=True)
    assert f'href="{RECORD}">Download my learner record (CLR 2.0)</a>' in page

    record = download(served, "ada")
    validate(record, CLR_SCHEMA)  # 1EdTech's ClrCredential schema
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert record["@context"][1] == "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
    assert "credentialStatus" not in record
    subject = record["credentialSubject"]
    assert subject["type"] == ["ClrSubject"]
    # The learner as the credential names them: the same opaque id.
    assert subject["id"] == credential.document["credentialSubject"]["id"]
    first, *competencies = held(record)
    assert first == credential.document  # exactly as issued and signed
    # One signed result credential per competency with graded summative work.
    # Means of the graded summative work aligned to each: quiz 100 % and exam 90 %;
    # quiz 100 % and capstone 70 %; ethics scenario 100 % and capstone 70 %.
    assert results(record) == {"Prompt design": "95", "Evaluation": "85", "Responsible use": "85"}
    for result in competencies:
        validate(result, OB3_SCHEMA)
        achievement = result["credentialSubject"]["achievement"]
        assert achievement["achievementType"] == "Competency"
        assert (
            result["credentialSubject"]["result"][0]["resultDescription"]
            == (achievement["resultDescription"][0]["id"])
        )
    track = credential.document["credentialSubject"]["achievement"]["id"]
    assert [a["id"] for a in subject["achievement"]] == [track] + [
        r["credentialSubject"]["achievement"]["id"] for r in competencies
    ]
    assert {(a["associationType"], a["targetId"]) for a in subject["association"]} == {
        ("isChildOf", track)
    }
    assert {a["sourceId"] for a in subject["association"]} == {
        r["credentialSubject"]["achievement"]["id"] for r in competencies
    }

    verdict = api_verify(served.driver, record)
    assert verdict["verified"] is True, verdict
    checks = {check["check"]: check for check in verdict["checks"]}
    assert checks["format"]["message"].startswith("The document is a CLR 2.0 learner record")
    assert (checks["status"]["passed"], checks["status"]["code"]) == (True, "no_status_list")
    assert checks["credentials"] == {
        "check": "credentials",
        "passed": True,
        "code": "ok",
        "message": "All 4 credentials in the record verify.",
    }
    assert independent_verdict(node, record) == {
        "verified": True,
        "errors": [],
        "status": {"checked": False, "revoked": False},
    }

    # The download is in the access log, as the learner's export of their own data.
    with transaction(served.app) as session:
        (entry,) = session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.kind == AccessKind.EXPORT)
        ).all()
        ada = session.scalars(select(User).where(User.sub == "ada")).one()
        assert (entry.actor_id, entry.learner_id) == (ada.id, ada.id)
        assert entry.detail == "CLR 2.0 learner record"


def test_a_changed_record_fails_ours_and_the_independent_verifier(served, node):
    complete_the_track(served, "ada")
    record = download(served, "ada")
    tampers = {
        "name": lambda d: d.update(name=d["name"].replace("Learner", "Leamer")),
        "result": lambda d: held(d)[1]["credentialSubject"]["result"][0].update(value="100"),
        "credential": lambda d: held(d)[0]["credentialSubject"]["achievement"].update(
            name="Brain surgeon"
        ),
        "dropped": lambda d: held(d).pop(),
    }
    for label, tamper in tampers.items():
        changed = copy.deepcopy(record)
        tamper(changed)
        ours = api_verify(served.driver, changed)
        assert failed_codes(ours) == {"proof_invalid"}, (label, ours)
        theirs = independent_verdict(node, changed)
        assert theirs["verified"] is False, label
        assert "Invalid signature." in theirs["errors"], (label, theirs)


def test_a_record_reports_a_credential_revoked_since(served):
    credential = complete_the_track(served, "ada")
    record = download(served, "ada")
    cli(served, "credentials", "revoke", credential.id, "--reason", "Exam fraud")
    verdict = api_verify(served.driver, record)
    assert failed_codes(verdict) == {"credential_invalid"}
    (check,) = [c for c in verdict["checks"] if c["check"] == "credentials"]
    assert check["message"].startswith("1 of the 4 credentials in the record do not verify")
    assert "The issuer has revoked this credential." in check["message"]
    # The next record leaves the revoked credential out and keeps the results.
    again = download(served, "ada")
    assert credential.document not in held(again)
    assert len(held(again)) == 3


def test_without_a_credential_the_record_holds_competency_results_only(grades):
    grades.launch("bob")
    record_scores(grades, "bob", {"basics-quiz": 0.5})
    record = download(grades, "bob")
    validate(record, CLR_SCHEMA)
    assert results(record) == {"Prompt design": "50", "Evaluation": "50"}
    assert [vc["type"] for vc in held(record)] == 2 * [
        ["VerifiableCredential", "AchievementCredential"]
    ]
    assert "association" not in record["credentialSubject"]  # no certificate to belong to
    assert api_verify(grades.driver, record)["verified"] is True


def test_an_empty_record_is_explained_not_downloaded(grades):
    client = grades.launch("carol")
    response = client.get(RECORD)
    assert response.status_code == 404
    assert "Content-Disposition" not in response.headers
    page = response.get_data(as_text=True)
    assert "Your learner record is empty" in page and 'role="alert"' in page
    assert "My progress shows what remains" in page
    with transaction(grades.app) as session:  # nothing was exported: nothing logged
        assert session.scalars(select(AccessLogEntry)).all() == []


def test_a_record_holds_only_the_launching_learners_own_work(grades):
    complete_the_track(grades, "ada")
    ada = download(grades, "ada")
    # Another learner of the same course, and "ada" of another LMS, get nothing of hers.
    other_lms = GradeCourse(grades.app, grades.sim)
    for course, sub in ((grades, "bob"), (other_lms, "ada")):
        response = course.launch(sub).get(RECORD)
        assert response.status_code == 404, sub
        assert ada["credentialSubject"]["id"] not in response.get_data(as_text=True)
    record_scores(grades, "bob", {"basics-quiz": 0.5})
    bob = download(grades, "bob")
    assert bob["credentialSubject"]["id"] != ada["credentialSubject"]["id"]
    assert {vc["credentialSubject"]["id"] for vc in held(bob)} == {bob["credentialSubject"]["id"]}
    # No launch, no record.
    assert grades.app.test_client().get(RECORD).status_code == 401


def test_a_record_of_every_real_track_signs_and_verifies(course):
    """A learner holding every real track's credential, with a result in each competency:
    several hundred unnamed objects, more than one credential has."""
    course.launch(sub="ada")
    settings = course.app.config["SETTINGS"]
    tracks = list_tracks(TRACKS_DIR)
    now = utcnow()
    with transaction(course.app) as session:
        ada = session.scalars(select(User).where(User.sub == "ada")).one()
        evidence = [{"type": ["Evidence"], "name": f"Activity {n}"} for n in range(30)]
        documents = [
            issue(session, settings, new_award(ada, track, now, evidence)).document
            for track in tracks
        ]
        results = [
            clr.CompetencyResult(track, competency, 0.8)
            for track in tracks
            for competency in track.competencies
        ]
        signed = [
            keys.sign(session, keys.did_web(settings.base_url), document)
            for document in (clr.result_credential(settings, ada, None, r, now) for r in results)
        ]
        unsigned = clr.build(settings, ada, None, documents + signed, now, results)
        expanded = jsonld._Processor().expand(unsigned, jsonld._options())
        assert jsonld._blank_nodes(expanded) > 400
        record = keys.sign(session, keys.did_web(settings.base_url), unsigned)
    assert len(json.dumps(record)) > 200_000  # and POST /api/verify (256 KB at most) takes it
    assert api_verify(course, record)["verified"] is True
    validate(record, CLR_SCHEMA)
    assert len(record["credentialSubject"]["association"]) == len(results)


def test_a_record_inside_a_record_or_out_of_order_contexts_is_refused(course):
    course.launch(sub="ada")
    settings = course.app.config["SETTINGS"]
    (track,) = [t for t in list_tracks(settings.tracks_dir) if t.id == "sample"]
    now = utcnow()
    with transaction(course.app) as session:
        ada = session.scalars(select(User).where(User.sub == "ada")).one()
        result = clr.CompetencyResult(track, track.competencies[0], 0.5)
        did = keys.did_web(settings.base_url)
        inner = keys.sign(session, did, clr.result_credential(settings, ada, None, result, now))
        record = keys.sign(session, did, clr.build(settings, ada, None, [inner], now))
        nested = clr.build(settings, ada, None, [inner], now)
        nested["credentialSubject"]["verifiableCredential"].append(record)
        outer = keys.sign(session, did, nested)
    verdict = api_verify(course, outer)
    assert failed_codes(verdict) == {"credential_invalid"}
    assert (
        "1 of the 2 credentials in the record do not verify: credential 2 is itself a "
        in (verdict["errors"][0])
    )
    swapped = {**record, "@context": [record["@context"][0], *record["@context"][:0:-1]]}
    assert failed_codes(api_verify(course, swapped)) == {"malformed"}


def test_the_clr_context_is_1edtechs_file_in_every_copy():
    copies = [
        ROOT / "lti_tool/credentials/contexts/clr-v2p0-context-2.0.1.json",
        ROOT / "tests/verifier/contexts/clr-v2p0-context-2.0.1.json",
    ]
    for path in copies:
        assert hashlib.sha256(path.read_bytes()).hexdigest() == CLR_CONTEXT_SHA256, path


def test_the_vendored_files_name_their_sources():
    text = (ROOT / "lti_tool/credentials/contexts/SOURCES.md").read_text()
    assert "clr-v2p0-context-2.0.1.json" in text and CLR_CONTEXT_SHA256 in text
    assert "clr_v2p0_clrcredential_schema.json" in text
