"""Many deliveries in flight against one LMS: one new token after a revocation, and one
request at a time for a registration that asks for it (``serial_requests``)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from lti_tool.db import transaction
from lti_tool.jobs import queue
from lti_tool.lti.constants import NRPS_SCOPE, AgsScope
from lti_tool.models import AuditEntry, Registration
from tests.gradesync_driver import GradeCourse
from tests.services_driver import ServiceCourse
from tests.test_gradesync import ON_POSTGRES_ONLY, arrivals, run_workers

LEARNERS = [f"learner-{n}" for n in range(8)]


def warm_up(grades: GradeCourse) -> None:
    """A first score: the token is cached and the column made, as in a running worker."""
    grades.hand_in_project("ada")
    grades.deliver_all()


# -- tokens ----------------------------------------------------------------------------


def test_after_a_revocation_deliveries_in_flight_share_one_new_token(grades, sim):
    warm_up(grades)
    tool = sim.tools[grades.driver.client_id]
    tokens_before = len(tool.token_scopes)
    for learner in LEARNERS:
        grades.hand_in_project(learner)
    assert sim.revoke_tokens(grades.driver.client_id) == 1
    # A slow token endpoint (within the 0.5 s timeout): every 401 comes while it answers.
    tool.token_delay = 0.3
    sim.hang_next(0.2, count=len(LEARNERS))  # the scores overlap in the LMS
    tool.most_in_flight = 0

    run_workers(grades, grades.worker(concurrency=len(LEARNERS)))

    assert tool.most_in_flight > 1  # the deliveries did run at the same time
    new_tokens = tool.token_scopes[tokens_before:]
    assert len(new_tokens) == 1
    assert new_tokens[0] == frozenset(AgsScope)
    for learner in LEARNERS:
        assert len(arrivals(grades, learner)) == 1


def test_different_scope_sets_fetch_their_own_tokens_at_the_same_time(app, sim):
    course = ServiceCourse(app, sim, members=[])
    ags, nrps = course.ags(), course.nrps()
    course.tool.token_delay = 0.3
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def call(read) -> None:
        start.wait()
        try:
            read()
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [
        threading.Thread(target=call, args=(ags.line_items,)),
        threading.Thread(target=call, args=(nrps.members,)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(map(sorted, course.tool.token_scopes)) == sorted([sorted(AgsScope), [NRPS_SCOPE]])
    assert course.tokens.requests_sent == 2


# -- serial requests ---------------------------------------------------------------------


def set_serial_requests(grades: GradeCourse, serial: bool) -> None:
    """The operator's switch, through the CLI."""
    switch = "--serial-requests" if serial else "--no-serial-requests"
    result = grades.app.test_cli_runner().invoke(
        args=[
            "platform",
            "update",
            "--issuer",
            grades.driver.issuer,
            "--client-id",
            grades.driver.client_id,
            switch,
        ]
    )
    assert result.exit_code == 0, result.output
    assert "one request at a time" in result.output if serial else "in parallel" in result.output


@pytest.mark.parametrize("serial", [True, False], ids=["serial", "parallel"])
def test_serial_requests_go_to_the_lms_one_at_a_time(grades, sim, serial):
    set_serial_requests(grades, serial)
    warm_up(grades)
    tool = sim.tools[grades.driver.client_id]
    for learner in LEARNERS[:5]:
        grades.hand_in_project(learner)
    sim.hang_next(0.2, count=5)  # each score takes a while: parallel ones would overlap
    tool.most_in_flight = 0

    run_workers(grades, grades.worker(concurrency=5))

    if serial:
        assert tool.most_in_flight == 1
    else:
        assert tool.most_in_flight > 1
    for learner in LEARNERS[:5]:
        assert len(arrivals(grades, learner)) == 1


@ON_POSTGRES_ONLY
def test_serial_requests_hold_across_workers(grades, sim):
    set_serial_requests(grades, True)
    warm_up(grades)
    tool = sim.tools[grades.driver.client_id]
    for learner in LEARNERS:
        grades.hand_in_project(learner)
    sim.hang_next(0.1, count=len(LEARNERS))
    tool.most_in_flight = 0
    workers = [grades.worker(name, concurrency=4, group_cap=4) for name in ("w1", "w2")]

    run_workers(grades, *workers)

    assert tool.most_in_flight == 1
    for learner in LEARNERS:
        assert len(arrivals(grades, learner)) == 1


def test_a_serial_group_runs_one_job_and_leaves_room_for_others(app):
    with transaction(app) as session:
        conn = session.connection()
        for n in range(3):
            queue.enqueue(conn, "grade-sync", {"n": n}, group_key="registration:1")
        queue.enqueue(conn, "grade-sync", {"n": 9}, group_key="registration:2")
    serial = {"registration:1"}
    with transaction(app) as session:
        first = queue.claim_batch(
            session.connection(), "w1", "grade-sync", 4, group_cap=4, serial_groups=serial
        )
    with transaction(app) as session:
        second = queue.claim_batch(
            session.connection(), "w2", "grade-sync", 4, group_cap=4, serial_groups=serial
        )
    assert [job.payload["n"] for job in first] == [0, 9]
    assert second == []  # registration 1's next job waits for its first to end
    with transaction(app) as session:
        queue.finish(session.connection(), first[0], "w1")
    with transaction(app) as session:
        third = queue.claim_batch(
            session.connection(), "w2", "grade-sync", 4, group_cap=4, serial_groups=serial
        )
    assert [job.payload["n"] for job in third] == [1]


def test_platform_update_says_what_is_missing_and_audits_the_change(grades):
    runner = grades.app.test_cli_runner()
    base = ["platform", "update", "--issuer", grades.driver.issuer]
    nothing = runner.invoke(args=base)
    assert nothing.exit_code == 1
    assert "give --serial-requests or --no-serial-requests" in nothing.output
    unknown = runner.invoke(args=["platform", "update", "--issuer", "https://nowhere.example"])
    assert unknown.exit_code == 1 and "--serial-requests" in unknown.output
    unknown = runner.invoke(
        args=["platform", "update", "--issuer", "https://nowhere.example", "--serial-requests"]
    )
    assert unknown.exit_code == 1 and "No platform is registered" in unknown.output

    set_serial_requests(grades, True)
    set_serial_requests(grades, True)  # already so: nothing more to audit
    with transaction(grades.app) as session:
        registration = session.get(Registration, grades.registration.id)
        assert registration.serial_requests
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "registration.edit")
        ).all()
    assert [(e.actor, e.target, e.details) for e in entries] == [
        ("cli", f"registration {grades.registration.id}", {"serial_requests": True})
    ]
