"""The audit log: one row for each thing an operator, the CLI or an LMS did to the setup."""

from __future__ import annotations

from typing import Any

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
