"""Item types, one module each, and the registry that maps a type name to its parser.

Content names an item's type (``type: numeric``); the loader looks the name up here. A new
item type is a module with a ``parse(spec, points)`` function and one line below.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from assessments.items import (
    free_response,
    matching,
    multiple_choice,
    numeric,
    ordering,
    short_text,
    single_choice,
    trace_review,
)
from assessments.items.base import Feedback, ItemDefinition, ItemResult, Parser, result
from assessments.model import (
    AnswerError,
    AnswerProblem,
    AnswerProblemKind,
    AssessmentError,
    ResultStatus,
)

if TYPE_CHECKING:
    from assessments.model import Item


class ItemType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMERIC = "numeric"
    SHORT_TEXT = "short_text"
    ORDERING = "ordering"
    MATCHING = "matching"
    FREE_RESPONSE = "free_response"
    TRACE_REVIEW = "trace_review"


ITEM_TYPES: Mapping[ItemType, Parser] = MappingProxyType(
    {
        ItemType.SINGLE_CHOICE: single_choice.parse,
        ItemType.MULTIPLE_CHOICE: multiple_choice.parse,
        ItemType.NUMERIC: numeric.parse,
        ItemType.SHORT_TEXT: short_text.parse,
        ItemType.ORDERING: ordering.parse,
        ItemType.MATCHING: matching.parse,
        ItemType.FREE_RESPONSE: free_response.parse,
        ItemType.TRACE_REVIEW: trace_review.parse,
    }
)


class AnswersError(AnswerError):
    """Some answers cannot be accepted; nothing was scored or saved."""

    def __init__(self, errors: Mapping[str, AnswerProblem]) -> None:
        AssessmentError.__init__(
            self, " ".join(f"{item_id}: {problem}" for item_id, problem in errors.items())
        )
        self.errors = dict(errors)  #: item id → problem, to show next to each question


@dataclasses.dataclass(frozen=True, slots=True)
class SubmissionResult:
    results: Mapping[str, ItemResult]  #: item id → result, in item order
    score: float  #: points from automatically scored items
    max_score: float
    status: ResultStatus  #: pending while any item waits for an instructor


def score_submission(items: Sequence[Item], answers: Mapping[str, object]) -> SubmissionResult:
    """Score a whole quiz or exam submission: all answers are accepted, or none.

    Every answer is checked first; if any has the wrong shape, ``AnswersError`` lists them
    all and nothing is returned, so the caller never stores a partly scored attempt. An
    item without an answer scores zero.
    """
    unknown = answers.keys() - {item.id for item in items}
    errors = dict.fromkeys(sorted(unknown), AnswerProblem(AnswerProblemKind.NOT_A_QUESTION))
    results: dict[str, ItemResult] = {}
    for item in items:
        if item.id not in answers:
            results[item.id] = result(item.points, 0.0)
            continue
        try:
            results[item.id] = item.score(answers[item.id])
        except AnswerError as exc:
            errors[item.id] = exc.problem
    if errors:
        raise AnswersError(errors)
    pending = any(r.status is ResultStatus.PENDING for r in results.values())
    score = sum(r.score for r in results.values())
    max_score = sum(item.points for item in items)
    status = ResultStatus.PENDING if pending else ResultStatus.of(score, max_score)
    return SubmissionResult(results, score, max_score, status)


__all__ = [
    "ITEM_TYPES",
    "AnswersError",
    "Feedback",
    "ItemDefinition",
    "ItemResult",
    "ItemType",
    "Parser",
    "SubmissionResult",
    "score_submission",
]
