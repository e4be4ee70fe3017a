"""Who looked at whose work: one ``record`` call per page that shows learners' work.

Recorded: an instructor's or administrator's learner-work page, the grading and
moderation queues and a grade saved from them, an attempt's marking page and a final mark
set there, a project file downloaded by staff, the gradebook as CSV, a learner's export
of their own data, and an erasure. One row per learner concerned (the attempts and lab
submissions of theirs the page showed, by id); the gradebook CSV gets one row for the
whole course. The administrator reads the log a page at a time (``listing``), scoped like
every administrator page here (``reach``); ``retention`` purges it by age.

A page marked read-only must not take SQLite's write lock in its own transaction (see
``lti_tool.db``), so its entry is written in a short transaction of its own, committed at
once. A page that writes anyway (a grade saved) records in its own transaction, so a
refused grade leaves no entry.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session, aliased

from lti_tool.db import WRITES, rowcount
from lti_tool.models import AccessKind, AccessLogEntry, Attempt, Context, ProjectFile, User
from lti_tool.privacy.reach import entries_in_reach
from lti_tool.scope import CurrentLaunch

PAGE_SIZE = 50


def record(
    session: Session,
    launch: CurrentLaunch,
    kind: AccessKind,
    *,
    learner_id: int | None = None,
    attempts: Iterable[Attempt | int] = (),
    lab_submissions: Iterable[int] = (),
    file_id: int | None = None,
    detail: str = "",
) -> None:
    """Record that ``launch``'s user saw the work named: a learner, attempts (objects or
    ids of this course), lab submissions (ids, with ``learner_id``) or a project file.
    Nothing named and not a whole-course kind (a queue with nothing in it): no entry."""
    by_learner = _attempts_by_learner(session, launch, attempts)
    if file_id is not None:
        owner = _file_owner(session, launch, file_id)
        if owner is not None:
            by_learner[owner[0]].add(owner[1])
    if learner_id is not None:
        by_learner.setdefault(learner_id, set())
    rows: list[dict[str, Any]] = [
        _row(launch, kind, learner, sorted(ids), detail, file_id)
        for learner, ids in sorted(by_learner.items())
    ]
    labs = sorted(set(lab_submissions))
    for row in rows:
        if row["learner_id"] == learner_id:
            row["lab_submission_ids"] = labs
    if not rows and kind in (AccessKind.GRADEBOOK_CSV, AccessKind.REPORT_EXPORT):
        rows.append(_row(launch, kind, None, [], detail, None))
    if rows:
        _write(session, rows)


def _row(
    launch: CurrentLaunch,
    kind: AccessKind,
    learner_id: int | None,
    attempt_ids: list[int],
    detail: str,
    file_id: int | None,
) -> dict[str, Any]:
    return {
        "registration_id": launch.registration_id,
        "deployment_id": launch.deployment_id,
        "context_id": launch.context_id,
        "actor_id": launch.user_id,
        "actor_role": launch.role.value,
        "kind": kind,
        "learner_id": learner_id,
        "attempt_ids": attempt_ids,
        "lab_submission_ids": [],
        "file_id": file_id,
        "detail": detail[:200],
    }


def _attempts_by_learner(
    session: Session, launch: CurrentLaunch, attempts: Iterable[Attempt | int]
) -> defaultdict[int, set[int]]:
    found: defaultdict[int, set[int]] = defaultdict(set)
    ids: set[int] = set()
    for attempt in attempts:
        if isinstance(attempt, Attempt):
            found[attempt.user_id].add(attempt.id)
        else:
            ids.add(attempt)
    if ids:
        rows = session.execute(
            select(Attempt.id, Attempt.user_id).where(
                Attempt.id.in_(ids), *Attempt.in_course(launch)
            )
        )
        for attempt_id, user_id in rows:
            found[user_id].add(attempt_id)
    return found


def _file_owner(session: Session, launch: CurrentLaunch, file_id: int) -> tuple[int, int] | None:
    row = session.execute(
        select(Attempt.user_id, Attempt.id)
        .join(ProjectFile, ProjectFile.attempt_id == Attempt.id)
        .where(ProjectFile.id == file_id, *Attempt.in_course(launch))
    ).first()
    return None if row is None else (row[0], row[1])


def _write(session: Session, rows: list[dict[str, Any]]) -> None:
    conn = session.connection()
    if conn.get_execution_options().get(WRITES, True):
        session.execute(insert(AccessLogEntry), rows)
        return
    # A read-only page: its transaction began without the write lock (SQLite).
    with conn.engine.begin() as own:
        own.execute(insert(AccessLogEntry), rows)


def record_as(
    session: Session,
    *,
    registration_id: int,
    deployment_id: int,
    context_id: int | None,
    actor_id: int | None,
    actor_role: str,
    kind: AccessKind,
    learner_id: int | None,
    detail: str = "",
) -> None:
    """Record an access named by its fields, not by a launch: an erasure, whose request says
    who asked."""
    session.add(
        AccessLogEntry(
            registration_id=registration_id,
            deployment_id=deployment_id,
            context_id=context_id,
            actor_id=actor_id,
            actor_role=actor_role,
            kind=kind,
            learner_id=learner_id,
            attempt_ids=[],
            lab_submission_ids=[],
            detail=detail[:200],
        )
    )


# -- reading ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Listed:
    entry: AccessLogEntry
    actor: str | None
    learner: str | None
    course: str | None


@dataclasses.dataclass(frozen=True)
class Listing:
    rows: list[Listed]
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def listing(session: Session, launch: CurrentLaunch, page: int) -> Listing:
    """One page of the log the administrator of ``launch`` may read, newest first."""
    conditions = entries_in_reach(launch)
    total = session.scalar(select(func.count()).select_from(AccessLogEntry).where(*conditions))
    actor, learner = aliased(User), aliased(User)
    query = (
        select(AccessLogEntry, actor.name, learner.name, Context.title)
        .outerjoin(actor, actor.id == AccessLogEntry.actor_id)
        .outerjoin(learner, learner.id == AccessLogEntry.learner_id)
        .outerjoin(Context, Context.id == AccessLogEntry.context_id)
        .where(*conditions)
        .order_by(AccessLogEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = [Listed(*row) for row in session.execute(query)]
    return Listing(rows, total or 0)


def about_learner(session: Session, registration_id: int, user_id: int) -> list[AccessLogEntry]:
    """Every entry naming this learner, oldest first (their export lists them)."""
    return list(
        session.scalars(
            select(AccessLogEntry)
            .where(
                AccessLogEntry.registration_id == registration_id,
                AccessLogEntry.learner_id == user_id,
            )
            .order_by(AccessLogEntry.id)
        )
    )


def purge(session: Session, older_than: dt.datetime) -> int:
    """Delete entries made before ``older_than``; how many."""
    return rowcount(session.execute(delete(AccessLogEntry).where(AccessLogEntry.at < older_than)))
