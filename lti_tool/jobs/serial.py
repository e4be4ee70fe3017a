"""Groups whose jobs run one at a time across all workers: an LMS that throttles parallel
calls (``Registration.serial_requests``; the groups are named by the grade sync).

``queue.claim_batch`` skips a candidate of such a group while one of its jobs runs;
:func:`taken` makes that hold when two workers claim at the same instant. Workers ask the
function given to :func:`register` which groups these are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from flask import Flask
from sqlalchemy import Connection, exists, func, select

from lti_tool.models import Job, JobStatus

#: Reads the groups whose jobs run one at a time, in the worker's transaction.
SerialGroups = Callable[[Connection], Iterable[str]]

_EXTENSION = "skillcert.serial_groups"


def register(app: Flask, groups: SerialGroups) -> None:
    """Name the function workers ask which groups run one job at a time."""
    app.extensions[_EXTENSION] = groups


def read(app: Flask, conn: Connection) -> frozenset[str]:
    """The groups that run one job at a time now (none when nothing was registered)."""
    groups: SerialGroups | None = app.extensions.get(_EXTENSION)
    return frozenset(groups(conn)) if groups is not None else frozenset()


def taken(conn: Connection, group: str) -> bool:
    """Whether another worker runs, or is this instant starting, a job of ``group``.

    On PostgreSQL two workers may both have read the group as free: each takes the group's
    advisory lock for its transaction first, and the one that gets it second (or fails to)
    reads again, past the first one's commit. SQLite runs one worker, whose claims its
    write lock already orders.
    """
    if conn.dialect.name != "postgresql":
        return False
    key = int.from_bytes(hashlib.sha256(group.encode()).digest()[:8], "big", signed=True)
    if not conn.execute(select(func.pg_try_advisory_xact_lock(key))).scalar():
        return True
    running = exists().where(Job.group_key == group, Job.status == JobStatus.RUNNING)
    return bool(conn.execute(select(running)).scalar())
