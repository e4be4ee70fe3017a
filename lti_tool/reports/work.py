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

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    distinct,
    false,
    func,
    literal,
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


class Figures(NamedTuple):
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


class Learner(NamedTuple):
    user_id: int
    name: str
    school_id: int
    sections: tuple[int, ...]


def roster(session: Session, reach: Reach, *, sections: bool = True) -> list[Learner]:
    """The active learners of every school in reach, by name, with their sections (none
    without ``sections``: the district's page shows no section).

    Read through the connection, as plain rows: the ORM's result handling cost more than
    the query itself at 20,000 learners (docs/performance.md)."""
    connection = session.connection()
    rows = connection.execute(
        select(User.id, User.name, Membership.context_id)
        .join(Membership, Membership.user_id == User.id)
        .join(Context, Context.id == Membership.context_id)
        .where(reach.contexts(), *learners_condition())
        .order_by(User.name, User.id)
    ).all()
    if not sections:
        return [Learner(user_id, name, context_id, ()) for user_id, name, context_id in rows]
    # Stored by roster sync (NRPS group enrollments) and by launches.
    found: dict[tuple[int, int], list[int]] = {}
    for user_id, section_id, context_id in connection.execute(
        select(SectionMember.user_id, CourseSection.id, CourseSection.context_id)
        .join(CourseSection, CourseSection.id == SectionMember.section_id)
        .join(Context, Context.id == CourseSection.context_id)
        .where(reach.contexts())
        .order_by(CourseSection.id)
    ).all():
        found.setdefault((context_id, user_id), []).append(section_id)
    return [
        Learner(user_id, name, context_id, tuple(found.get((context_id, user_id), ())))
        for user_id, name, context_id in rows
    ]


def _planned(values: Sequence[Any]) -> BindParameter[Any]:
    """Values written into the statement rather than sent as its parameters, so that
    PostgreSQL plans the aggregate for these schools and activities every time. Sent as
    parameters, a statement that a connection runs again (psycopg prepares it from its
    sixth run) may get PostgreSQL's generic plan, which is 2.5 times as slow on the
    benchmark's district (docs/performance.md)."""
    return bindparam(None, list(values), expanding=True, literal_execute=True)


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
        here = school_of.in_(_planned(school_ids))
        if within is not None and all(frozenset(within[s]) == same for s in school_ids):
            arms.append(here)
            continue
        tracks = {track for track, _ in same}
        if len(tracks) == 1:
            track = literal(tracks.pop(), literal_execute=True)
            arms.append(
                and_(here, keys[0] == track, keys[1].in_(_planned(sorted(a for _, a in same))))
            )
        else:
            arms.append(and_(here, tuple_(*keys).in_(_planned(sorted(same)))))
    return or_(*arms) if arms else false()


def _per_learner(
    model: type[Attempt] | type[LabSubmission],
    reach: Reach,
    graded: ColumnElement[bool],
    handed_in_at: Any,  # a column or a mapped attribute
    handed_in: ColumnElement[bool],
    counted: Mapping[int, Sequence[tuple[str, str]]],
    overdue: Mapping[int, Sequence[tuple[str, str]]],
    first: ColumnElement[bool] | None = None,
) -> Select[int | None, int, int, int, int, Any]:
    """Per (school, learner): activities done (a piece of work ``graded``), started and
    handed in past their deadline, and the last graded hand-in (``handed_in_at``).

    A learner's pieces of one activity (retakes) count once: ``first`` picks one piece of
    each activity, the one that was handed in if any was; without it, and for done (any
    piece may be the graded one), they are told apart with DISTINCT. Each DISTINCT costs
    PostgreSQL a sort per learner, and one over built strings twice one over the
    activity's id, which alone names it when no two tracks placed share one; grouping per
    activity first costs more at 20,000 learners (docs/performance.md)."""
    keys = (model.track_id, model.activity_id)
    ids = {key for listed in counted.values() for key in listed}
    one_track_each = len({activity for _, activity in ids}) == len(ids)
    pair = model.activity_id if one_track_each else model.track_id + "/" + model.activity_id
    late = and_(handed_in, _counted(model.context_id, keys, overdue, within=counted))
    started: ColumnElement[int]
    handed_late: ColumnElement[int]
    if first is None:
        started = func.count(distinct(pair))
        handed_late = func.count(distinct(case((late, pair), else_=None)))
    else:
        started = func.count().filter(first)
        handed_late = func.count().filter(and_(first, late))
    return (
        select(
            model.context_id,
            model.user_id,
            func.count(distinct(case((graded, pair), else_=None))),
            started,
            handed_late,
            func.max(case((graded, handed_in_at), else_=None)),
        )
        .where(
            model.registration_id == literal(reach.registration_id, literal_execute=True),
            model.deployment_id == literal(reach.deployment_id, literal_execute=True),
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
        _GRADED_ATTEMPT,
        Attempt.submitted_at,
        Attempt.status != AttemptStatus.IN_PROGRESS,
        counted,
        overdue,
        # Number 1 is each activity's first attempt: attempts are numbered from 1, once
        # each (the unique index), and the next starts only once the one before it was
        # handed in (``learning.attempts.start``), so the first is handed in if any is.
        first=Attempt.number == 1,
    )
    labs = _per_learner(
        LabSubmission,
        reach,
        _GRADED_LAB,
        LabSubmission.created_at,
        LabSubmission.status == SubmissionStatus.GRADED,
        counted,
        overdue,
    ).where(
        ~LabSubmission.visible_only,
        LabSubmission.status.in_((SubmissionStatus.GRADED, SubmissionStatus.QUEUED)),
    )
    connection = session.connection()
    found = {
        (row[0], row[1]): Figures(row[2], row[3], row[4], row[5])
        for row in connection.execute(attempts).all()
    }
    for school, user, *lab in connection.execute(labs).all():
        found[school, user] = _added(found.get((school, user), NOTHING), Figures(*lab))
    return found


def _added(one: Figures, other: Figures) -> Figures:
    times = [t for t in (one.last_done_at, other.last_done_at) if t is not None]
    return Figures(
        one.done + other.done,
        one.started + other.started,
        one.handed_in_late + other.handed_in_late,
        max(times) if times else None,
    )
