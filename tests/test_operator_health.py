"""The operator console's health page: real workers' heartbeats, the queue as the enqueue
API made it, a dead grade delivery to the simulated LMS sent again, error reports found by
the reference a refused launch showed, and who may see any of it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from lti_tool import error_reports
from lti_tool.db import transaction
from lti_tool.errors import LaunchError
from lti_tool.gradesync.outbox import MAX_ATTEMPTS
from lti_tool.jobs import queue
from lti_tool.jobs.heartbeats import SILENT_AFTER
from lti_tool.jobs.retry import RetryPolicy
from lti_tool.jobs.worker import Worker, register_handler
from lti_tool.lti.keys import ensure_key
from lti_tool.models import (
    AuditEntry,
    ErrorReport,
    Job,
    JobEvent,
    JobStatus,
    ToolKey,
    WorkerHeartbeat,
    utcnow,
)
from lti_tool.operations import health as figures
from lti_tool.views.operator.access import COOKIE
from tests.conftest import csrf_token_of as token
from tests.operator_console import EMAIL as OPERATOR
from tests.operator_console import sign_in


def console(app: Flask, email: str = OPERATOR) -> FlaskClient:
    """A browser signed in to the operator console as ``email``."""
    client = app.test_client()
    sign_in(client, app, email)
    return client


def page(client: FlaskClient, path: str = "/operator/health") -> str:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def wait_until(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def heartbeat_rows(app: Flask) -> list[WorkerHeartbeat]:
    with transaction(app) as session:
        return list(session.scalars(select(WorkerHeartbeat)))


# -- who may see it -------------------------------------------------------------------------


def test_the_health_page_and_its_json_need_a_console_session(app, client):
    refused = client.get("/operator/health?reference=1a2b3c4d")
    assert refused.status_code == 302
    assert refused.headers["Location"].startswith("/operator/sign-in?next=")
    assert "health" in refused.headers["Location"]
    as_json = client.get("/operator/health.json")
    assert as_json.status_code == 401 and "WWW-Authenticate" in as_json.headers
    assert "workers" not in as_json.get_json()
    # A made-up cookie is no session.
    client.set_cookie(COOKIE, "not-a-session", path="/operator")
    assert client.get("/operator/health").status_code == 302
    # The cookie belongs to /operator only: a signed-in browser's other pages do not get it.
    signed_in = console(app)
    assert "Health" in page(signed_in)
    assert signed_in.get_cookie(COOKIE, path="/operator") is not None
    assert signed_in.get_cookie(COOKIE, path="/") is None
    figures_json = signed_in.get("/operator/health.json").get_json()
    assert figures_json["database"] == {
        "reachable": True,
        "revision": figures_json["database"]["revision"],
        "current": True,
    }


@pytest.fixture
def monitored(make_app) -> Iterator[Flask]:
    """The app with the metrics token set (the monitoring credential)."""
    app = make_app(metrics_token="m" * 24)
    yield app
    app.extensions["skillcert.engine"].dispose()


def test_a_monitor_reads_the_json_with_the_metrics_token_and_nothing_else(monitored):
    app = monitored
    monitor = app.test_client()
    wrong = monitor.get("/operator/health.json", headers={"Authorization": "Bearer " + "x" * 24})
    assert wrong.status_code == 401
    answer = monitor.get("/operator/health.json", headers={"Authorization": "Bearer " + "m" * 24})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "attention" and "no_worker" in body["problems"]
    assert body["workers"] == [] and body["queue"] == {} and body["dead_jobs"] == 0
    # The token opens the figures, not the console's pages.
    page_answer = monitor.get("/operator/health", headers={"Authorization": "Bearer " + "m" * 24})
    assert page_answer.status_code == 302


# -- services ----------------------------------------------------------------------------------


def services_row(shown: str, service: str) -> list[str]:
    """The words of the Services table's row of ``service``: its state, then its details."""
    row = re.search(rf"<th scope=\"row\">{re.escape(service)}</th>(.*?)</tr>", shown, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row[1])]


