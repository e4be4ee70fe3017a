"""Error reports: a failed request or job, kept under the reference id a person was shown
("Reference: 1a2b3c4d"), so an operator finds it on the health page without the logs.

What is kept is fit for every operator's eyes: where it happened (method and path, or the
job), the HTTP status, and a summary. For SkillCert's own errors the summary is the error's
class and the first line of its message (our wording, in English); for any other exception
it is the class and the line of our code it came from, never its message, which may quote
a token, an SQL parameter or a learner's answer. Anything shaped like a token is masked,
in the path too (a one-time link's). The log line with the same reference has the rest.

Which errors: every answer of 500 or more, and every refused launch (the page an LMS user
sees names its reference). The table keeps the newest :data:`KEEP` reports: each write
deletes older ones, so a flood of failures cannot grow it without bound.
"""

from __future__ import annotations

import contextvars
import dataclasses
import logging
import re
import traceback

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import Connection, delete, insert, select

from lti_tool.db import transaction
from lti_tool.errors import LaunchError, SkillCertError
from lti_tool.models import ErrorReport

log = logging.getLogger(__name__)

#: How many reports the table keeps (the newest).
KEEP = 1000
SUMMARY_CHARS = 300
SOURCE_CHARS = 300
#: The packages whose frames name where an unexpected error came from.
OUR_CODE = ("lti_tool", "assessments")

_report = ErrorReport.__table__
#: A JWT (three base64url parts) or a long opaque run: a token, a key or a hash.
_TOKEN_SHAPED = re.compile(
    r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*|[A-Za-z0-9_-]{32,}"
)
#: A credential's id is public, and says which one.
_UUID = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", re.IGNORECASE)
_MASK = "[…]"


@dataclasses.dataclass(frozen=True)
class Report:
    reference: str
    source: str
    status: int | None
    summary: str


def error_kind(error: BaseException) -> str:
    """The class of what went wrong, and of its cause when it wraps one:
    ``PermanentJobError(ServiceError)``."""
    cause = error.__cause__
    name = type(error).__name__
    return f"{name}({type(cause).__name__})" if cause is not None else name


def summary_of(error: BaseException) -> str:
    """What the report says about ``error`` (see the module's docstring), capped."""
    if isinstance(error, SkillCertError):
        with force_locale("en"):  # operators read reports in one language, like the log
            message = str(error.message)
        first_line = message.strip().splitlines()[0] if message.strip() else ""
        summary = f"{error_kind(error)}: {masked(first_line)}"
    else:
        summary = f"{error_kind(error)} {_origin(error)}"
    return summary[:SUMMARY_CHARS]


def masked(text: str) -> str:
    """``text`` with whatever looks like a token or a secret replaced by "[…]"."""
    return _TOKEN_SHAPED.sub(lambda found: found[0] if _UUID.fullmatch(found[0]) else _MASK, text)


def _origin(error: BaseException) -> str:
    """``at lti_tool.views.learner.attempts:123 in submit``: the innermost frame of our code
    (else the innermost of all)."""
    frames = [
        (frame.f_globals.get("__name__", "?"), line, frame.f_code.co_name)
        for frame, line in traceback.walk_tb(error.__traceback__)
    ]
    if not frames:
        return ""
    ours = [f for f in frames if f[0].split(".")[0] in OUR_CODE]
    module, line, function = (ours or frames)[-1]
    return f"at {module}:{line} in {function}"


def add(conn: Connection, report: Report) -> None:
    """Store a report in the caller's transaction and drop those beyond the newest KEEP."""
    conn.execute(
        insert(_report).values(
            reference=report.reference[:40],
            source=report.source[:SOURCE_CHARS],
            status=report.status,
            summary=report.summary[:SUMMARY_CHARS],
        )
    )
    oldest_kept = (
        select(_report.c.id).order_by(_report.c.id.desc()).offset(KEEP - 1).limit(1)
    ).scalar_subquery()
    conn.execute(delete(_report).where(_report.c.id < oldest_kept))


# -- requests ---------------------------------------------------------------------------

#: The report of the request being handled, stored when it ends.
_noted: contextvars.ContextVar[Report | None] = contextvars.ContextVar(
    "skillcert_error_report", default=None
)


def note_request_error(error: BaseException, status: int, reference: str, source: str) -> None:
    """Remember a failed request's report (``source``: its method and path), when it is
    one to keep (a refused launch, or an answer of 500 or more); it is stored when the
    request ends (:func:`init_app`)."""
    if status < 500 and not isinstance(error, LaunchError):
        return
    _noted.set(Report(reference, masked(source), status, summary_of(error)))


def _store_noted(_error: BaseException | None = None) -> None:
    """Store the request's report in a transaction of its own: the request's own was rolled
    back (an error answer keeps nothing), and it has released SQLite's write lock by now."""
    report = _noted.get()
    if report is None:
        return
    _noted.set(None)  # the thread's next request starts without it
    try:
        with transaction(current_app) as session:
            add(session.connection(), report)
    except Exception:  # the database may be what failed; the log has the error already
        log.warning("ref=%s: the error report could not be stored", report.reference)


def init_app(app: Flask) -> None:
    # After the after_request hooks: lti_tool.db's rolls the request's transaction back.
    app.teardown_request(_store_noted)
