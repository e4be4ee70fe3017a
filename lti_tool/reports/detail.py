"""A school's page beyond the counts: modules done and the competency heat map (from the
school's gradebook), one learner's activities, and one activity across the school.

The gradebook (``learning.gradebook.build``) is the instructor's own, read for the school
as its instructor would: its ``standing`` decides modules with the track's completion
rules, and ``competency_matrix.heat_map`` reads mastery from it. A learner's and an
activity's states come from ``progress``, the engine of the learner's own pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy.orm import Session

from assessments.model import Track
from lti_tool import progress
from lti_tool.learning import competency_matrix, gradebook, standing
from lti_tool.models import Attempt, LabSubmission
from lti_tool.progress import ActivityState
from lti_tool.reports.scope import CourseOf, Placed, School, placed_tracks
from lti_tool.scope import CurrentLaunch, LearnerInCourse

DONE = (ActivityState.DONE, ActivityState.SCORED)


@dataclasses.dataclass(frozen=True)
class Standing:
    """Per learner: (modules complete, modules placed); and the school's heat map."""

    modules: dict[int, tuple[int, int]]
    heat: competency_matrix.HeatMap
    tracks: tuple[Track, ...]


def school_standing(
    session: Session,
    launch: CurrentLaunch,
    school: School,
    plan: Sequence[Placed],
    tracks: Iterable[Track],
    listed: Collection[int],
) -> Standing:
    """The school's gradebook, read as its instructor's (the launch moved to the school,
    which the caller checked is in reach), for the ``listed`` learners (the filters')."""
    here = dataclasses.replace(launch, context_id=school.id)
    book = gradebook.build(session, here, tracks)
    book = dataclasses.replace(book, rows=tuple(r for r in book.rows if r.user_id in listed))
    modules = [n for n, unit in enumerate(book.units) if unit.module is not None]
    done = {
        row.user_id: (sum(row.units[n] == standing.COMPLETE for n in modules), len(modules))
        for row in book.rows
    }
    placed = tuple(placed_tracks(plan))
    return Standing(done, competency_matrix.heat_map(book, placed), placed)


@dataclasses.dataclass(frozen=True)
class Line:
    """A learner's state on one placed activity."""

    placed: Placed
    state: ActivityState
    score: float | None
    overdue: bool

    @property
    def done(self) -> bool:
        return self.state in DONE


def person(
    session: Session, course: CourseOf, user_id: int, plan: Sequence[Placed], now: dt.datetime
) -> list[Line]:
    """The learner's state on every activity the school places, as their own pages show."""
    if course.context_id is None:
        return []
    learner = LearnerInCourse(
        course.registration_id, course.deployment_id, course.context_id, user_id
    )
    reports = {r.track.id: r for r in progress.progress(session, learner, placed_tracks(plan))}
    return [_line(p, reports[p.track.id], now) for p in plan]


def _line(p: Placed, report: progress.TrackProgress, now: dt.datetime) -> Line:
    state = report.state(p.activity)
    finished = report.finished(p.activity)
    return Line(p, state, report.scores.get(p.activity.id), p.overdue(now, handed_in=finished))


def activity(
    session: Session, course: CourseOf, p: Placed, learners: Sequence[int], now: dt.datetime
) -> dict[int, Line]:
    """Every listed learner's state on one activity of the school, as their pages show it."""
    key = (
        *Attempt.in_course(course),
        Attempt.track_id == p.track.id,
        Attempt.activity_id == p.activity.id,
    )
    labs = (
        *LabSubmission.in_course(course),
        LabSubmission.track_id == p.track.id,
        LabSubmission.activity_id == p.activity.id,
    )
    work = progress.collect(session, key, labs)
    lines = {}
    for user_id in learners:
        done = work.get((user_id, *p.key))
        report = progress.judge(p.track, {p.key: done} if done is not None else {})
        lines[user_id] = _line(p, report, now)
    return lines
