"""A worker: claims jobs, runs their handlers outside any transaction, records the outcome.

``run`` keeps up to ``concurrency`` jobs in flight in a thread pool: jobs of kinds
registered as ``concurrent`` (grade deliveries: mostly waiting on an LMS) share it, while
other kinds (lab grading: CPU-bound) run one at a time. While jobs run, the worker
refreshes their heartbeat, so stall recovery only re-queues the jobs of a worker that died.

The handlers run in the pool's threads; the database work of the queue happens in the
worker's own loop, one transaction per turn: store how the jobs that ended since the last
turn went (the done ones in one statement), then claim a batch to fill the free places.
Grade delivery spends its CPU there, not in the LMS's 50 ms (docs/performance.md).

The same turns keep the worker's own heartbeat row fresh (lti_tool.jobs.heartbeats: the
health page lists workers alive or silent) and store an error report for a handler that
failed unexpectedly (lti_tool.error_reports); a clean stop deletes the row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from flask import Flask
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from lti_tool import error_reports
from lti_tool.db import transaction
from lti_tool.errors import SkillCertError
from lti_tool.jobs import heartbeats, queue, serial
from lti_tool.jobs.retry import RetryPolicy
from lti_tool.models import JobStatus, utcnow
from lti_tool.observability import metrics
from lti_tool.observability.events import current_reference, event, job_context

log = logging.getLogger(__name__)

#: A handler does the work of one job kind; it gets the app and the job's payload.
Handler = Callable[[Flask, dict[str, Any]], None]

#: How often a worker looks for stalled jobs (each claim did: a third of its queries).
RECOVER_EVERY_SECONDS = 1.0
#: How often a worker reads again which groups run one job at a time.
SERIAL_GROUPS_EVERY_SECONDS = 1.0
#: Longer than any job may run (lab grading has its own wall-time limit, far below this).
STALLED_AFTER = dt.timedelta(minutes=15)


@dataclasses.dataclass(frozen=True)
class JobKind:
    handler: Handler
    #: A running job without a heartbeat this long is re-queued (its worker died).
    stalled_after: dt.timedelta = STALLED_AFTER
    #: Several jobs of this kind may run at once in one worker.
    concurrent: bool = False


class PermanentJobError(SkillCertError):
    """This job cannot succeed by trying again."""


class RetryLaterError(SkillCertError):
    """This job may succeed later, and not before ``retry_after`` seconds (if given)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def register_handler(
    app: Flask,
    kind: str,
    handler: Handler,
    *,
    stalled_after: dt.timedelta = STALLED_AFTER,
    concurrent: bool = False,
) -> None:
    kinds = app.extensions.setdefault("skillcert.job_kinds", {})
    kinds[kind] = JobKind(handler, stalled_after, concurrent)


def job_kinds(app: Flask) -> dict[str, JobKind]:
    return app.extensions.get("skillcert.job_kinds", {})


@dataclasses.dataclass(frozen=True)
class _Outcome:
    """How a handler's run ended: done (no error), or failed for good or for now."""

    error: str | None = None
    permanent: bool = False
    min_delay: dt.timedelta | None = None
    #: The error's class, for the log (its message may quote the LMS or the learner's code).
    error_type: str | None = None
    #: The error report of a handler that failed unexpectedly (not a job error it raised).
    report: error_reports.Report | None = None


@dataclasses.dataclass
class _Run:
    """Where one :meth:`Worker.run` is: its jobs, and the connection it keeps."""

    #: When the heartbeats (the worker's, and its jobs' in flight) are next due.
    next_beat: float
    started_at: dt.datetime
    in_flight: dict[Future[_Outcome], queue.ClaimedJob] = dataclasses.field(default_factory=dict)
    #: Jobs that ended but whose outcome is not stored yet.
    ended: list[tuple[queue.ClaimedJob, _Outcome]] = dataclasses.field(default_factory=list)
    #: Jobs whose outcome is stored.
    ran: int = 0
    conn: Connection | None = None


