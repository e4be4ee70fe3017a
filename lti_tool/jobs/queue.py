"""The queue's state machine, in SQL: enqueue, claim, finish, retry, fail, recover.

Every transition names the state it expects (``WHERE status = 'running' AND locked_by =
:worker``), so a worker that lost its job to stall recovery cannot overwrite what another
worker did; each leaves a ``job_event`` row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from lti_tool.jobs.retry import RetryPolicy
from lti_tool.jobs.serial import taken as serial_group_taken
from lti_tool.models import Job, JobEvent, JobStatus, utcnow

log = logging.getLogger(__name__)

DEFAULT_RETRY = RetryPolicy()

_job = Job.__table__
_event = JobEvent.__table__


@dataclasses.dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


#: The same event for each of some jobs, in one statement (cheaper than an executemany).
_RECORD = insert(_event).from_select(
    ["job_id", "status", "detail", "at"],
    select(
        _job.c.id,
        bindparam("status", type_=_event.c.status.type),
        bindparam("detail", type_=_event.c.detail.type),
        bindparam("at", type_=_event.c.at.type),
    ).where(_job.c.id.in_(bindparam("ids", expanding=True))),
)


def _record(conn: Connection, job_id: int, status: str, detail: str = "") -> None:
    _record_many(conn, [job_id], status, detail)


def _record_many(conn: Connection, job_ids: list[int], status: str, detail: str = "") -> None:
    if job_ids:
        conn.execute(
            _RECORD, {"ids": job_ids, "status": status, "detail": detail[:2000], "at": utcnow()}
        )


def enqueue(
    conn: Connection,
    kind: str,
    payload: dict[str, Any],
    *,
    lock_key: str | None = None,
    dedupe_key: str | None = None,
    group_key: str | None = None,
    max_attempts: int = 5,
    run_after: dt.datetime | None = None,
) -> int:
    """Queue a job in the caller's transaction; it replaces a queued job with its dedupe key."""
    if dedupe_key is not None:
        conn.execute(
            delete(_job).where(_job.c.dedupe_key == dedupe_key, _job.c.status == JobStatus.QUEUED)
        )
    job_id = conn.execute(
        insert(_job).returning(_job.c.id),
        {
            "kind": kind,
            "payload": payload,
            "status": JobStatus.QUEUED,
            "lock_key": lock_key,
            "dedupe_key": dedupe_key,
            "group_key": group_key,
            "attempts": 0,
            "max_attempts": max_attempts,
            "run_after": run_after or utcnow(),
            "created_at": utcnow(),
        },
    ).scalar_one()
    _record(conn, job_id, JobStatus.QUEUED)
    return job_id


def claim(
    conn: Connection,
    worker_id: str,
    kinds: Iterable[str],
    *,
    group_cap: int | None = None,
    serial_groups: Collection[str] = (),
) -> ClaimedJob | None:
    """Take one due job: the oldest of the first of ``kinds`` that has one, or None
    (see :func:`claim_batch`; a lock key clash with another worker is None here)."""
    for kind in kinds:
        try:
            with conn.begin_nested():
                jobs = claim_batch(
                    conn, worker_id, kind, 1, group_cap=group_cap, serial_groups=serial_groups
                )
        except IntegrityError:
            return None  # another worker started this lock key's job first; try again later
        if jobs:
            return jobs[0]
    return None


