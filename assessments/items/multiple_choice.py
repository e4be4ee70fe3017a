"""Multiple choice: any number of options are correct; partial credit follows a rule."""

from __future__ import annotations

import dataclasses
from enum import StrEnum

from assessments.items.base import Feedback, ItemResult, Option, choice_ids, parse_options, result
from assessments.spec import Spec


class PartialCredit(StrEnum):
    """How a partly right selection scores.

    ``all_or_nothing``: full points only for exactly the correct set.
    ``per_option``: each correct option selected earns 1/#correct, each wrong option selected
    costs the same amount, and the total never goes below zero ("right minus wrong").
    """

    ALL_OR_NOTHING = "all_or_nothing"
    PER_OPTION = "per_option"


@dataclasses.dataclass(frozen=True, slots=True)
class MultipleChoice:
    points: float
    options: tuple[Option, ...]
    correct: frozenset[str]
    rule: PartialCredit
    #: option id → whether it is correct, for the answer check and the hit count
    _is_correct: dict[str, bool] = dataclasses.field(repr=False, compare=False)
    #: option id → feedback shown when the learner selected it
    _feedback: dict[str, Feedback] = dataclasses.field(repr=False, compare=False)

    def score(self, answer: object) -> ItemResult:
        selected = choice_ids(answer, self._is_correct)
        hits = sum(1 for option_id in selected if self._is_correct[option_id])
        wrong = len(selected) - hits
        if self.rule is PartialCredit.ALL_OR_NOTHING:
            fraction = 1.0 if wrong == 0 and hits == len(self.correct) else 0.0
        else:
            fraction = (hits - wrong) / len(self.correct)
        return result(self.points, fraction, tuple(self._feedback[o] for o in selected))


def parse(spec: Spec, points: float) -> MultipleChoice | None:
    """``options: [{id, text, correct?, rationale}]``, ``partial_credit`` (default per_option)."""
    entries = parse_options(
        spec, "options", lambda child: child.get("correct", bool, False), explained=True
    )
    rule = spec.choice("partial_credit", PartialCredit, PartialCredit.PER_OPTION)
    spec.done()
    correct = frozenset(option.id for option, is_correct in entries if is_correct)
    if not correct:
        spec.error("a multiple-choice item needs at least one correct option", "options")
        return None
    if rule is None or not spec.ok:
        return None
    options = tuple(option for option, _ in entries)
    return MultipleChoice(
        points,
        options,
        correct,
        rule,
        {option.id: option.id in correct for option in options},
        {o.id: Feedback(o.id, o.id in correct, o.rationale_html) for o in options},
    )
