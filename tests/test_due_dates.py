"""Due dates (issue 17): Deep Linking carries them, launches store what the LMS
substitutes, learners see due, overdue, opens and closed, instructors set target dates."""

from __future__ import annotations

import datetime as dt
import html
import re

import jwt
import requests
from sqlalchemy import select

from lti_tool import deadlines
from lti_tool.db import transaction
from lti_tool.models import ResourceLink
from tests.conftest import csrf_token_of as token
from tests.simulated_lms import LTI
from tests.test_deep_linking import DL, deep_linking_launch, returned_token

SUBSTITUTIONS = {
    "skillcert_available_from": "$ResourceLink.available.startDateTime",
    "skillcert_available_until": "$ResourceLink.available.endDateTime",
    "skillcert_submission_from": "$ResourceLink.submission.startDateTime",
    "skillcert_due_at": "$ResourceLink.submission.endDateTime",
}


def moment(days: float) -> dt.datetime:
    """Now plus ``days``, to the minute (what a datetime-local field holds)."""
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=days)).replace(second=0, microsecond=0)


def typed(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M")


def pick(course, target: str, **dates: str):
    """Open the picker and post ``target`` with ``dates``; the tool's response."""
    deep_linking_launch(course)
    page = course.client.get("/teach/deep-link").get_data(as_text=True)
    return course.client.post(
        "/teach/deep-link", data={"csrf_token": token(page), "target": target, **dates}
    )


def place(course, target: str, **dates: str) -> str:
    """Place ``target`` with ``dates`` as an LMS does: the browser posts the signed
    response to the LMS, which makes the link. Returns the link's id in the LMS."""
    page = pick(course, target, **dates).get_data(as_text=True)
    signed = html.unescape(re.search(r'name="JWT" value="([^"]+)"', page).group(1))
    course.sim.register_tool(course.client_id, course.client.get("/lti/jwks.json").get_json())
    answer = requests.post(course.sim.url + "/deep-link-return", data={"JWT": signed}, timeout=5)
    assert answer.status_code == 200, answer.text
    (link_id,) = answer.json()["resource_links"]
    return link_id


def link_row(course, link_id: str) -> ResourceLink:
    with transaction(course.app) as session:
        return session.scalars(
            select(ResourceLink).where(ResourceLink.resource_link_id == link_id)
        ).one()


def launch_learner(course, link_id: str, sub: str = "ada"):
    learner = course.app.test_client()
    response = course.launch(
        client=learner, sub=sub, resource_link={"id": link_id, "title": "Basics"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return learner


def test_deep_linking_response_carries_the_dates_and_asks_for_them_at_launch(course):
    opens, closes, due = moment(1), moment(30), moment(14)
    response = pick(
        course,
        "module:sample/basics",
        available_from=typed(opens),
        available_until=typed(closes),
        due_at=typed(due),
    )
    (item,) = returned_token(course, response)[DL + "content_items"]
    # DL 2.0 §3.2: available and submission windows, ISO 8601 (the form's times are UTC).
    assert item["available"] == {
        "startDateTime": opens.isoformat(),
        "endDateTime": closes.isoformat(),
    }
    assert item["submission"] == {"endDateTime": due.isoformat()}
    assert dt.datetime.fromisoformat(item["submission"]["endDateTime"]) == due
    # The LMS may change them later: each launch asks for the real ones.
    assert {k: v for k, v in item["custom"].items() if k != "skillcert_target"} == SUBSTITUTIONS
    # The DL line item has no dates (the spec's DL lineItem defines none).
    assert set(item["lineItem"]) == {"label", "scoreMaximum", "resourceId", "tag"}


def test_no_dates_means_no_windows_but_still_the_substitutions(course):
    (item,) = returned_token(course, pick(course, "module:sample/basics"))[DL + "content_items"]
    assert "available" not in item and "submission" not in item
    assert item["custom"]["skillcert_due_at"] == "$ResourceLink.submission.endDateTime"
    assert "skillcert_section_ids" not in item["custom"]  # Canvas only


def test_wrong_dates_are_shown_in_the_page_and_nothing_is_sent(course):
    response = pick(
        course,
        "module:sample/basics",
        available_from=typed(moment(5)),
        available_until=typed(moment(2)),
        due_at="next friday",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'name="JWT"' not in page
    assert "Some dates need fixing; nothing was sent to your LMS." in page
    assert "The link must close after it opens." in page
    assert "“next friday” is not a date and time." in page
    assert 'id="date-due_at" name="due_at" type="datetime-local" value="next friday"' in page
    assert 'aria-invalid="true"' in page
    assert 'value="module:sample/basics" checked' in page  # the choice is kept


def test_a_launch_stores_the_dates_the_lms_substitutes_and_follows_changes(course):
    opens, due = moment(-1), moment(7)
    link_id = place(course, "module:sample/basics", available_from=typed(opens), due_at=typed(due))
    launch_learner(course, link_id)
    row = link_row(course, link_id)
    assert (row.available_from, row.available_until, row.due_at) == (opens, None, due)
    assert row.target == "module:sample/basics"

    # The instructor moves the due date in the LMS: the next launch brings it.
    later = moment(9)
    course.sim.placed[link_id].submission["endDateTime"] = later.isoformat()
    launch_learner(course, link_id, sub="bob")
    assert link_row(course, link_id).due_at == later

    # An LMS that does not substitute sends the variables as written: dates stay.
    course.sim.placed[link_id].substitutes = False
    launch_learner(course, link_id)
    assert link_row(course, link_id).due_at == later
    assert link_row(course, link_id).available_from == opens

    # One that substitutes and sends empty values has removed the dates.
    course.sim.placed[link_id].substitutes = True
    course.sim.placed[link_id].available.clear()
    course.sim.placed[link_id].submission.clear()
    launch_learner(course, link_id)
    row = link_row(course, link_id)
    assert (row.available_from, row.due_at) == (None, None)


def test_unreadable_or_unsubstituted_values_leave_the_dates_and_zoneless_ones_are_utc(course):
    custom = {LTI + "custom": {"skillcert_target": "module:sample/basics", **SUBSTITUTIONS}}
    learner = course.app.test_client()
    link = {"id": "hand-made", "title": "Basics"}
    course.launch(
        client=learner,
        resource_link=link,
        claims={
            LTI + "custom": {
                **custom[LTI + "custom"],
                "skillcert_due_at": "2026-12-20T17:00",  # no zone: UTC
                "skillcert_available_until": "soon",
            }
        },
    )
    row = link_row(course, "hand-made")
    assert row.due_at == dt.datetime(2026, 12, 20, 17, 0, tzinfo=dt.UTC)
    assert row.available_until is None
    course.launch(client=learner, resource_link=link, claims=custom)  # all "$…": unchanged
    assert link_row(course, "hand-made").due_at == dt.datetime(2026, 12, 20, 17, tzinfo=dt.UTC)


def test_learner_pages_show_the_due_date_then_overdue_until_handed_in(course):
    link_id = place(course, "activity:sample/intro", due_at=typed(moment(3)))
    learner = launch_learner(course, link_id)
    home = learner.get("/learn/").get_data(as_text=True)
    due = link_row(course, link_id).due_at
    # Babel's long date in English, the time, UTC.
    assert f'Due <time datetime="{due.isoformat()}">{due:%B %-d, %Y}, ' in home
    assert "Overdue" not in home

    # The LMS moves the due date into the past.
    course.sim.placed[link_id].submission["endDateTime"] = moment(-1).isoformat()
    learner = launch_learner(course, link_id)
    for url in ("/learn/", "/learn/m/sample/basics", "/learn/a/sample/intro"):
        page = learner.get(url).get_data(as_text=True)
        assert '<strong class="overdue">Overdue</strong>' in page, url

    page = learner.get("/learn/a/sample/intro").get_data(as_text=True)
    learner.post("/learn/a/sample/intro/done", data={"csrf_token": token(page)})
    home = learner.get("/learn/").get_data(as_text=True)
    assert "Due " in home and "Overdue" not in home


def test_spanish_pages_write_the_date_the_spanish_way(course):
    link_id = place(course, "module:sample/basics", due_at="2026-12-12T18:00")
    learner = course.app.test_client()
    course.launch(
        client=learner,
        resource_link={"id": link_id, "title": "Basics"},
        claims={LTI + "launch_presentation": {"locale": "es"}},
    )
    home = learner.get("/learn/").get_data(as_text=True)
    assert "12 de diciembre de 2026" in home
    assert '<time datetime="2026-12-12T18:00:00+00:00">' in home


def test_availability_says_opens_or_closed(course):
    later = place(course, "module:sample/basics", available_from=typed(moment(2)))
    learner = launch_learner(course, later)
    assert "Opens " in learner.get("/learn/").get_data(as_text=True)
    gone = place(
        course,
        "module:sample/practice",
        available_from=typed(moment(-9)),
        available_until=typed(moment(-1)),
    )
    learner = launch_learner(course, gone)
    assert "<strong>Closed</strong>" in learner.get("/learn/").get_data(as_text=True)


def set_target(course, link_pk: int, **form: str):
    page = course.client.get("/teach/").get_data(as_text=True)
    return course.client.post(
        f"/teach/links/{link_pk}/target-date", data={"csrf_token": token(page), **form}
    )


def test_instructor_sets_a_target_date_that_wins_and_clears_it(course):
    link_id = place(course, "activity:sample/intro", due_at=typed(moment(-2)))
    learner = launch_learner(course, link_id)
    assert "Overdue" in learner.get("/learn/").get_data(as_text=True)
    course.launch("instructor", resource_link={"id": link_id, "title": "Basics"})
    row = link_row(course, link_id)
    page = course.client.get("/teach/").get_data(as_text=True)
    assert f'action="/teach/links/{row.id}/target-date"' in page
    assert "Due " in page  # the LMS's date, shown to the instructor

    target = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).date()
    response = set_target(course, row.id, target_date=target.isoformat())
    assert response.status_code == 302
    row = link_row(course, link_id)
    assert row.target_date == target
    assert deadlines.deadline(row) > row.due_at  # the target wins over the LMS's date
    home = learner.get("/learn/").get_data(as_text=True)
    assert "Overdue" not in home
    assert f'<time datetime="{target.isoformat()}">' in home
    assert f'value="{target.isoformat()}"' in course.client.get("/teach/").get_data(as_text=True)

    assert set_target(course, row.id, target_date="31/12/2026").status_code == 400
    assert link_row(course, link_id).target_date == target  # a bad date changes nothing

    assert set_target(course, row.id, clear="1").status_code == 302
    assert link_row(course, link_id).target_date is None
    assert "Overdue" in learner.get("/learn/").get_data(as_text=True)


def test_target_dates_only_for_this_courses_links(course):
    course.launch(
        "instructor",
        context={"id": "other-course", "title": "Other"},
        resource_link={"id": "elsewhere", "title": "Elsewhere"},
    )
    other = link_row(course, "elsewhere")
    course.launch("instructor", resource_link={"id": "mine", "title": "Mine"})
    response = set_target(course, other.id, target_date="2026-12-31")
    assert response.status_code == 404
    assert "That link is not in this course." in response.get_data(as_text=True)
    assert link_row(course, "elsewhere").target_date is None
    learner = course.app.test_client()
    course.launch(client=learner, resource_link={"id": "mine", "title": "Mine"})
    page = course.client.get("/teach/").get_data(as_text=True)
    assert learner.post(
        f"/teach/links/{link_row(course, 'mine').id}/target-date",
        data={"csrf_token": token(page), "target_date": "2026-12-31"},
    ).status_code in (400, 403)  # learners cannot


def test_jwt_of_deep_linking_is_verified_by_the_simulated_lms(course):
    page = pick(course, "module:sample/basics").get_data(as_text=True)
    signed = html.unescape(re.search(r'name="JWT" value="([^"]+)"', page).group(1))
    course.sim.register_tool(course.client_id, {"keys": []})  # the LMS knows another key
    answer = requests.post(course.sim.url + "/deep-link-return", data={"JWT": signed}, timeout=5)
    assert answer.status_code == 400
    assert jwt.get_unverified_header(signed)["kid"]
