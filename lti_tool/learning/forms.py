"""HTML form fields to the answer shapes the item types score, and back for redisplay.

Field names: ``answer-<item>`` for one value (or several, for multiple choice);
``answer-<item>-<entry>`` for ordering positions and matching choices.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from werkzeug.datastructures import MultiDict

from assessments.items import ItemType
from assessments.items.matching import Matching
from assessments.items.ordering import Ordering
from assessments.model import Item

D = TypeVar("D")


def field(item: Item, part: str | None = None) -> str:
    return f"answer-{item.id}" if part is None else f"answer-{item.id}-{part}"


def answers_from_form(items: list[Item], form: MultiDict) -> dict[str, Any]:
    """The answers present in ``form``; a question left blank is simply not included."""
    answers: dict[str, Any] = {}
    for item in items:
        answer = _READERS.get(item.type, _text)(item, form)
        if answer is not None:
            answers[item.id] = answer
    return answers


def _definition(item: Item, kind: type[D]) -> D:
    """The item's definition as the type its reader needs (the table dispatches by type)."""
    if not isinstance(item.definition, kind):
        raise TypeError(f"item {item.id} is not a {kind.__name__} item")
    return item.definition


# Each reader returns the item's answer from the form, or None when it was left blank.


def _multiple_choice(item: Item, form: MultiDict) -> list[str] | None:
    # The form's hidden empty field comes even with no box ticked: that answer is "none".
    if field(item) not in form:
        return None
    return [v for v in form.getlist(field(item)) if v]


def _ordering(item: Item, form: MultiDict) -> list[str] | dict[str, str] | None:
    definition = _definition(item, Ordering)
    positions = {e.id: form.get(field(item, e.id), "") for e in definition.entries}
    return _order(positions) if any(positions.values()) else None


def _trace_review(item: Item, form: MultiDict) -> dict[str, Any] | None:
    review = {
        "segments": [v for v in form.getlist(field(item, "segments")) if v],
        "control": form.get(field(item, "control"), ""),
        "identifiers": [v for v in form.getlist(field(item, "identifiers")) if v],
    }
    return {key: value for key, value in review.items() if value} or None


def _matching(item: Item, form: MultiDict) -> dict[str, str] | None:
    chosen = {p.id: form.get(field(item, p.id), "") for p in _definition(item, Matching).prompts}
    return {key: value for key, value in chosen.items() if value} or None


def _text(item: Item, form: MultiDict) -> str | None:
    value = form.get(field(item), "")
    return value if value.strip() else None


#: How each item type's answer is read; other types have one text field (``_text``).
_READERS: dict[str, Callable[[Item, MultiDict], Any]] = {
    ItemType.MULTIPLE_CHOICE: _multiple_choice,
    ItemType.ORDERING: _ordering,
    ItemType.TRACE_REVIEW: _trace_review,
    ItemType.MATCHING: _matching,
}


def _order(positions: dict[str, str]) -> list[str] | dict[str, str]:
    """Entry ids sorted by the positions typed in; the raw positions when they are not
    whole numbers, so the item reports the problem in its own words."""
    try:
        ranked = {entry: int(position) for entry, position in positions.items()}
    except ValueError:
        return positions
    return sorted(ranked, key=ranked.__getitem__)
