"""What every item type shares: the result of scoring, the definition protocol, answer checks.

An item type is a module with a ``parse(spec, points)`` function that turns an author's
definition into an ``ItemDefinition``. Parsing does all the expensive work once (lookup
tables, compiled patterns), so that ``score`` — called for every answer — is a few
dictionary lookups. ``score`` first checks the answer's shape and raises ``AnswerError``
with a message the learner can act on; it never returns a partial result for a bad answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection
from typing import Any, Protocol, TypeVar, overload

from assessments.markdown import render_inline
from assessments.model import AnswerError, AnswerProblemKind, ResultStatus
from assessments.spec import Spec, unique

#: The longest text answer any item accepts unless its definition says otherwise.
DEFAULT_MAX_TEXT = 2_000

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Feedback:
    """Feedback on one part of an answer: ``key`` names the choice, prompt or position."""

    key: str
    correct: bool
    message: str


@dataclasses.dataclass(frozen=True, slots=True)
class ItemResult:
    score: float
    max_score: float
    status: ResultStatus
    feedback: tuple[Feedback, ...] = ()

    @property
    def fraction(self) -> float | None:
        """Share of the points earned; ``None`` while a person has yet to grade it."""
        if self.status is ResultStatus.PENDING:
            return None
        return self.score / self.max_score if self.max_score else 0.0


class ItemDefinition(Protocol):
    """The type-specific, load-time-compiled part of an item."""

    # Read-only, so that frozen dataclasses satisfy the protocol.
    @property
    def points(self) -> float: ...

    def score(self, answer: object) -> ItemResult: ...


#: ``parse(spec, points)``: read the type-specific keys of ``spec``; ``None`` if it has errors.
Parser = Callable[[Spec, float], "ItemDefinition | None"]


def result(points: float, fraction: float, feedback: tuple[Feedback, ...] = ()) -> ItemResult:
    """A scored result worth ``fraction`` (clamped to [0, 1]) of ``points``."""
    fraction = min(1.0, max(0.0, fraction))
    return ItemResult(points * fraction, points, ResultStatus.of(fraction, 1.0), feedback)


def text_answer(answer: object, max_length: int) -> str:
    """A learner's text: str, or UTF-8 bytes; no binary control characters; bounded length."""
    if isinstance(answer, bytes | bytearray):
        if len(answer) > 4 * max_length:
            raise AnswerError(AnswerProblemKind.TOO_LONG, limit=max_length)
        try:
            answer = bytes(answer).decode("utf-8")
        except UnicodeDecodeError:
            raise AnswerError(AnswerProblemKind.NOT_UTF8) from None
    if not isinstance(answer, str):
        raise AnswerError(AnswerProblemKind.NOT_TEXT, value=type(answer).__name__)
    if len(answer) > max_length:
        raise AnswerError(AnswerProblemKind.TOO_LONG, limit=max_length)
    if not answer.isprintable() and _has_binary(answer):
        raise AnswerError(AnswerProblemKind.BINARY)
    return answer


def _has_binary(text: str) -> bool:
    return any(not ch.isprintable() and ch not in "\n\r\t" for ch in text)


def choice_ids(answer: object, known: Collection[str]) -> list[str]:
    """A list of distinct, known ids; used by multiple choice and ordering."""
    if isinstance(answer, str | bytes) or not isinstance(answer, list | tuple | set | frozenset):
        raise AnswerError(AnswerProblemKind.NOT_A_LIST)
    if len(answer) > len(known):
        raise AnswerError(AnswerProblemKind.TOO_MANY_ENTRIES)
    for value in answer:
        if not isinstance(value, str) or value not in known:
            raise AnswerError(AnswerProblemKind.UNKNOWN_CHOICE, value=repr(value))
    ids = list(answer)
    if len(set(ids)) != len(ids):
        raise AnswerError(AnswerProblemKind.REPEATED_CHOICE)
    return ids


@dataclasses.dataclass(frozen=True, slots=True)
class Option:
    """A choice as shown to learners: id, text and the rationale revealed afterwards (HTML)."""

    id: str
    html: str
    rationale_html: str


def _no_extra(_child: Spec) -> None:
    return None


# Without ``extra`` each option comes with None; the overloads tell type checkers so.
@overload
def parse_options(
    spec: Spec, key: str, *, explained: bool = False
) -> list[tuple[Option, None]]: ...


@overload
def parse_options(
    spec: Spec, key: str, extra: Callable[[Spec], T], *, explained: bool = False
) -> list[tuple[Option, T]]: ...


def parse_options(
    spec: Spec,
    key: str,
    extra: Callable[[Spec], object] = _no_extra,
    *,
    explained: bool = False,
) -> list[tuple[Option, Any]]:  # the overloads above give the precise types
    """Read a list of ``{id, text, rationale?}`` (Markdown), reporting duplicate ids.

    ``extra`` reads the fields only one item type has (``correct``, ``answer``) from the same
    entry, so that unknown keys are still reported once for the whole entry. ``explained``
    makes ``rationale`` required: feedback that teaches says why *each* option is right or
    wrong, not just which one was.
    """
    options: list[tuple[Option, Any]] = []
    children = spec.children(key)
    for child in children:
        option_id, text = child.ident("id"), child.text("text")
        if explained and not child.has("rationale"):
            child.error(
                f"option '{option_id or '?'}' needs a 'rationale': why it is right or wrong "
                "(learners see it after answering)"
            )
        rationale = child.text("rationale", "")
        value = extra(child)
        child.done()
        if option_id is not None and text is not None:
            option = Option(option_id, render_inline(text), render_inline(rationale or ""))
            options.append((option, value))
    unique(((child, child.data.get("id")) for child in children), f"'{key}'")
    return options
