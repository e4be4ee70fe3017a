"""Each track's competency framework as CASE 1.1: the package (assessments/case.py), checked
against 1EdTech's JSON Schemas (assessments/schemas/case/, see SOURCES.md there), the REST
paths that serve it (lti_tool/views/case.py) and `skillcert content case-export`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft201909Validator, FormatChecker

from assessments import case
from assessments.catalog import TRACKS_DIR, list_tracks
from lti_tool.entry import main

SCHEMAS = Path(case.__file__).parent / "schemas" / "case"
BASE = "https://skillcert.example.edu/"
TRACKS = list_tracks(TRACKS_DIR)
TRACK_IDS = [track.id for track in TRACKS]


def schema_errors(name: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks the CASE 1.1 schema ``case_v1p1_<name>-jsonschema1.json``,
    with the dateTimes (which jsonschema checks only with an extra package) checked here."""
    schema = json.loads((SCHEMAS / f"case_v1p1_{name}-jsonschema1.json").read_text())
    validator = Draft201909Validator(schema, format_checker=FormatChecker())
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
    for stamp in _values(instance, "lastChangeDateTime"):
        parsed = dt.datetime.fromisoformat(stamp)  # raises on a malformed one
        if parsed.utcoffset() is None:
            errors.append(f"{stamp} has no time zone")
    return errors


def _values(instance: Any, key: str) -> Iterator[Any]:
    if isinstance(instance, dict):
        for name, value in instance.items():
            if name == key:
                yield value
            yield from _values(value, key)
    elif isinstance(instance, list):
        for value in instance:
            yield from _values(value, key)


def packages() -> dict[str, dict[str, Any]]:
    return {track.id: case.package(track, BASE, TRACKS) for track in TRACKS}


def nodes(package: dict[str, Any]) -> set[str]:
    return {package["CFDocument"]["identifier"]} | {i["identifier"] for i in package["CFItems"]}


# -- the package -----------------------------------------------------------------------


@pytest.mark.parametrize("track_id", TRACK_IDS)
def test_each_shipped_track_is_a_valid_case_package(track_id):
    found = packages()[track_id]
    assert schema_errors("cfpackage", found) == []
    track = next(t for t in TRACKS if t.id == track_id)
    assert [item["humanCodingScheme"] for item in found["CFItems"]] == [
        c.id for c in track.competencies
    ]
    assert found["CFDocument"]["caseVersion"] == "1.1"
    assert found["CFDocument"]["version"] == str(track.version)


def test_the_schema_refuses_what_case_forbids():
    """The check above can fail: a missing required field and an unknown property are caught."""
    found = packages()["k12-ai-education"]
    del found["CFItems"][0]["fullStatement"]
    found["CFDocument"]["competencies"] = []
    errors = schema_errors("cfpackage", found)
    assert any("'fullStatement' is a required property" in e for e in errors)
    assert any("'competencies' was unexpected" in e for e in errors)


def test_identifiers_are_stable_distinct_uuids_from_content_ids():
    first, second = packages(), packages()
    assert first == second
    identifiers = [
        value for found in first.values() for value in _values(found, "identifier")
    ]  # every object and every link to one
    own = [
        obj["identifier"]
        for found in first.values()
        for obj in [found["CFDocument"], *found["CFItems"], *found["CFAssociations"]]
    ]
    assert len(own) == len(set(own)), "two objects share an identifier"
    assert all(value == value.lower() and len(value) == 36 for value in identifiers)
    # The namespace is fixed: a change would re-identify every published framework.
    assert case.document_id("enterprise-ai-practitioner") == "15d98baa-06f3-514d-baeb-9be384d31b43"
    assert case.item_id("enterprise-ai-practitioner", "privacy") != case.item_id(
        "ai-in-healthcare", "privacy"
    )


def test_the_export_does_not_depend_on_the_day_it_is_made():
    track = next(t for t in TRACKS if t.id == "enterprise-ai-practitioner")
    newest = max(module.reviewed for module in track.modules)
    found = packages()[track.id]
    assert set(_values(found, "lastChangeDateTime")) == {f"{newest.isoformat()}T00:00:00Z"}


def test_every_association_starts_or_ends_in_its_package_and_resolves():
    everything = packages()
    known = {node for found in everything.values() for node in nodes(found)}
    for track_id, found in everything.items():
        own = nodes(found)
        for association in found["CFAssociations"]:
            ends = association["originNodeURI"], association["destinationNodeURI"]
            assert {end["identifier"] for end in ends} & own, (track_id, association)
            for end in ends:
                assert end["identifier"] in known, (track_id, end)
                assert end["uri"].endswith("/" + end["identifier"])
                assert end["uri"].startswith(BASE.rstrip("/") + case.PATH + "/CF")


