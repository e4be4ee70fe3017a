"""The audit trail of rubric grading: who marked, moderated or re-graded which piece, when,
and what changed (old → new levels and score).

Rows are only added. The trail must not break blind marking: while a piece awaits its
second mark, the levels and score of its events are shown only to the instructor who gave
them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from lti_tool.models import (
    Attempt,
    GradingAction,
    GradingEvent,
    GradingOutcome,
    RubricMark,
    User,
)
from lti_tool.scope import CurrentLaunch

#: Events per page of the course's trail.
PAGE_SIZE = 50


def record(
    session: Session,
    attempt: Attempt,
    key: str,
    actor_id: int,
    action: GradingAction,
    outcome: GradingOutcome,
    before: dict | None,
    mark: RubricMark,
) -> None:
    """Add one event; ``before`` is the released result it replaces (None: none yet)."""
    session.add(
        GradingEvent(
            registration_id=attempt.registration_id,
            deployment_id=attempt.deployment_id,
            context_id=attempt.context_id,
            attempt_id=attempt.id,
            piece_key=key,
            actor_id=actor_id,
            action=action,
            outcome=outcome,
            before=released(before),
            after={"levels": dict(mark.levels), "score": mark.score},
        )
    )


def released(graded: dict | None) -> dict | None:
    """The levels and score of a released result, as the trail keeps them."""
    if graded is None:
        return None
    levels = {row["criterion"]: row["level"] for row in graded["criteria"]}
    return {"levels": levels, "score": graded["score"]}


@dataclasses.dataclass(frozen=True)
class AuditRow:
    event: GradingEvent
    actor: str
    learner: str
    activity_id: str
    #: The levels and scores are withheld from this viewer (blind second marking).
    hidden: bool

    def changes(self) -> list[tuple[str, str | None, str | None]]:
        """(criterion, old level, new level) for every criterion, in the mark's order."""
        before = (self.event.before or {}).get("levels", {})
        after = self.event.after.get("levels", {})
        return [(c, before.get(c), after.get(c)) for c in dict.fromkeys([*after, *before])]


def attempt_trail(session: Session, launch: CurrentLaunch, attempt_id: int) -> list[AuditRow]:
    """Every grading event of one attempt in the launch's course, oldest first."""
    return _rows(session, launch, (GradingEvent.attempt_id == attempt_id,), ascending=True)


def course_trail(
    session: Session, launch: CurrentLaunch, page: int = 1
) -> tuple[list[AuditRow], bool]:
    """One page (from 1) of the course's grading events, newest first, and whether there
    are older ones."""
    rows = _rows(
        session, launch, (), ascending=False, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def _rows(
    session: Session,
    launch: CurrentLaunch,
    where: Sequence,
    *,
    ascending: bool,
    offset: int = 0,
    limit: int | None = None,
) -> list[AuditRow]:
    actor, learner = aliased(User), aliased(User)
    order = GradingEvent.id if ascending else GradingEvent.id.desc()
    found = session.execute(
        select(GradingEvent, actor.name, learner.name, Attempt.activity_id)
        .join(actor, actor.id == GradingEvent.actor_id)
        .join(Attempt, Attempt.id == GradingEvent.attempt_id)
        .join(learner, learner.id == Attempt.user_id)
        .where(*GradingEvent.in_course(launch), *Attempt.in_course(launch), *where)
        .order_by(order)
        .offset(offset)
        .limit(limit)
    ).all()
    blind = _awaiting_second_mark(session, launch, {event.attempt_id for event, *_ in found})
    return [
        AuditRow(
            event,
            actor_name or "",
            learner_name or "",
            activity_id,
            (event.attempt_id, event.piece_key) in blind and event.actor_id != launch.user_id,
        )
        for event, actor_name, learner_name, activity_id in found
    ]


def _awaiting_second_mark(
    session: Session, launch: CurrentLaunch, attempt_ids: Iterable[int]
) -> set[tuple[int, str]]:
    """Pieces of these attempts whose latest event left them waiting for a second mark."""
    latest: dict[tuple[int, str], GradingOutcome] = {}
    rows = session.execute(
        select(GradingEvent.attempt_id, GradingEvent.piece_key, GradingEvent.outcome)
        .where(*GradingEvent.in_course(launch), GradingEvent.attempt_id.in_(list(attempt_ids)))
        .order_by(GradingEvent.id)
    )
    for attempt_id, key, outcome in rows:
        latest[attempt_id, key] = outcome
    return {
        piece for piece, outcome in latest.items() if outcome is GradingOutcome.AWAITING_SECOND_MARK
    }