def test_services_database_schema_tool_key_and_redis(make_app, redis_url):
    for url, state, answers in (
        (redis_url, "Working", True),
        ("redis://127.0.0.1:9/0", "Does not answer", False),  # nothing listens there
    ):
        app = make_app(redis_url=url)
        try:
            signed_in = console(app)
            shown = page(signed_in)
            state_seen, where = services_row(shown, "Redis (shared rate limits)")
            assert state_seen == state and where == url.split("//")[1].split("/")[0]
            body = signed_in.get("/operator/health.json").get_json()
            assert body["redis"] == {"reachable": answers}
            assert ("redis_unreachable" in body["problems"]) is not answers
            assert ("Redis does not answer" in shown) is not answers
        finally:
            app.extensions["skillcert.engine"].dispose()

    app = make_app()
    try:
        signed_in = console(app)
        shown = page(signed_in)
        assert "Redis" not in shown  # none configured: no row
        state, details = services_row(shown, "Database")
        with transaction(app) as session:
            head = figures.database(session.connection()).head
        assert state == "Working, schema up to date" and details == f"Revision {head}"
        # None yet (`skillcert db upgrade` makes the first); then the one that signs.
        state, details = services_row(shown, "Tool key")
        assert state == "None" and "There is no tool key: run skillcert db upgrade." in shown
        with transaction(app) as session:
            kid = ensure_key(session).kid
        state, details = services_row(page(signed_in), "Tool key")
        assert state == "In use" and details.startswith(f"Key {kid}, created ")
        # A key older than 90 days is due for rotation.
        with transaction(app) as session:
            session.execute(update(ToolKey).values(created_at=utcnow() - dt.timedelta(days=91)))
        shown = page(signed_in)
        state, details = services_row(shown, "Tool key")
        assert state == "Due for rotation" and "(3 months ago)" in details
        assert "The tool key is older than 90 days: rotate it." in shown
        assert "tool_key_due" in signed_in.get("/operator/health.json").get_json()["problems"]
        # A schema behind the code's says to upgrade.
        with transaction(app) as session:
            session.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        try:
            shown = page(signed_in)
            state, details = services_row(shown, "Database")
            assert state == "Schema out of date"
            assert details == (
                f"Revision older, this version needs {head}: run skillcert db upgrade."
            )
            body = signed_in.get("/operator/health.json").get_json()
            assert body["database"] == {"reachable": True, "revision": "older", "current": False}
            assert "database_behind" in body["problems"]
        finally:
            # The PostgreSQL tests share one migrated schema: later ones migrate from its head.
            with transaction(app) as session:
                session.execute(
                    text("UPDATE alembic_version SET version_num = :head"), {"head": head}
                )
    finally:
        app.extensions["skillcert.engine"].dispose()


# -- workers ---------------------------------------------------------------------------------


def test_a_running_worker_beats_counts_its_jobs_and_leaves_on_a_clean_stop(app):
    done = []
    register_handler(app, "heartbeat-test", lambda _app, payload: done.append(payload["n"]))
    signed_in = console(app)
    assert "No worker is running." in page(signed_in)

    worker = Worker(app, "health-test-worker")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), kwargs={"poll_seconds": 0.05})
    thread.start()
    try:
        wait_until(lambda: len(heartbeat_rows(app)) == 1)
        (row,) = heartbeat_rows(app)
        assert (row.worker_id, row.pid, row.jobs_done) == ("health-test-worker", os.getpid(), 0)
        shown = page(signed_in)
        assert "health-test-worker" in shown and f"<td>{os.getpid()}</td>" in shown
        assert f"<code>{row.hostname}</code>" in shown
        assert "<td>Alive</td>" in shown and "No worker is running" not in shown
        with transaction(app) as session:
            queue.enqueue(session.connection(), "heartbeat-test", {"n": 7})
        wait_until(lambda: heartbeat_rows(app)[0].jobs_done == 1)
        assert done == [7]
        first_seen = row.last_seen_at
        assert heartbeat_rows(app)[0].last_seen_at > first_seen  # it keeps beating
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert heartbeat_rows(app) == []  # a clean stop takes it off the page
    shown = page(signed_in)
    assert "No worker is running." in shown and "health-test-worker" not in shown


