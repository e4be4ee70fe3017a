"""What a report covers: the schools (courses) of a deployment, or one course, and what
each places with its deadline.

An institution or system administrator (``CurrentLaunch.administers_deployment``)
reaches every course of the launch's deployment; a course's Administrator only the
launch's course. Every id a report page takes from its URL is looked up through these
functions, so an id of another deployment or course is simply not found.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from assessments.model import Activity, Module, Track
from lti_tool.deadlines import deadline, is_overdue
from lti_tool.learning import due_dates
from lti_tool.models import Context, Membership, MemberStatus, ResourceLink, Role, User
from lti_tool.scope import CurrentLaunch


@dataclasses.dataclass(frozen=True)
class Reach:
    """The tenant a report reads, and the one course it is limited to (None: all)."""

    registration_id: int
    deployment_id: int
    context_id: int | None = None

    @classmethod
    def of(cls, launch: CurrentLaunch) -> Reach | None:
        """A deployment administrator's whole deployment, a course administrator's course;
        None for anyone else (and for a course administrator launched outside a course)."""
        if launch.administers_deployment:
            return cls(launch.registration_id, launch.deployment_id)
        if launch.role is Role.ADMINISTRATOR and launch.context_id is not None:
            return cls(launch.registration_id, launch.deployment_id, launch.context_id)
        return None

    def contexts(self) -> ColumnElement[bool]:
        condition = Context.deployment_id == self.deployment_id
        if self.context_id is not None:
            condition = condition & (Context.id == self.context_id)
        return condition


@dataclasses.dataclass(frozen=True)
class School:
    """A course of the deployment: a school, in a district's words."""

    id: int
    title: str
    label: str

    @property
    def name(self) -> str:
        return self.title or self.label


@dataclasses.dataclass(frozen=True)
class CourseOf:
    """One school's tenant and course, for the queries that keep inside one course
    (``CourseScoped.in_course``)."""

    registration_id: int
    deployment_id: int
    context_id: int | None


def course_of(reach: Reach, school: School) -> CourseOf:
    return CourseOf(reach.registration_id, reach.deployment_id, school.id)


def schools(session: Session, reach: Reach) -> list[School]:
    """The schools in reach, by title."""
    rows = session.execute(
        select(Context.id, Context.title, Context.label)
        .where(reach.contexts())
        .order_by(Context.title, Context.id)
    )
    return [School(*row) for row in rows]


def school_in_reach(session: Session, reach: Reach, context_id: int) -> School | None:
    """The school with this id, when it is in reach."""
    row = session.execute(
        select(Context.id, Context.title, Context.label).where(
            Context.id == context_id, reach.contexts()
        )
    ).first()
    return None if row is None else School(*row)


def learners_condition() -> tuple[ColumnElement[bool], ...]:
    """Who a report counts: the course's learners the LMS lists as active (as the
    gradebook does); roster sync adds those who never launched."""
    return (Membership.role == Role.LEARNER, Membership.status == MemberStatus.ACTIVE)


def learner_in_school(session: Session, school: School, user_id: int) -> str | None:
    """The learner's name (possibly empty) when they are an active learner of the school;
    None otherwise."""
    return session.scalar(
        select(User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.context_id == school.id, User.id == user_id, *learners_condition())
    )


@dataclasses.dataclass(frozen=True)
class Placed:
    """An activity a school places, and the link whose deadline it has."""

    track: Track
    module: Module
    activity: Activity
    #: The link of the most specific placement holding it that has a deadline, as the
    #: learner's pages choose it (``due_dates.holding``); None: nothing sets one.
    link: ResourceLink | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.track.id, self.activity.id)

    @property
    def due(self) -> dt.datetime | None:
        return None if self.link is None else deadline(self.link)

    def overdue(self, now: dt.datetime, *, handed_in: bool = False) -> bool:
        """Whether it is overdue for a learner who has (not) ``handed_in`` their work on it
        (``deadlines.is_overdue``, as the learner's pages apply it)."""
        return self.link is not None and is_overdue(self.link, done=handed_in, now=now)


@dataclasses.dataclass(frozen=True)
class Link:
    """A placement (resource link) of a school, for setting its target date."""

    id: int
    title: str
    target: str
    target_date: dt.date | None
    due_at: dt.datetime | None
    due: dt.datetime | None


def placed(
    session: Session, school_ids: Sequence[int], tracks: Iterable[Track]
) -> tuple[dict[int, list[Placed]], dict[int, list[Link]]]:
    """Per school: every activity its links place (lessons too, as the learner's progress
    bars count them), once each in placement order; and its links."""
    if not school_ids:
        return {}, {}
    tracks = tuple(tracks)
    rows = session.scalars(
        select(ResourceLink)
        .where(ResourceLink.context_id.in_(school_ids), ResourceLink.target.is_not(None))
        .order_by(ResourceLink.id)
    ).all()
    activities: dict[int, list[Placed]] = {}
    links: dict[int, list[Link]] = {}
    for school_id in school_ids:
        pairs = due_dates.placed([link for link in rows if link.context_id == school_id], tracks)
        links[school_id] = [
            Link(link.id, link.title, p.title, link.target_date, link.due_at, deadline(link))
            for p, link in pairs
        ]
        found: dict[tuple[str, str], Placed] = {}
        for placement, _link in pairs:
            track = placement.track
            for activity in due_dates.activities_of(placement):
                if (track.id, activity.id) not in found:
                    held = due_dates.holding(pairs, track, activity, having=due_dates.has_deadline)
                    module = track.module_of(activity.id)
                    found[track.id, activity.id] = Placed(track, module, activity, held)
        activities[school_id] = list(found.values())
    return activities, links


def placed_tracks(plan: Iterable[Placed]) -> list[Track]:
    """The tracks of placed activities, once each, in placement order."""
    return list({p.track.id: p.track for p in plan}.values())
