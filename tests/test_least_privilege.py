"""An administrator acts only as far as the LMS role reaches (issue 15, finding 6).

A course's Administrator (the context role ``membership#Administrator``) sees and revokes
credentials of that course's learners only; an institution or system administrator those
of every course of the deployment; nobody those of another deployment.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lti_tool.lti.roles import administers_deployment
from lti_tool.models import utcnow
from lti_tool.scope import ADMINISTERS_DEPLOYMENT
from tests.conftest import csrf_token_of as token
from tests.test_credentials_renewal import credentials_of, hold_credential

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
COURSE_ADMIN = LIS + "membership#Administrator"
INSTITUTION_ADMIN = LIS + "institution/person#Administrator"
SYSTEM_ADMIN = LIS + "system/person#Administrator"


def course_of(number: int) -> dict[str, str]:
    return {"id": f"course-{number}", "title": f"Course {number}", "label": f"C{number}"}


def learner_with_credential(course, sub: str, context: dict[str, str], **fields) -> str:
    course.launch(
        client=course.app.test_client(), sub=sub, name=sub.title(), context=context, **fields
    )
    return hold_credential(course.app, sub, valid_until=utcnow() + dt.timedelta(days=400))


@pytest.fixture
def held(course):
    """ada in course 1, bob only in course 2 (same deployment), cy in another deployment."""
    course.add_deployment("deployment-2")
    return {
        "ada": learner_with_credential(course, "ada", course_of(1)),
        "bob": learner_with_credential(course, "bob", course_of(2)),
        "cy": learner_with_credential(course, "cy", course_of(3), deployment_id="deployment-2"),
    }


def administrator(course, roles: list[str], context: dict[str, str] | None, **fields):
    client = course.app.test_client()
    response = course.launch(
        client=client, sub="admin-" + roles[0][-20:], roles=roles, context=context, **fields
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def revoke(client, credential_id: str):
    page = client.get("/admin/credentials").get_data(as_text=True)
    return client.post(
        f"/admin/credentials/{credential_id}/revoke",
        data={"csrf_token": token(page), "reason": "Exam misconduct"},
    )


def state_of(course, credential_id: str) -> str:
    return next(c.state.value for c in credentials_of(course.app) if c.id == credential_id)


def test_a_course_administrator_sees_and_revokes_only_that_course(course, held):
    admin = administrator(course, [COURSE_ADMIN], course_of(1))
    page = admin.get("/admin/credentials").get_data(as_text=True)
    assert held["ada"] in page
    assert held["bob"] not in page and held["cy"] not in page
    assert "Credentials: 1 (page 1 of 1)" in page
    # bob is in course 2 of the same deployment: out of reach, nothing changes.
    assert revoke(admin, held["bob"]).status_code == 404
    assert state_of(course, held["bob"]) == "active"
    assert revoke(admin, held["cy"]).status_code == 404
    assert revoke(admin, held["ada"]).status_code == 302
    assert state_of(course, held["ada"]) == "revoked"


def test_an_institution_administrator_acts_on_the_whole_deployment(course, held):
    admin = administrator(course, [INSTITUTION_ADMIN], course_of(1))
    page = admin.get("/admin/credentials").get_data(as_text=True)
    assert held["ada"] in page and held["bob"] in page
    assert held["cy"] not in page  # another deployment
    assert revoke(admin, held["cy"]).status_code == 404
    assert state_of(course, held["cy"]) == "active"
    assert revoke(admin, held["bob"]).status_code == 302
    assert state_of(course, held["bob"]) == "revoked"


def test_a_system_administrator_of_the_other_deployment_sees_only_it(course, held):
    admin = administrator(course, [SYSTEM_ADMIN], course_of(3), deployment_id="deployment-2")
    page = admin.get("/admin/credentials").get_data(as_text=True)
    assert held["cy"] in page
    assert held["ada"] not in page and held["bob"] not in page
    assert revoke(admin, held["ada"]).status_code == 404
    assert state_of(course, held["ada"]) == "active"


def test_the_lms_cannot_grant_deployment_reach_by_a_claim_of_its_own(course, held):
    forged = {
        ADMINISTERS_DEPLOYMENT: True,
        "https://purl.imsglobal.org/spec/lti/claim/custom": {ADMINISTERS_DEPLOYMENT: True},
    }
    admin = administrator(course, [COURSE_ADMIN], course_of(1), claims=forged)
    page = admin.get("/admin/credentials").get_data(as_text=True)
    assert held["ada"] in page and held["bob"] not in page
    assert revoke(admin, held["bob"]).status_code == 404


def test_a_course_administrator_without_a_course_sees_nothing(course, held):
    admin = administrator(course, [COURSE_ADMIN], None)
    page = admin.get("/admin/credentials").get_data(as_text=True)
    assert "No credential matches." in page
    assert all(held[name] not in page for name in held)


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([INSTITUTION_ADMIN], True),
        ([SYSTEM_ADMIN], True),
        ([LIS + "system/person#SysAdmin"], True),
        ([COURSE_ADMIN], False),
        (["Administrator"], False),  # the deprecated short form is a context role
        ([LIS + "membership/Administrator#Administrator"], False),
        ([LIS + "membership#Instructor", LIS + "institution/person#Faculty"], False),
        ([COURSE_ADMIN, INSTITUTION_ADMIN], True),
        ([], False),
    ],
)
def test_only_institution_and_system_administrators_administer_the_deployment(roles, expected):
    assert administers_deployment(roles) is expected