def worker_process(app: Flask, stop_with: signal.Signals) -> int:
    """Run `skillcert worker` until it beats, then send it ``stop_with``; its pid."""
    settings = app.config["SETTINGS"]
    env = {
        **os.environ,
        "SKILLCERT_DATABASE_URL": settings.database_url,
        "SKILLCERT_INSTANCE_PATH": settings.instance_path,
        "SKILLCERT_SECRET_KEY": "test-secret-key",
    }
    command = [sys.executable, "-m", "lti_tool.entry", "worker", "--poll-seconds", "0.1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: any(row.pid == process.pid for row in heartbeat_rows(app)), 60)
    finally:
        process.send_signal(stop_with)
        process.wait(20)
    return process.pid


def test_a_killed_worker_process_stays_listed_and_turns_silent(app):
    # Ctrl-C is a clean stop: the worker takes itself off the page.
    worker_process(app, signal.SIGINT)
    assert heartbeat_rows(app) == []

    pid = worker_process(app, signal.SIGKILL)
    (row,) = heartbeat_rows(app)
    assert row.pid == pid
    signed_in = console(app)
    shown = page(signed_in)
    assert f"<td>{pid}</td>" in shown and "<td>Alive</td>" in shown

    # Nobody took it off the page: once its last beat is older than the limit it is silent.
    with transaction(app) as session:
        session.execute(
            update(WorkerHeartbeat).values(
                last_seen_at=utcnow() - SILENT_AFTER - dt.timedelta(seconds=1)
            )
        )
    shown = page(signed_in)
    assert "<strong>Silent</strong>" in shown and "<td>Alive</td>" not in shown
    assert "A worker stopped giving signs of life." in shown
    assert "No worker is running: labs are not graded" in shown
    body = signed_in.get("/operator/health.json").get_json()
    assert body["workers"] == [
        {
            "worker_id": row.worker_id,
            "alive": False,
            "seconds_since_seen": body["workers"][0]["seconds_since_seen"],
            "jobs_done": 0,
        }
    ]
    assert body["workers"][0]["seconds_since_seen"] >= SILENT_AFTER.total_seconds()
    assert {"worker_silent", "no_worker"} <= set(body["problems"])


# -- the queue ---------------------------------------------------------------------------------


def test_queue_depth_by_kind_and_age(app, monkeypatch):
    two_hours_ago = utcnow() - dt.timedelta(hours=2)
    with monkeypatch.context() as clock, transaction(app) as session:
        clock.setattr(queue, "utcnow", lambda: two_hours_ago)
        conn = session.connection()
        queue.enqueue(conn, "grade-sync", {"n": 1}, lock_key="score:1:1", dedupe_key="score:1:1")
        queue.enqueue(conn, "grade-sync", {"n": 2}, lock_key="score:1:2", dedupe_key="score:1:2")
    with transaction(app) as session:
        conn = session.connection()
        queue.enqueue(conn, "grade_lab", {"submission_id": 1}, lock_key="lab:1")
        queue.enqueue(conn, "grade_lab", {"submission_id": 2}, lock_key="lab:2")
    with transaction(app) as session:
        conn = session.connection()
        failing = queue.claim(conn, "w1", ["grade-sync"])
        queue.fail(conn, failing, "w1", "HTTP 503", policy=RetryPolicy())  # retrying
        queue.claim(conn, "w1", ["grade_lab"])  # running

    with transaction(app) as session:
        depth = {row.kind: row for row in figures.queue_depth(session)}
    assert depth.keys() == {"grade-sync", "grade_lab"}
    sync, labs = depth["grade-sync"], depth["grade_lab"]
    assert (sync.queued, sync.running, sync.retrying) == (2, 0, 1)
    assert (labs.queued, labs.running, labs.retrying) == (1, 1, 0)
    assert abs(sync.oldest_queued_at - two_hours_ago) < dt.timedelta(seconds=1)
    assert utcnow() - labs.oldest_queued_at < dt.timedelta(minutes=1)

    signed_in = console(app)
    shown = page(signed_in)
    sync_row = re.search(r"<code>grade-sync</code>.*?</tr>", shown, re.S).group(0)
    assert re.findall(r"<td>([^<]*)</td>", sync_row) == ["2", "2 hours ago", "0", "1"]
    labs_row = re.search(r"<code>grade_lab</code>.*?</tr>", shown, re.S).group(0)
    assert re.findall(r"<td>([^<]*)</td>", labs_row)[0] == "1"
    assert "Lab grading" in labs_row and "Scores to LMS gradebooks" in sync_row
    body = signed_in.get("/operator/health.json").get_json()
    assert body["queue"]["grade-sync"]["queued"] == 2
    assert 7190 <= body["queue"]["grade-sync"]["oldest_queued_seconds"] <= 7300
    assert body["queue"]["grade_lab"] == {
        "queued": 1,
        "oldest_queued_seconds": body["queue"]["grade_lab"]["oldest_queued_seconds"],
        "running": 1,
        "retrying": 0,
    }
    # The Spanish page words the same figures.
    spanish = signed_in.get("/operator/health", headers={"Accept-Language": "es"})
    assert "hace 2 horas" in spanish.get_data(as_text=True)


# -- dead jobs ---------------------------------------------------------------------------------


def test_a_dead_grade_delivery_is_shown_with_its_reason_and_sent_again(grades, sim):
    grades.hand_in_project("ada")
    sim.fail_next(MAX_ATTEMPTS, status=500)  # the LMS fails every attempt the job has
    grades.deliver_all()
    (dead,) = grades.jobs()
    assert dead.status is JobStatus.DEAD and dead.attempts == MAX_ATTEMPTS
    signed_in = console(grades.app)
    shown = page(signed_in)
    assert "Some jobs failed for good and wait for a person." in shown
    row = re.search(rf'id="job-{dead.id}">.*?</tr>', shown, re.S).group(0)
    assert "HTTP 500" in row and "<code>grade-sync</code>" in row
    assert f"{MAX_ATTEMPTS} attempts" in row and "failed for good" in row  # its history
    with transaction(grades.app) as session:
        events = session.scalars(select(JobEvent).where(JobEvent.job_id == dead.id)).all()
    assert sum("HTTP 500" in event.detail for event in events) == MAX_ATTEMPTS
    assert row.count("HTTP 500") >= MAX_ATTEMPTS  # each attempt's reason, from its event

    # No CSRF token: refused, nothing changes.
    refused = signed_in.post(f"/operator/health/jobs/{dead.id}/retry")
    assert refused.status_code == 400 and grades.jobs()[0].status is JobStatus.DEAD

    sent = signed_in.post(
        f"/operator/health/jobs/{dead.id}/retry", data={"csrf_token": token(shown)}
    )
    assert sent.status_code == 302
    assert f"Job {dead.id} is queued to run again." in page(signed_in, sent.headers["Location"])
    (again,) = grades.jobs()
    assert again.status is JobStatus.QUEUED and again.attempts == 0
    with transaction(grades.app) as session:
        (entry,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "job.retry"))
        requeued = session.scalars(
            select(JobEvent.detail).where(JobEvent.job_id == dead.id).order_by(JobEvent.id.desc())
        ).first()
    assert (entry.actor, entry.target, entry.details) == (
        OPERATOR,
        f"job {dead.id}",
        {"kind": "grade-sync"},
    )
    assert requeued == "re-queued by the operator console"

    grades.deliver_all()
    assert grades.jobs()[0].status is JobStatus.DONE
    assert [score["userId"] for score in grades.scores()] == ["ada"]  # delivered, once
    shown = page(signed_in)
    assert "No dead job" in shown and "Some jobs failed for good" not in shown
    # A job that is not dead is not sent again.
    again = signed_in.post(
        f"/operator/health/jobs/{dead.id}/retry", data={"csrf_token": token(shown)}
    )
    assert again.status_code == 404


