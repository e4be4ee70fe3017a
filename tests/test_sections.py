"""Course sections (issue 17): stored from the NRPS roster's group enrollments and from
Canvas launches; the gradebook filters by section and marks overdue work."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.models import CourseSection, Registration, SectionMember, User
from tests.conftest import SAMPLE_CONTENT
from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI
from tests.test_deep_linking import DL, deep_linking_launch, returned_token
from tests.test_roster import ROSTER, RosterCourse, member, run_jobs


@pytest.fixture
def app(make_app):
    app = make_app(content_path=str(SAMPLE_CONTENT), http_timeout_seconds=0.5)
    yield app
    app.extensions["skillcert.engine"].dispose()


def grouped(sub: str, *groups: str) -> dict:
    return {**member(sub), "group_enrollments": [{"group_id": g} for g in groups]}


def sections_of(app, context_id: int) -> dict[str, set[str]]:
    """Section id → the subs of its members (every section of the course, even empty)."""
    with transaction(app) as session:
        found: dict[str, set[str]] = {
            s: set()
            for s in session.scalars(
                select(CourseSection.section_id).where(CourseSection.context_id == context_id)
            )
        }
        rows = session.execute(
            select(CourseSection.section_id, User.sub)
            .join(SectionMember, SectionMember.section_id == CourseSection.id)
            .join(User, User.id == SectionMember.user_id)
            .where(CourseSection.context_id == context_id)
        )
        for section, sub in rows:
            found[section].add(sub)
    return found


def test_roster_sync_stores_sections_and_drops_groups_no_longer_listed(app, sim):
    roster = RosterCourse(
        app,
        sim,
        [grouped("ada", "g-red"), grouped("bob", "g-red", "g-blue"), member("cy"), *ROSTER[-1:]],
    )
    roster.sync_now()
    run_jobs(app)
    assert sections_of(app, roster.context_id()) == {"g-red": {"ada", "bob"}, "g-blue": {"bob"}}

    # Bob leaves the red group; the blue one empties but stays (reports may name it).
    roster.lms.members = [
        grouped("ada", "g-red"),
        grouped("bob", "g-green"),
        grouped("cy", "g-red"),
        *ROSTER[-1:],
    ]
    roster.sync_now()
    run_jobs(app)
    assert sections_of(app, roster.context_id()) == {
        "g-red": {"ada", "cy"},
        "g-blue": set(),
        "g-green": {"bob"},
    }

    # A roster without any group enrollments (an LMS that offers none) changes nothing.
    roster.lms.members = [member("ada"), member("bob"), member("cy"), *ROSTER[-1:]]
    roster.sync_now()
    run_jobs(app)
    assert sections_of(app, roster.context_id())["g-red"] == {"ada", "cy"}


CANVAS_SECTIONS = {
    "skillcert_target": "module:sample/basics",
    "skillcert_section_ids": "43, 42",
    "skillcert_section_names": '["Section 1, M-T", "Section 2, W-Th"]',
}


def test_a_canvas_launch_stores_the_learners_sections_with_names(app, sim):
    roster = RosterCourse(app, sim, ROSTER)
    roster.launch("ada", claims={LTI + "custom": CANVAS_SECTIONS})
    with transaction(app) as session:
        names = dict(
            session.execute(
                select(CourseSection.section_id, CourseSection.name).where(
                    CourseSection.context_id == roster.context_id()
                )
            ).all()
        )
    # Canvas sorts the names by section id.
    assert names == {"42": "Section 1, M-T", "43": "Section 2, W-Th"}
    assert sections_of(app, roster.context_id()) == {"42": {"ada"}, "43": {"ada"}}

    # Unsubstituted (not Canvas): nothing changes; a later launch in one section: one left.
    unsubstituted = {
        **CANVAS_SECTIONS,
        "skillcert_section_ids": "$Canvas.course.sectionIds",
        "skillcert_section_names": "$com.instructure.User.sectionNames",
    }
    roster.launch("ada", claims={LTI + "custom": unsubstituted})
    assert sections_of(app, roster.context_id()) == {"42": {"ada"}, "43": {"ada"}}
    one = {**CANVAS_SECTIONS, "skillcert_section_ids": "42", "skillcert_section_names": '["A"]'}
    roster.launch("ada", claims={LTI + "custom": one})
    assert sections_of(app, roster.context_id()) == {"42": {"ada"}, "43": set()}


def test_canvas_placements_ask_for_the_sections(course):
    with transaction(course.app) as session:
        session.execute(select(Registration)).scalar_one().preset = "canvas"
    deep_linking_launch(course)
    page = course.client.get("/teach/deep-link").get_data(as_text=True)
    response = course.client.post(
        "/teach/deep-link", data={"csrf_token": token(page), "target": "module:sample/basics"}
    )
    (item,) = returned_token(course, response)[DL + "content_items"]
    assert item["custom"]["skillcert_section_ids"] == "$Canvas.course.sectionIds"
    assert item["custom"]["skillcert_section_names"] == "$com.instructure.User.sectionNames"


def gradebook_rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row" lang="">([^<]+)</th>', page)


def test_gradebook_filters_by_section_in_the_page_and_the_csv(app, sim):
    roster = RosterCourse(
        app,
        sim,
        [grouped("ada", "g-red"), grouped("bob", "g-blue"), member("cy"), *ROSTER[-1:]],
    )
    roster.sync_now()
    run_jobs(app)
    with transaction(app) as session:
        red = session.scalar(select(CourseSection.id).where(CourseSection.section_id == "g-red"))
    page = roster.teacher.get("/teach/gradebook").get_data(as_text=True)
    assert gradebook_rows(page) == ["Ada", "Bob", "Cy"]
    assert '<label for="section-filter">Section</label>' in page
    assert '<option value="">All sections</option>' in page
    assert f'<option value="{red}">Section g-red</option>' in page

    page = roster.teacher.get(f"/teach/gradebook?section={red}").get_data(as_text=True)
    assert gradebook_rows(page) == ["Ada"]
    assert f'<option value="{red}" selected>' in page
    assert f"/teach/gradebook.csv?section={red}" in page
    csv_text = roster.teacher.get(f"/teach/gradebook.csv?section={red}").get_data(as_text=True)
    assert [row[0] for row in csv.reader(io.StringIO(csv_text))][1:] == ["Ada"]

    for unknown in ("999999", "red", str(red + 1000)):
        response = roster.teacher.get(f"/teach/gradebook?section={unknown}")
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        assert "That section is not in this course" in page
        assert gradebook_rows(page) == ["Ada", "Bob", "Cy"]  # all sections, said so
        csv_answer = roster.teacher.get(f"/teach/gradebook.csv?section={unknown}")
        assert csv_answer.status_code == 404
        assert "That section is not in this course." in csv_answer.get_data(as_text=True)


def test_another_courses_section_is_unknown_here(app, sim):
    first = RosterCourse(app, sim, [grouped("ada", "g-red"), *ROSTER[-1:]])
    first.sync_now()
    run_jobs(app)
    with transaction(app) as session:
        theirs = session.scalar(select(CourseSection.id))
    second = RosterCourse(app, sim, [member("zed"), *ROSTER[-1:]], driver=first.driver)
    response = second.teacher.get(f"/teach/gradebook?section={theirs}")
    assert response.status_code == 404
    assert "Ada" not in response.get_data(as_text=True)


def test_gradebook_marks_overdue_work_and_filters_it(app, sim):
    past = "2026-01-05T12:00:00Z"
    custom = {"skillcert_target": "module:sample/basics", "skillcert_due_at": past}
    roster = RosterCourse(app, sim, [member("ada"), member("bob"), *ROSTER[-1:]])
    roster.launch("teacher-1", role="instructor", claims={LTI + "custom": custom})
    ada = roster.launch("ada", claims={LTI + "custom": custom})
    roster.sync_now()
    run_jobs(app)
    page = ada.get("/learn/a/sample/basics-quiz").get_data(as_text=True)
    attempt = ada.post(
        "/learn/a/sample/basics-quiz/start", data={"csrf_token": token(page)}
    ).headers["Location"]
    data = {"csrf_token": token(page), "confirm": "yes", "answer-q-temperature": "zero"}
    assert ada.post(attempt + "/submit", data=data).status_code == 302

    page = roster.teacher.get("/teach/gradebook").get_data(as_text=True)
    rows = dict(re.findall(r'<th scope="row" lang="">([^<]+)</th>(.*?)</tr>', page))
    # The quiz handed in is not overdue; the exam nobody took is, for both.
    assert rows["Ada"].count("Overdue") == 1 and rows["Bob"].count("Overdue") == 2
    csv_text = roster.teacher.get("/teach/gradebook.csv").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(csv_text)))
    quiz = table[0].index("Check your understanding status")
    by_name = {row[0]: row for row in table[1:]}
    assert by_name["Ada"][quiz] == "submitted"
    assert by_name["Bob"][quiz] == "not started, overdue"
    overdue_only = roster.teacher.get("/teach/gradebook?status=overdue").get_data(as_text=True)
    assert gradebook_rows(overdue_only) == ["Ada", "Bob"]
