"""When a placement is due, and whether a learner's work on it is overdue.

One rule for every page, report and reminder: a target date set in SkillCert (by an
instructor or a district administrator) wins over the LMS's due date, because setting it
is a deliberate choice made for this population; without one, the LMS's submission
window's end (``ResourceLink.due_at``) is the deadline. A target date is a whole day:
work is due by the end of it, in UTC.
"""

from __future__ import annotations

import datetime as dt

from lti_tool.models import ResourceLink


def deadline(link: ResourceLink) -> dt.datetime | None:
    """The moment the link's work is due, or None when nothing sets one."""
    if link.target_date is not None:
        return dt.datetime.combine(link.target_date, dt.time.max, tzinfo=dt.UTC)
    return link.due_at


def is_overdue(link: ResourceLink, *, done: bool, now: dt.datetime) -> bool:
    """Whether work not yet ``done`` has passed its deadline."""
    due = deadline(link)
    return not done and due is not None and now > due