def test_a_dead_job_replaced_by_a_newer_one_is_not_offered(app):
    """A newer score replaced the dead one (same dedupe key): sending the old one again would
    overwrite the learner's newer score. Lab grading jobs only share a lock key to run in
    order: each stands, so a dead one stays offered."""
    with transaction(app) as session:
        conn = session.connection()
        old_score = queue.enqueue(conn, "grade-sync", {"n": 1}, lock_key="k", dedupe_key="k")
        old_lab = queue.enqueue(conn, "grade_lab", {"submission_id": 1}, lock_key="lab:1")
    with transaction(app) as session:
        conn = session.connection()
        for kind in ("grade-sync", "grade_lab"):
            job = queue.claim(conn, "w1", [kind])
            queue.fail(conn, job, "w1", f"{kind} refused", permanent=True)
        queue.enqueue(conn, "grade-sync", {"n": 2}, lock_key="k", dedupe_key="k")
        queue.enqueue(conn, "grade_lab", {"submission_id": 2}, lock_key="lab:1")
    signed_in = console(app)
    shown = page(signed_in)
    assert f'id="job-{old_lab}"' in shown and f'id="job-{old_score}"' not in shown
    refused = signed_in.post(
        f"/operator/health/jobs/{old_score}/retry", data={"csrf_token": token(shown)}
    )
    assert refused.status_code == 404
    assert "a newer job took its place" in refused.get_data(as_text=True)
    with transaction(app) as session:
        assert session.get(Job, old_score).status is JobStatus.DEAD
        assert not session.scalars(select(AuditEntry)).all()


# -- error reports -----------------------------------------------------------------------------


