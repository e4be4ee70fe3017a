"""Short text: the answer is matched against author patterns, exact or regular expression.

Answers are normalised before matching — surrounding and repeated whitespace collapsed and,
unless the item is case-sensitive, case-folded — so that "  Data  Drift" matches "data drift".
Exact patterns become one dictionary; regular expressions are compiled when the content is
loaded and must pass a safety policy (bounded length, no nested repetition that can
backtrack catastrophically), and answers are length-limited, so one answer can never tie
up a worker.
"""

from __future__ import annotations

import dataclasses
import re
from enum import StrEnum

from assessments.items.base import DEFAULT_MAX_TEXT, Feedback, ItemResult, result, text_answer
from assessments.markdown import render_inline
from assessments.spec import Spec

MAX_PATTERN_LENGTH = 200
#: A quantified group that itself contains a quantifier: ``(a+)+``, ``(\w*x)*``, ``(a|b+){2,}``.
_NESTED_REPETITION = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]")


class Match(StrEnum):
    EXACT = "exact"
    REGEX = "regex"


@dataclasses.dataclass(frozen=True, slots=True)
class ShortText:
    points: float
    case_sensitive: bool
    max_length: int
    #: normalised exact answer → result; checked first
    _exact: dict[str, ItemResult] = dataclasses.field(repr=False, compare=False)
    #: compiled patterns in author order with their results
    _patterns: tuple[tuple[re.Pattern[str], ItemResult], ...] = dataclasses.field(
        repr=False, compare=False
    )
    _no_match: ItemResult = dataclasses.field(repr=False, compare=False)

    def score(self, answer: object) -> ItemResult:
        text = normalise(text_answer(answer, self.max_length), self.case_sensitive)
        found = self._exact.get(text)
        if found is not None:
            return found
        for pattern, outcome in self._patterns:
            if pattern.fullmatch(text):
                return outcome
        return self._no_match


def normalise(text: str, case_sensitive: bool) -> str:
    """Collapse whitespace and, unless case matters, fold case."""
    text = " ".join(text.split())
    return text if case_sensitive else text.casefold()


def unsafe_pattern(pattern: str) -> str | None:
    """Why a regular expression is refused, or None if it is acceptable."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"is longer than {MAX_PATTERN_LENGTH} characters"
    if _NESTED_REPETITION.search(pattern):
        return "repeats a group that itself repeats (like (a+)+), which can take forever to match"
    if re.search(r"\\[1-9]|\(\?P=", pattern):
        return "uses a back-reference, which can take forever to match"
    return None


def parse(spec: Spec, points: float) -> ShortText | None:
    """``answers: [{match: exact|regex, value, credit? (0..1), feedback?}]``, options below."""
    case_sensitive = spec.get("case_sensitive", bool, False)
    max_length = spec.integer("max_length", 200, minimum=1)
    if max_length is not None and max_length > DEFAULT_MAX_TEXT:
        spec.error(f"'max_length' must be at most {DEFAULT_MAX_TEXT}", "max_length")
    fallback = render_inline(spec.text("feedback_incorrect", "") or "")
    flags = 0 if case_sensitive else re.IGNORECASE
    exact: dict[str, ItemResult] = {}
    patterns: list[tuple[re.Pattern[str], ItemResult]] = []
    for child in spec.children("answers"):
        kind = child.choice("match", Match, Match.EXACT)
        value = child.text("value")
        credit = child.number("credit", 1.0, minimum=0)
        if credit is not None and credit > 1:
            child.error("'credit' is a share of the points, between 0 and 1", "credit")
        feedback = render_inline(child.text("feedback", "") or "")
        child.done()
        if kind is None or value is None or credit is None:
            continue
        outcome = result(points, credit, (Feedback("answer", credit >= 1, feedback),))
        if kind is Match.EXACT:
            exact.setdefault(normalise(value, bool(case_sensitive)), outcome)
        elif (reason := unsafe_pattern(value)) is not None:
            child.error(f"pattern {value!r} {reason}", "value")
        else:
            try:
                patterns.append((re.compile(value, flags), outcome))
            except re.error as exc:
                child.error(f"pattern {value!r} is not a valid regular expression: {exc}", "value")
    spec.done()
    if not any(o.score >= points for o in [*exact.values(), *(o for _, o in patterns)]):
        spec.error("a short-text item needs at least one answer worth full credit", "answers")
    if not spec.ok or max_length is None:  # None only beside a recorded problem
        return None
    no_match = result(points, 0.0, (Feedback("answer", False, fallback),))
    return ShortText(points, bool(case_sensitive), max_length, exact, tuple(patterns), no_match)
