"""Log events: one record per thing an operator asks about, with a stable ``event`` name.

``event("score.delivered", line_item=..., status=200)`` logs one INFO record on the
``lti_tool.events`` logger whose extra fields are the keyword arguments, plus the request's
reference id (the "Reference: …" an error page shows) or the job id of the worker's job it
ran in. Fields are ids, counts, codes and durations only: never a token, key, email
address or person's name (docs/operator-guide.md lists each event's fields).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import secrets
import time
from collections.abc import Iterator
from typing import Any

log = logging.getLogger("lti_tool.events")

#: The reference id of the request being handled (None outside a request).
reference_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "skillcert_reference", default=None
)
#: The job the worker is running in this thread, and which attempt it is (None outside one).
job_var: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar(
    "skillcert_job", default=None
)

#: LogRecord's own attributes: a field of that name would overwrite it (makeRecord refuses).
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


def start_request() -> None:
    """Start a request: a fresh reference id, current until it ends (a before_request hook,
    so it returns nothing)."""
    reference_var.set(secrets.token_hex(4))


def forget_reference(_error: BaseException | None = None) -> None:
    """End a request: a thread's next work is not taken for part of it."""
    reference_var.set(None)


def current_reference() -> str:
    """The request's reference id; outside a request (a CLI command), a fresh one."""
    return reference_var.get() or secrets.token_hex(4)


@contextlib.contextmanager
def job_context(job_id: int, attempt: int) -> Iterator[None]:
    """Mark what runs inside as the work of this job (its events carry its id)."""
    token = job_var.set((job_id, attempt))
    try:
        yield
    finally:
        job_var.reset(token)


def current_attempt() -> int | None:
    """The running job's attempt number (1 for the first run), None outside a job."""
    job = job_var.get()
    return None if job is None else job[1]


def event(name: str, **fields: Any) -> None:
    """Log the event ``name`` with ``fields`` (and the request's or job's id)."""
    if not log.isEnabledFor(logging.INFO):
        return
    clash = _RECORD_ATTRIBUTES.intersection(fields)
    if clash:  # a programming error: say which name to change rather than lose the event
        raise ValueError(f"Event field names {sorted(clash)} are taken by logging itself.")
    log.info(name, extra={"event": name, **_context(), **fields})


def _context() -> dict[str, Any]:
    """The request's reference id, or the running job's id and attempt."""
    reference = reference_var.get()
    if reference is not None:
        return {"reference": reference}
    job = job_var.get()
    return {} if job is None else {"job_id": job[0], "attempt": job[1]}


def elapsed_ms(started: float) -> int:
    """Milliseconds since ``started`` (a ``time.monotonic()``)."""
    return round((time.monotonic() - started) * 1000)


class ContextFilter(logging.Filter):
    """Adds the request's reference id or the job's id to every record the handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        reference = reference_var.get()
        if reference is not None and not hasattr(record, "reference"):
            record.reference = reference
        job = job_var.get()
        if job is not None and not hasattr(record, "job_id"):
            record.job_id = job[0]
        return True
