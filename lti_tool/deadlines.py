"""When a placement is due, and whether a learner's work on it is overdue.

One rule for every page, report and reminder: a target date set in SkillCert (by an
instructor or a district administrator) wins over the LMS's due date, because setting it
is a deliberate choice made for this population; without one, the LMS's submission
window's end (``ResourceLink.due_at``) is the deadline. A target date is a whole day:
work is due by the end of it, in UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lti_tool.db import rowcount
from lti_tool.models import Context, ResourceLink


def deadline(link: ResourceLink) -> dt.datetime | None:
    """The moment the link's work is due, or None when nothing sets one."""
    if link.target_date is not None:
        return dt.datetime.combine(link.target_date, dt.time.max, tzinfo=dt.UTC)
    return link.due_at


def is_overdue(link: ResourceLink, *, done: bool, now: dt.datetime) -> bool:
    """Whether work not yet ``done`` has passed its deadline."""
    due = deadline(link)
    return not done and due is not None and now > due


def set_target_date(
    session: Session,
    *,
    deployment_id: int,
    resource_link_id: int,
    target: dt.date | None,
    context_id: int | None = None,
) -> bool:
    """Set (or clear, with None) a placement's target date, only inside ``deployment_id``
    (and ``context_id`` when given: a course's own staff). False when no such link there."""
    in_scope = select(Context.id).where(Context.deployment_id == deployment_id)
    if context_id is not None:
        in_scope = in_scope.where(Context.id == context_id)
    result = session.execute(
        update(ResourceLink)
        .where(ResourceLink.id == resource_link_id, ResourceLink.context_id.in_(in_scope))
        .values(target_date=target)
    )
    return rowcount(result) == 1
