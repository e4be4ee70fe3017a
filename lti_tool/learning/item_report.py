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
from assessments.items import ItemType
from assessments.model import Activity, Track
from lti_tool.models import Attempt, AttemptStatus
from lti_tool.sessions import CurrentLaunch

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
    first = {}
    for attempt in attempts:
        first.setdefault(attempt.user_id, attempt)
    if activity.pool is not None:
        return ItemReport(
            len(first), None, gettext("This activity draws its questions from a pool.")
        )
    if len(first) < MIN_LEARNERS:
        return ItemReport(
            len(first),
            None,
            gettext("At least %(num)d learners must submit before analysis.", num=MIN_LEARNERS),
        )
    items = list(activity.items)
    scores, choices = [], {item.id: [] for item in items if item.type == ItemType.SINGLE_CHOICE}
    for attempt in first.values():
        results = attempt.result["items"]
        scores.append([results[i.id]["score"] if i.id in results else None for i in items])
        for item_id, column in choices.items():
            answer = attempt.answers.get(item_id)
            column.append(answer if isinstance(answer, str) else None)
    analysis = analyse_items(
        scores,
        max_scores=[item.points for item in items],
        item_ids=[item.id for item in items],
        missing="zero",
        choices=choices,
        options={i.id: [o.id for o in i.definition.options] for i in items if i.id in choices},
        keys={i.id: i.definition.correct for i in items if i.id in choices},
    )
    flags = {
        stats.item_id: tuple(_worded(flag) for flag in found)
        for stats in analysis.items
        if (found := item_flags(stats))
    }
    return ItemReport(len(first), analysis, flags=flags)


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
