"""Deleting what nobody needs any more: expired logins, nonces and sessions; old jobs."""

from __future__ import annotations

import datetime as dt
import logging
import random

from sqlalchemy import Connection, delete, exists
from sqlalchemy.orm import Session, aliased

from lti_tool.db import rowcount
from lti_tool.models import ConsumedNonce, Job, JobStatus, Launch, LoginState, utcnow

log = logging.getLogger(__name__)

#: Logins run a purge with this probability: the tables stay small without a scheduler.
PURGE_PROBABILITY = 0.01


def purge_expired(session: Session | Connection) -> dict[str, int]:
    """Delete expired rows of the launch-state tables; returns how many per table."""
    now = utcnow()
    counts = {}
    for model in (LoginState, ConsumedNonce, Launch):
        result = session.execute(delete(model).where(model.expires_at <= now))
        counts[model.__tablename__] = rowcount(result)
    log.info("Purged expired launch state: %s", counts)
    return counts


def maybe_purge_expired(conn: Connection) -> None:
    if random.random() < PURGE_PROBABILITY:  # noqa: S311 (scheduling, not security)
        purge_expired(conn)


def purge_finished_jobs(session: Session | Connection, retention: dt.timedelta) -> int:
    """Delete jobs done longer ago than ``retention`` (their events go with them), except
    the newest job of a lock key: for a grade delivery it tells the learner and the
    instructor that the score is in the LMS gradebook. Returns how many were deleted."""
    newer = aliased(Job)
    deleted = rowcount(
        session.execute(
            delete(Job).where(
                Job.status == JobStatus.DONE,
                Job.finished_at < utcnow() - retention,
                Job.lock_key.is_(None)
                | exists().where(newer.lock_key == Job.lock_key, newer.id > Job.id),
            )
        )
    )
    log.info("Purged %d finished jobs older than %s", deleted, retention)
    return deleted