class Worker:
    def __init__(
        self,
        app: Flask,
        worker_id: str | None = None,
        *,
        concurrency: int = 1,
        group_cap: int | None = None,
        retry: RetryPolicy = queue.DEFAULT_RETRY,
    ) -> None:
        self.app = app
        self.hostname = socket.gethostname()
        self.pid = os.getpid()
        self.worker_id = worker_id or f"{self.hostname}:{self.pid}:{threading.get_ident()}"
        #: Most jobs in flight at once (only concurrent kinds ever share the pool).
        self.concurrency = concurrency
        #: Most running jobs of one group (one LMS), counted across all workers.
        self.group_cap = group_cap
        self.retry = retry
        self._turn = 0
        self._next_recovery = 0.0
        #: The groups that run one job at a time, and when to read them again.
        self._serial_groups: frozenset[str] = frozenset()
        self._serial_groups_until = 0.0
        #: Kinds that had no due job, and when ``run`` asks for them again (each empty
        #: kind costs a query per turn, and a turn comes with every job that ends).
        self._quiet_until: dict[str, float] = {}

    def run_once(self) -> bool:
        """Run one due job, if there is one; True if a job ran."""
        with transaction(self.app) as session:
            jobs = self._claim(session.connection(), [], room=1, quiet_for=0.0)
        for job in jobs:
            self._store([(job, self._execute(job))])
        return bool(jobs)

    def _claim(
        self,
        conn: Connection,
        in_flight: Iterable[queue.ClaimedJob],
        room: int,
        quiet_for: float,
    ) -> list[queue.ClaimedJob]:
        """Up to ``room`` due jobs: of concurrent kinds any number, of the others one, and
        only while none of them runs here (lab grading is CPU-bound). A kind without a
        due job is not asked again for ``quiet_for`` seconds, or until one of its jobs
        here ends (freeing a lock key or a group's slot)."""
        now = time.monotonic()
        if now >= self._next_recovery:
            self._recover_stalled(conn)
        kinds = job_kinds(self.app)
        names = [name for name in kinds if self._quiet_until.get(name, 0.0) <= now]
        if not names:
            return []
        # Kinds take turns at going first, so a flood of one cannot hold up another.
        self._turn = (self._turn + 1) % len(names)
        names = names[self._turn :] + names[: self._turn]
        exclusive_busy = any(not kinds[job.kind].concurrent for job in in_flight)
        claimed: list[queue.ClaimedJob] = []
        for name in names:
            concurrent = kinds[name].concurrent
            wanted = room - len(claimed) if concurrent else 0 if exclusive_busy else 1
            if wanted <= 0:
                continue
            jobs = queue.claim_batch(
                conn,
                self.worker_id,
                name,
                wanted,
                group_cap=self.group_cap,
                serial_groups=self._serial(conn, now),
            )
            if not jobs:
                self._quiet_until[name] = now + quiet_for
            claimed.extend(jobs)
            exclusive_busy = exclusive_busy or (bool(jobs) and not concurrent)
        return claimed

    def _serial(self, conn: Connection, now: float) -> frozenset[str]:
        """The groups that run one job at a time (``jobs.serial``), read again once a
        second: a registration switched to serial requests is obeyed by then."""
        if now >= self._serial_groups_until:
            self._serial_groups = serial.read(self.app, conn)
            self._serial_groups_until = now + SERIAL_GROUPS_EVERY_SECONDS
        return self._serial_groups

    def _recover_stalled(self, conn: Connection) -> None:
        """Re-queue the jobs of dead workers; once a second is plenty (stalls take minutes)."""
        self._next_recovery = time.monotonic() + RECOVER_EVERY_SECONDS
        by_timeout: dict[dt.timedelta, list[str]] = {}
        for name, kind in job_kinds(self.app).items():
            by_timeout.setdefault(kind.stalled_after, []).append(name)
        for stalled_after, names in by_timeout.items():
            queue.recover_stalled(conn, stalled_after, names)

    def _execute(self, job: queue.ClaimedJob) -> _Outcome:
        """Run the job's handler, outside any transaction; never raises. What it logs
        carries the job's id."""
        with job_context(job.id, job.attempts):
            return self._handle(job)

    def _handle(self, job: queue.ClaimedJob) -> _Outcome:
        try:
            job_kinds(self.app)[job.kind].handler(self.app, job.payload)
        except PermanentJobError as exc:
            kind = error_reports.error_kind(exc)
            return _Outcome(exc.message, permanent=True, error_type=kind)
        except RetryLaterError as exc:
            wait_at_least = (
                None if exc.retry_after is None else dt.timedelta(seconds=exc.retry_after)
            )
            kind = error_reports.error_kind(exc)
            return _Outcome(exc.message, min_delay=wait_at_least, error_type=kind)
        except Exception as exc:  # a handler's bug or a transient failure: retry, then dead
            reference = current_reference()
            log.warning("ref=%s Job %s (%s) failed: %s", reference, job.id, job.kind, exc)
            log.debug("%s", traceback.format_exc())
            report = error_reports.Report(
                reference, f"job {job.id} ({job.kind})", None, error_reports.summary_of(exc)
            )
            return _Outcome(
                f"{type(exc).__name__}: {exc}",
                error_type=error_reports.error_kind(exc),
                report=report,
            )
        return _Outcome()

    def _store(self, outcomes: list[tuple[queue.ClaimedJob, _Outcome]]) -> None:
        with transaction(self.app) as session:
            self._record(session.connection(), outcomes)

    def _record(self, conn: Connection, outcomes: list[tuple[queue.ClaimedJob, _Outcome]]) -> None:
        """Store how jobs ended: the done ones in one statement, failures one by one."""
        queue.finish_many(
            conn, [job for job, outcome in outcomes if outcome.error is None], self.worker_id
        )
        for job, outcome in outcomes:
            if outcome.report is not None:
                error_reports.add(conn, outcome.report)
            if outcome.error is None:
                continue
            status = queue.fail(
                conn,
                job,
                self.worker_id,
                outcome.error,
                permanent=outcome.permanent,
                policy=self.retry,
                min_delay=outcome.min_delay,
            )
            log.info("Job %s (%s) -> %s: %s", job.id, job.kind, status, outcome.error)
            if status is JobStatus.DEAD:
                metrics.job_died(job.kind)
                event(
                    "job.dead",
                    job_id=job.id,
                    kind=job.kind,
                    attempts=job.attempts,
                    error_type=outcome.error_type,
                )

    def run(
        self, stop: threading.Event, poll_seconds: float = 1.0, max_jobs: int | None = None
    ) -> int:
        """Run jobs until ``stop`` is set (or ``max_jobs`` ran); returns how many ran.

        Each turn is one transaction (see :meth:`_step`), on a connection kept for the
        whole run (a checkout pings the database: a round trip per turn). On stop, the jobs
        in flight are finished (each is bounded by its own timeouts); so they are on Ctrl-C
        (KeyboardInterrupt, raised again after), and either way the worker leaves the
        health page.
        """
        run = _Run(next_beat=time.monotonic(), started_at=utcnow())  # first beat at once
        try:
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="job") as pool:
                while not stop.is_set() and (max_jobs is None or run.ran < max_jobs):
                    self._collect_ended(run)
                    for job in self._take_turn(run, self._room(run, max_jobs), poll_seconds):
                        run.in_flight[pool.submit(self._execute, job)] = job
                    self._back_off(run, stop, _beat_every(poll_seconds))
        finally:  # leaving the pool waited for the jobs in flight
            ran = self._stop(run)
        return ran

    def _collect_ended(self, run: _Run) -> None:
        """Move the jobs that ended out of flight; their kinds may have due jobs again."""
        for future in [f for f in run.in_flight if f.done()]:
            job = run.in_flight.pop(future)
            run.ended.append((job, future.result()))
            self._quiet_until.pop(job.kind, None)

    def _room(self, run: _Run, max_jobs: int | None) -> int:
        """How many jobs to claim: the free places in the pool, short of ``max_jobs``."""
        room = self.concurrency - len(run.in_flight)
        if max_jobs is None:
            return room
        return min(room, max_jobs - run.ran - len(run.ended) - len(run.in_flight))

    def _take_turn(self, run: _Run, room: int, poll_seconds: float) -> list[queue.ClaimedJob]:
        """One :meth:`_step` in its own transaction; the jobs it claimed.

        When the database fails, the ended jobs stay in ``run`` for the next turn.
        """
        beat = time.monotonic() >= run.next_beat
        claimed: list[queue.ClaimedJob] = []
        try:
            run.conn = run.conn or self.app.extensions["skillcert.engine"].connect()
            with run.conn.begin():
                if beat:
                    self._beat(run.conn, run, jobs_done=run.ran + len(run.ended))
                claimed = self._step(
                    run.conn, run.ended, run.in_flight.values(), beat, room, poll_seconds
                )
        except IntegrityError:  # see queue.claim_batch: nothing was stored; again
            log.info("Worker %s: a lock key was taken meanwhile; trying again", self.worker_id)
        except Exception:  # the database went away: keep the outcomes, try again
            log.exception("Worker %s could not reach the database", self.worker_id)
            if run.conn is not None:
                run.conn.close()
            run.conn = None
        else:
            run.ran += len(run.ended)
            run.ended.clear()
            if beat:
                run.next_beat = time.monotonic() + _beat_every(poll_seconds)
        return claimed

    def _beat(self, conn: Connection, run: _Run, jobs_done: int) -> None:
        """Refresh this worker's heartbeat row (the health page's "alive")."""
        heartbeats.beat(
            conn,
            self.worker_id,
            hostname=self.hostname,
            pid=self.pid,
            started_at=run.started_at,
            jobs_done=jobs_done,
        )

    @staticmethod
    def _back_off(run: _Run, stop: threading.Event, poll_seconds: float) -> None:
        """Wait for a job to end, or with none in flight for ``stop`` or the next poll."""
        if run.in_flight:
            wait(run.in_flight, timeout=poll_seconds, return_when=FIRST_COMPLETED)
        else:
            stop.wait(poll_seconds)

    def _stop(self, run: _Run) -> int:
        """Close the connection, store how the last jobs ended and take the worker off the
        health page; how many jobs ran."""
        if run.conn is not None:
            run.conn.close()
        run.ended.extend((run.in_flight[f], f.result()) for f in run.in_flight)
        try:
            with transaction(self.app) as session:
                self._record(session.connection(), run.ended)
                heartbeats.forget(session.connection(), self.worker_id)
        except Exception:  # stall recovery will run these jobs again; the row goes silent
            log.exception("Worker %s could not store how its last jobs ended", self.worker_id)
        return run.ran + len(run.ended)

    def _step(
        self,
        conn: Connection,
        ended: list[tuple[queue.ClaimedJob, _Outcome]],
        in_flight: Iterable[queue.ClaimedJob],
        beat: bool,
        room: int,
        poll_seconds: float,
    ) -> list[queue.ClaimedJob]:
        """Store how the ``ended`` jobs went (freeing their lock keys and group slots),
        refresh the heartbeat of those in flight when ``beat``, and claim up to ``room``
        due jobs; all in the caller's transaction."""
        self._record(conn, ended)
        if beat:
            queue.heartbeat(conn, self.worker_id, [job.id for job in in_flight])
        if room <= 0:
            return []
        return self._claim(conn, in_flight, room, quiet_for=poll_seconds)


def _beat_every(poll_seconds: float) -> float:
    """How often the loop takes a turn at the least, and beats: a long poll must not leave
    the worker silent on the health page."""
    return min(poll_seconds, heartbeats.HEARTBEAT_SECONDS)
