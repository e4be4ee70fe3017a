"""Numeric: a number within a tolerance of the answer, absolute or relative."""

from __future__ import annotations

import dataclasses
import math
from enum import StrEnum

from assessments.items.base import Feedback, ItemResult, result
from assessments.markdown import render_inline
from assessments.model import AnswerError, AnswerProblemKind
from assessments.spec import Spec

#: Longer than any number a person types; keeps float() from parsing megabytes.
_MAX_NUMBER_TEXT = 64


class Tolerance(StrEnum):
    ABSOLUTE = "absolute"  #: |given - answer| <= tolerance
    RELATIVE = "relative"  #: |given - answer| <= tolerance * |answer|


@dataclasses.dataclass(frozen=True, slots=True)
class Numeric:
    points: float
    answer: float
    tolerance: float
    mode: Tolerance
    #: the two precomputed results and the accepted interval: scoring is a comparison
    _low: float = dataclasses.field(repr=False, compare=False)
    _high: float = dataclasses.field(repr=False, compare=False)
    _right: ItemResult = dataclasses.field(repr=False, compare=False)
    _wrong: ItemResult = dataclasses.field(repr=False, compare=False)

    def score(self, answer: object) -> ItemResult:
        value = _number(answer)
        return self._right if self._low <= value <= self._high else self._wrong


def _number(answer: object) -> float:
    if isinstance(answer, bool):
        raise AnswerError(AnswerProblemKind.NO_NUMBER)
    if isinstance(answer, int | float):
        value = float(answer)
    elif isinstance(answer, str):
        text = answer.strip().replace(",", "") if len(answer) <= _MAX_NUMBER_TEXT else ""
        try:
            value = float(text)
        except ValueError:
            raise AnswerError(AnswerProblemKind.NUMBER_FORMAT) from None
    else:
        raise AnswerError(AnswerProblemKind.NO_NUMBER)
    if not math.isfinite(value):
        raise AnswerError(AnswerProblemKind.NOT_FINITE)
    return value


def parse(spec: Spec, points: float) -> Numeric | None:
    """``answer``, ``tolerance`` (default 0), ``tolerance_mode``, ``feedback`` when right/wrong."""
    answer = spec.number("answer")
    tolerance = spec.number("tolerance", 0.0, minimum=0)
    mode = spec.choice("tolerance_mode", Tolerance, Tolerance.ABSOLUTE)
    right = render_inline(spec.text("feedback_correct", "") or "")
    wrong = render_inline(spec.text("feedback_incorrect", "") or "")
    spec.done()
    # With no problem recorded every getter returned a value; the None checks tell mypy.
    if not spec.ok or answer is None or tolerance is None or mode is None:
        return None
    if not math.isfinite(answer):
        spec.error("'answer' must be a finite number", "answer")
        return None
    width = tolerance * abs(answer) if mode is Tolerance.RELATIVE else tolerance
    return Numeric(
        points,
        answer,
        tolerance,
        mode,
        answer - width,
        answer + width,
        result(points, 1.0, (Feedback("answer", True, right),)),
        result(points, 0.0, (Feedback("answer", False, wrong),)),
    )
