"""The reports' charts: the share of learners complete week by week against the target
dates, and the share complete by school.

A learner is complete when every activity counted is done; they completed it in the week
the last of those became done. Target dates are the placements' deadlines
(``deadlines.deadline``): each is marked on the chart, in the week it falls in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence

from babel.dates import format_skeleton
from flask_babel import format_date, format_percent, get_locale, gettext

from lti_tool.learning import charts
from lti_tool.reports.model import Person, Report, SchoolReport

#: The chart covers at most this many weeks before the current one, and this many after
#: it (a target date ahead).
WEEKS_BACK = 52
WEEKS_AHEAD = 26


@dataclasses.dataclass(frozen=True)
class Week:
    starts: dt.date  #: its Monday
    complete: int  #: learners complete by the end of it
    share: float  #: of every learner counted
    targets: tuple[dt.date, ...]  #: target dates within it


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def targets(schools: Iterable[SchoolReport]) -> list[dt.date]:
    """Every distinct deadline of the placements in the report, in order."""
    days = {link.due.date() for school in schools for link in school.links if link.due}
    return sorted(days)


def weeks(
    people: Sequence[Person], target_days: Sequence[dt.date], today: dt.date
) -> tuple[Week, ...]:
    """From the first completion or target date (at most ``WEEKS_BACK`` ago) to this week
    or the last target date (at most ``WEEKS_AHEAD`` on); nothing when there is neither."""
    done = Counter(_monday(person.completed_at.date()) for person in people if person.completed_at)
    this_week = _monday(today)
    earliest = this_week - dt.timedelta(weeks=WEEKS_BACK)
    latest = this_week + dt.timedelta(weeks=WEEKS_AHEAD)
    marks = [day for day in target_days if earliest <= _monday(day) <= latest]
    if not people or (not done and not marks):
        return ()
    first = max(earliest, min([*done, *map(_monday, marks)]))
    last = max([this_week, *map(_monday, marks)])
    total = sum(count for monday, count in done.items() if monday < first)
    result = []
    monday = first
    while monday <= last:
        if monday <= this_week:
            total += done.get(monday, 0)
        within = tuple(day for day in marks if _monday(day) == monday)
        result.append(Week(monday, total, total / len(people), within))
        monday += dt.timedelta(weeks=1)
    return tuple(result)


def completion_chart(over: Sequence[Week]) -> charts.Chart | None:
    """The cumulative share complete, in percent, with a guide at each target week."""
    if not over:
        return None
    chart = charts.cumulative(
        [round(100 * week.share) for week in over],
        [format_skeleton("MMMd", week.starts, locale=get_locale()) for week in over],
        [
            gettext(
                "Week of %(day)s: %(share)s complete",
                day=format_date(week.starts, "medium"),
                share=format_percent(week.share),
            )
            for week in over
        ],
        _percent_scale(),
    )
    guides = tuple(
        charts.Line(
            point.x,
            charts.TOP,
            point.x,
            charts.TOP + charts.PLOT_HEIGHT,
            gettext(
                "Target %(days)s",
                days=", ".join(format_date(day, "medium") for day in week.targets),
            ),
        )
        for point, week in zip(chart.points, over, strict=True)
        if week.targets
    )
    return dataclasses.replace(chart, guides=guides)


def schools_chart(report: Report) -> charts.Chart | None:
    """Per school, the percentage of its learners complete."""
    if not report.schools:
        return None
    return charts.histogram(
        [round(100 * school.totals.share_complete) for school in report.schools],
        [school.school.label or school.school.title for school in report.schools],
        _percent_scale(),
    )


def _percent_scale() -> charts.Scale:
    """0 to 100 %, whatever the data: a share reads against the whole, and a chart of
    schools at 0 % must not draw an axis up to "1"."""
    return charts.Scale((0, 25, 50, 75, 100), lambda value: format_percent(value / 100))
