"""The canonicalisation caches (lti_tool/credentials/jsonld.py) change nothing but speed."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from pyld import jsonld as pyld

from assessments.catalog import list_tracks
from lti_tool.credentials import document as credential_document
from lti_tool.credentials import issuing, statuslist
from lti_tool.credentials.compiled_canonical import canonical_nquads
from lti_tool.credentials.jsonld import (
    CREDENTIALS_V2,
    JsonLdError,
    canonicalize,
    document_loader,
)
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
        "base": None,  # as canonicalize has it: a relative IRI stays relative
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


# -- Oxigraph's RDFC-1.0 where it writes PyLD's bytes (compiled_canonical.py) --------------

#: Terms of every kind of value, for the crafted documents below.
CRAFTED_CONTEXT = {
    "n": "https://example.org/n",
    "j": {"@id": "https://example.org/j", "@type": "@json"},
    "l": {"@id": "https://example.org/l", "@container": "@list"},
    "d": {"@id": "https://example.org/d", "@type": "http://www.w3.org/2001/XMLSchema#double"},
    "i": {"@id": "https://example.org/i", "@type": "@id"},
    "lang": {"@id": "https://example.org/lang", "@language": "en-US"},
    "dir": {"@id": "https://example.org/dir", "@direction": "rtl", "@language": "ar"},
}

#: Values where Oxigraph and PyLD disagree (see compiled_canonical.py), and plain ones.
CRAFTED_VALUES = [
    1,
    1.0,
    1.5,
    0.1,
    1e21,
    123456789012345678901234,
    True,
    "plain é ü 漢字",
    'x\n\t"\\',
    "a\rb",
    "a\bc",
    "\x01\x7f",
    "\u2028\U0001f600",
    "line\u2028separator\u00a0\ufeff",
    {"@value": "5", "@type": "http://www.w3.org/2001/XMLSchema#integer"},
    {"@value": "1.50", "@type": "http://www.w3.org/2001/XMLSchema#double"},
    {"@value": "a", "@language": "EN"},
    {"@value": "a", "@language": "not a tag!"},
    {"@value": "x", "@direction": "ltr"},
    {"@value": {"a": [1, 2.5]}, "@type": "@json"},
    [],
    [1, "two"],
    {"@id": "relative/x"},
    {"@id": "https://example.org/a b"},
    {"@id": "http://[bad"},
    {"@id": "urn:x:y"},
    {"@id": "_:b0"},
    {"n": 1},
    {"@id": "urn:a", "n": [1, 1]},
    [{"@id": "_:x", "n": "same"}, {"@id": "_:x", "n": "same"}],
    {"@list": [{"@id": "urn:z"}, {"n": "q"}]},
]


def crafted_documents() -> list[dict]:
    return [
        {
            "@context": [CREDENTIALS_V2, CRAFTED_CONTEXT],
            "id": "urn:uuid:6f1a9a83-8b3c-4a68-9e4b-8d1f6a0a1c11",
            "type": ["VerifiableCredential"],
            term: copy.deepcopy(value),
        }
        for term in CRAFTED_CONTEXT
        for value in CRAFTED_VALUES
    ]


def test_canonical_forms_equal_plain_pyld_on_crafted_documents():
    compiled = 0
    for document in crafted_documents():
        try:
            ours = canonicalize(document)
        except JsonLdError:
            continue  # refused, as ever (an @json value, a list in a list)
        assert ours == plain_pyld(document), document
        compiled += canonical_nquads(expanded(document)) is not None
    assert compiled > 50  # plain values do take the compiled path


def test_real_credentials_take_the_compiled_path(credentials):
    for document in credentials:
        nquads = canonical_nquads(expanded(document))
        assert nquads is not None and nquads == plain_pyld(document)


@pytest.mark.parametrize(
    "value",
    [{"@id": "relative/x"}, {"@value": "a", "@language": "not a tag!"}, 1.5, "a\bc"],
)
def test_what_oxigraph_drops_or_writes_otherwise_goes_to_pyld(value):
    document = {
        "@context": [CREDENTIALS_V2, CRAFTED_CONTEXT],
        "id": "urn:uuid:6f1a9a83-8b3c-4a68-9e4b-8d1f6a0a1c11",
        "type": ["VerifiableCredential"],
        "n": value,
    }
    assert canonical_nquads(expanded(document)) is None
    assert canonicalize(document) == plain_pyld(document)


def expanded(document: dict) -> list:
    options = {"documentLoader": document_loader, "base": None}  # as canonicalize has it
    return pyld.expand(copy.deepcopy(document), options)
