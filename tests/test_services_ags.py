"""AGS client against the simulated LMS: tokens, line items, scores, results, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email.utils

import pytest
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.lti.constants import (
    CANVAS_SUBMISSION_EXTENSION,
    ActivityProgress,
    AgsScope,
    GradingProgress,
)
from lti_tool.models import ResourceLink
from lti_tool.services.ags import CanvasSubmission, LineItem, Score, service_url
from lti_tool.services.errors import ServiceError, parse_retry_after
from tests.services_driver import ServiceCourse

NOW = dt.datetime(2026, 11, 25, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def course(app, sim) -> ServiceCourse:
    return ServiceCourse(app, sim)


def a_score(user: str = "user-1", given: float = 8) -> Score:
    return Score(
        user_id=user,
        activity_progress=ActivityProgress.COMPLETED,
        grading_progress=GradingProgress.FULLY_GRADED,
        timestamp=NOW,
        score_given=given,
        score_maximum=10,
        comment="Well done",
        canvas_submission=CanvasSubmission(submitted_at=NOW),
    )


# -- endpoints from the launch --------------------------------------------------------------


def test_launch_records_service_endpoints(course, app):
    with transaction(app) as session:
        _, context = course.context(session)
        link = session.scalars(
            select(ResourceLink).where(ResourceLink.context_id == context.id)
        ).one()
        assert context.ags_lineitems_url == course.course.lineitems_url
        assert set(context.ags_scopes) == set(AgsScope)
        assert context.nrps_memberships_url == course.course.memberships_url
        assert link.ags_lineitem_url == course.lineitem


def test_a_launch_without_service_claims_keeps_the_endpoints(course, app):
    response = course.driver.launch(
        role="instructor", context={"id": course.course.id, "title": "Services 101"}
    )
    assert response.status_code in (200, 302)
    with transaction(app) as session:
        _, context = course.context(session)
        assert context.ags_lineitems_url == course.course.lineitems_url
        assert context.nrps_memberships_url == course.course.memberships_url


# -- tokens ----------------------------------------------------------------------------------


def test_token_is_fetched_once_and_cached(course):
    ags = course.ags()
    ags.line_items()
    ags.post_score(course.lineitem, a_score())
    assert course.tokens.requests_sent == 1
    (assertion,) = course.tool.assertions
    assert assertion["iss"] == assertion["sub"] == course.driver.client_id
    assert assertion["aud"] == course.sim.token_url
    assert assertion["exp"] - assertion["iat"] <= 300


def test_revoked_token_is_refreshed_once(course, sim):
    ags = course.ags()
    ags.line_items()
    assert sim.revoke_tokens(course.driver.client_id) == 1
    ags.post_score(course.lineitem, a_score())
    assert course.tokens.requests_sent == 2
    assert len(course.course.scores) == 1
    jtis = {claims["jti"] for claims in course.tool.assertions}
    assert len(jtis) == 2


def test_brightspace_assertion_uses_the_registration_audience(app, sim):
    course = ServiceCourse(app, sim, preset="brightspace")
    assert course.registration.auth_audience == "https://api.brightspace.com/auth/token"
    course.ags().line_items()
    assert course.tool.assertions[0]["aud"] == "https://api.brightspace.com/auth/token"


def test_token_refused_by_the_lms_is_a_permanent_error(course, sim):
    sim.tools[course.driver.client_id].audience = "https://elsewhere.example/token"
    with pytest.raises(ServiceError) as caught:
        course.ags().line_items()
    assert caught.value.status == 401 and not caught.value.transient
    assert "invalid_client" in str(caught.value)


# -- line items ------------------------------------------------------------------------------


def test_line_items_are_read_across_pages(course):
    for n in range(2, 9):
        course.course.add_line_item(f"Activity {n}", 10, tag="quiz" if n % 2 else "lab")
    items = course.ags().line_items()
    assert [item.label for item in items] == ["Module 1 quiz"] + [
        f"Activity {n}" for n in range(2, 9)
    ]
    pages = [path for method, path in course.course.requests if method == "GET"]
    assert len(pages) == 3
    assert pages[1].endswith("?Page=2") and pages[2].endswith("?Page=3")


def test_paging_is_bounded(course):
    for n in range(2, 9):
        course.course.add_line_item(f"Activity {n}")
    with pytest.raises(ServiceError, match="after 2 pages"):
        course.ags().line_items(max_pages=2)


def test_find_line_items_by_link_resource_and_tag(course):
    course.course.add_line_item("Lab 1", 20, resourceId="lab-1", tag="lab")
    course.course.add_line_item("Lab 2", 20, resourceId="lab-2", tag="lab")
    ags = course.ags()
    assert ags.find_line_item(resource_link_id="link-1").id == course.lineitem
    assert ags.find_line_item(resource_id="lab-2").label == "Lab 2"
    assert [item.label for item in ags.line_items(tag="lab")] == ["Lab 1", "Lab 2"]
    assert ags.find_line_item(resource_id="lab-3") is None
    queries = [path.split("?", 1)[-1] for _, path in course.course.requests]
    assert "resource_link_id=link-1" in queries and "tag=lab" in queries


def test_create_update_delete_line_item(course):
    ags = course.ags()
    made = ags.create_line_item(
        LineItem(label="Capstone", score_maximum=50, resource_id="capstone", tag="project")
    )
    assert made.id and made.id.startswith(course.course.lineitems_url)
    changed = ags.update_line_item(dataclasses.replace(made, label="Capstone v2", score_maximum=60))
    assert (changed.label, changed.score_maximum) == ("Capstone v2", 60)
    assert ags.get_line_item(made.id).label == "Capstone v2"
    ags.delete_line_item(made.id)
    with pytest.raises(ServiceError) as caught:
        ags.get_line_item(made.id)
    assert caught.value.status == 404 and not caught.value.transient


# -- scores and results ----------------------------------------------------------------------


def test_score_arrives_without_canvas_extension_elsewhere(course):
    course.ags().post_score(course.lineitem, a_score())
    [score] = course.course.scores_for(course.lineitem)
    assert score == {
        "userId": "user-1",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2026-11-25T15:30:00.000+00:00",
        "scoreGiven": 8,
        "scoreMaximum": 10,
        "comment": "Well done",
    }


def test_canvas_score_carries_the_submission_extension(app, sim):
    course = ServiceCourse(app, sim, preset="canvas")
    course.ags().post_score(course.lineitem, a_score())
    [score] = course.course.scores_for(course.lineitem)
    assert score[CANVAS_SUBMISSION_EXTENSION] == {
        "new_submission": True,
        "submitted_at": "2026-11-25T15:30:00.000+00:00",
    }


def test_moodle_scores_url_keeps_the_query_string(app, sim):
    course = ServiceCourse(app, sim, moodle=True)
    assert course.lineitem.endswith("/lineitem?type_id=1")
    ags = course.ags()
    assert ags.find_line_item(resource_link_id="link-1").id == course.lineitem
    ags.post_score(course.lineitem, a_score())
    assert course.course.scores_for(course.lineitem)[0]["scoreGiven"] == 8
    posted = [path for method, path in course.course.requests if method == "POST"]
    assert posted == [f"/ags/{course.course.id}/lineitems/1/lineitem/scores?type_id=1"]


def test_service_url_inserts_before_the_query():
    assert (
        service_url("https://m.edu/mod/lti/services.php/2/lineitems/5/lineitem?type_id=1", "scores")
        == "https://m.edu/mod/lti/services.php/2/lineitems/5/lineitem/scores?type_id=1"
    )
    assert service_url("https://c.edu/api/lti/courses/1/line_items/7/", "results") == (
        "https://c.edu/api/lti/courses/1/line_items/7/results"
    )


def test_pending_manual_score_without_points(course):
    score = Score(
        user_id="user-2",
        activity_progress=ActivityProgress.SUBMITTED,
        grading_progress=GradingProgress.PENDING_MANUAL,
        timestamp=NOW,
    )
    course.ags().post_score(course.lineitem, score)
    [sent] = course.course.scores_for(course.lineitem)
    assert sent["gradingProgress"] == "PendingManual" and "scoreGiven" not in sent


def test_results_are_read_across_pages(course):
    ags = course.ags()
    for n in range(7):
        ags.post_score(course.lineitem, a_score(user=f"user-{n}", given=n))
    results = list(ags.results(course.lineitem))
    assert [(r.user_id, r.result_score) for r in results] == [(f"user-{n}", n) for n in range(7)]
    [one] = ags.results(course.lineitem, user_id="user-3")
    assert one.result_score == 3


# -- errors and tenancy ----------------------------------------------------------------------


def test_server_error_is_transient(course, sim):
    sim.fail_next(1, status=500)
    with pytest.raises(ServiceError) as caught:
        course.ags().post_score(course.lineitem, a_score())
    assert caught.value.status == 500 and caught.value.transient
    assert "simulated failure" in str(caught.value)
    assert course.course.scores == []


def test_throttled_request_says_how_long_to_wait(course, sim):
    sim.fail_next(1, status=429, retry_after="7")
    with pytest.raises(ServiceError) as caught:
        course.ags().post_score(course.lineitem, a_score())
    assert caught.value.transient and caught.value.retry_after == 7


def test_retry_after_as_http_date():
    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
    later = email.utils.format_datetime(now + dt.timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now=now) == 90
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("999999", now=now) == 3600


def test_deleted_line_item_is_permanent(course, sim):
    sim.delete_line_item(course.course, course.lineitem)
    with pytest.raises(ServiceError) as caught:
        course.ags().post_score(course.lineitem, a_score())
    assert caught.value.status == 404 and not caught.value.transient
    assert "line item not found" in str(caught.value)


def test_timeout_is_transient(course, sim):
    ags = course.ags()
    ags.line_items()  # the token first, so the hang hits the score
    sim.hang_next(1.0)
    ags = course.ags(timeout=0.2)
    with pytest.raises(ServiceError) as caught:
        ags.post_score(course.lineitem, a_score())
    assert caught.value.status is None and caught.value.transient
    assert "timed out" in str(caught.value)


def test_urls_on_other_hosts_are_refused_before_sending(course):
    other = course.lineitem.replace("127.0.0.1", "localhost")
    with pytest.raises(ServiceError, match="not on a host this LMS's launches named"):
        course.ags().post_score(other, a_score())
    assert course.course.requests == []


def test_scope_not_granted_is_refused_before_sending(app, sim):
    course = ServiceCourse(app, sim, ags_scopes=(AgsScope.LINEITEM_READONLY,))
    with pytest.raises(ServiceError, match="did not grant"):
        course.ags().post_score(course.lineitem, a_score())
    assert course.course.scores == []
