"""A worker: claims jobs, runs their handlers outside any transaction, records the outcome."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable
from typing import Any

from flask import Flask

from lti_tool.db import transaction
from lti_tool.errors import SkillCertError
from lti_tool.jobs import queue

log = logging.getLogger(__name__)

#: A handler does the work of one job kind; it gets the app and the job's payload.
Handler = Callable[[Flask, dict[str, Any]], None]

#: Longer than any job may run (lab grading has its own wall-time limit, far below this).
STALLED_AFTER = dt.timedelta(minutes=15)


class PermanentJobError(SkillCertError):
    """This job cannot succeed by trying again."""


def register_handler(app: Flask, kind: str, handler: Handler) -> None:
    app.extensions.setdefault("skillcert.job_handlers", {})[kind] = handler


def handlers(app: Flask) -> dict[str, Handler]:
    return app.extensions.get("skillcert.job_handlers", {})


class Worker:
    def __init__(self, app: Flask, worker_id: str | None = None) -> None:
        self.app = app
        self.worker_id = (
            worker_id or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        )

    def run_once(self) -> bool:
        """Run one due job, if there is one; True if a job ran."""
        kinds = list(handlers(self.app))
        if not kinds:
            return False
        with transaction(self.app) as session:
            conn = session.connection()
            queue.recover_stalled(conn, STALLED_AFTER)
            job = queue.claim(conn, self.worker_id, kinds)
        if job is None:
            return False
        try:
            handlers(self.app)[job.kind](self.app, job.payload)
        except PermanentJobError as exc:
            self._record_failure(job, exc.message, permanent=True)
        except Exception as exc:  # a handler's bug or a transient failure: retry, then dead
            log.warning("Job %s (%s) failed: %s", job.id, job.kind, exc)
            self._record_failure(job, f"{type(exc).__name__}: {exc}", permanent=False)
            log.debug("%s", traceback.format_exc())
        else:
            with transaction(self.app) as session:
                queue.finish(session.connection(), job, self.worker_id)
        return True

    def _record_failure(self, job: queue.ClaimedJob, error: str, *, permanent: bool) -> None:
        with transaction(self.app) as session:
            outcome = queue.fail(
                session.connection(), job, self.worker_id, error, permanent=permanent
            )
        log.info("Job %s (%s) -> %s: %s", job.id, job.kind, outcome, error)

    def run(
        self, stop: threading.Event, poll_seconds: float = 1.0, max_jobs: int | None = None
    ) -> int:
        """Run jobs until ``stop`` is set (or ``max_jobs`` ran); returns how many ran."""
        ran = 0
        while not stop.is_set() and (max_jobs is None or ran < max_jobs):
            try:
                if self.run_once():
                    ran += 1
                    continue
            except Exception:  # the database went away: wait and try again
                log.exception("Worker %s could not claim a job", self.worker_id)
            stop.wait(poll_seconds)
        return ran
