"""The job queue: outbox semantics, ordering per lock key, retries, dead jobs, stalls."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from sqlalchemy import select, update

from lti_tool.db import transaction
from lti_tool.jobs import queue
from lti_tool.jobs.retry import RetryPolicy
from lti_tool.jobs.worker import PermanentJobError, Worker, register_handler
from lti_tool.models import Job, JobEvent, JobStatus, utcnow


def add(app, kind="test", **options):
    with transaction(app) as session:
        return queue.enqueue(session.connection(), kind, {"n": options.pop("n", 0)}, **options)


def claim(app, worker="w1", kinds=("test",)):
    with transaction(app) as session:
        return queue.claim(session.connection(), worker, kinds)


def status_of(app, job_id):
    with transaction(app) as session:
        return session.get(Job, job_id).status


def test_enqueue_is_part_of_the_callers_transaction(app):
    with pytest.raises(RuntimeError), transaction(app) as session:
        queue.enqueue(session.connection(), "test", {})
        raise RuntimeError("the attempt failed to save")
    assert claim(app) is None


def test_claim_runs_oldest_first_and_only_once(app):
    first, second = add(app, n=1), add(app, n=2)
    a, b = claim(app), claim(app, "w2")
    assert (a.id, b.id) == (first, second)
    assert a.payload == {"n": 1} and a.attempts == 1
    assert claim(app) is None
    assert status_of(app, first) == JobStatus.RUNNING


def test_jobs_with_one_lock_key_run_one_at_a_time_in_order(app):
    first = add(app, lock_key="learner-1:item-1")
    second = add(app, lock_key="learner-1:item-1")
    other = add(app, lock_key="learner-2:item-1")
    got = claim(app)
    assert got.id == first
    assert claim(app).id == other  # the second of learner 1 waits for the first
    assert claim(app) is None
    with transaction(app) as session:
        queue.finish(session.connection(), got, "w1")
    assert claim(app).id == second


def test_dedupe_key_keeps_only_the_newest_queued_job(app):
    add(app, n=1, dedupe_key="score:learner-1:item-1")
    newest = add(app, n=2, dedupe_key="score:learner-1:item-1")
    job = claim(app)
    assert (job.id, job.payload) == (newest, {"n": 2})
    assert claim(app) is None


def test_transient_failure_retries_later_then_goes_dead(app):
    job_id = add(app, max_attempts=2)
    job = claim(app)
    with transaction(app) as session:
        assert queue.fail(session.connection(), job, "w1", "LMS timed out") == JobStatus.QUEUED
    assert claim(app) is None  # not due yet
    with transaction(app) as session:
        session.execute(update(Job).values(run_after=utcnow()))
    job = claim(app)
    assert job.attempts == 2
    with transaction(app) as session:
        assert queue.fail(session.connection(), job, "w1", "LMS timed out") == JobStatus.DEAD
        events = session.scalars(select(JobEvent.status).where(JobEvent.job_id == job_id)).all()
    assert events == ["queued", "running", "queued", "running", "dead"]


def test_dead_job_can_be_requeued_by_a_person(app):
    job_id = add(app)
    job = claim(app)
    with transaction(app) as session:
        queue.fail(session.connection(), job, "w1", "HTTP 404", permanent=True)
        assert queue.requeue(session.connection(), job_id, "instructor 7")
        assert not queue.requeue(session.connection(), job_id, "instructor 7")  # not dead now
    assert claim(app).attempts == 1


def test_a_late_worker_cannot_overwrite_a_recovered_job(app):
    job_id = add(app)
    job = claim(app, "slow-worker")
    with transaction(app) as session:
        session.execute(update(Job).values(heartbeat_at=utcnow() - dt.timedelta(hours=1)))
        assert queue.recover_stalled(session.connection(), dt.timedelta(minutes=15)) == [job_id]
    again = claim(app, "fresh-worker")
    with transaction(app) as session:
        assert not queue.finish(session.connection(), job, "slow-worker")
        assert queue.finish(session.connection(), again, "fresh-worker")
    assert status_of(app, job_id) == JobStatus.DONE


def test_retry_policy_backs_off_exponentially_with_jitter_and_gives_up():
    policy = RetryPolicy(first_delay=dt.timedelta(seconds=10), factor=3, jitter=0.2)
    rng = random.Random(1)
    delays = [policy.delay(n, 5, rng=rng).total_seconds() for n in (1, 2, 3, 4)]
    for delay, base in zip(delays, (10, 30, 90, 270), strict=True):
        assert base * 0.8 <= delay <= base * 1.2
    assert policy.delay(5, 5) is None
    assert RetryPolicy(max_delay=dt.timedelta(seconds=60)).delay(4, 9).total_seconds() <= 72


def test_worker_runs_handlers_and_records_outcomes(app):
    seen = []

    def ok(app_, payload):
        seen.append(payload["n"])

    def broken(app_, payload):
        raise PermanentJobError("The activity no longer exists.")

    register_handler(app, "ok", ok)
    register_handler(app, "broken", broken)
    good = add(app, kind="ok", n=5)
    bad = add(app, kind="broken")
    worker = Worker(app, "test-worker")
    assert worker.run(threading.Event(), poll_seconds=0.01, max_jobs=2) == 2
    assert seen == [5]
    assert status_of(app, good) == JobStatus.DONE
    assert status_of(app, bad) == JobStatus.DEAD
    with transaction(app) as session:
        assert session.get(Job, bad).last_error == "The activity no longer exists."


def test_concurrent_workers_never_run_a_job_twice(app):
    jobs = [add(app, n=n) for n in range(30)]
    claimed: list[int] = []
    lock = threading.Lock()

    def work(name):
        while (job := claim(app, name)) is not None:
            with lock:
                claimed.append(job.id)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == jobs
