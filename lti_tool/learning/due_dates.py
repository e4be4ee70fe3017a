"""What the learner's pages say of the dates of the work a course places: due (and
overdue), not open yet, closed.

One query reads the course's placed links with their dates; ``deadlines`` decides what is
due when. A date belongs to a placement (a link's target); an activity's date is that of
the most specific placement holding it: the activity's own, else its module's, else its
track's. Dates from the LMS are shown, never enforced: the LMS opens and closes its links.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.model import Activity, Module, Track
from lti_tool import deadlines, progress
from lti_tool.models import ResourceLink
from lti_tool.placements import Placement, resolve


@dataclasses.dataclass(frozen=True)
class Dates:
    """A placement's dates as one learner's page shows them."""

    #: When the work is due (None: nothing sets a deadline).
    due: dt.datetime | None
    #: The deadline is a target date: a whole day, shown without a time.
    whole_day: bool
    overdue: bool
    #: When the link opens, while it has not opened yet.
    opens: dt.datetime | None
    closed: bool

    def __bool__(self) -> bool:
        return self.due is not None or self.opens is not None or self.closed


def course_links(session: Session, context_id: int) -> Sequence[ResourceLink]:
    """The course's links that open something, in placement order (one query)."""
    return session.scalars(
        select(ResourceLink)
        .where(ResourceLink.context_id == context_id, ResourceLink.target.is_not(None))
        .order_by(ResourceLink.id)
    ).all()


def placed(
    links: Iterable[ResourceLink], tracks: Iterable[Track]
) -> list[tuple[Placement, ResourceLink]]:
    """Each link with what it opens; links whose content is gone are left out."""
    tracks = tuple(tracks)
    return [(p, link) for link in links if (p := resolve(link.target, tracks)) is not None]


def activities_of(placement: Placement) -> list[Activity]:
    """Every activity a placement asks of the learner (lessons too)."""
    if placement.activity is not None:
        return [placement.activity]
    if placement.module is not None:
        return list(placement.module.activities)
    return list(placement.track.activities())


def done(report: progress.TrackProgress, placement: Placement) -> bool:
    """Whether the learner has handed in (or marked done) all the placement asks."""
    return all(report.finished(activity) for activity in activities_of(placement))


def has_dates(link: ResourceLink) -> bool:
    return any(
        value is not None
        for value in (link.available_from, link.available_until, link.due_at, link.target_date)
    )


def has_deadline(link: ResourceLink) -> bool:
    return deadlines.deadline(link) is not None


def holding(
    pairs: Iterable[tuple[Placement, ResourceLink]],
    track: Track,
    activity: Activity,
    own_link_id: int | None = None,
    having: Callable[[ResourceLink], bool] = has_dates,
) -> ResourceLink | None:
    """The link ``having`` dates (by default, any) of the most specific placement holding
    ``activity``: its own, else its module's, else its track's (the learner's own link
    first among equals, then the first placed)."""
    module = track.module_of(activity.id)
    rank = {
        f"activity:{track.id}/{activity.id}": 0,
        f"module:{track.id}/{module.id}": 1,
        f"track:{track.id}": 2,
    }
    candidates = [
        (rank[placement.target], link.id != own_link_id, link.id, link)
        for placement, link in pairs
        if placement.target in rank and having(link)
    ]
    return min(candidates, key=lambda c: c[:3])[3] if candidates else None


def dates_of(link: ResourceLink, *, done: bool, now: dt.datetime) -> Dates:
    return Dates(
        due=deadlines.deadline(link),
        whole_day=link.target_date is not None,
        overdue=deadlines.is_overdue(link, done=done, now=now),
        opens=link.available_from if deadlines.not_open_yet(link, now) else None,
        closed=deadlines.closed(link, now),
    )


@dataclasses.dataclass(frozen=True)
class CourseDates:
    """The dates of every placement of a course, by target, for one learner."""

    by_target: Mapping[str, Dates]

    def for_activity(self, track_id: str, activity: Activity) -> Dates | None:
        """The activity's own placement's dates (not those of a module holding it)."""
        return self.by_target.get(f"activity:{track_id}/{activity.id}")

    def for_module(self, track_id: str, module: Module) -> Dates | None:
        """The module's placement's dates, else its track's."""
        return self.by_target.get(f"module:{track_id}/{module.id}") or self.by_target.get(
            f"track:{track_id}"
        )


NO_DATES = CourseDates({})


def course_dates(
    pairs: Iterable[tuple[Placement, ResourceLink]],
    reports: Mapping[str, progress.TrackProgress],
    now: dt.datetime,
    own_link_id: int | None = None,
) -> CourseDates:
    """Dates by target of the placements whose tracks ``reports`` covers. Where several
    links place the same thing, the learner's own link wins, then the first placed."""
    ordered = sorted(pairs, key=lambda pair: pair[1].id != own_link_id)  # stable
    by_target: dict[str, Dates] = {}
    for placement, link in ordered:
        report = reports.get(placement.track.id)
        if report is None or placement.target in by_target:
            continue
        dates = dates_of(link, done=done(report, placement), now=now)
        if dates:
            by_target[placement.target] = dates
    return CourseDates(by_target)
