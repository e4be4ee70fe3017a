"""Deep Linking: an instructor places modules and activities; links later open what was placed."""

from __future__ import annotations

import html
import re

import jwt

from tests.conftest import csrf_token_of as token
from tests.simulated_lms import DELETE, LTI

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def deep_linking_launch(course, accept_multiple=True, role="instructor", **settings):
    claims = {
        LTI + "message_type": "LtiDeepLinkingRequest",
        LTI + "resource_link": DELETE,
        DL + "deep_linking_settings": {
            "deep_link_return_url": course.sim.url + "/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": accept_multiple,
            "data": "platform-opaque-123",
            **settings,
        },
    }
    return course.launch(role, claims=claims)


def returned_token(course, response) -> dict:
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert f'action="{course.sim.url}/deep-link-return"' in page
    token = html.unescape(re.search(r'name="JWT" value="([^"]+)"', page).group(1))
    jwks = course.client.get("/lti/jwks.json").get_json()
    key = jwt.PyJWK(jwks["keys"][0])
    assert jwt.get_unverified_header(token)["kid"] == jwks["keys"][0]["kid"]
    return jwt.decode(token, key.key, algorithms=["RS256"], audience=course.issuer)


def test_instructor_places_two_modules_and_links_open_them(course):
    response = deep_linking_launch(course)
    assert response.headers["Location"] == "/teach/deep-link"
    page = course.client.get("/teach/deep-link").get_data(as_text=True)
    assert 'type="checkbox"' in page and "Module: Basics" in page
    chosen = ["module:sample/basics", "activity:sample/ethics-scenario"]
    response = course.client.post(
        "/teach/deep-link", data={"csrf_token": token(page), "target": chosen}
    )
    claims = returned_token(course, response)
    assert claims["iss"] == course.client_id
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "version"] == "1.3.0"
    assert claims[LTI + "deployment_id"] == course.deployment_id
    assert claims[DL + "data"] == "platform-opaque-123"
    items = claims[DL + "content_items"]
    assert [i["custom"]["skillcert_target"] for i in items] == chosen
    assert all(
        i["type"] == "ltiResourceLink" and i["url"] == "http://localhost/lti/launch" for i in items
    )
    line_item = items[1]["lineItem"]
    assert line_item["resourceId"] == "sample/ethics-scenario"
    assert line_item["tag"] == "skillcert" and line_item["scoreMaximum"] == 100

    # The LMS later launches the placed link with the custom value it was given.
    learner = course.app.test_client()
    course.launch(
        client=learner,
        resource_link={"id": "placed-1", "title": items[1]["title"]},
        claims={LTI + "custom": items[1]["custom"]},
    )
    home = learner.get("/learn/").get_data(as_text=True)
    assert "This link opens <strong>" + items[1]["title"] in home


def test_single_choice_platform_gets_radios_and_refuses_two(course):
    deep_linking_launch(course, accept_multiple=False)
    page = course.client.get("/teach/deep-link").get_data(as_text=True)
    assert 'type="radio"' in page and 'type="checkbox"' not in page
    response = course.client.post(
        "/teach/deep-link",
        data={"csrf_token": token(page), "target": ["track:sample", "module:sample/basics"]},
    )
    assert response.status_code == 400
    assert "one activity at a time" in response.get_data(as_text=True)


def test_platform_that_accepts_no_links_gets_a_clear_page(course):
    response = deep_linking_launch(course, accept_types=["file"])
    assert response.status_code == 400
    assert "does not accept links to activities (it accepts: file)" in response.get_data(
        as_text=True
    )
    assert course.session_info().status_code == 401


def test_forms_need_the_csrf_token(course):
    deep_linking_launch(course)
    response = course.client.post("/teach/deep-link", data={"target": "track:sample"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    forged = course.client.post(
        "/teach/deep-link", data={"target": "track:sample", "csrf_token": "0" * 64}
    )
    assert forged.status_code == 400


def test_unknown_or_tampered_targets_are_refused(course):
    deep_linking_launch(course)
    csrf = token(course.client.get("/teach/deep-link").get_data(as_text=True))
    for target in ("activity:sample/no-such", "module:other-track/x", "track:../../etc"):
        response = course.client.post(
            "/teach/deep-link", data={"csrf_token": csrf, "target": target}
        )
        assert response.status_code == 400
        assert "not available any more" in response.get_data(as_text=True)


def test_learners_cannot_place_content(course):
    deep_linking_launch(course, role="learner")
    assert course.client.get("/teach/deep-link").status_code == 403


def test_link_not_placed_by_deep_linking_is_chosen_at_first_launch(course):
    course.launch("instructor", resource_link={"id": "manual-1", "title": "SkillCert"})
    page = course.client.get("/teach/").get_data(as_text=True)
    assert "Choose what this link opens" in page
    response = course.client.post(
        "/teach/link-target",
        data={"csrf_token": token(page), "target": "activity:sample/prompt-lab"},
    )
    assert response.status_code == 302
    assert "This link opens <strong>Write a classifier prompt" in course.client.get(
        "/teach/"
    ).get_data(as_text=True)
    learner = course.app.test_client()
    course.launch(client=learner, resource_link={"id": "manual-1", "title": "SkillCert"})
    assert "This link opens <strong>Write a classifier prompt" in learner.get("/learn/").get_data(
        as_text=True
    )