def _candidates(capped: bool, serial: bool) -> Select:
    """Due jobs of one kind whose lock key is free (and, ``capped``, whose group is not
    full; ``serial``, whose group is not one of the ``serial_groups`` with a job running),
    oldest first, locked for the claim; each with its group's running count."""
    candidate, other, running = _job.alias("candidate"), _job.alias("other"), _job.alias("run")
    # The running keys and full groups are few and computed once per claim; the ordered
    # walk of ix_job_claim (one kind, by run_after) stops after ``limit`` jobs that may
    # run, so a claim costs the same with ten queued jobs or ten thousand.
    running_keys = select(running.c.lock_key).where(
        running.c.status == JobStatus.RUNNING, running.c.lock_key.is_not(None)
    )
    older_queued = exists().where(
        other.c.lock_key == candidate.c.lock_key,
        other.c.id < candidate.c.id,
        other.c.status == JobStatus.QUEUED,
    )
    conditions = [
        candidate.c.status == JobStatus.QUEUED,
        candidate.c.kind == bindparam("kind"),
        candidate.c.run_after <= bindparam("now"),
        or_(
            candidate.c.lock_key.is_(None),
            and_(candidate.c.lock_key.not_in(running_keys), ~older_queued),
        ),
    ]
    running_in_group: ColumnElement[int] = literal(0)
    if capped:
        full_groups = (
            select(running.c.group_key)
            .where(running.c.status == JobStatus.RUNNING, running.c.group_key.is_not(None))
            .group_by(running.c.group_key)
            .having(func.count() >= bindparam("group_cap"))
        )
        conditions.append(
            or_(candidate.c.group_key.is_(None), candidate.c.group_key.not_in(full_groups))
        )
        # Evaluated only for the (few) rows returned.
        running_in_group = (
            select(func.count())
            .where(other.c.group_key == candidate.c.group_key, other.c.status == JobStatus.RUNNING)
            .scalar_subquery()
        )
    if serial:
        busy_serial = select(running.c.group_key).where(
            running.c.status == JobStatus.RUNNING,
            running.c.group_key.in_(bindparam("serial_groups", expanding=True)),
        )
        conditions.append(
            or_(candidate.c.group_key.is_(None), candidate.c.group_key.not_in(busy_serial))
        )
    return (
        select(
            candidate.c.id,
            candidate.c.group_key,
            running_in_group.label("running_in_group"),
        )
        .where(*conditions)
        # Not by id too: that would sort every due job. Jobs of one lock key keep their
        # order through ``older_queued``.
        .order_by(candidate.c.run_after)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


# Built once: a claim runs many times a second, and building these costs more CPU than
# running them (each execution is then a compiled-cache lookup).
_CANDIDATES = {
    (capped, serial): _candidates(capped, serial)
    for capped in (False, True)
    for serial in (False, True)
}

_START = (
    update(_job)
    .where(_job.c.id.in_(bindparam("ids", expanding=True)), _job.c.status == JobStatus.QUEUED)
    .values(
        status=JobStatus.RUNNING,
        locked_by=bindparam("worker"),
        heartbeat_at=bindparam("now"),
        attempts=_job.c.attempts + 1,
    )
    .returning(_job.c.id, _job.c.kind, _job.c.payload, _job.c.attempts, _job.c.max_attempts)
)


def claim_batch(
    conn: Connection,
    worker_id: str,
    kind: str,
    limit: int,
    *,
    group_cap: int | None = None,
    serial_groups: Collection[str] = (),
) -> list[ClaimedJob]:
    """Take up to ``limit`` due jobs of ``kind`` whose lock keys are free, oldest first.

    On PostgreSQL concurrent workers skip each other's candidates (``SKIP LOCKED``);
    SQLite runs one worker. A job waits while an older job with its lock key is queued or
    running, so one learner's (or one line item's) jobs run in order, one at a time. With
    ``group_cap``, a group (one LMS) never gets more than that many running, this batch
    included (across workers; two claiming at the same instant may each see one slot
    left, so the cap can be passed by one per extra worker, briefly). A group in
    ``serial_groups`` (an LMS that throttles parallel calls) runs one job at a time across
    all workers, strictly (:func:`lti_tool.jobs.serial.taken`).

    Raises ``IntegrityError`` when another worker has just started a job of one of the
    picked lock keys (the caller's transaction is then lost: try again later).
    """
    now = utcnow()
    serial = frozenset(serial_groups)
    statement = _CANDIDATES[group_cap is not None, bool(serial)]
    room: dict[str, int] = {}  # slots left per group, as this batch fills them
    claimed: list[ClaimedJob] = []
    while len(claimed) < limit:
        wanted = limit - len(claimed)
        params = {
            "kind": kind,
            "now": now,
            "limit": wanted,
            "group_cap": group_cap,
            "serial_groups": list(serial),
        }
        rows = conn.execute(statement, params).all()
        ids = []
        for row in rows:
            if row.group_key in serial:
                # None of its jobs ran when the candidates were read: this one may start,
                # unless this batch or another worker has just started one.
                taken = room.get(row.group_key, 1) <= 0 or serial_group_taken(conn, row.group_key)
                room[row.group_key] = 0
                if taken:
                    continue
            elif row.group_key is not None and group_cap is not None:
                left = room.get(row.group_key, group_cap - row.running_in_group)
                if left <= 0:
                    continue  # its group filled up in this batch; the next round skips it
                room[row.group_key] = left - 1
            ids.append(row.id)
        started = _start(conn, worker_id, ids, now)
        claimed.extend(started)
        # Fewer due than asked (or none of them could start): no more now. Otherwise rows
        # were skipped because their group filled up: ask again (those groups are full now).
        if len(rows) < wanted or not started or len(started) < len(ids):
            break
    return claimed


def _start(conn: Connection, worker_id: str, ids: list[int], now: dt.datetime) -> list[ClaimedJob]:
    """Mark the picked jobs running. No savepoint around it (two round trips per claim, in
    the worker's busiest loop): if another worker started a job of one of these lock keys
    in the instant since the pick, the unique index refuses and the caller's whole
    transaction rolls back; the worker tries again on its next turn."""
    if not ids:
        return []
    rows = conn.execute(_START, {"ids": ids, "worker": worker_id, "now": now}).all()
    jobs = sorted((ClaimedJob(*row) for row in rows), key=lambda job: ids.index(job.id))
    _record_many(conn, [job.id for job in jobs], JobStatus.RUNNING, worker_id)
    return jobs


def _transition(
    conn: Connection, job: ClaimedJob, worker_id: str, status: JobStatus, detail: str, **values: Any
) -> bool:
    changed = conn.execute(
        update(_job)
        .where(
            _job.c.id == job.id,
            _job.c.status == JobStatus.RUNNING,
            _job.c.locked_by == worker_id,
        )
        .values(status=status, locked_by=None, heartbeat_at=None, **values)
    ).rowcount
    if changed != 1:
        log.warning("Job %s was no longer held by %s; left as it is", job.id, worker_id)
        return False
    _record(conn, job.id, status, detail)
    return True


_FINISH = (
    update(_job)
    .where(
        _job.c.id.in_(bindparam("ids", expanding=True)),
        _job.c.status == JobStatus.RUNNING,
        _job.c.locked_by == bindparam("worker"),
    )
    .values(
        status=JobStatus.DONE,
        locked_by=None,
        heartbeat_at=None,
        finished_at=bindparam("now"),
        last_error=None,
    )
    .returning(_job.c.id)
)


def finish(conn: Connection, job: ClaimedJob, worker_id: str) -> bool:
    return bool(finish_many(conn, [job], worker_id))


def finish_many(conn: Connection, jobs: Iterable[ClaimedJob], worker_id: str) -> list[int]:
    """Mark jobs done in one statement; returns the ids that were still held by ``worker_id``
    (the others were taken back by stall recovery and are left as they are)."""
    ids = [job.id for job in jobs]
    if not ids:
        return []
    done = conn.execute(_FINISH, {"ids": ids, "worker": worker_id, "now": utcnow()}).scalars().all()
    for job_id in set(ids) - set(done):
        log.warning("Job %s was no longer held by %s; left as it is", job_id, worker_id)
    _record_many(conn, list(done), JobStatus.DONE)
    return list(done)


def fail(
    conn: Connection,
    job: ClaimedJob,
    worker_id: str,
    error: str,
    *,
    permanent: bool = False,
    policy: RetryPolicy = DEFAULT_RETRY,
    min_delay: dt.timedelta | None = None,
) -> JobStatus | None:
    """Schedule a retry (transient error, attempts left) or mark the job dead; returns which.

    ``min_delay`` is the least wait before the retry (an LMS's Retry-After).
    """
    delay = None if permanent else policy.delay(job.attempts, job.max_attempts)
    if delay is not None and min_delay is not None:
        delay = max(delay, min_delay)
    if delay is not None and _drop_superseded(conn, _job.c.id == job.id):
        return None
    if delay is None:
        done = _transition(
            conn, job, worker_id, JobStatus.DEAD, error, finished_at=utcnow(), last_error=error
        )
        return JobStatus.DEAD if done else None
    done = _transition(
        conn, job, worker_id, JobStatus.QUEUED, error, run_after=utcnow() + delay, last_error=error
    )
    return JobStatus.QUEUED if done else None


def requeue(conn: Connection, job_id: int, who: str) -> bool:
    """Send a dead job again (a person asked): attempts start over."""
    changed = conn.execute(
        update(_job)
        .where(_job.c.id == job_id, _job.c.status == JobStatus.DEAD)
        .values(status=JobStatus.QUEUED, attempts=0, run_after=utcnow(), finished_at=None)
    ).rowcount
    if changed:
        _record(conn, job_id, JobStatus.QUEUED, f"re-queued by {who}")
    return bool(changed)


def heartbeat(conn: Connection, worker_id: str, job_ids: Iterable[int]) -> None:
    """The worker still runs these jobs: stall recovery leaves them alone."""
    ids = list(job_ids)
    if ids:
        conn.execute(
            update(_job)
            .where(_job.c.id.in_(ids), _job.c.locked_by == worker_id)
            .values(heartbeat_at=utcnow())
        )


def _drop_superseded(conn: Connection, *which: Any) -> bool:
    """Delete running jobs (of ``which``) that a queued job with their dedupe key replaced:
    going back to the queue they would clash with it, and it is the newer one."""
    newer = _job.alias("newer")
    return bool(
        conn.execute(
            delete(_job).where(
                *which,
                _job.c.status == JobStatus.RUNNING,
                exists().where(
                    newer.c.dedupe_key == _job.c.dedupe_key, newer.c.status == JobStatus.QUEUED
                ),
            )
        ).rowcount
    )


def recover_stalled(
    conn: Connection, stalled_after: dt.timedelta, kinds: Iterable[str] | None = None
) -> list[int]:
    """Re-queue running jobs (of ``kinds``) without a heartbeat for ``stalled_after``:
    their worker crashed."""
    cutoff = utcnow() - stalled_after
    of_kinds = [] if kinds is None else [_job.c.kind.in_(list(kinds))]
    _drop_superseded(
        conn, _job.c.status == JobStatus.RUNNING, _job.c.heartbeat_at < cutoff, *of_kinds
    )
    ids = (
        conn.execute(
            update(_job)
            .where(_job.c.status == JobStatus.RUNNING, _job.c.heartbeat_at < cutoff, *of_kinds)
            .values(status=JobStatus.QUEUED, locked_by=None, heartbeat_at=None, run_after=utcnow())
            .returning(_job.c.id)
        )
        .scalars()
        .all()
    )
    for job_id in ids:
        _record(conn, job_id, JobStatus.QUEUED, "worker stopped responding; re-queued")
    return list(ids)
