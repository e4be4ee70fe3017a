"""The audit log: one row for each thing an operator, the CLI or an LMS did to the setup;
written here, and read a page at a time by the operator console."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti_tool.models import AuditEntry
from lti_tool.observability.events import current_reference

#: The actor recorded for commands run in a terminal.
CLI = "cli"
#: The actor recorded for what an LMS did itself (Dynamic Registration, a new deployment).
LMS = "lms"


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    target: str = "",
    operator_id: int | None = None,
    **details: Any,
) -> AuditEntry:
    """Add an audit entry to the session's transaction, so it commits with the change.

    ``details`` must hold no secret: the log is shown to every operator.
    """
    entry = AuditEntry(
        actor=actor,
        action=action,
        target=target,
        operator_id=operator_id,
        details=details,
        reference=current_reference(),
    )
    session.add(entry)
    return entry


#: Entries on one page of the console's audit log.
PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True)
class Listing:
    entries: list[AuditEntry]
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def listing(session: Session, page: int, action: str = "") -> Listing:
    """One page of the log, newest first; only entries of ``action`` when one is given."""
    conditions = [AuditEntry.action == action] if action else []
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions))
    entries = session.scalars(
        select(AuditEntry)
        .where(*conditions)
        .order_by(AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    return Listing(list(entries), total or 0)


def actions(session: Session) -> list[str]:
    """Every action the log holds, for its filter."""
    return list(session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
