"""Organisation reports: a district of three schools, its figures against hand counts, the
drill-down pages, target dates, the heat map, and who may see what."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select, update

from assessments.model import ContentVersions
from lti_tool.csrf import csrf_token
from lti_tool.db import transaction
from lti_tool.models import (
    Attempt,
    AttemptStatus,
    Context,
    CourseSection,
    Membership,
    MemberStatus,
    ResourceLink,
    SectionMember,
    User,
    utcnow,
)
from lti_tool.reports import detail, model
from lti_tool.reports.scope import Reach, course_of, school_in_reach
from lti_tool.sessions import SESSION_COOKIE
from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI
from tests.test_credentials_renewal import hold_credential
from tests.test_gradebook import take_quiz
from tests.test_modules import mark_done
from tests.test_privacy_export import COURSE_ADMIN, INSTITUTION_ADMIN, staff

INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
BASICS = {LTI + "custom": {"skillcert_target": "module:sample/basics"}}
QUIZ_ONLY = {LTI + "custom": {"skillcert_target": "activity:sample/basics-quiz"}}
SCHOOL_A = {"id": "school-a", "title": "Adams Elementary", "label": "ADAMS"}
SCHOOL_B = {"id": "school-b", "title": "Baker Middle", "label": "BAKER"}
SCHOOL_C = {"id": "school-c", "title": "Carver High", "label": "CARVER"}
LINK_A = {"id": "link-a", "title": "Basics for Adams"}
LINK_B = {"id": "link-b", "title": "Quiz for Baker"}
LINK_C = {"id": "link-c", "title": "Basics for Carver"}


def learner(course, sub, name, school, link, custom):
    client = course.app.test_client()
    response = course.launch(
        client=client, sub=sub, name=name, context=school, resource_link=link, claims=custom
    )
    assert response.status_code in (200, 302), response.get_data(as_text=True)
    return client


def record(app, track, sub, school_id, activity_id, score, *, pending=False, number=1):
    """A submitted attempt as the attempt pages store it (the exam's pages need a whole
    timed sitting; its stored row is what the reports read)."""
    with transaction(app) as session:
        user = session.scalar(select(User).where(User.sub == sub))
        context = session.scalar(select(Context).where(Context.context_id == school_id))
        session.add(
            Attempt(
                registration_id=user.registration_id,
                deployment_id=context.deployment_id,
                context_id=context.id,
                user_id=user.id,
                track_id="sample",
                activity_id=activity_id,
                content_versions=ContentVersions.of(track, activity_id).as_dict(),
                number=number,
                answers={},
                status=AttemptStatus.SUBMITTED,
                started_at=utcnow(),
                submitted_at=utcnow(),
                score=score,
                result={"status": "pending" if pending else "graded"},
            )
        )


def context_id(app, platform_id: str) -> int:
    with transaction(app) as session:
        return session.scalar(select(Context.id).where(Context.context_id == platform_id))


def user_id(app, sub: str) -> int:
    with transaction(app) as session:
        return session.scalar(select(User.id).where(User.sub == sub))


def sections(app, school: str, members: dict[str, list[str]]) -> None:
    """Sections and their members as roster sync stores them (NRPS group enrollments)."""
    with transaction(app) as session:
        cid = session.scalar(select(Context.id).where(Context.context_id == school))
        for name, subs in members.items():
            section = CourseSection(context_id=cid, section_id=name.lower(), name=name)
            session.add(section)
            session.flush()
            for sub in subs:
                uid = session.scalar(select(User.id).where(User.sub == sub))
                session.add(SectionMember(section_id=section.id, user_id=uid))


@pytest.fixture
def district(course, sample_track):
    """Three schools of one deployment, their learners and work (hand counts in the tests).

    Adams places the Basics module (a lesson, the quiz, the exam): ada has done all three
    (the lesson through its page, the quiz and exam as stored rows with known scores), bob
    marked the lesson done and has the quiz open, cy has done nothing. Baker places the
    quiz alone: dee took it through its pages, eve's waits for grading. Carver places
    Basics: fay has done nothing. Ada's credential is active, dee's expiring soon.
    """
    app = course.app
    ada = learner(course, "ada", "Ada Adams", SCHOOL_A, LINK_A, BASICS)
    bob = learner(course, "bob", "Bob Adams", SCHOOL_A, LINK_A, BASICS)
    learner(course, "cy", "Cy Adams", SCHOOL_A, LINK_A, BASICS)
    dee = learner(course, "dee", "Dee Baker", SCHOOL_B, LINK_B, QUIZ_ONLY)
    learner(course, "eve", "Eve Baker", SCHOOL_B, LINK_B, QUIZ_ONLY)
    learner(course, "fay", "=SUM(1)", SCHOOL_C, LINK_C, BASICS)
    # A learner the LMS's roster lists as inactive is not counted.
    learner(course, "gus", "Gus Gone", SCHOOL_A, LINK_A, BASICS)
    with transaction(app) as session:
        session.execute(
            update(Membership)
            .where(Membership.user_id == select(User.id).where(User.sub == "gus").scalar_subquery())
            .values(status=MemberStatus.INACTIVE)
        )
    assert mark_done(ada, "/learn/a/sample/intro").status_code == 302
    assert mark_done(bob, "/learn/a/sample/intro").status_code == 302
    quiz = "/learn/a/sample/basics-quiz"
    started = bob.post(quiz + "/start", data={"csrf_token": token(bob.get(quiz).text)})
    assert started.status_code == 302
    take_quiz(course, dee, "zero")
    record(app, sample_track, "ada", "school-a", "basics-quiz", 0.6)
    record(app, sample_track, "ada", "school-a", "basics-exam", 0.8)
    record(app, sample_track, "eve", "school-b", "basics-quiz", 0.5, pending=True)
    sections(app, "school-a", {"Period 1": ["ada", "bob"], "Period 2": ["cy"]})
    hold_credential(app, "ada", valid_until=utcnow() + dt.timedelta(days=400))
    hold_credential(app, "dee", valid_until=utcnow() + dt.timedelta(days=30))
    teacher = course.app.test_client()
    course.launch(
        "instructor", client=teacher, context=SCHOOL_C, resource_link=LINK_C, claims=BASICS
    )
    admin = staff(
        course,
        [INSTITUTION_ADMIN],
        sub="district-admin",
        context=SCHOOL_A,
        resource_link=LINK_A,
        claims=BASICS,
    )
    return admin


def rows_of(page: str, caption: str) -> dict[str, list[str]]:
    """A table's rows by their header cell's text, each the text of its other cells."""
    table = re.search(rf"<caption[^>]*>{re.escape(caption)}.*?</table>", page, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        header = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S)
        if header:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            text = [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]
            rows[re.sub(r"<[^>]+>", "", header.group(1)).strip()] = text
    return rows


def set_target(admin, school_cid, link_title, date):
    page = admin.get(f"/admin/reports/schools/{school_cid}").get_data(as_text=True)
    link_id = re.search(
        rf'action="(/admin/reports/schools/{school_cid}/links/(\d+)/target)"', page
    ).group(1)
    return admin.post(link_id, data={"csrf_token": token(page), "target_date": date})


def test_district_report_counts_every_school_by_hand(district):
    page = district.get("/admin/reports")
    assert page.status_code == 200, page.get_data(as_text=True)
    schools = rows_of(page.get_data(as_text=True), "Completion by school")
    # Learners, complete (share), not started, done, pending, overdue, with overdue,
    # credentials held, expiring soon, renewed, expired.
    assert schools["Adams Elementary"][:7] == ["3", "1 (33.3%)", "1", "4", "5", "0", "0"]
    assert schools["Adams Elementary"][7:] == ["1", "0", "0", "0"]
    assert schools["Baker Middle"] == [
        "2",
        "1 (50.0%)",
        "0",
        "1",
        "1",
        "0",
        "0",
        "1",
        "1",
        "0",
        "0",
    ]
    assert schools["Carver High"][:6] == ["1", "0 (0.0%)", "1", "0", "3", "0"]
    assert schools["All schools"][:6] == ["6", "2 (33.3%)", "2", "5", "9", "0"]
    assert "Gus Gone" not in page.get_data(as_text=True)


def test_a_past_target_date_makes_work_overdue(district):
    adams = context_id(district.application, "school-a")
    saved = set_target(district, adams, "Basics for Adams", "2026-11-30")
    assert saved.status_code == 302
    page = district.get("/admin/reports").get_data(as_text=True)
    # bob: the quiz and the exam; cy: all three. ada's are done, so not overdue.
    assert rows_of(page, "Completion by school")["Adams Elementary"][5:7] == ["5", "2"]
    school = district.get(f"/admin/reports/schools/{adams}").get_data(as_text=True)
    people = rows_of(school, "3 learners")
    assert people["Bob Adams"][3] == "2" and people["Cy Adams"][3] == "3"
    assert people["Ada Adams"][3] == "0"
    # The week of the target date is marked on the chart and in its table.
    assert "Target Nov 30, 2026" in school
    overdue_only = district.get(f"/admin/reports/schools/{adams}?status=overdue").text
    assert set(rows_of(overdue_only, "2 learners")) == {"Bob Adams", "Cy Adams"}
    # The heat map lists the same learners.
    heat = rows_of(overdue_only, "Mean counted score per learner and competency")
    assert set(heat) == {"Bob Adams", "Cy Adams", "Cohort mean"}
    with transaction(district.application) as session:
        link = session.scalar(select(ResourceLink).where(ResourceLink.resource_link_id == "link-a"))
        assert link.target_date == dt.date(2026, 11, 30)
    # Handed in counts as on the learner's page: eve's quiz awaits grading, not overdue.
    baker = context_id(district.application, "school-b")
    assert set_target(district, baker, "Quiz for Baker", "2026-11-30").status_code == 302
    page = district.get("/admin/reports").get_data(as_text=True)
    assert rows_of(page, "Completion by school")["Baker Middle"][5:7] == ["0", "0"]


def test_a_target_date_that_is_not_a_date_is_refused_and_nothing_changes(district):
    adams = context_id(district.application, "school-a")
    refused = set_target(district, adams, "Basics for Adams", "30/11/2026")
    assert refused.status_code == 422
    assert "Give the target date as year-month-day" in refused.get_data(as_text=True)
    assert 'aria-invalid="true"' in refused.get_data(as_text=True)
    with transaction(district.application) as session:
        link = session.scalar(select(ResourceLink).where(ResourceLink.resource_link_id == "link-a"))
        assert link.target_date is None


def test_school_page_has_sections_people_and_the_heat_map(district):
    adams = context_id(district.application, "school-a")
    page = district.get(f"/admin/reports/schools/{adams}").get_data(as_text=True)
    by_section = rows_of(page, "Completion by section")
    assert by_section["Period 1"][:4] == ["2", "1 (50.0%)", "0", "4"]
    assert by_section["Period 2"][:4] == ["1", "0 (0.0%)", "1", "0"]
    assert by_section["Whole school"][:1] == ["3"]
    people = rows_of(page, "3 learners")
    # Modules complete (the gradebook's rules), activities done of placed, pending, overdue.
    assert people["Ada Adams"][1:3] == ["3 of 3 complete", "0"]
    assert people["Bob Adams"][1:3] == ["1 of 3", "2"]
    # Ada's Basics module: quiz 60 %, exam 80 %: a mean of 70 %, its pass mark.
    assert people["Ada Adams"][0] == "1 of 1" and people["Bob Adams"][0] == "0 of 1"
    assert "Gus Gone" not in page
    heat = rows_of(page, "Mean counted score per learner and competency")
    # Prompt design: quiz and exam (60 %, 80 %); Evaluation: the quiz; Responsible use:
    # nothing placed assesses it.
    assert heat["Ada Adams"][:2] == ["70.0%", "60.0%"]
    assert heat["Ada Adams"][2].startswith("—")
    assert heat["Bob Adams"][0].startswith("—")
    assert heat["Cohort mean"][:2] == ["70.0%", "60.0%"]
    in_period_2 = district.get(f"/admin/reports/schools/{adams}?section=")
    assert in_period_2.status_code == 200


def test_drill_down_to_a_person_and_an_activity(district):
    app = district.application
    adams, bob = context_id(app, "school-a"), user_id(app, "bob")
    school = district.get(f"/admin/reports/schools/{adams}").get_data(as_text=True)
    assert f"/admin/reports/schools/{adams}/people/{bob}" in school
    person = district.get(f"/admin/reports/schools/{adams}/people/{bob}").get_data(as_text=True)
    lines = rows_of(person, "Every activity the school places")
    assert lines["What a model is"][1] == "Done"
    assert lines["Check your understanding"][1] == "In progress"
    assert lines["Basics exam"][1] == "Not started"
    quiz = district.get(f"/admin/reports/schools/{adams}/activities/sample/basics-quiz").text
    states = rows_of(quiz, "3 learners")
    assert states["Ada Adams"][:2] == ["Done", "60.0%"]
    assert states["Bob Adams"][0] == "In progress" and states["Cy Adams"][0] == "Not started"
    baker = context_id(app, "school-b")
    pending = district.get(f"/admin/reports/schools/{baker}/activities/sample/basics-quiz").text
    assert rows_of(pending, "2 learners")["Eve Baker"][0] == "Handed in, awaiting grading"
    # An activity the school does not place, a learner of another school: not found.
    assert (
        district.get(f"/admin/reports/schools/{baker}/activities/sample/basics-exam").status_code
        == 404
    )
    assert district.get(f"/admin/reports/schools/{baker}/people/{bob}").status_code == 404


def test_the_counted_done_agrees_with_the_learners_own_pages(district):
    """The database's rule for done (``reports.work``) and ``progress``'s, learner by
    learner, on every activity placed."""
    app = district.application
    with app.test_request_context(), transaction(app) as session:
        from lti_tool.views.admin.reports import _tracks

        registration, deployment = session.execute(
            select(User.registration_id, Context.deployment_id)
            .join(Membership, Membership.user_id == User.id)
            .join(Context, Context.id == Membership.context_id)
            .where(User.sub == "ada")
        ).one()
        reach = Reach(registration, deployment)
        report = model.build(session, reach, _tracks(), model.Filters(), utcnow())
        checked = 0
        for shown in report.schools:
            for person in shown.people:
                lines = detail.person(
                    session, course_of(reach, shown.school), person.user_id, shown.plan, utcnow()
                )
                assert person.done == sum(line.done for line in lines), person.name
                checked += 1
        assert checked == 6
        assert (
            school_in_reach(session, Reach(registration, deployment + 1000), shown.school.id)
            is None
        )


def test_a_course_administrator_sees_their_course_only(course, district):
    app = course.app
    adams, baker = context_id(app, "school-a"), context_id(app, "school-b")
    admin = staff(
        course,
        [COURSE_ADMIN],
        sub="adams-admin",
        context=SCHOOL_A,
        resource_link=LINK_A,
        claims=BASICS,
    )
    assert 'href="/admin/reports"' in admin.get("/teach/").get_data(as_text=True)
    sent = admin.get("/admin/reports")
    assert sent.status_code == 302 and sent.headers["Location"].endswith(f"/schools/{adams}")
    page = admin.get(f"/admin/reports/schools/{adams}").get_data(as_text=True)
    assert "Ada Adams" in page and "Dee Baker" not in page
    assert "Target date of" not in page  # only the institution's administrators set them
    refused = admin.get(f"/admin/reports/schools/{baker}")
    assert refused.status_code == 404
    assert "There is no such school in the courses you administer." in refused.text
    assert "Dee Baker" not in refused.text
    bob = user_id(app, "bob")
    assert admin.get(f"/admin/reports/schools/{baker}/people/{bob}").status_code == 404
    with app.test_request_context(
        headers={"Cookie": f"{SESSION_COOKIE}={admin.get_cookie(SESSION_COOKIE).value}"}
    ):
        csrf = csrf_token()  # the page has no POST form for them: the token it would carry
    with transaction(app) as session:
        link_a = session.scalar(
            select(ResourceLink.id).where(ResourceLink.resource_link_id == "link-a")
        )
    post = admin.post(
        f"/admin/reports/schools/{adams}/links/{link_a}/target",
        data={"csrf_token": csrf, "target_date": "2026-01-01"},
    )
    assert post.status_code == 403
    with transaction(app) as session:
        assert session.get(ResourceLink, link_a).target_date is None


def test_learners_and_instructors_are_refused(course, district):
    teacher = course.app.test_client()
    course.launch("instructor", client=teacher, context=SCHOOL_A, resource_link=LINK_A)
    adams = context_id(course.app, "school-a")
    assert 'href="/admin/reports"' not in teacher.get("/teach/").get_data(as_text=True)
    for client in (teacher, learner(course, "zed", "Zed", SCHOOL_A, LINK_A, BASICS)):
        for url in (
            "/admin/reports",
            f"/admin/reports/schools/{adams}",
            "/admin/reports/export.csv",
        ):
            response = client.get(url)
            assert response.status_code == 403, url
            assert "Ada Adams" not in response.get_data(as_text=True)


def test_another_deployments_administrator_sees_nothing_of_this_one(course, district):
    app = course.app
    course.add_deployment("deployment-2")
    other = staff(
        course,
        [INSTITUTION_ADMIN],
        sub="other-admin",
        deployment_id="deployment-2",
        context={"id": "elsewhere", "title": "Elsewhere Academy"},
    )
    page = other.get("/admin/reports").get_data(as_text=True)
    assert "Elsewhere Academy" in page
    for name in ("Adams Elementary", "Baker Middle", "Ada Adams"):
        assert name not in page
    adams, ada = context_id(app, "school-a"), user_id(app, "ada")
    for url in (
        f"/admin/reports/schools/{adams}",
        f"/admin/reports/schools/{adams}/people/{ada}",
        f"/admin/reports/schools/{adams}/activities/sample/basics-quiz",
        f"/admin/reports/schools/{adams}/export.csv",
    ):
        response = other.get(url)
        assert response.status_code == 404, url
        assert "Ada Adams" not in response.get_data(as_text=True)


def test_unknown_filters_are_refused_with_a_reason(district):
    refused = district.get("/admin/reports?status=late")
    assert refused.status_code == 400
    assert "There is no learner status “late”." in refused.get_data(as_text=True)
    assert district.get("/admin/reports?unit=track:nope").status_code == 400
    assert district.get("/admin/reports?section=abc").status_code == 400
    baker = context_id(district.application, "school-b")
    with transaction(district.application) as session:
        period_1 = session.scalar(select(CourseSection.id).where(CourseSection.name == "Period 1"))
    # A section of another school is not this school's.
    assert district.get(f"/admin/reports/schools/{baker}?section={period_1}").status_code == 400


def test_filters_narrow_the_district_counts(district):
    quiz_only = district.get("/admin/reports?unit=module:sample/basics&credential=expiring").text
    schools = rows_of(quiz_only, "Completion by school")
    assert schools["Baker Middle"][:2] == ["1", "1 (100.0%)"]  # dee: the due credential
    assert schools["Adams Elementary"][0] == "0"
    not_started = rows_of(
        district.get("/admin/reports?status=not-started").text, "Completion by school"
    )
    assert not_started["All schools"][0] == "2"  # cy and fay
