"""Course copy at launch: a copied link opens what its original opened, found through the
``$ResourceLink.id.history``/``$Context.id.history`` substitutions (or the course the
platform said it was copied from), inside its own tenant only; nothing a learner did, no
grade column and no target date comes along."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.lti.constants import CONTEXT_HISTORY, HISTORY_PARAMETERS, RESOURCE_LINK_HISTORY
from lti_tool.lti.course_copy import MAX_HISTORY, history
from lti_tool.models import Attempt
from tests.conftest import SAMPLE_CONTENT
from tests.conftest import csrf_token_of as token
from tests.course_copy_driver import ETHICS, NEW, OLD, QUIZ, Tenant
from tests.simulated_lms import SimulatedLMS


@pytest.fixture
def tool(make_app, simulated_lms: SimulatedLMS) -> Iterator[Flask]:
    app = make_app(content_path=str(SAMPLE_CONTENT))
    yield app
    app.extensions["skillcert.engine"].dispose()


@pytest.fixture
def school(tool: Flask, simulated_lms: SimulatedLMS) -> Tenant:
    return Tenant.registered(tool, simulated_lms)


def copy_history(links: str, courses: str = OLD["id"]) -> dict[str, str]:
    return {RESOURCE_LINK_HISTORY: links, CONTEXT_HISTORY: courses}


def test_a_copied_link_opens_what_its_original_opened_through_the_link_history(school):
    school.place(OLD, {"id": "bb-link-1", "title": "Week 1"}, QUIZ)
    # Blackboard and Brightspace name the link it was copied from; the copy was renamed.
    copied = {"id": "bb-link-9", "title": "Week 1 (spring)"}

    learner = school.launch(NEW, copied, custom=copy_history("bb-link-1,bb-link-0"))

    home = learner.get("/learn/").get_data(as_text=True)
    assert 'href="/learn/a/sample/basics-quiz"' in home  # lands on the same activity
    link, original = school.link(NEW, copied), school.link(OLD, {"id": "bb-link-1"})
    assert link.target == QUIZ and link.copied_from_id == original.id
    assert school.course(NEW).copied_from_id == school.course(OLD).id
    teacher = school.launch(NEW, copied, role="instructor", custom=copy_history("bb-link-1"))
    assert "Choose what this link opens" not in teacher.get("/teach/").get_data(as_text=True)


def test_nothing_a_learner_did_nor_a_grade_column_nor_a_target_date_comes_along(school):
    old_link = {"id": "d2l-7", "title": "Quiz"}
    school.place(OLD, old_link, QUIZ)
    old_column = "https://lms.example/courses/2025/lineitems/7"
    learner = school.launch(
        OLD,
        old_link,
        claims={
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [],
                "lineitem": old_column,
            }
        },
    )
    page = learner.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    started = learner.post("/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)})
    old_attempt = started.headers["Location"]
    teacher = school.launch(OLD, old_link, role="instructor")
    page = teacher.get("/teach/").get_data(as_text=True)
    original = school.link(OLD, old_link)
    response = teacher.post(
        f"/teach/links/{original.id}/target-date",
        data={"csrf_token": token(page), "target_date": "2025-06-30"},
    )
    assert response.status_code == 302

    copied = {"id": "d2l-70", "title": "Quiz"}
    learner = school.launch(NEW, copied, custom=copy_history("d2l-7"))
    page = learner.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    started = learner.post("/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)})

    assert started.headers["Location"] != old_attempt  # a first attempt, not the old one
    link = school.link(NEW, copied)
    assert link.target == QUIZ
    assert link.ags_lineitem_url is None and link.target_date is None
    with transaction(school.app) as session:
        courses = dict(session.execute(select(Attempt.context_id, Attempt.id)).all())
    assert set(courses) == {school.course(OLD).id, school.course(NEW).id}
    assert school.link(OLD, old_link).target_date.isoformat() == "2025-06-30"


@pytest.mark.parametrize("other", ["registration", "deployment"])
def test_another_tenants_link_with_the_same_id_is_never_used(tool, simulated_lms, school, other):
    # Another registration of the same LMS, or another deployment of ours, has a course
    # with the same LMS id as the one our copy's history names, with the link it names.
    if other == "registration":
        tenant = Tenant.registered(tool, simulated_lms, client_id="client-other-school")
    else:
        tenant = school.another_deployment("deployment-2")
    tenant.place(OLD, {"id": "shared-7", "title": "Week 1"}, QUIZ)
    copied = {"id": "shared-8", "title": "Week 1"}

    school.launch(NEW, copied, custom=copy_history("shared-7"))

    assert school.link(NEW, copied).target is None
    assert school.link(NEW, copied).copied_from_id is None
    assert school.course(NEW).copied_from_id is None


def test_an_unsubstituted_history_means_nothing(school):
    # An LMS that does not know the variable sends it as written; were it read as an id,
    # these rows (made to match it) would be taken as the original.
    unsubstituted = dict(HISTORY_PARAMETERS)
    literal_course = {"id": unsubstituted[CONTEXT_HISTORY], "title": "?"}
    school.place(literal_course, {"id": unsubstituted[RESOURCE_LINK_HISTORY], "title": "Q"}, QUIZ)
    copied = {"id": "moodle-41", "title": "Q"}

    school.launch(NEW, copied, custom=unsubstituted)

    assert school.link(NEW, copied).target is None
    assert school.course(NEW).copied_from_id is None


def test_the_course_history_alone_finds_the_link_by_its_title_when_only_one_matches(school):
    # Moodle substitutes $Context.id.history; links then match by title in that course.
    school.place(OLD, {"id": "m-1", "title": "Week 1"}, QUIZ)
    school.place(OLD, {"id": "m-2", "title": "Ethics"}, ETHICS)
    school.place(OLD, {"id": "m-3", "title": "Ethics"}, QUIZ)
    history_only = {CONTEXT_HISTORY: OLD["id"], RESOURCE_LINK_HISTORY: ""}

    school.launch(NEW, {"id": "m-11", "title": "Week 1"}, custom=history_only)
    school.launch(NEW, {"id": "m-12", "title": "Ethics"}, custom=history_only)

    assert school.link(NEW, {"id": "m-11"}).target == QUIZ
    assert school.link(NEW, {"id": "m-12"}).target is None  # two "Ethics": no guessing
    assert school.course(NEW).copied_from_id == school.course(OLD).id


def test_a_link_with_a_target_keeps_it(school):
    school.place(OLD, {"id": "c-1", "title": "Week 1"}, QUIZ)
    placed = {"id": "c-2", "title": "Week 1"}
    school.place(NEW, placed, ETHICS)

    school.launch(NEW, placed, custom=copy_history("c-1"))

    assert school.link(NEW, placed).target == ETHICS
    assert school.link(NEW, placed).copied_from_id is None


def test_the_history_is_read_most_recent_copy_first_and_bounded():
    custom = {RESOURCE_LINK_HISTORY: " 789, 456,,456,123,truncated", CONTEXT_HISTORY: "$x"}
    assert history(custom, RESOURCE_LINK_HISTORY) == ["789", "456", "123"]
    assert history(custom, CONTEXT_HISTORY) == []
    assert history({RESOURCE_LINK_HISTORY: 5}, RESOURCE_LINK_HISTORY) == []
    assert history(None, RESOURCE_LINK_HISTORY) == []
    many = ",".join(str(n) for n in range(MAX_HISTORY * 3))
    assert len(history({CONTEXT_HISTORY: many}, CONTEXT_HISTORY)) == MAX_HISTORY
