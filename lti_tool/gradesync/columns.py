"""What a graded link's gradebook column is, and when SkillCert may make one for it.

A column SkillCert makes, or keeps in step, carries the placement's title, the percentage
scale (``SCORE_MAXIMUM``), the link's resourceLinkId, the placement's resourceId, SkillCert's
tag and the link's dates. A score is only sent to a column of a link that still grades it
(:func:`not_graded_here`); a new column is only made where the LMS lets SkillCert make
one (:func:`cannot_make_column`).

Dates. An AGS 2.0 line item may carry ``startDateTime`` and ``endDateTime``: when it starts
and stops accepting submissions (https://www.imsglobal.org/spec/lti-ags/v2p0, §3.2 Line
item service, checked 2026-12-06). The LMS gives SkillCert two windows per link, as Deep
Linking 2.0 §3.2 defines them and each launch refreshes from the ``$ResourceLink.*DateTime``
substitutions (``ResourceLink.available_*``, ``submission_from``, ``due_at``): the
submission window is the line item's. Where the LMS gives no submission start (Canvas has
no ``$ResourceLink.submission.startDateTime``) or no due date, the availability window
bounds submissions instead: nothing can be handed in while the link is closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from lti_tool.lti.constants import AgsScope
from lti_tool.lti.deep_linking import Window
from lti_tool.placements import SCORE_MAXIMUM, Placement
from lti_tool.services.ags import LineItem

#: The tag on line items SkillCert creates, so they can be told apart in the LMS.
LINE_ITEM_TAG = "skillcert"


def submission_window(
    available_from: dt.datetime | None,
    available_until: dt.datetime | None,
    submission_from: dt.datetime | None,
    due_at: dt.datetime | None,
) -> Window:
    """The line item's ``startDateTime``/``endDateTime`` from a link's stored dates, to the
    millisecond AGS timestamps are sent with (a finer stored date would never compare equal
    to the LMS's copy, and every sync would send it again)."""
    start, end = submission_from or available_from, due_at or available_until
    return Window(_to_millisecond(start), _to_millisecond(end))


def column(placement: Placement, resource_link_id: str, window: Window) -> LineItem:
    """The column a graded link's scores go to, as SkillCert makes it."""
    return LineItem(
        label=placement.title,
        score_maximum=SCORE_MAXIMUM,
        resource_link_id=resource_link_id,
        resource_id=placement.resource_id,
        tag=LINE_ITEM_TAG,
        start=window.start,
        end=window.end,
    )


def not_graded_here(placement: Placement | None, track_id: str, activity_id: str) -> str | None:
    """Why a score on ``activity_id`` has no column on a link that now opens ``placement``
    (None: the link still grades it). Said to the instructor; no column is made."""
    if placement is None:
        return (
            "What the link opens is no longer in SkillCert, so SkillCert makes no gradebook "
            "column for it"
        )
    if not placement.graded:
        return "The link now opens ungraded content, so SkillCert makes no gradebook column for it"
    covered = {activity.id for activity in placement.assessed}
    if placement.track.id != track_id or activity_id not in covered:
        return (
            "The link now opens other content than this score is for, so the score has no "
            "gradebook column there any more"
        )
    return None


def cannot_make_column(lineitems_url: str | None, scopes: Collection[str]) -> str | None:
    """Why SkillCert cannot make a gradebook column in the course (None: it can): the
    course's launches name no line item container, or the LMS did not grant the scope."""
    advice = (
        "add the graded assignment again in the LMS, or ask the LMS administrator to give "
        "SkillCert the line item service in this course, then send again"
    )
    if lineitems_url is None:
        return f"The LMS named no place to make gradebook columns in this course: {advice}"
    if AgsScope.LINEITEM not in scopes:
        return f"The LMS does not let SkillCert make gradebook columns in this course: {advice}"
    return None


def _to_millisecond(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
