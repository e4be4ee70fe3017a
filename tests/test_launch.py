"""Good launches: every preset, both roles, the pages they land on."""

from __future__ import annotations

import pytest

from tests.conftest import INSTRUCTOR


def test_learner_launch_lands_on_learner_page(lms):
    response = lms.launch()
    assert response.status_code == 302
    assert response.headers["Location"] == "/learn/"
    page = lms.client.get("/learn/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Your certification tracks" in text
    assert "Enterprise AI Practitioner" in text
    assert "AI Education for K-12 Teachers" in text
    info = lms.session_info().get_json()
    assert info["role"] == "learner"
    assert info["user"]["name"] == "Ada Lovelace"
    assert info["context"]["title"] == "Intro to AI"
    assert info["resource_link"]["title"] == "Module 1"


def test_instructor_launch_shows_links_and_roster(lms):
    assert lms.launch(sub="student-7", name="Alan Turing").status_code == 302
    response = lms.launch("instructor")
    assert response.headers["Location"] == "/teach/"
    text = lms.client.get("/teach/").get_data(as_text=True)
    assert "Module 1" in text
    assert "Alan Turing" in text and "Grace Hopper" in text
    assert lms.session_info().get_json()["role"] == "instructor"


def test_learner_cannot_open_instructor_page(lms):
    lms.launch()
    response = lms.client.get("/teach/")
    assert response.status_code == 403
    assert "for instructors" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("preset", "issuer"),
    [
        ("canvas", "https://canvas.instructure.com"),
        ("blackboard", "https://blackboard.com"),
        ("schoology", "https://schoology.schoology.com"),
        ("brightspace", None),
        ("moodle", None),
        ("sakai", None),
        ("generic", None),
    ],
)
def test_launch_for_each_preset(app, client, simulated_lms, preset, issuer):
    from tests.conftest import LmsDriver

    driver = LmsDriver(app, client, simulated_lms)
    registration = driver.register(preset=preset, issuer=issuer)
    assert registration.preset == preset
    if preset == "brightspace":
        assert registration.auth_audience == "https://api.brightspace.com/auth/token"
    assert driver.launch().status_code == 302
    assert driver.launch("instructor").status_code == 302
    assert driver.session_info().get_json()["role"] == "instructor"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        (["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], "learner"),
        (["Learner"], "learner"),
        ([INSTRUCTOR], "instructor"),
        (["Instructor"], "instructor"),
        (
            ["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"],
            "instructor",
        ),
        (
            [
                "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
                "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
            ],
            "administrator",
        ),
        (["http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty"], "instructor"),
        ([], "learner"),
    ],
)
def test_roles_map_to_skillcert_roles(lms, roles, expected):
    assert lms.launch(roles=roles).status_code == 302
    assert lms.session_info().get_json()["role"] == expected


def test_names_and_titles_are_escaped(lms):
    evil = '<script>alert("x")</script>'
    lms.launch(
        name=evil, context={"id": "c-evil", "title": evil}, resource_link={"id": "l", "title": evil}
    )
    learner_page = lms.client.get("/learn/").get_data(as_text=True)
    lms.launch(
        "instructor",
        name=evil,
        context={"id": "c-evil", "title": evil},
        resource_link={"id": "l", "title": evil},
    )
    instructor_page = lms.client.get("/teach/").get_data(as_text=True)
    for page in (learner_page, instructor_page):
        assert evil not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


def test_session_cookie_is_httponly_and_rotated_at_each_launch(lms):
    first = lms.launch()
    second = lms.launch()
    cookies = [r.headers.getlist("Set-Cookie") for r in (first, second)]
    session_cookies = [next(c for c in cs if c.startswith("skillcert_session=")) for cs in cookies]
    assert session_cookies[0] != session_cookies[1]
    for cookie in session_cookies:
        assert "HttpOnly" in cookie and "Max-Age=" in cookie and "SameSite=Lax" in cookie


def test_no_session_without_launch(client):
    response = client.get("/session")
    assert response.status_code == 401
    assert response.get_json()["advice"] == "Open SkillCert from your course in your LMS."
    page = client.get("/learn/")
    assert page.status_code == 401
    assert "Open SkillCert from your course" in page.get_data(as_text=True)
