"""Which items need an author's look, from how learners answered them."""

from __future__ import annotations

from enum import StrEnum

from assessments.analysis.results import ItemStats

#: Item-rest discrimination (the correlation of an item with the total of the *other*
#: items) below this: the item barely tells learners who know the material from those who
#: do not, so it is flagged for review.
MIN_DISCRIMINATION = 0.2
#: Difficulty (share of the points earned) above this: nearly everyone gets the item right,
#: so it tells almost nobody apart and is flagged for review.
MAX_DIFFICULTY = 0.95


class ItemFlag(StrEnum):
    """Why an item needs an author's look, from how learners answered it. The value is
    the English reason (CLI, logs, tests); the web layer words the member itself."""

    NEGATIVE_DISCRIMINATION = (
        "learners who do well on the other items do worse on this one (item-rest "
        "correlation below 0): check the key and the wording"
    )
    LOW_DISCRIMINATION = (
        "it barely separates learners who know the material from those who do not (item-rest "
        f"correlation below {MIN_DISCRIMINATION:g}): review the question"
    )
    TOO_EASY = (
        f"learners earn more than {MAX_DIFFICULTY:.0%} of its points, so it separates almost "
        "nobody: make it harder or drop it"
    )


def item_flags(stats: ItemStats) -> tuple[ItemFlag, ...]:
    """What to review about an item: discrimination below ``MIN_DISCRIMINATION`` (negative
    is worse, and flagged as such), difficulty above ``MAX_DIFFICULTY``. An undefined
    statistic raises no flag of its own: an item everyone gets right has no discrimination,
    and is flagged as too easy instead."""
    flags = []
    if stats.discrimination is not None and stats.discrimination < 0:
        flags.append(ItemFlag.NEGATIVE_DISCRIMINATION)
    elif stats.discrimination is not None and stats.discrimination < MIN_DISCRIMINATION:
        flags.append(ItemFlag.LOW_DISCRIMINATION)
    if stats.difficulty is not None and stats.difficulty > MAX_DIFFICULTY:
        flags.append(ItemFlag.TOO_EASY)
    return tuple(flags)
