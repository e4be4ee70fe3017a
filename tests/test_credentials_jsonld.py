"""The canonicalisation caches (lti_tool/credentials/jsonld.py) change nothing but speed."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from pyld import jsonld as pyld

from assessments.catalog import list_tracks
from lti_tool.credentials import document as credential_document
from lti_tool.credentials import issuing, statuslist
from lti_tool.credentials.jsonld import JsonLdError, canonicalize, document_loader
from lti_tool.models import User
from tests.conftest import SAMPLE_CONTENT


@pytest.fixture
def credentials(app) -> list[dict]:
    """Two unsigned credentials of the sample track: same achievement, other learner."""
    settings = app.config["SETTINGS"]
    (track,) = [t for t in list_tracks(SAMPLE_CONTENT) if t.id == "sample"]
    moment = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
    evidence = [{"type": ["Evidence"], "name": "Basics exam", "description": "Exam: 90%"}]
    documents = []
    for n in (1, 2):
        award = issuing.new_award(User(id=n, registration_id=1), track, moment, evidence)
        status = statuslist.entry(settings, 1, n)
        documents.append(
            credential_document.build(
                settings, award, f"6f1a9a83-8b3c-4a68-9e4b-8d1f6a0a1c1{n}", status, None
            )
        )
    return documents


def plain_pyld(document: dict) -> str:
    """The canonical form by PyLD's public API, with none of our caches."""
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
    }
    return pyld.normalize(copy.deepcopy(document), options)


def test_cached_canonical_forms_equal_plain_pyld(credentials):
    first, second = credentials
    for document in (first, second, first, second):  # cold, then warm caches
        assert canonicalize(document) == plain_pyld(document)
    assert canonicalize(first) != canonicalize(second)


def test_the_caches_never_hide_an_undefined_term(credentials):
    document, _ = credentials
    canonicalize(document)  # the achievement's expansion is now cached
    tampered = copy.deepcopy(document)
    tampered["credentialSubject"]["achievement"]["level"] = "expert"
    for _ in range(2):  # refused every time, not only when first seen
        with pytest.raises(JsonLdError, match="not defined by the document's @context: level"):
            canonicalize(tampered)
    assert canonicalize(document) == plain_pyld(document)
