"""Each learner's figures on what their school places, for a whole deployment in two
queries: the roster, and their work counted per learner in the database.

An activity is done when the learner's own pages say Done or Scored (``progress``): it has
a counted score, which ``progress.Work.counted`` gives exactly when at least one piece of
its work is graded: an attempt handed in whose result is not waiting for grading, or a
counted lab submission (not a visible-only check) the grader scored. That rule needs no
attempt policy, so the database can apply it to every learner at once (``_GRADED_*``
below mirror ``Work.add_attempt`` and ``Work.add_lab``; tests/test_reports.py checks the
two agree); deciding a module from its pass marks does need the scores, and is left to the
school page (the gradebook's ``standing``). An activity past its deadline is overdue until
the learner hands it in, graded or not yet, as their pages say (``learning.due_dates``).

20,000 learners by 40 activities is 800,000 learner-activity pairs: they are counted in the
database, per learner, so only one row per learner comes back.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    false,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from lti_tool.models import (
    Attempt,
    AttemptStatus,
    Context,
    CourseSection,
    LabSubmission,
    Membership,
    SectionMember,
    SubmissionStatus,
    User,
)
from lti_tool.reports.scope import Placed, Reach, learners_condition

#: An attempt that makes its activity done: handed in, scored, not waiting for grading.
_GRADED_ATTEMPT = and_(
    Attempt.status != AttemptStatus.IN_PROGRESS,
    Attempt.score.is_not(None),
    func.coalesce(Attempt.result["status"].as_string(), "") != "pending",
)
#: A lab submission that makes its activity done: graded and counted.
_GRADED_LAB = and_(
    LabSubmission.status == SubmissionStatus.GRADED,
    LabSubmission.score.is_not(None),
)


@dataclasses.dataclass(frozen=True, slots=True)
class Figures:
    """One learner's standing in one school on the activities counted."""

    done: int = 0
    #: activities with any work (an attempt open or handed in, a lab submission)
    started: int = 0
    #: activities past their deadline that the learner has handed in (or marked done), so
    #: not overdue, as on their own pages (``due_dates``): graded or awaiting grading
    handed_in_late: int = 0
    #: the last graded hand-in on the activities counted: the day a learner who has done
    #: them all completed (as the course overview dates a completion)
    last_done_at: dt.datetime | None = None


NOTHING = Figures()


@dataclasses.dataclass(frozen=True, slots=True)
class Learner:
    user_id: int
    name: str
    school_id: int
    sections: tuple[int, ...]


def roster(session: Session, reach: Reach) -> list[Learner]:
    """The active learners of every school in reach, by name, with their sections."""
    rows = session.execute(
        select(User.id, User.name, Membership.context_id)
        .join(Membership, Membership.user_id == User.id)
        .join(Context, Context.id == Membership.context_id)
        .where(reach.contexts(), *learners_condition())
        .order_by(User.name, User.id)
    ).all()
    # Stored by roster sync (NRPS group enrollments) and by launches.
    sections: dict[tuple[int, int], list[int]] = {}
    for user_id, section_id, context_id in session.execute(
        select(SectionMember.user_id, CourseSection.id, CourseSection.context_id)
        .join(CourseSection, CourseSection.id == SectionMember.section_id)
        .join(Context, Context.id == CourseSection.context_id)
        .where(reach.contexts())
        .order_by(CourseSection.id)
    ):
        sections.setdefault((context_id, user_id), []).append(section_id)
    return [
        Learner(user_id, name, context_id, tuple(sections.get((context_id, user_id), ())))
        for user_id, name, context_id in rows
    ]