def test_the_tree_the_tracks_shared_competencies_and_the_extension_link():
    everything = packages()
    healthcare, core = everything["ai-in-healthcare"], everything["enterprise-ai-practitioner"]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for association in healthcare["CFAssociations"]:
        by_type.setdefault(association["associationType"], []).append(association)
    document = healthcare["CFDocument"]["identifier"]
    assert len(by_type["isChildOf"]) == len(healthcare["CFItems"])
    assert {a["destinationNodeURI"]["identifier"] for a in by_type["isChildOf"]} == {document}
    assert [a["sequenceNumber"] for a in by_type["isChildOf"]] == list(
        range(1, len(healthcare["CFItems"]) + 1)
    )
    # Ten competencies come from the core track, which the finance track also extends.
    related = {
        (a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"])
        for a in by_type["isRelatedTo"]
    }
    assert len(related) == 20
    assert (
        case.item_id("ai-in-healthcare", "privacy"),
        case.item_id("enterprise-ai-practitioner", "privacy"),
    ) in related
    [part_of] = by_type["isPartOf"]
    assert part_of["originNodeURI"]["identifier"] == core["CFDocument"]["identifier"]
    assert part_of["destinationNodeURI"]["identifier"] == document
    k12_types = {a["associationType"] for a in everything["k12-ai-education"]["CFAssociations"]}
    assert k12_types == {"isChildOf"}, "k12 shares no competency id and extends nothing"


# -- served ------------------------------------------------------------------------------


@pytest.fixture
def case_app(make_app) -> Iterator[Flask]:
    app = make_app(base_url=BASE.rstrip("/"))
    yield app
    app.extensions["skillcert.engine"].dispose()


@pytest.fixture
def case_client(case_app: Flask) -> FlaskClient:
    return case_app.test_client()


def get_json(client: FlaskClient, path: str, status: int = 200) -> Any:
    response = client.get(case.PATH + path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


def test_the_rest_paths_serve_the_package_objects(case_client):
    for track_id, found in packages().items():
        document = found["CFDocument"]
        assert get_json(case_client, f"/CFPackages/{document['identifier']}") == found, track_id
        served = get_json(case_client, f"/CFDocuments/{document['identifier']}")
        assert schema_errors("cfdocument", served) == []
        package_link = served.pop("CFPackageURI")
        assert served == document
        assert package_link["uri"].endswith(f"/CFPackages/{document['identifier']}")
        owner = {key: document[key] for key in ("title", "identifier", "uri")}
        for kind, name, schema in (
            ("CFItems", "CFItems", "cfitem"),
            ("CFAssociations", "CFAssociations", "cfassociation"),
        ):
            for obj in found[kind]:
                served = get_json(case_client, f"/{name}/{obj['identifier']}")
                assert schema_errors(schema, served) == []
                assert served.pop("CFDocumentURI") == owner
                assert served == obj


def test_all_documents(case_client):
    served = get_json(case_client, "/CFDocuments")
    assert schema_errors("cfdocumentset", served) == []
    assert sorted(d["title"] for d in served["CFDocuments"]) == sorted(t.title for t in TRACKS)


def test_an_uppercase_identifier_finds_the_same_object(case_client):
    identifier = case.item_id("k12-ai-education", "ai-foundations")
    assert get_json(case_client, f"/CFItems/{identifier.upper()}")["identifier"] == identifier


@pytest.mark.parametrize("collection", ["CFPackages", "CFDocuments", "CFItems", "CFAssociations"])
def test_unknown_and_malformed_ids_answer_404_with_the_case_status(case_client, collection):
    unknown = case.document_id("no-such-track")
    body = get_json(case_client, f"/{collection}/{unknown}", status=404)
    assert schema_errors("imsx_statusinfo", body) == []
    assert (body["imsx_codeMajor"], body["imsx_severity"]) == ("failure", "error")
    [field] = body["imsx_codeMinor"]["imsx_codeMinorField"]
    assert field["imsx_codeMinorFieldValue"] == "unknownobject"
    for malformed in ("not-a-uuid", unknown + "0", "%C3%A9" * 40, unknown.replace("-", "")):
        body = get_json(case_client, f"/{collection}/{malformed}", status=404)
        assert schema_errors("imsx_statusinfo", body) == []
        [field] = body["imsx_codeMinor"]["imsx_codeMinorField"]
        assert field["imsx_codeMinorFieldValue"] == "invalid_uuid"


def test_no_launch_is_needed(case_client):
    """Frameworks are public: no session cookie is set or read."""
    response = case_client.get(case.PATH + "/CFDocuments")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


# -- the command -------------------------------------------------------------------------


def test_case_export_writes_what_the_endpoint_serves(case_app, case_client, tmp_path):
    identifier = case.document_id("ai-in-financial-services")
    output = tmp_path / "finance.json"
    runner = case_app.test_cli_runner()
    args = ["content", "case-export", "--track", "ai-in-financial-services"]
    written = runner.invoke(main, [*args, "--output", str(output)])
    assert written.exit_code == 0, written.output
    served = get_json(case_client, f"/CFPackages/{identifier}")
    assert json.loads(output.read_text(encoding="utf-8")) == served
    printed = runner.invoke(main, args)
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout) == served


def test_case_export_of_an_unknown_track_lists_the_known_ones(case_app):
    result = case_app.test_cli_runner().invoke(
        main, ["content", "case-export", "--track", "no-such-track"]
    )
    assert result.exit_code != 0
    assert "There is no track 'no-such-track'" in result.output
    for track_id in TRACK_IDS:
        assert track_id in result.output
