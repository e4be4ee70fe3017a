"""Institutions' own frameworks (issue 17, part 4): importing a CASE 1.1 package from a file
or an https URL, all or nothing, and importing it again (lti_tool/frameworks/)."""

from __future__ import annotations

import dataclasses
import http.server
import io
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from assessments import case
from assessments.catalog import TRACKS_DIR, list_tracks
from lti_tool.db import transaction
from lti_tool.frameworks.fetching import fetch_package
from lti_tool.frameworks.reading import FrameworkFileError
from lti_tool.models import CompetencyMapping, Framework, FrameworkItem
from tests import loopback
from tests.conftest import LmsDriver
from tests.conftest import csrf_token_of as token

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
INSTITUTION_ADMIN = LIS + "institution/person#Administrator"
COURSE_ADMIN = LIS + "membership#Administrator"
COURSE = {"id": "course-1", "title": "Course 1", "label": "C1"}
STAMP = "2026-11-30T09:00:00Z"
PUBLISHER = "https://frameworks.example.edu/ims/case/v1p1"


# -- building packages in memory ---------------------------------------------------------


def _uuid(*names: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(("test", *names))))


def link(node: dict[str, Any]) -> dict[str, Any]:
    title = node.get("title") or node.get("humanCodingScheme") or "item"
    return {"title": title, "identifier": node["identifier"], "uri": node["uri"]}


def association(
    kind: str, origin: dict[str, Any], destination: dict[str, Any], sequence: int = 0
) -> dict[str, Any]:
    identifier = _uuid("association", kind, origin["identifier"], destination["identifier"])
    found = {
        "identifier": identifier,
        "uri": f"{PUBLISHER}/CFAssociations/{identifier}",
        "associationType": kind,
        "originNodeURI": link(origin),
        "destinationNodeURI": link(destination),
        "lastChangeDateTime": STAMP,
    }
    if sequence:
        found["sequenceNumber"] = sequence
    return found


def item(code: str, statement: str) -> dict[str, Any]:
    identifier = _uuid("item", code)
    return {
        "identifier": identifier,
        "uri": f"{PUBLISHER}/CFItems/{identifier}",
        "fullStatement": statement,
        "humanCodingScheme": code,
        "CFItemType": "Outcome",
        "lastChangeDateTime": STAMP,
    }


def institution_package(leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """A university's outcomes: two areas, each with outcomes below it, given out of order
    (sequenceNumber puts them right), and a crosswalk to an item of another framework."""
    document = {
        "identifier": _uuid("document"),
        "uri": f"{PUBLISHER}/CFDocuments/{_uuid('document')}",
        "creator": "Example University",
        "title": "Graduate Outcomes",
        "lastChangeDateTime": STAMP,
        "caseVersion": "1.1",
    }
    tree = {
        "GO.1": (None, 2, "Communicates data-driven findings responsibly."),
        "GO.2": (None, 1, "Uses artificial intelligence safely and ethically."),
        "GO.2.1": ("GO.2", 2, "Protects personal data when using AI tools."),
        "GO.2.2": ("GO.2", 1, "Evaluates the output of an AI system before relying on it."),
        "GO.1.1": ("GO.1", 1, "Writes prompts that state the task, context and format."),
    }
    items = {code: item(code, statement) for code, (_, _, statement) in tree.items()}
    associations = [
        association("isChildOf", items[code], items[parent] if parent else document, sequence)
        for code, (parent, sequence, _) in tree.items()
        if code not in leave_out
    ]
    elsewhere = {"identifier": _uuid("national", "N7"), "uri": "https://national.example/N7"}
    associations.append(association("exactMatchOf", items["GO.2.1"], {**elsewhere, "title": "N7"}))
    return {
        "CFDocument": document,
        "CFItems": [found for code, found in items.items() if code not in leave_out],
        "CFAssociations": [
            a
            for a in associations
            if a["originNodeURI"]["identifier"] not in {items[c]["identifier"] for c in leave_out}
        ],
    }


def encoded(package: dict[str, Any]) -> bytes:
    return json.dumps(package).encode()


# -- driving the pages -------------------------------------------------------------------


def administrator(course: LmsDriver, roles: list[str] | None = None, **fields: Any):
    """A browser launched by an institution administrator (or ``roles``) into a course."""
    client = course.app.test_client()
    roles = roles or [INSTITUTION_ADMIN]
    fields.setdefault("context", COURSE)
    response = course.launch(client=client, sub="admin-" + roles[0][-12:], roles=roles, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def upload(client, data: bytes | None = None, url: str = "", csrf: str | None = None):
    """Post the import form. The body is encoded here: werkzeug's test client spools a large
    one to a temporary file that it never closes."""
    if csrf is None:
        csrf = token(client.get("/admin/frameworks").get_data(as_text=True))
    form: dict[str, Any] = {"csrf_token": csrf, "url": url}
    if data is not None:
        form["package"] = FileStorage(io.BytesIO(data), "framework.json", "application/json")
    boundary, body = encode_multipart(form)
    return client.post(
        "/admin/frameworks",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def imported(client, data: bytes | None = None, url: str = "") -> str:
    response = upload(client, data, url)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    return page


def rows(app: Flask) -> tuple[int, int, int]:
    """How many frameworks, items and mappings are stored (any tenant)."""
    with transaction(app) as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model))
            for model in (Framework, FrameworkItem, CompetencyMapping)
        )


