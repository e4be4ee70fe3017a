"""Single choice: exactly one option is correct; the learner picks one."""

from __future__ import annotations

import dataclasses

from assessments.items.base import Feedback, ItemResult, Option, parse_options, result
from assessments.model import AnswerError, AnswerProblemKind
from assessments.spec import Spec


@dataclasses.dataclass(frozen=True, slots=True)
class SingleChoice:
    points: float
    options: tuple[Option, ...]
    correct: str
    #: option id → precomputed result, so scoring is one lookup
    _results: dict[str, ItemResult] = dataclasses.field(repr=False, compare=False)

    def score(self, answer: object) -> ItemResult:
        if not isinstance(answer, str):
            raise AnswerError(AnswerProblemKind.NO_OPTION)
        try:
            return self._results[answer]
        except KeyError:
            raise AnswerError(AnswerProblemKind.UNKNOWN_OPTION, value=repr(answer[:40])) from None


def parse(spec: Spec, points: float) -> SingleChoice | None:
    """``options: [{id, text, correct?: true, rationale}]`` with exactly one correct."""
    entries = parse_options(
        spec, "options", lambda child: child.get("correct", bool, False), explained=True
    )
    spec.done()
    correct = [option.id for option, is_correct in entries if is_correct]
    if len(correct) != 1:
        spec.error(f"a single-choice item needs exactly one correct option, found {len(correct)}")
        return None
    if len(entries) < 2:
        spec.error("a single-choice item needs at least two options", "options")
    if not spec.ok:
        return None
    options = tuple(option for option, _ in entries)
    results = {
        option.id: result(
            points,
            1.0 if option.id == correct[0] else 0.0,
            (Feedback(option.id, option.id == correct[0], option.rationale_html),),
        )
        for option in options
    }
    return SingleChoice(points, options, correct[0], results)
