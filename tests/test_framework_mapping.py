"""Mapping SkillCert's competencies to an institution's items (issue 17, part 4): the matrix
page, review after a re-import, tenancy, the CASE export of the mapping and the alignments
credentials carry (lti_tool/frameworks/, lti_tool/views/admin/frameworks.py)."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from flask import Flask
from sqlalchemy import select

from assessments import case
from lti_tool.db import transaction
from lti_tool.models import CompetencyMapping, Framework, FrameworkItem
from tests.conftest import BASE_URL
from tests.conftest import csrf_token_of as token
from tests.independent_verifier import independent_verdict
from tests.test_case_export import schema_errors
from tests.test_credentials import SCHEMA, api_verify
from tests.test_credentials_conformance import complete_the_track, served  # noqa: F401
from tests.test_framework_import import (
    INSTITUTION_ADMIN,
    administrator,
    encoded,
    imported,
    institution_package,
    item,
    rows,
    stored_items,
)

MATRIX = "/admin/frameworks/{framework}/tracks/sample"


def framework_ids(app: Flask) -> list[int]:
    with transaction(app) as session:
        return list(session.scalars(select(Framework.id).order_by(Framework.id)))


def item_id(app: Flask, code: str) -> int:
    return stored_items(app)[code].id


def mappings(app: Flask) -> list[tuple[str, str, str]]:
    """(competency, item code, type) of every stored mapping."""
    with transaction(app) as session:
        found = session.execute(
            select(CompetencyMapping, FrameworkItem).join(
                FrameworkItem, FrameworkItem.id == CompetencyMapping.framework_item_id
            )
        ).all()
        return sorted(
            (m.competency_id, i.human_coding_scheme, m.association_type.value) for m, i in found
        )


def add(client, framework: int, competency: str, item: Any, kind: str = "exactMatchOf", **extra):
    page = client.get(MATRIX.format(framework=framework)).get_data(as_text=True)
    form = {"csrf_token": token(page), "competency": competency, "item": item, "type": kind}
    return client.post(MATRIX.format(framework=framework) + "/mappings", data={**form, **extra})


def remove(client, framework: int, mapping_id: int, csrf: str | None = None):
    if csrf is None:
        csrf = token(client.get(MATRIX.format(framework=framework)).get_data(as_text=True))
    url = MATRIX.format(framework=framework) + f"/mappings/{mapping_id}/remove"
    return client.post(url, data={"csrf_token": csrf})


def mapping_ids(app: Flask) -> list[int]:
    with transaction(app) as session:
        return list(session.scalars(select(CompetencyMapping.id).order_by(CompetencyMapping.id)))


@pytest.fixture
def admin(course):
    """An institution administrator who imported the Graduate Outcomes."""
    client = administrator(course)
    imported(client, encoded(institution_package()))
    return client


# -- the matrix page -----------------------------------------------------------------------


def test_the_matrix_lists_competencies_as_rows_and_items_indented_by_parent(course, admin):
    (framework,) = framework_ids(course.app)
    page = admin.get(MATRIX.format(framework=framework)).get_data(as_text=True)
    assert '<caption id="mapping-caption">' in page
    row_heads = page.split('<th scope="row">')[1:]
    assert [head.split("</span>")[0].rsplit(">", 1)[1] for head in row_heads] == [
        "Prompt design",
        "Evaluation",
        "Responsible use",
    ]
    assert 'role="region" aria-labelledby="mapping-caption" tabindex="0"' in page
    # Each row's select offers the items in document order, children indented.
    options = page.split('id="item-1"')[1].split("</select>")[0]
    assert options.index("GO.2 —") < options.index("GO.2.2 —") < options.index("GO.1 —")
    assert "&nbsp;&nbsp;GO.2.2 —" in options and ">GO.2 —" in options
    assert page.count('<label for="item-') == 3 and page.count('<label for="type-') == 3


def test_mappings_are_added_changed_and_removed_with_csrf(course, admin):
    (framework,) = framework_ids(course.app)
    go22 = item_id(course.app, "GO.2.2")
    forged = admin.post(
        MATRIX.format(framework=framework) + "/mappings",
        data={"competency": "evaluation", "item": go22, "type": "exactMatchOf"},
    )
    assert forged.status_code == 400 and mappings(course.app) == []

    response = add(admin, framework, "evaluation", go22)
    assert response.status_code == 302 and response.headers["Location"].endswith("done=added")
    assert mappings(course.app) == [("evaluation", "GO.2.2", "exactMatchOf")]
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "The mapping is saved." in page
    assert "is an exact match of: <code>GO.2.2</code>" in page

    # The same pair again changes its type; it is still one mapping.
    assert add(admin, framework, "evaluation", go22, "isRelatedTo").status_code == 302
    assert mappings(course.app) == [("evaluation", "GO.2.2", "isRelatedTo")]

    (mapping_id,) = mapping_ids(course.app)
    assert remove(admin, framework, mapping_id, csrf="forged").status_code == 400
    assert len(mappings(course.app)) == 1
    removed = remove(admin, framework, mapping_id)
    assert removed.status_code == 302 and removed.headers["Location"].endswith("done=removed")
    assert mappings(course.app) == []
    assert remove(admin, framework, mapping_id).status_code == 404  # already gone


@pytest.mark.parametrize(
    ("competency", "item", "kind", "message"),
    [
        ("surgery", "GO.2", "exactMatchOf", "Choose one of the track&#39;s competencies."),
        ("ethics", "GO.2", "isChildOf", "Choose how the competency relates to the item"),
        ("ethics", "", "exactMatchOf", "Choose an item of the framework"),
        ("ethics", "9" * 40, "exactMatchOf", "Choose an item of the framework"),
        ("ethics", "²", "exactMatchOf", "Choose an item of the framework"),
    ],
)
def test_a_bad_choice_is_refused_with_what_to_do(course, admin, competency, item, kind, message):
    (framework,) = framework_ids(course.app)
    chosen = item_id(course.app, item) if item.startswith("GO.") else item
    response = add(admin, framework, competency, chosen, kind)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and 'role="alert"' in page
    assert mappings(course.app) == []


# -- re-import: retired, flagged, listed for review, and back -------------------------------


def test_an_item_left_out_is_retired_and_its_mapping_listed_for_review(course, admin):
    (framework,) = framework_ids(course.app)
    add(admin, framework, "ethics", item_id(course.app, "GO.2.1"), "isPartOf")
    add(admin, framework, "evaluation", item_id(course.app, "GO.2.2"))

    page = imported(admin, encoded(institution_package(leave_out=("GO.2.1",))))
    assert "1 item no longer in the framework (kept for its mappings)" in page
    assert "0 items added" in page and "4 items unchanged" in page
    assert "1 mapping names an item that is no longer in the framework" in page
    review = page.split('id="review-heading"')[1]
    assert "<code>ethics</code>" in review and "GO.2.1" in review
    assert "evaluation" not in review
    # Still there, not current, flagged on the matrix, and no new mapping may name it.
    assert mappings(course.app) == [
        ("ethics", "GO.2.1", "isPartOf"),
        ("evaluation", "GO.2.2", "exactMatchOf"),
    ]
    assert stored_items(course.app)["GO.2.1"].is_current is False
    matrix = admin.get(MATRIX.format(framework=framework)).get_data(as_text=True)
    assert matrix.count("No longer in the framework — review") == 1
    assert 'class="framework-retired"' in matrix
    refused = add(admin, framework, "prompting", item_id(course.app, "GO.2.1"))
    assert refused.status_code == 422
    assert "no longer in the framework" in refused.get_data(as_text=True)

    back = imported(admin, encoded(institution_package()))
    assert "1 item back in the framework" in back and "Mappings to review" not in back
    assert stored_items(course.app)["GO.2.1"].is_current is True
    matrix = admin.get(MATRIX.format(framework=framework)).get_data(as_text=True)
    assert "No longer in the framework — review" not in matrix
    assert rows(course.app) == (1, 5, 2)


# -- tenancy ---------------------------------------------------------------------------------


def test_another_deployment_sees_nothing_and_reaches_nothing_here(course, admin):
    (framework,) = framework_ids(course.app)
    add(admin, framework, "ethics", item_id(course.app, "GO.2.1"))
    (mapping_id,) = mapping_ids(course.app)
    ours = item_id(course.app, "GO.2.2")
    course.add_deployment("deployment-2")
    other = administrator(course, deployment_id="deployment-2")

    listing = other.get("/admin/frameworks").get_data(as_text=True)
    assert "No framework imported yet." in listing and "Graduate Outcomes" not in listing
    csrf = token(listing)
    matrix = MATRIX.format(framework=framework)
    assert other.get(matrix).status_code == 404
    assert other.get(matrix + "/case.json").status_code == 404
    post = {"csrf_token": csrf, "competency": "ethics", "item": ours, "type": "isRelatedTo"}
    assert other.post(matrix + "/mappings", data=post).status_code == 404
    assert remove(other, framework, mapping_id, csrf=csrf).status_code == 404

    # Their own import of the same document is theirs alone, and our ids stay out of reach.
    imported(other, encoded(institution_package()))
    theirs = framework_ids(course.app)[1]
    their_matrix = MATRIX.format(framework=theirs)
    assert other.post(their_matrix + "/mappings", data=post).status_code == 404
    assert remove(other, theirs, mapping_id, csrf=csrf).status_code == 404
    assert mappings(course.app) == [("ethics", "GO.2.1", "exactMatchOf")]
    assert rows(course.app) == (2, 10, 1)


# -- the export --------------------------------------------------------------------------------


def test_the_export_is_a_valid_case_package_of_the_mappings(course, admin):
    (framework,) = framework_ids(course.app)
    stored = stored_items(course.app)
    add(admin, framework, "evaluation", stored["GO.2.2"].id)
    add(admin, framework, "ethics", stored["GO.2.1"].id, "isRelatedTo")
    add(admin, framework, "ethics", stored["GO.2"].id, "isPartOf")

    response = admin.get(MATRIX.format(framework=framework) + "/case.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    exported = response.get_json()
    assert schema_errors("cfpackage", exported) == []
    document = exported["CFDocument"]
    owner = {k: document[k] for k in ("title", "identifier", "uri")}
    for found in exported["CFAssociations"]:
        assert schema_errors("cfassociation", {"CFDocumentURI": owner, **found}) == []

    ends = {
        (a["originNodeURI"]["identifier"], a["associationType"], a["destinationNodeURI"]["uri"])
        for a in exported["CFAssociations"]
    }
    assert ends == {
        (case.item_id("sample", "evaluation"), "exactMatchOf", stored["GO.2.2"].uri),
        (case.item_id("sample", "ethics"), "isRelatedTo", stored["GO.2.1"].uri),
        (case.item_id("sample", "ethics"), "isPartOf", stored["GO.2"].uri),
    }
    client = course.app.test_client()
    for found in exported["CFAssociations"]:
        origin = found["originNodeURI"]
        # SkillCert's end is the CFItem it serves; the institution's names their item.
        assert origin["uri"] == f"{BASE_URL}/ims/case/v1p1/CFItems/{origin['identifier']}"
        served_item = client.get(origin["uri"].removeprefix(BASE_URL)).get_json()
        assert served_item["identifier"] == origin["identifier"]
        destination = found["destinationNodeURI"]
        assert destination["identifier"] in {i.identifier for i in stored.values()}
    # Stable: the same mappings give the same identifiers.
    again = admin.get(MATRIX.format(framework=framework) + "/case.json").get_json()
    assert again == exported
    assert len({a["identifier"] for a in exported["CFAssociations"]}) == 3


# -- credentials -------------------------------------------------------------------------------


def test_a_credential_carries_the_mapped_items_and_verifies_independently(
    served,  # noqa: F811
    node,
):
    client = served.app.test_client()
    response = served.driver.launch(
        client=client,
        sub="registrar",
        roles=[INSTITUTION_ADMIN],
        context={"id": served.lms.id, "title": "Grades 101"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    imported(client, encoded(institution_package()))
    (framework,) = framework_ids(served.app)
    stored = stored_items(served.app)
    add(client, framework, "evaluation", stored["GO.2.2"].id)
    add(client, framework, "ethics", stored["GO.2.1"].id, "isRelatedTo")
    add(client, framework, "prompting", stored["GO.1.1"].id, "isPartOf")

    document = complete_the_track(served, "ada").document
    alignments = document["credentialSubject"]["achievement"]["alignment"]
    items = [a for a in alignments if a["targetType"] == "CFItem"]
    own = [a for a in items if a["targetFramework"] == "Sample Practitioner"]
    theirs = [a for a in items if a["targetFramework"] == "Graduate Outcomes"]
    base = served.app.config["SETTINGS"].base_url
    assert [a["targetUrl"] for a in own] == [
        f"{base}/ims/case/v1p1/CFItems/{case.item_id('sample', c)}"
        for c in ("prompting", "evaluation", "ethics")
    ]
    assert [(a["targetCode"], a["targetName"], a["targetUrl"]) for a in theirs] == [
        ("GO.1.1", stored["GO.1.1"].full_statement, stored["GO.1.1"].uri),
        ("GO.2.2", stored["GO.2.2"].full_statement, stored["GO.2.2"].uri),
        ("GO.2.1", stored["GO.2.1"].full_statement, stored["GO.2.1"].uri),
    ]
    assert {a["type"][0] for a in alignments} == {"Alignment"}
    assert len([a for a in alignments if a["targetType"] == "ceasn:Competency"]) == 3
    jsonschema.Draft201909Validator(json.loads(SCHEMA.read_text())).validate(document)
    assert api_verify(served, document)["verified"] is True
    assert independent_verdict(node, document)["verified"] is True
    # The public page still lists each competency once.
    held = document["id"].removeprefix("urn:uuid:")
    page = served.app.test_client().get(f"/credentials/{held}").get_data(as_text=True)
    assert page.count(">Responsible use</a>") == 1


def test_a_large_framework_offers_300_items_and_a_search_finds_the_rest(course):
    client = administrator(course)
    package = institution_package()
    package["CFItems"] = [item(f"B.{n}", f"Outcome number {n}.") for n in range(350)]
    package["CFAssociations"] = []
    imported(client, encoded(package))
    (framework,) = framework_ids(course.app)
    page = client.get(MATRIX.format(framework=framework)).get_data(as_text=True)
    assert "The lists offer the first 300 of 350 items: search to find the others." in page
    assert page.split('id="item-1"')[1].split("</select>")[0].count("<option value=") == 301
    found = client.get(MATRIX.format(framework=framework) + "?q=b.349").get_data(as_text=True)
    assert "The lists offer 1 item." in found
    options = found.split('id="item-1"')[1].split("</select>")[0]
    assert "B.349 —" in options and "B.1 —" not in options
