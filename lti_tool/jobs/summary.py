"""The job table at a glance, for the metrics scrape: one grouped read on the claim index."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from lti_tool.models import Job, JobStatus
from lti_tool.observability.metrics import QueueRow

_SUMMARY = (
    select(Job.kind, Job.status, func.count(), func.min(Job.run_after))
    .where(Job.status.in_([JobStatus.QUEUED, JobStatus.DEAD]))
    .group_by(Job.kind, Job.status)
)


def queue_rows(conn: Connection) -> list[QueueRow]:
    """Queued and dead jobs by kind: how many, and the earliest time one is due."""
    return [
        QueueRow(kind, str(status), jobs, earliest)
        for kind, status, jobs, earliest in conn.execute(_SUMMARY)
    ]
