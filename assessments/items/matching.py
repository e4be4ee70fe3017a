"""Matching: pair each prompt with one response; responses may include distractors."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import StrEnum

from assessments.items.base import Feedback, ItemResult, Option, parse_options, result
from assessments.model import AnswerError, AnswerProblemKind
from assessments.spec import Spec


class MatchScoring(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    PER_MATCH = "per_match"  #: each right pair earns an equal share


@dataclasses.dataclass(frozen=True, slots=True)
class Matching:
    points: float
    prompts: tuple[Option, ...]
    responses: tuple[Option, ...]
    scoring: MatchScoring
    _key: dict[str, str] = dataclasses.field(repr=False, compare=False)  #: prompt → response
    _responses: frozenset[str] = dataclasses.field(repr=False, compare=False)
    #: (prompt, correct?) → feedback with the prompt's rationale
    _feedback: dict[tuple[str, bool], Feedback] = dataclasses.field(repr=False, compare=False)

    def score(self, answer: object) -> ItemResult:
        if not isinstance(answer, Mapping):
            raise AnswerError(AnswerProblemKind.NOT_A_MATCHING)
        if answer.keys() != self._key.keys():
            raise AnswerError(AnswerProblemKind.ONE_RESPONSE_EACH)
        right = 0
        feedback = []
        for prompt, response in answer.items():
            if not isinstance(response, str) or response not in self._responses:
                raise AnswerError(AnswerProblemKind.UNKNOWN_RESPONSE, value=repr(response))
            ok = self._key[prompt] == response
            right += ok
            feedback.append(self._feedback[prompt, ok])
        if self.scoring is MatchScoring.ALL_OR_NOTHING:
            fraction = 1.0 if right == len(self._key) else 0.0
        else:
            fraction = right / len(self._key)
        return result(self.points, fraction, tuple(feedback))


def parse(spec: Spec, points: float) -> Matching | None:
    """``prompts: [{id, text, answer: response-id, rationale?}]``, ``responses: [{id, text}]``."""
    responses = tuple(option for option, _ in parse_options(spec, "responses"))
    response_ids = frozenset(r.id for r in responses)

    def answer_of(child: Spec) -> str | None:
        answer = child.ident("answer")
        if answer is not None and answer not in response_ids:
            child.error(f"'answer' {answer!r} is not one of the responses", "answer")
        return answer

    prompts = parse_options(spec, "prompts", answer_of)
    scoring = spec.choice("scoring", MatchScoring, MatchScoring.PER_MATCH)
    spec.done()
    if not spec.ok or scoring is None:
        return None
    return Matching(
        points,
        tuple(option for option, _ in prompts),
        responses,
        scoring,
        # An answer is None only beside a recorded problem, and then we returned above.
        {option.id: answer for option, answer in prompts if answer is not None},
        response_ids,
        {
            (option.id, ok): Feedback(option.id, ok, option.rationale_html)
            for option, _ in prompts
            for ok in (True, False)
        },
    )
