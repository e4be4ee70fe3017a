"""A worker: claims jobs, runs their handlers outside any transaction, records the outcome.

``run`` keeps up to ``concurrency`` jobs in flight in a thread pool: jobs of kinds
registered as ``concurrent`` (grade deliveries: mostly waiting on an LMS) share it, while
other kinds (lab grading: CPU-bound) run one at a time. While jobs run, the worker
refreshes their heartbeat, so stall recovery only re-queues the jobs of a worker that died.
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

from lti_tool.db import transaction
from lti_tool.errors import SkillCertError
from lti_tool.jobs import queue
from lti_tool.jobs.retry import RetryPolicy

log = logging.getLogger(__name__)

#: A handler does the work of one job kind; it gets the app and the job's payload.
Handler = Callable[[Flask, dict[str, Any]], None]

#: How often a worker looks for stalled jobs (each claim did: a third of its queries).
RECOVER_EVERY_SECONDS = 1.0
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
        self.worker_id = (
            worker_id or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        )
        #: Most jobs in flight at once (only concurrent kinds ever share the pool).
        self.concurrency = concurrency
        #: Most running jobs of one group (one LMS), counted across all workers.
        self.group_cap = group_cap
        self.retry = retry
        self._turn = 0
        self._next_recovery = 0.0

    def run_once(self) -> bool:
        """Run one due job, if there is one; True if a job ran."""
        job = self._claim(job_kinds(self.app))
        if job is None:
            return False
        self._execute(job)
        return True

    def _claim(self, kinds: Iterable[str]) -> queue.ClaimedJob | None:
        kinds = list(kinds)
        if not kinds:
            return None
        # Kinds take turns at going first, so a flood of one cannot hold up another.
        self._turn = (self._turn + 1) % len(kinds)
        kinds = kinds[self._turn :] + kinds[: self._turn]
        with transaction(self.app) as session:
            conn = session.connection()
            if time.monotonic() >= self._next_recovery:
                self._recover_stalled(conn)
            return queue.claim(conn, self.worker_id, kinds, group_cap=self.group_cap)

    def _recover_stalled(self, conn: Connection) -> None:
        """Re-queue the jobs of dead workers; once a second is plenty (stalls take minutes)."""
        self._next_recovery = time.monotonic() + RECOVER_EVERY_SECONDS
        by_timeout: dict[dt.timedelta, list[str]] = {}
        for name, kind in job_kinds(self.app).items():
            by_timeout.setdefault(kind.stalled_after, []).append(name)
        for stalled_after, names in by_timeout.items():
            queue.recover_stalled(conn, stalled_after, names)

    def _execute(self, job: queue.ClaimedJob) -> None:
        try:
            job_kinds(self.app)[job.kind].handler(self.app, job.payload)
        except PermanentJobError as exc:
            self._record_failure(job, exc.message, permanent=True)
        except RetryLaterError as exc:
            wait_at_least = (
                None if exc.retry_after is None else dt.timedelta(seconds=exc.retry_after)
            )
            self._record_failure(job, exc.message, permanent=False, min_delay=wait_at_least)
        except Exception as exc:  # a handler's bug or a transient failure: retry, then dead
            log.warning("Job %s (%s) failed: %s", job.id, job.kind, exc)
            self._record_failure(job, f"{type(exc).__name__}: {exc}", permanent=False)
            log.debug("%s", traceback.format_exc())
        else:
            with transaction(self.app) as session:
                queue.finish(session.connection(), job, self.worker_id)

    def _record_failure(
        self,
        job: queue.ClaimedJob,
        error: str,
        *,
        permanent: bool,
        min_delay: dt.timedelta | None = None,
    ) -> None:
        with transaction(self.app) as session:
            outcome = queue.fail(
                session.connection(),
                job,
                self.worker_id,
                error,
                permanent=permanent,
                policy=self.retry,
                min_delay=min_delay,
            )
        log.info("Job %s (%s) -> %s: %s", job.id, job.kind, outcome, error)

    def _claimable(self, in_flight: Iterable[queue.ClaimedJob]) -> list[str]:
        """Concurrent kinds always; the others only while none of them is running here."""
        kinds = job_kinds(self.app)
        exclusive_busy = any(not kinds[job.kind].concurrent for job in in_flight)
        return [name for name, kind in kinds.items() if kind.concurrent or not exclusive_busy]

    def _heartbeat(self, in_flight: Iterable[queue.ClaimedJob]) -> None:
        with transaction(self.app) as session:
            queue.heartbeat(session.connection(), self.worker_id, [job.id for job in in_flight])

    def run(
        self, stop: threading.Event, poll_seconds: float = 1.0, max_jobs: int | None = None
    ) -> int:
        """Run jobs until ``stop`` is set (or ``max_jobs`` ran); returns how many ran.

        On stop, the jobs in flight are finished (each is bounded by its own timeouts).
        """
        ran = 0
        in_flight: dict[Future[None], queue.ClaimedJob] = {}
        last_beat = time.monotonic()
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="job") as pool:
            while not stop.is_set() and (max_jobs is None or ran < max_jobs):
                for future in [f for f in in_flight if f.done()]:
                    job = in_flight.pop(future)
                    if future.exception() is not None:  # its outcome could not be stored
                        log.error("Job %s: %s", job.id, future.exception())
                    ran += 1
                job = None
                room = len(in_flight) < self.concurrency and (
                    max_jobs is None or ran + len(in_flight) < max_jobs
                )
                try:
                    if in_flight and time.monotonic() - last_beat >= poll_seconds:
                        self._heartbeat(in_flight.values())
                        last_beat = time.monotonic()
                    if room:
                        job = self._claim(self._claimable(in_flight.values()))
                except Exception:  # the database went away: wait and try again
                    log.exception("Worker %s could not claim a job", self.worker_id)
                if job is not None:
                    in_flight[pool.submit(self._execute, job)] = job
                elif in_flight:
                    wait(in_flight, timeout=poll_seconds, return_when=FIRST_COMPLETED)
                else:
                    stop.wait(poll_seconds)
            wait(in_flight)
        return ran + len(in_flight)
