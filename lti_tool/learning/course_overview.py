"""The course overview's numbers: how many learners stand where, and completions by week.

The counts are those of the gradebook's filters (the same rows), so each number links to
the gradebook filtered to exactly those learners.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable

from babel.dates import format_skeleton
from flask_babel import format_date, format_number, get_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assessments.model import Track
from lti_tool.gradesync import status as sync_status
from lti_tool.learning import charts, gradebook, standing
from lti_tool.models import Attempt, AttemptStatus, LabSubmission
from lti_tool.scope import CurrentLaunch

#: The chart covers at most this many weeks, ending with the current one.
MAX_WEEKS = 52


@dataclasses.dataclass(frozen=True)
class Week:
    starts: dt.date  #: its Monday
    completions: int
    total: int  #: completions up to and including this week


@dataclasses.dataclass(frozen=True)
class Summary:
    learners: int
    started: int
    completed: int
    awaiting: int
    sync_failures: int
    weeks: tuple[Week, ...]


def summary(
    session: Session, launch: CurrentLaunch, tracks: Iterable[Track], today: dt.date
) -> Summary:
    book = gradebook.build(session, launch, tracks)
    rows = book.rows
    completed = [row for row in rows if row.complete]
    return Summary(
        learners=len(rows),
        started=sum(1 for row in rows if row.started),
        completed=len(completed),
        awaiting=sum(1 for row in rows if row.awaiting),
        sync_failures=len(sync_status.course_sync(session, launch).dead),
        weeks=_weeks(_completion_days(session, launch, book, completed), today),
    )


def _completion_days(
    session: Session,
    launch: CurrentLaunch,
    book: gradebook.Gradebook,
    completed: list[gradebook.Row],
) -> list[dt.date]:
    """When each learner who completed a placed module or track did so: the day of the last
    hand-in among the activities of the first unit they completed (the one that finished it,
    as far as the stored dates tell; grading later does not move it)."""
    if not completed:
        return []
    handed_in: dict[tuple[int, str, str], dt.datetime] = {}
    attempts = (
        select(
            Attempt.user_id,
            Attempt.track_id,
            Attempt.activity_id,
            func.max(Attempt.submitted_at),
        )
        .where(*Attempt.in_course(launch), Attempt.status != AttemptStatus.IN_PROGRESS)
        .group_by(Attempt.user_id, Attempt.track_id, Attempt.activity_id)
    )
    labs = (
        select(
            LabSubmission.user_id,
            LabSubmission.track_id,
            LabSubmission.activity_id,
            func.max(LabSubmission.created_at),
        )
        .where(*LabSubmission.in_course(launch), ~LabSubmission.visible_only)
        .group_by(LabSubmission.user_id, LabSubmission.track_id, LabSubmission.activity_id)
    )
    for query in (attempts, labs):
        for user_id, track_id, activity_id, at in session.execute(query):
            key = (user_id, track_id, activity_id)
            if at is not None and (key not in handed_in or at > handed_in[key]):
                handed_in[key] = at
    days = []
    for row in completed:
        finished = []
        for unit, status in zip(book.units, row.units, strict=True):
            if status == standing.COMPLETE:
                times = [
                    at
                    for a in unit.activities
                    if (at := handed_in.get((row.user_id, unit.track.id, a.id))) is not None
                ]
                if times:
                    finished.append(max(times))
        if finished:
            days.append(min(finished).date())
    return days


def _weeks(days: list[dt.date], today: dt.date) -> tuple[Week, ...]:
    """Completions per week (weeks start on Monday), from the first completion's week to
    this one, at most ``MAX_WEEKS``; nothing when nobody has completed."""
    if not days:
        return ()
    this_week = today - dt.timedelta(days=today.weekday())
    mondays = Counter(day - dt.timedelta(days=day.weekday()) for day in days)
    first = max(min(mondays), this_week - dt.timedelta(weeks=MAX_WEEKS - 1))
    total = sum(count for monday, count in mondays.items() if monday < first)
    weeks = []
    monday = first
    while monday <= max(this_week, max(mondays)):
        total += mondays.get(monday, 0)
        weeks.append(Week(monday, mondays.get(monday, 0), total))
        monday += dt.timedelta(weeks=1)
    return tuple(weeks)


def completion_chart(overview: Summary) -> charts.Chart | None:
    """Completions week by week as a running total (None before the first)."""
    if not overview.weeks:
        return None
    return charts.cumulative(
        [week.total for week in overview.weeks],
        # "Dec 1", "1 dic": the locale's own order for a day and month.
        [format_skeleton("MMMd", week.starts, locale=get_locale()) for week in overview.weeks],
        [
            gettext(
                "Week of %(day)s: %(count)s completed, %(total)s in all",
                day=format_date(week.starts, "medium"),
                count=format_number(week.completions),
                total=format_number(week.total),
            )
            for week in overview.weeks
        ],
    )
