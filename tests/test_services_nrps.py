"""NRPS client against the simulated LMS: roster pages, statuses, filters, privacy."""

from __future__ import annotations

import pytest

from lti_tool.lti.constants import ContextRole
from lti_tool.models import MemberStatus
from lti_tool.services.errors import ServiceError
from lti_tool.services.nrps import Member
from tests.services_driver import ServiceCourse

ROSTER = [
    {
        "user_id": f"user-{n}",
        "name": f"Learner {n}",
        "email": f"learner{n}@school.edu",
        "picture": "https://school.edu/p.png",
        "roles": [ContextRole.LEARNER],
        **({"status": "Inactive"} if n == 5 else {}),
        **({"group_enrollments": [{"group_id": f"team-{n % 2}"}]} if n in (1, 2) else {}),
    }
    for n in range(7)
] + [
    {"user_id": "teacher-1", "roles": [ContextRole.INSTRUCTOR], "status": "Active"},
    {"user_id": "gone-1", "roles": [ContextRole.LEARNER], "status": "Deleted"},
]


@pytest.fixture
def course(app, sim) -> ServiceCourse:
    return ServiceCourse(app, sim, members=ROSTER, page_size=4)


def test_roster_is_read_across_pages_with_statuses(course):
    members = course.nrps().members()
    assert [m.user_id for m in members] == [m["user_id"] for m in ROSTER]
    assert len([path for _, path in course.course.requests]) == 3
    by_id = {m.user_id: m for m in members}
    assert by_id["user-0"] == Member(
        user_id="user-0", roles=(ContextRole.LEARNER,), status=MemberStatus.ACTIVE, name="Learner 0"
    )
    assert by_id["user-5"].status == MemberStatus.INACTIVE
    assert by_id["gone-1"].status == MemberStatus.DELETED
    assert by_id["teacher-1"].name == ""


def test_only_the_fields_we_use_are_kept(course):
    member = course.nrps().members()[0]
    assert set(vars(member)) == {"user_id", "roles", "status", "name", "group_ids"}


def test_group_enrollments_are_read_where_the_platform_offers_them(course):
    by_id = {m.user_id: m for m in course.nrps().members()}
    assert by_id["user-1"].group_ids == ("team-1",)
    assert by_id["user-2"].group_ids == ("team-0",)
    assert by_id["user-0"].group_ids == ()  # no groups offered for this member


def test_malformed_group_enrollments_are_skipped():
    member = Member.from_json(
        {
            "user_id": "u",
            "roles": [],
            "group_enrollments": [
                {"group_id": "g1"},
                {"group_id": "g1"},
                {"group_id": 7},
                "g2",
                {"group_id": ""},
                {"group_id": "x" * 256},
                {"group_id": "g3"},
            ],
        }
    )
    assert member.group_ids == ("g1", "g3")
    assert Member.from_json({"user_id": "u", "group_enrollments": "g1"}).group_ids == ()


def test_role_filter_and_page_size_are_sent(course):
    members = course.nrps().members(role=ContextRole.INSTRUCTOR, limit=2)
    assert [m.user_id for m in members] == ["teacher-1"]
    [(_, path)] = course.course.requests
    assert "limit=2" in path and "role=http" in path


def test_roster_errors_are_classified(course, sim):
    sim.fail_next(1, status=503, retry_after="30")
    with pytest.raises(ServiceError) as caught:
        course.nrps().members()
    assert caught.value.transient and caught.value.retry_after == 30


def test_roster_without_the_nrps_claim_has_no_client(app, sim):
    course = ServiceCourse(app, sim, nrps=False)
    with pytest.raises(ServiceError, match="not offered its course roster"):
        course.nrps()
