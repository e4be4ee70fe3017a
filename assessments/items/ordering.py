"""Ordering: put the entries in the right order; partial credit by pairs or by positions."""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from itertools import combinations

from assessments.items.base import Feedback, ItemResult, Option, choice_ids, parse_options, result
from assessments.model import AnswerError, AnswerProblemKind
from assessments.spec import Spec


class OrderScoring(StrEnum):
    """``exact``: all or nothing. ``pairwise``: share of pairs in the right relative order
    (a Kendall-tau style measure: one misplaced step costs little). ``position``: share of
    entries in exactly the right place."""

    EXACT = "exact"
    PAIRWISE = "pairwise"
    POSITION = "position"


@dataclasses.dataclass(frozen=True, slots=True)
class Ordering:
    points: float
    entries: tuple[Option, ...]  #: in the correct order
    scoring: OrderScoring
    _rank: dict[str, int] = dataclasses.field(repr=False, compare=False)

    def score(self, answer: object) -> ItemResult:
        given = choice_ids(answer, self._rank)
        if len(given) != len(self._rank):
            raise AnswerError(AnswerProblemKind.ORDER_INCOMPLETE)
        ranks = [self._rank[entry_id] for entry_id in given]
        feedback = tuple(
            Feedback(entry_id, rank == position, "")
            for position, (entry_id, rank) in enumerate(zip(given, ranks, strict=True))
        )
        if self.scoring is OrderScoring.PAIRWISE:
            pairs = len(ranks) * (len(ranks) - 1) // 2
            fraction = sum(1 for a, b in combinations(ranks, 2) if a < b) / pairs
        else:
            in_place = sum(1 for f in feedback if f.correct)
            if self.scoring is OrderScoring.EXACT:
                fraction = 1.0 if in_place == len(ranks) else 0.0
            else:
                fraction = in_place / len(ranks)
        return result(self.points, fraction, feedback)


def parse(spec: Spec, points: float) -> Ordering | None:
    """``entries: [{id, text}]`` written in the correct order; ``scoring`` (default pairwise)."""
    entries = tuple(option for option, _ in parse_options(spec, "entries"))
    scoring = spec.choice("scoring", OrderScoring, OrderScoring.PAIRWISE)
    spec.done()
    if len(entries) < 2:
        spec.error("an ordering item needs at least two entries", "entries")
    if not spec.ok or scoring is None:
        return None
    return Ordering(points, entries, scoring, {e.id: i for i, e in enumerate(entries)})
