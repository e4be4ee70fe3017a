"""Workers' signs of life: each running worker keeps one ``worker_heartbeat`` row fresh, and
deletes it when it stops cleanly; a row left behind, gone stale, is a worker that died.

Only its own worker writes a row, so an update-or-insert needs no upsert.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, insert, update

from lti_tool.models import WorkerHeartbeat, utcnow

#: The longest a running worker goes without refreshing its row.
HEARTBEAT_SECONDS = 5.0
#: A worker whose row is older than this is silent (three beats missed).
SILENT_AFTER = dt.timedelta(seconds=3 * HEARTBEAT_SECONDS)

_heartbeat = WorkerHeartbeat.__table__


def beat(
    conn: Connection,
    worker_id: str,
    *,
    hostname: str,
    pid: int,
    started_at: dt.datetime,
    jobs_done: int,
) -> None:
    """The worker is alive and has run ``jobs_done`` jobs since ``started_at``."""
    now = utcnow()
    updated = conn.execute(
        update(_heartbeat)
        .where(_heartbeat.c.worker_id == worker_id)
        .values(last_seen_at=now, jobs_done=jobs_done)
    ).rowcount
    if not updated:
        conn.execute(
            insert(_heartbeat).values(
                worker_id=worker_id,
                hostname=hostname,
                pid=pid,
                started_at=started_at,
                last_seen_at=now,
                jobs_done=jobs_done,
            )
        )


def forget(conn: Connection, worker_id: str) -> None:
    """The worker stopped cleanly: it is no longer listed."""
    conn.execute(delete(_heartbeat).where(_heartbeat.c.worker_id == worker_id))