def stored_items(app: Flask) -> dict[str, FrameworkItem]:
    with transaction(app) as session:
        return {i.human_coding_scheme: i for i in session.scalars(select(FrameworkItem))}


@pytest.fixture
def admin(course):
    return administrator(course)


# -- round trip --------------------------------------------------------------------------


@pytest.fixture
def publisher(make_app) -> Iterator[str]:
    """Another SkillCert on a loopback port: its CASE packages are served over HTTP there."""
    with loopback.serving(lambda base: make_app(base_url=base)) as (_app, base):
        yield base


def test_a_served_skillcert_package_imports_whole_by_url_and_again_unchanged(
    course, admin, publisher
):
    tracks = list_tracks(TRACKS_DIR)
    track = next(t for t in tracks if t.id == "enterprise-ai-practitioner")
    url = f"{publisher}{case.PATH}/CFPackages/{case.document_id(track.id)}"
    package = requests.get(url, timeout=10).json()  # what the publisher serves
    assert package == case.package(track, publisher, tracks)

    page = imported(admin, url=url)
    assert "Imported the framework" in page and f"{len(track.competencies)} items added" in page
    with transaction(course.app) as session:
        framework = session.scalars(select(Framework)).one()
        assert (framework.document_id, framework.title, framework.creator) == (
            case.document_id(track.id),
            track.title,
            "SkillCert",
        )
        assert framework.last_change == package["CFDocument"]["lastChangeDateTime"]
        items = session.scalars(select(FrameworkItem).order_by(FrameworkItem.position)).all()
    # Every item, in the track's order, with its code, statement, type, uri and parent (the
    # document: SkillCert's competencies are one level deep).
    assert [(i.identifier, i.uri, i.human_coding_scheme, i.full_statement) for i in items] == [
        (f["identifier"], f["uri"], f["humanCodingScheme"], f["fullStatement"])
        for f in package["CFItems"]
    ]
    assert {(i.item_type, i.parent_identifier, i.is_current) for i in items} == {
        ("Competency", None, True)
    }
    assert [i.position for i in items] == list(range(len(items)))

    again = imported(admin, url=url)
    assert "Updated the framework" in again
    for words in ("0 items added", "0 items updated", "0 items no longer in the framework"):
        assert words in again
    assert f"{len(items)} items unchanged" in again
    assert rows(course.app) == (1, len(items), 0)


