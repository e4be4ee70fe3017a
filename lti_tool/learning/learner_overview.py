"""The learner's overview pages: how far through each module and track, how long the rest
takes, and what the course places before the rest of the catalogue.

Built on ``progress`` (what the learner has done) and the content's time estimates
(``assessments.effort``); the only query of its own reads the course's links.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from assessments.effort import minutes as estimated_minutes
from assessments.model import Activity, Track
from lti_tool import progress
from lti_tool.learning import competencies
from lti_tool.placements import Placement, in_course, resolve
from lti_tool.scope import CurrentLaunch


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

    def stretch(self, activities: Iterable[Activity]) -> Stretch:
        activities = tuple(activities)
        left = [activity for activity in activities if not self.progress.finished(activity)]
        return Stretch(
            done=len(activities) - len(left),
            total=len(activities),
            minutes=sum(map(estimated_minutes, activities)),
            minutes_left=sum(map(estimated_minutes, left)),
        )

    @functools.cached_property
    def whole(self) -> Stretch:
        return self.stretch(self.track.activities())

    @functools.cached_property
    def competencies(self) -> tuple[competencies.CompetencySummary, ...]:
        return competencies.summary(self.progress)


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

    @functools.cached_property
    def by_track(self) -> dict[str, TrackOverview]:
        return {overview.track.id: overview for overview in self.in_course + self.others}


def course_first(session: Session, launch: CurrentLaunch, tracks: Sequence[Track]) -> CourseFirst:
    """The learner's overview of ``tracks``, the tracks the course places first."""
    own = resolve(launch.resource_link_target, tracks)
    course = in_course(session, launch.context_id, tracks) if launch.context_id else []
    placed: dict[str, Placement] = {}
    for placement in [own, *course]:
        if placement is not None:
            placed.setdefault(placement.target, placement)
    order = list(dict.fromkeys(placement.track.id for placement in placed.values()))
    # Placed tracks first, in placement order; sorting is stable, so the rest keep theirs.
    ranked = sorted(tracks, key=lambda t: order.index(t.id) if t.id in order else len(order))
    every = overviews(session, launch, ranked)
    return CourseFirst(
        own, tuple(placed.values()), tuple(every[: len(order)]), tuple(every[len(order) :])
    )
