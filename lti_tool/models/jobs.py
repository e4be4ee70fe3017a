"""Background jobs: lab grading now, grade delivery and credential issuing later.

One table is the queue. A job is written in the same transaction as the work that needs
it (an outbox), so nothing is lost or done twice across crashes; workers claim jobs with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL (one worker on SQLite).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lti_tool.models.base import Base, JSONType, enum_column, utcnow


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    #: Failed for good (permanent error, or out of attempts): shown to people, re-queueable.
    DEAD = "dead"


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(
            "(status = 'running') = (locked_by IS NOT NULL)", name="running_jobs_are_locked"
        ),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The claim query: the oldest due job of some kinds.
        Index("ix_job_claim", "status", "kind", "run_after"),
        # The claim counts a group's running jobs (the per-group cap).
        Index("ix_job_group_running", "group_key", "status"),
        # A lock key's jobs in order: what became of the newest (grade sync status pages).
        Index("ix_job_lock_key", "lock_key", "id"),
        # At most one running job per lock key: jobs on one key run one at a time, in order.
        Index(
            "uq_job_running_lock_key",
            "lock_key",
            unique=True,
            postgresql_where=text("status = 'running'"),
            sqlite_where=text("status = 'running'"),
        ),
        # At most one queued job per dedupe key: a newer one replaces the queued one.
        Index(
            "uq_job_queued_dedupe_key",
            "dedupe_key",
            unique=True,
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Which handler runs it ("grade_lab", …).
    kind: Mapped[str] = mapped_column(String(40))
    #: The handler's input: ids, never personal data.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, 10), default=JobStatus.QUEUED)
    #: Jobs with the same key run one at a time, oldest first.
    lock_key: Mapped[str | None] = mapped_column(String(200))
    #: A queued job with the same key is superseded by a newer one.
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    #: Jobs with the same group (one LMS's grade deliveries) run at most a cap at a time.
    group_key: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: The worker holding a running job, and when it took it (stall recovery reads this).
    locked_by: Mapped[str | None] = mapped_column(String(100))
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.status} attempts={self.attempts}>"


class JobEvent(Base):
    """One row per transition of a job: what people see when they ask "what happened?"."""

    __tablename__ = "job_event"
    __table_args__ = (Index(None, "job_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))
    #: The reason for a retry or a failure, or the worker that claimed the job.
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