def _counted(
    school_of: Any,  # a column or a mapped attribute
    keys: tuple[Any, Any],
    pairs: Mapping[int, Sequence[tuple[str, str]]],
    within: Mapping[int, Sequence[tuple[str, str]]] | None = None,
) -> ColumnElement[bool]:
    """Work on the (track, activity) pairs listed for its school; with ``within`` (the
    pairs the rows are already limited to), a school whose list is all of it needs no
    test of the pairs. Schools listing the same pairs share one test, and one track's
    pairs are tested as a list of ids: a list of pairs became a chain of comparisons for
    each of half a million rows in PostgreSQL's plan (docs/performance.md)."""
    schools_by_list: dict[frozenset[tuple[str, str]], list[int]] = {}
    for school_id, school_pairs in pairs.items():
        if school_pairs:
            schools_by_list.setdefault(frozenset(school_pairs), []).append(school_id)
    arms = []
    for same, school_ids in schools_by_list.items():
        here = school_of.in_(school_ids)
        if within is not None and all(frozenset(within[s]) == same for s in school_ids):
            arms.append(here)
            continue
        tracks = {track for track, _ in same}
        if len(tracks) == 1:
            arms.append(
                and_(here, keys[0] == tracks.pop(), keys[1].in_(sorted(a for _, a in same)))
            )
        else:
            arms.append(and_(here, tuple_(*keys).in_(sorted(same))))
    return or_(*arms) if arms else false()


def _per_learner(
    model: type[Attempt] | type[LabSubmission],
    reach: Reach,
    done_at: ColumnElement[Any],
    handed_in: ColumnElement[bool],
    counted: Mapping[int, Sequence[tuple[str, str]]],
    overdue: Mapping[int, Sequence[tuple[str, str]]],
) -> Select[int | None, int, int, int, int, Any]:
    """Per (school, learner): activities done, started and handed in past their deadline,
    and the last graded hand-in. A learner's pieces of one activity (retakes) count once
    (DISTINCT): grouping per activity first costs PostgreSQL about three times as much at
    20,000 learners, and so does a DISTINCT over built strings, so the activity's id
    alone names it when no two tracks placed share one."""
    keys = (model.track_id, model.activity_id)
    ids = {key for listed in counted.values() for key in listed}
    one_track_each = len({activity for _, activity in ids}) == len(ids)
    pair = model.activity_id if one_track_each else model.track_id + "/" + model.activity_id
    late = and_(handed_in, _counted(model.context_id, keys, overdue, within=counted))
    return (
        select(
            model.context_id,
            model.user_id,
            func.count(distinct(case((done_at.is_not(None), pair), else_=None))),
            func.count(distinct(pair)),
            func.count(distinct(case((late, pair), else_=None))),
            func.max(done_at),
        )
        .where(
            model.registration_id == reach.registration_id,
            model.deployment_id == reach.deployment_id,
            _counted(model.context_id, keys, counted),
        )
        .group_by(model.context_id, model.user_id)
    )


def figures(
    session: Session,
    reach: Reach,
    plans: Mapping[int, Sequence[Placed]],
    now: dt.datetime,
) -> dict[tuple[int, int], Figures]:
    """(school, learner) → their figures, for learners with any work on what is placed.

    Attempts and lab submissions are counted apart and added up: an activity is a lab or
    it is not, so no activity is counted in both."""
    counted = {school: [p.key for p in plan] for school, plan in plans.items()}
    overdue = {school: [p.key for p in plan if p.overdue(now)] for school, plan in plans.items()}
    attempts = _per_learner(
        Attempt,
        reach,
        case((_GRADED_ATTEMPT, Attempt.submitted_at), else_=None),
        Attempt.status != AttemptStatus.IN_PROGRESS,
        counted,
        overdue,
    )
    labs = _per_learner(
        LabSubmission,
        reach,
        case((_GRADED_LAB, LabSubmission.created_at), else_=None),
        LabSubmission.status == SubmissionStatus.GRADED,
        counted,
        overdue,
    ).where(
        ~LabSubmission.visible_only,
        LabSubmission.status.in_((SubmissionStatus.GRADED, SubmissionStatus.QUEUED)),
    )
    found: dict[tuple[int, int], Figures] = {}
    for query in (attempts, labs):
        for school, user, done, started, handed, last in session.execute(query):
            if (earlier := found.get((school, user))) is not None:
                times = [t for t in (earlier.last_done_at, last) if t is not None]
                done, started = done + earlier.done, started + earlier.started
                handed += earlier.handed_in_late
                last = max(times) if times else None
            found[school, user] = Figures(done, started, handed, last)
    return found