def test_a_refused_launch_is_found_by_the_reference_it_showed(app, client, lms):
    form = lms.authorize(lms.login(lms.spec()))
    assert client.post("/lti/launch", data=form).status_code in (200, 302)
    replayed = client.post("/lti/launch", data=form)  # the same launch again: refused
    assert replayed.status_code == 400
    reference = re.search(r"Reference: <code>(\w+)</code>", replayed.get_data(as_text=True))
    reference = reference.group(1)

    signed_in = console(app)
    for asked in (reference, f"Reference: {reference.upper()}", f" ref={reference} "):
        shown = page(signed_in, f"/operator/health?reference={asked}")
        row = re.search(r"<tbody>\s*<tr>.*?</tr>", shown.split('id="errors"')[1], re.S).group(0)
        assert f"<code>{reference}</code>" in row and "<code>POST /lti/launch</code>" in row
        assert (
            "<td>400</td>" in row and "LaunchExpiredError: This launch link was already used" in row
        )
    with transaction(app) as session:
        (report,) = session.scalars(select(ErrorReport))
    # Never the token the LMS posted, nor any part of it.
    id_token = form["id_token"]
    for part in (id_token, *id_token.split(".")):
        assert part not in report.summary and part not in report.source
        assert part not in shown

    unknown = page(signed_in, "/operator/health?reference=0000ffff")
    assert "No error report has the reference 0000ffff." in unknown
    wrong = page(signed_in, "/operator/health?reference=not+a+reference")
    assert "This is not a reference" in wrong and 'aria-invalid="true"' in wrong


def test_a_server_error_is_reported_by_class_and_place_never_its_message(app):
    secret = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXNlY3JldA"

    def broken(part: str) -> str:
        raise RuntimeError(f"the learner answered 'forty-two' with token {secret}")

    app.add_url_rule("/broken-for-the-test/<part>", view_func=broken)
    browser = app.test_client()
    link_token = "q8Zr1f0vY3kT9wLx2bN6mC4pH7sJ5dA0eG1iK3oU9tW"  # a one-time link's
    answer = browser.get(f"/broken-for-the-test/{link_token}?access_token={secret}")
    assert answer.status_code == 500
    reference = re.search(r"Reference: <code>(\w+)</code>", answer.get_data(as_text=True)).group(1)
    with transaction(app) as session:
        (report,) = session.scalars(select(ErrorReport))
    assert (report.reference, report.status) == (reference, 500)
    assert report.source == "GET /broken-for-the-test/[…]"  # the path, masked; no query
    assert report.summary.startswith("RuntimeError at tests.test_operator_health:")
    assert report.summary.endswith("in broken")
    assert "forty-two" not in report.summary and secret not in report.summary
    shown = page(console(app), f"/operator/health?reference={reference}")
    assert "RuntimeError at tests.test_operator_health" in shown and "forty-two" not in shown
    # Nothing else of the failed request was kept: it was rolled back as ever.
    assert "Error reports in the last hour: 1." in page(console(app, "other@example.org"))


def test_our_own_errors_keep_their_first_line_with_tokens_masked():
    token = "eyJhbGciOiJSUzI1NiJ9.eyJub25jZSI6Im4ifQ.c2ln"
    long_secret = "A" * 20 + "b" * 20
    credential = "urn:uuid:1B4E28BA-2FA1-11D2-883F-0016D3CCA427"  # public: kept
    error = LaunchError(f"Bad token {token} and {long_secret} for {credential}\nsecond line")
    summary = error_reports.summary_of(error)
    assert summary == f"LaunchError: Bad token […] and […] for {credential}"


def test_a_job_that_fails_unexpectedly_is_reported_and_the_table_stays_bounded(app, monkeypatch):
    def crash(_app, payload):
        raise KeyError(f"answer-{payload['n']}")

    register_handler(app, "crash", crash)
    monkeypatch.setattr(error_reports, "KEEP", 3)
    with transaction(app) as session:
        for n in range(5):
            queue.enqueue(session.connection(), "crash", {"n": n}, max_attempts=1)
    worker = Worker(app, "crash-worker")
    while worker.run_once():
        pass
    with transaction(app) as session:
        reports = session.scalars(select(ErrorReport).order_by(ErrorReport.id)).all()
        job_ids = session.scalars(select(Job.id).order_by(Job.id)).all()
    assert len(reports) == 3  # the newest three
    assert [report.source for report in reports] == [f"job {j} (crash)" for j in job_ids[2:]]
    assert all(report.status is None for report in reports)
    assert all(
        # The innermost frame of SkillCert's code: here the worker that called the handler.
        re.fullmatch(r"KeyError at lti_tool\.jobs\.worker:\d+ in _handle", report.summary)
        for report in reports
    )
    assert not any("answer-" in report.summary for report in reports)
    assert len({report.reference for report in reports}) == 3
    shown = page(console(app))
    assert "<code>job " in shown and "none (a job)" in shown
    body = json.dumps(console(app, "other@example.org").get("/operator/health.json").get_json())
    assert "KeyError" not in body  # monitoring gets numbers, not reports
