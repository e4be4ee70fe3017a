"""An exact copy of a stored credential skips recomputing its proof, and only an exact one
(lti_tool/credentials/stored_copy.py; docs/credentials.md, "Exact copies of stored
credentials")."""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from lti_tool.credentials import keys
from lti_tool.credentials.proofs import verify_proof
from lti_tool.credentials.verify import verify
from lti_tool.db import transaction
from lti_tool.models import Credential, User
from tests.test_credentials import api_verify, failed_codes, issue

EXACT_COPY = "an exact copy of the credential issued here"


def learner_id(course) -> int:
    course.launch(sub="ada", name="Ada Lovelace")
    with transaction(course.app) as session:
        return session.scalar(select(User.id).where(User.sub == "ada"))


def proof_message(verdict: dict) -> str:
    (proof,) = [check for check in verdict["checks"] if check["check"] == "proof"]
    return proof["message"]


def reordered(value: Any) -> Any:
    """``value`` with every object's keys in reverse order (the same JSON value)."""
    if isinstance(value, dict):
        return {key: reordered(value[key]) for key in reversed(value)}
    if isinstance(value, list):
        return [reordered(item) for item in value]
    return value


def string_leaves(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """The path of every string in ``value``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from string_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_leaves(item, (*path, index))
    elif isinstance(value, str):
        yield path


def with_one_character_changed(document: dict, path: tuple) -> dict:
    changed = copy.deepcopy(document)
    *parents, last = path
    holder = changed
    for step in parents:
        holder = holder[step]
    text = holder[last]
    holder[last] = text[:-1] + ("y" if text[-1:] == "x" else "x")
    return changed


def test_the_stored_document_passes_the_full_check_read_back_from_the_database(course):
    """The premise: what the database gives back is still what was signed (JSONB too)."""
    document = issue(course, learner_id(course))
    credential_id = document["id"].removeprefix("urn:uuid:")
    with transaction(course.app) as session:
        stored = session.get(Credential, credential_id).document
        published = {key.public_key_multibase for key in keys.published_keys(session)}

    def resolve(method: str, purpose: str):
        fragment = method.split("#")[1]
        assert fragment in published and purpose == "assertionMethod"
        return keys.public_key(fragment)

    assert (
        verify_proof(stored, resolve).verification_method
        == document["proof"][0]["verificationMethod"]
    )


def test_an_exact_copy_is_answered_from_the_stored_credential(course):
    document = issue(course, learner_id(course))
    verdict = api_verify(course, document)
    assert verdict["verified"] is True, verdict
    assert EXACT_COPY in proof_message(verdict)

    # Key order, whitespace and escaping are not part of the JSON value: still the copy.
    body = json.dumps(reordered(document), indent=3, ensure_ascii=True).encode()
    assert body != json.dumps(document).encode()
    verdict = api_verify(course, body)
    assert verdict["verified"] is True, verdict
    assert EXACT_COPY in proof_message(verdict)


def test_a_copy_with_one_character_changed_anywhere_gets_the_full_check(course):
    document = issue(course, learner_id(course))
    paths = list(string_leaves(document))
    assert len(paths) > 50
    for path in paths:
        verdict = api_verify(course, with_one_character_changed(document, path))
        assert verdict["verified"] is False, path
        assert EXACT_COPY not in json.dumps(verdict), path


def test_a_copy_that_differs_only_as_json_gets_the_full_check(course):
    """An added key, a number for a string, or a reordered array is another JSON value:
    the full check decides, and JSON-LD's unordered arrays still verify."""
    document = issue(course, learner_id(course))

    extra = {**document, "name": [document["name"]]}  # same JSON-LD value, other JSON
    verdict = api_verify(course, extra)
    assert verdict["verified"] is True and EXACT_COPY not in proof_message(verdict)

    aligned = copy.deepcopy(document)
    alignments = aligned["credentialSubject"]["achievement"]["alignment"]
    alignments.reverse()
    assert alignments != document["credentialSubject"]["achievement"]["alignment"]
    verdict = api_verify(course, aligned)
    assert verdict["verified"] is True and EXACT_COPY not in proof_message(verdict)

    numbered = copy.deepcopy(document)
    numbered["credentialStatus"]["statusListIndex"] = int(
        document["credentialStatus"]["statusListIndex"]
    )
    verdict = api_verify(course, numbered)
    assert verdict["verified"] is False and EXACT_COPY not in json.dumps(verdict)


def test_status_and_dates_of_an_exact_copy_are_still_checked(course):
    document = issue(course, learner_id(course))
    credential_id = document["id"].removeprefix("urn:uuid:")
    settings = course.app.config["SETTINGS"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=4 * 366)
    with transaction(course.app) as session:
        expired = verify(session, settings, document, later).to_json()
    assert failed_codes(expired) == {"expired"} and EXACT_COPY in proof_message(expired)

    result = course.app.test_cli_runner().invoke(
        args=["credentials", "revoke", credential_id, "--reason", "Issued in error"]
    )
    assert result.exit_code == 0, result.output
    revoked = api_verify(course, document)
    assert failed_codes(revoked) == {"revoked"} and EXACT_COPY in proof_message(revoked)