def test_the_tree_and_order_come_from_is_child_of_and_sequence_numbers(course, admin):
    page = imported(admin, encoded(institution_package()))
    assert "5 items added" in page
    stored = stored_items(course.app)
    parents = {code: found.parent_identifier for code, found in stored.items()}
    assert parents == {
        "GO.1": None,
        "GO.2": None,
        "GO.1.1": stored["GO.1"].identifier,
        "GO.2.1": stored["GO.2"].identifier,
        "GO.2.2": stored["GO.2"].identifier,
    }
    in_order = sorted(stored, key=lambda code: stored[code].position)
    assert in_order == ["GO.2", "GO.2.2", "GO.2.1", "GO.1", "GO.1.1"]
    # The list names it, with its publisher and item count.
    listing = admin.get("/admin/frameworks").get_data(as_text=True)
    assert "Graduate Outcomes" in listing and "Example University" in listing
    assert "5 items" in listing


# -- refusals: each says why, and nothing is stored ---------------------------------------


def _without_statement(package: dict[str, Any]) -> None:
    del package["CFItems"][2]["fullStatement"]


def _duplicate_item(package: dict[str, Any]) -> None:
    package["CFItems"][3]["identifier"] = package["CFItems"][1]["identifier"]


def _duplicate_association(package: dict[str, Any]) -> None:
    package["CFAssociations"][1]["identifier"] = package["CFAssociations"][0]["identifier"]


def _association_elsewhere(package: dict[str, Any]) -> None:
    package["CFAssociations"][0]["originNodeURI"]["identifier"] = _uuid("nowhere", "a")
    package["CFAssociations"][0]["destinationNodeURI"]["identifier"] = _uuid("nowhere", "b")


def _blank_statement(package: dict[str, Any]) -> None:
    package["CFItems"][0]["fullStatement"] = "   "


def _loop(package: dict[str, Any]) -> None:
    # GO.2 becomes a child of its own child GO.2.1.
    go2, go21 = package["CFItems"][1], package["CFItems"][2]
    first = next(
        a
        for a in package["CFAssociations"]
        if a["originNodeURI"]["identifier"] == go2["identifier"]
    )
    first["destinationNodeURI"] = link(go21)


def _long_code(package: dict[str, Any]) -> None:
    package["CFItems"][0]["humanCodingScheme"] = "X" * 201


def _not_an_object(package: dict[str, Any]) -> list[Any]:
    return [package]


REFUSALS = {
    "no-statement": (
        _without_statement,
        "$.CFItems[2]: 'fullStatement' is a required property (CASE 1.1 package schema)",
    ),
    "duplicate-item": (_duplicate_item, "$.CFItems[3].identifier"),
    "duplicate-association": (_duplicate_association, "$.CFAssociations[1].identifier"),
    "association-elsewhere": (_association_elsewhere, "it belongs to another framework"),
    "blank-statement": (_blank_statement, "$.CFItems[0].fullStatement is empty"),
    "loop": (_loop, "in or below a loop"),
    "long-code": (_long_code, "$.CFItems[0].humanCodingScheme is longer than 200 characters"),
    "not-an-object": (_not_an_object, "it must be one JSON object"),
}


@pytest.mark.parametrize("case_name", REFUSALS)
def test_each_refusal_says_what_is_wrong_and_stores_nothing(course, admin, case_name):
    spoil, expected = REFUSALS[case_name]
    package = institution_package()
    package = spoil(package) or package
    response = upload(admin, encoded(package))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The framework was not imported: nothing was changed." in page
    assert expected.replace("'", "&#39;") in page
    assert rows(course.app) == (0, 0, 0)


def test_a_refused_reimport_leaves_the_stored_framework_as_it_was(course, admin):
    imported(admin, encoded(institution_package()))
    before = {
        code: (i.full_statement, i.is_current) for code, i in stored_items(course.app).items()
    }
    package = institution_package(leave_out=("GO.1.1",))
    package["CFItems"][0]["fullStatement"] = "Changed."
    _duplicate_association(package)
    assert upload(admin, encoded(package)).status_code == 422
    after = {code: (i.full_statement, i.is_current) for code, i in stored_items(course.app).items()}
    assert after == before


