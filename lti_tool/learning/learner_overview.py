"""The learner's overview pages: how far through each module and track, how long the rest
takes, and what the course places before the rest of the catalogue.

Built on ``progress`` (what the learner has done) and the content's time estimates
(``assessments.effort``); the only query of its own reads the course's links, with the
dates the pages show (``due_dates``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from assessments.effort import minutes as estimated_minutes
from assessments.model import Activity, Track
from lti_tool import progress
from lti_tool.learning import competencies, due_dates
from lti_tool.models import utcnow
from lti_tool.placements import Placement, resolve
from lti_tool.scope import CurrentLaunch

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Stretch:
    """Some activities (a module's, a track's) and how far the learner has got through them."""

    done: int  #: handed in or marked done
    total: int
    minutes: int  #: the estimated time of all of them
    minutes_left: int  #: of those not done yet

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 0.0


@dataclasses.dataclass(frozen=True)
class TrackOverview:
    """A track as the learner's pages show it."""

    progress: progress.TrackProgress

    @property
    def track(self) -> Track:
        return self.progress.track

    @staticmethod
    def minutes(activity: Activity) -> int:
        return estimated_minutes(activity)

    def stretch(self, activities: tuple[Activity, ...]) -> Stretch:
        finished = [activity for activity in activities if self.progress.finished(activity)]
        minutes = _total_minutes(activities)
        return Stretch(
            done=len(finished),
            total=len(activities),
            minutes=minutes,
            minutes_left=minutes - sum(map(estimated_minutes, finished)),
        )

    @functools.cached_property
    def whole(self) -> Stretch:
        return self.stretch(_all_activities(self.track))

    @functools.cached_property
    def competencies(self) -> tuple[competencies.CompetencySummary, ...]:
        return competencies.summary(self.progress)


#: Content is loaded once per process and never changes, and every learner page sums the
#: estimates of whole tracks (≈ 500 activities on the landing page): each total is kept,
#: by the object it was computed from. Tracks are loaded once per process
#: (``assessments.catalog``), which bounds both tables.
_totals: dict[int, tuple[object, int]] = {}
_track_activities: dict[int, tuple[object, tuple[Activity, ...]]] = {}


def _total_minutes(activities: tuple[Activity, ...]) -> int:
    return _kept(_totals, activities, lambda: sum(map(estimated_minutes, activities)))


def _all_activities(track: Track) -> tuple[Activity, ...]:
    return _kept(_track_activities, track, lambda: tuple(track.activities()))


def _kept(table: dict[int, tuple[object, T]], source: object, make: Callable[[], T]) -> T:
    """``make()``, computed once per ``source`` object: the entry holds the object, so its
    id is never another's."""
    kept = table.get(id(source))
    if kept is None or kept[0] is not source:
        table[id(source)] = kept = (source, make())
    return kept[1]


def overviews(
    session: Session, launch: CurrentLaunch, tracks: Iterable[Track]
) -> list[TrackOverview]:
    """One overview per track, in the order given."""
    return [TrackOverview(report) for report in progress.progress(session, launch, tracks)]


@dataclasses.dataclass(frozen=True)
class CourseFirst:
    """The learner's tracks with what the course places first."""

    own: Placement | None  #: what the learner's link opens
    #: What the course places: ``own`` first, then the course's other links, each once.
    placed: tuple[Placement, ...]
    in_course: tuple[TrackOverview, ...]  #: the tracks placed, in placement order
    others: tuple[TrackOverview, ...]  #: the rest of the catalogue, in its order
    #: Each placement's dates (due, overdue, opens, closed), by target.
    dates: due_dates.CourseDates = due_dates.NO_DATES

    @functools.cached_property
    def by_track(self) -> dict[str, TrackOverview]:
        return {overview.track.id: overview for overview in self.in_course + self.others}


def course_first(
    session: Session,
    launch: CurrentLaunch,
    tracks: Sequence[Track],
    now: dt.datetime | None = None,
) -> CourseFirst:
    """The learner's overview of ``tracks``, the tracks the course places first."""
    own = resolve(launch.resource_link_target, tracks)
    links = due_dates.course_links(session, launch.context_id) if launch.context_id else []
    pairs = due_dates.placed(links, tracks)
    placed: dict[str, Placement] = {}
    for placement in [own, *(placement for placement, _ in pairs)]:
        if placement is not None:
            placed.setdefault(placement.target, placement)
    order = list(dict.fromkeys(placement.track.id for placement in placed.values()))
    # Placed tracks first, in placement order; sorting is stable, so the rest keep theirs.
    ranked = sorted(tracks, key=lambda t: order.index(t.id) if t.id in order else len(order))
    every = overviews(session, launch, ranked)
    reports = {overview.track.id: overview.progress for overview in every}
    dates = due_dates.course_dates(pairs, reports, now or utcnow(), launch.resource_link_id)
    return CourseFirst(
        own,
        tuple(placed.values()),
        tuple(every[: len(order)]),
        tuple(every[len(order) :]),
        dates,
    )


def track_dates(
    session: Session, launch: CurrentLaunch, overview: TrackOverview, now: dt.datetime | None = None
) -> due_dates.CourseDates:
    """The dates of what the course places in one track (a module or activity page)."""
    if launch.context_id is None:
        return due_dates.NO_DATES
    links = due_dates.course_links(session, launch.context_id)
    pairs = due_dates.placed(links, [overview.track])
    reports = {overview.track.id: overview.progress}
    return due_dates.course_dates(pairs, reports, now or utcnow(), launch.resource_link_id)


def activity_dates(
    session: Session,
    launch: CurrentLaunch,
    track: Track,
    activity: Activity,
    now: dt.datetime | None = None,
) -> due_dates.Dates | None:
    """The dates the activity's page shows: of the most specific placement holding it,
    overdue when this activity is not handed in. The learner's work is read only when a
    placement has dates."""
    if launch.context_id is None:
        return None
    pairs = due_dates.placed(due_dates.course_links(session, launch.context_id), [track])
    link = due_dates.holding(pairs, track, activity, launch.resource_link_id)
    if link is None:
        return None
    (report,) = progress.progress(session, launch, [track])
    return due_dates.dates_of(link, done=report.finished(activity), now=now or utcnow())
