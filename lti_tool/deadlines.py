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


def parse_moment(text: str) -> dt.datetime | None:
    """An ISO 8601 date or date and time as an aware UTC datetime (one without a zone is
    UTC; a date alone is its start), or None when ``text`` is not one."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # not a date, or out of range once in UTC
        return None


def not_open_yet(link: ResourceLink, now: dt.datetime) -> bool:
    """Whether the LMS's availability window has not started."""
    return link.available_from is not None and now < link.available_from


def closed(link: ResourceLink, now: dt.datetime) -> bool:
    """Whether the LMS's availability window has ended."""
    return link.available_until is not None and now > link.available_until