def test_schema_errors_name_their_path_and_stop_at_fifty(course, admin):
    package = institution_package()
    package["CFItems"] = [
        {k: v for k, v in item(f"B.{n}", "x").items() if k != "uri"} for n in range(60)
    ]
    page = upload(admin, encoded(package)).get_data(as_text=True)
    assert "$.CFItems[0]: &#39;uri&#39; is a required property" in page
    assert "$.CFItems[49]:" in page and "$.CFItems[50]:" not in page
    assert "… and 10 more problems." in page
    assert rows(course.app) == (0, 0, 0)


def test_a_file_over_10_mb_is_refused_before_it_is_read(course, admin):
    package = institution_package()
    package["CFDocument"]["description"] = "x" * (11 << 20)
    response = upload(admin, encoded(package))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The file is 11 MB; SkillCert imports framework files of at most 10 MB." in page
    assert rows(course.app) == (0, 0, 0)


def test_more_than_20000_items_are_refused(course, admin):
    package = institution_package()
    template = package["CFItems"][0]
    package["CFItems"] = [{**template, "identifier": str(uuid.UUID(int=n))} for n in range(20_001)]
    response = upload(admin, encoded(package))
    assert response.status_code == 422
    assert "The package has 20,001 items; SkillCert imports at most 20,000." in response.get_data(
        as_text=True
    )
    assert rows(course.app) == (0, 0, 0)


def test_not_json_and_neither_or_both_sources_are_refused(course, admin):
    response = upload(admin, b"\xff\xfe not json")
    assert response.status_code == 422
    assert "The file is not JSON" in response.get_data(as_text=True)
    assert upload(admin).status_code == 422
    both = upload(admin, encoded(institution_package()), url="https://example.edu/f.json")
    assert both.status_code == 422
    assert "not both" in both.get_data(as_text=True)
    assert rows(course.app) == (0, 0, 0)


# -- URLs go through the outbound checks ---------------------------------------------------


@pytest.fixture
def big_file() -> Iterator[str]:
    """A loopback server answering 11 MB of JSON."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = b'{"CFDocument": "' + b"x" * (11 << 20) + b'"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/framework.json"
    server.shutdown()
    server.server_close()


def test_a_url_answer_over_10_mb_is_cut_off_and_refused(course, admin, big_file):
    response = upload(admin, url=big_file)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "could not be fetched" in page and "returned more than 10485760 bytes" in page
    assert rows(course.app) == (0, 0, 0)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://frameworks.example.edu/f.json", "must use https"),
        ("https://10.1.2.3/f.json", "10.1.2.3 is a private address"),
        ("https://127.0.0.1:9/f.json", "127.0.0.1 is a loopback address"),
        ("file:///etc/passwd", "is not an absolute URL"),
    ],
)
def test_in_production_only_public_https_urls_are_fetched(app: Flask, url, reason):
    production = dataclasses.replace(
        app.config["SETTINGS"], base_url="https://skillcert.example.edu", testing=False
    )
    with app.test_request_context(), pytest.raises(FrameworkFileError) as refused:
        fetch_package(production, url)
    (problem,) = refused.value.problems
    assert reason in problem and "could not be fetched" in problem


def test_only_an_institution_or_system_administrator_may_import(course):
    for roles, status in (
        ([COURSE_ADMIN], 403),
        ([LIS + "membership#Instructor"], 403),
        ([LIS + "membership#Learner"], 403),
    ):
        client = administrator(course, roles)
        response = client.get("/admin/frameworks")
        assert response.status_code == status, roles
    course_admin = administrator(course, [COURSE_ADMIN])
    page = course_admin.get("/admin/frameworks").get_data(as_text=True)
    assert "Only an institution or system administrator of your LMS can manage" in page
    # Not even a post with a valid token gets through.
    home = course_admin.get("/teach/").get_data(as_text=True)
    response = upload(course_admin, encoded(institution_package()), csrf=token(home))
    assert response.status_code == 403
    assert rows(course.app) == (0, 0, 0)
