"""Deleting launch state nobody can use any more: expired logins, nonces and sessions."""

from __future__ import annotations

import logging
import random

from sqlalchemy import Connection, delete
from sqlalchemy.orm import Session

from lti_tool.models import ConsumedNonce, Launch, LoginState, utcnow

log = logging.getLogger(__name__)

#: Logins run a purge with this probability: the tables stay small without a scheduler.
PURGE_PROBABILITY = 0.01


def purge_expired(session: Session | Connection) -> dict[str, int]:
    """Delete expired rows of the launch-state tables; returns how many per table."""
    now = utcnow()
    counts = {}
    for model in (LoginState, ConsumedNonce, Launch):
        result = session.execute(delete(model).where(model.expires_at <= now))
        counts[model.__tablename__] = result.rowcount
    log.info("Purged expired launch state: %s", counts)
    return counts


def maybe_purge_expired(conn: Connection) -> None:
    if random.random() < PURGE_PROBABILITY:  # noqa: S311 (scheduling, not security)
        purge_expired(conn)
