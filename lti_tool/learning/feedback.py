"""What a learner may see of a result: everything, or — while summative work can still be
tried again — only their result per competency.

Rationales, the expert path, consequences and hidden tests give the key away, so an
activity whose feedback policy is ``final`` holds them back until the learner's attempts
are used up or the activity has closed (``AttemptPolicy.reveals_all``).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from assessments.model import Activity, Item, Track
from assessments.policy import seeded_order
from lti_tool.learning import accommodations
from lti_tool.models import Attempt, AttemptStatus, utcnow
from lti_tool.scope import CurrentLaunch


def reveals_all(
    session: Session, launch: CurrentLaunch, activity: Activity, attempts_used: int
) -> bool:
    """May this learner see everything about their results of ``activity`` now?"""
    granted = accommodations.for_learner(session, launch.context_id, launch.user_id)
    return activity.attempt_policy.reveals_all(attempts_used, utcnow(), granted)


def submitted(attempts: Sequence[Attempt]) -> int:
    return sum(1 for attempt in attempts if attempt.status is AttemptStatus.SUBMITTED)


@dataclasses.dataclass(frozen=True)
class CompetencyResult:
    id: str
    title: str
    percent: float | None  #: None while it waits for grading


def by_competency(
    track: Track, activity: Activity, result: Mapping[str, Any], items: Sequence[Item] = ()
) -> list[CompetencyResult]:
    """The learner's result per competency the work assesses: each question counts toward
    its own competencies; other work's whole result counts toward each of the activity's."""
    earned: dict[str, float] = defaultdict(float)
    possible: dict[str, float] = defaultdict(float)
    pending: set[str] = set()
    scored = result.get("items") or {}
    if items and scored:
        for item in items:
            r = scored.get(item.id)
            for competency in item.competencies:
                if r is None:
                    continue
                if r["status"] == "pending":
                    pending.add(competency)
                earned[competency] += r["score"]
                possible[competency] += r["max_score"]
    else:
        for competency in activity.competencies:
            if result.get("status") == "pending":
                pending.add(competency)
            earned[competency] += result.get("score") or 0.0
            possible[competency] += result.get("max_score") or 0.0
    titles = {c.id: c.title for c in track.competencies}
    return [
        CompetencyResult(
            c,
            titles.get(c, c),
            None if c in pending else 100 * earned[c] / possible[c] if possible[c] else 0.0,
        )
        for c in sorted(possible, key=lambda c: titles.get(c, c))
    ]


def in_seeded_order(things: Sequence[Any], *seed: object) -> list[Any]:
    """Choices (anything with an ``id``) in an order fixed for this learner and attempt, so
    the right answer has no favourite position and a resumed attempt looks as it did."""
    by_id = {thing.id: thing for thing in things}
    return [by_id[one] for one in seeded_order(list(by_id), *(str(part) for part in seed))]
