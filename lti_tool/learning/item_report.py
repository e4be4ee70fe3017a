"""Item analysis of a quiz or exam in one course, for the instructor's report page.

Each learner's first submitted attempt counts (later attempts have seen the questions).
Activities that draw from a pool are not analysed yet: a question a learner was not given
would count as wrong.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from flask_babel import format_decimal, format_percent, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from assessments.analysis import (
    MAX_DIFFICULTY,
    MIN_DISCRIMINATION,
    ItemAnalysis,
    ItemFlag,
    analyse_items,
    item_flags,
)
from assessments.items.single_choice import SingleChoice
from assessments.model import Activity, Item, Track
from lti_tool.models import Attempt, AttemptStatus
from lti_tool.scope import CurrentLaunch

#: Fewer learners than this make the statistics too noisy to show.
MIN_LEARNERS = 5


@dataclasses.dataclass(frozen=True)
class ItemReport:
    learners: int
    analysis: ItemAnalysis | None
    #: Why there is no analysis, when there is none.
    reason: str = ""
    #: item id → why it needs a look, worded for the instructor (none: no entry)
    flags: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)


def report(session: Session, launch: CurrentLaunch, track: Track, activity: Activity) -> ItemReport:
    attempts = _first_attempts(session, launch, track, activity)
    if activity.pool is not None:
        return ItemReport(
            len(attempts), None, gettext("This activity draws its questions from a pool.")
        )
    if len(attempts) < MIN_LEARNERS:
        return ItemReport(
            len(attempts),
            None,
            gettext(
                "Item analysis needs at least %(needed)d learners' submitted first attempts; "
                "%(count)d so far.",
                needed=MIN_LEARNERS,
                count=len(attempts),
            ),
        )
    analysis = _analyse(list(activity.items), attempts)
    return ItemReport(len(attempts), analysis, flags=_flags(analysis))


def _first_attempts(
    session: Session, launch: CurrentLaunch, track: Track, activity: Activity
) -> list[Attempt]:
    """Each learner's first submitted attempt at ``activity`` in the launch's course."""
    attempts = session.scalars(
        select(Attempt)
        .where(
            *Attempt.in_course(launch),
            Attempt.track_id == track.id,
            Attempt.activity_id == activity.id,
            Attempt.status == AttemptStatus.SUBMITTED,
        )
        .order_by(Attempt.user_id, Attempt.number)
    ).all()
    first: dict[int, Attempt] = {}
    for attempt in attempts:
        first.setdefault(attempt.user_id, attempt)
    return list(first.values())


def _analyse(items: list[Item], attempts: list[Attempt]) -> ItemAnalysis:
    """The statistics of ``items`` over ``attempts``, with the options chosen on
    single-choice items for the distractor analysis."""
    choice_items = [
        (item, item.definition) for item in items if isinstance(item.definition, SingleChoice)
    ]
    return analyse_items(
        [_scores(items, attempt) for attempt in attempts],
        max_scores=[item.points for item in items],
        item_ids=[item.id for item in items],
        missing="zero",
        choices={
            item.id: [_choice(attempt, item) for attempt in attempts] for item, _ in choice_items
        },
        options={item.id: [o.id for o in choice.options] for item, choice in choice_items},
        keys={item.id: choice.correct for item, choice in choice_items},
    )


def _scores(items: list[Item], attempt: Attempt) -> list[float | None]:
    """The attempt's score on each item; None where it has no result for the item."""
    results = (attempt.result or {}).get("items", {})  # a submitted attempt has a result
    return [results[item.id]["score"] if item.id in results else None for item in items]


def _choice(attempt: Attempt, item: Item) -> str | None:
    """The option the attempt chose on a single-choice item, if any."""
    answer = attempt.answers.get(item.id)
    return answer if isinstance(answer, str) else None


def _flags(analysis: ItemAnalysis) -> dict[str, tuple[str, ...]]:
    return {
        stats.item_id: tuple(_worded(flag) for flag in found)
        for stats in analysis.items
        if (found := item_flags(stats))
    }


def _worded(flag: ItemFlag) -> str:
    """Why an item needs a look, for the instructor (``assessments.analysis.ItemFlag``)."""
    match flag:
        case ItemFlag.NEGATIVE_DISCRIMINATION:
            return gettext(
                "Learners who do well on the other questions do worse on this one: check the "
                "key and the wording."
            )
        case ItemFlag.LOW_DISCRIMINATION:
            return gettext(
                "It barely separates learners who know the material from those who do not "
                "(item-rest correlation below %(limit)s): review the question.",
                limit=format_decimal(MIN_DISCRIMINATION),
            )
        case ItemFlag.TOO_EASY:
            return gettext(
                "Learners earn more than %(share)s of its points, so it separates almost "
                "nobody: make it harder or drop it.",
                share=format_percent(MAX_DIFFICULTY),
            )
