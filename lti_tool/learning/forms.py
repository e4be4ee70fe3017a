"""HTML form fields to the answer shapes the item types score, and back for redisplay.

Field names: ``answer-<item>`` for one value (or several, for multiple choice);
``answer-<item>-<entry>`` for ordering positions and matching choices.
"""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from assessments.items import ItemType
from assessments.model import Item


def field(item: Item, part: str | None = None) -> str:
    return f"answer-{item.id}" if part is None else f"answer-{item.id}-{part}"


def answers_from_form(items: list[Item], form: MultiDict) -> dict[str, Any]:
    """The answers present in ``form``; a question left blank is simply not included."""
    answers: dict[str, Any] = {}
    for item in items:
        match item.type:
            case ItemType.MULTIPLE_CHOICE:
                if field(item) in form:
                    answers[item.id] = [v for v in form.getlist(field(item)) if v]
            case ItemType.ORDERING:
                positions = {e.id: form.get(field(item, e.id), "") for e in item.definition.entries}
                if any(positions.values()):
                    answers[item.id] = _order(positions)
            case ItemType.TRACE_REVIEW:
                review = {
                    "segments": [v for v in form.getlist(field(item, "segments")) if v],
                    "control": form.get(field(item, "control"), ""),
                    "identifiers": [v for v in form.getlist(field(item, "identifiers")) if v],
                }
                if review["control"] or review["segments"] or review["identifiers"]:
                    answers[item.id] = {key: value for key, value in review.items() if value}
            case ItemType.MATCHING:
                chosen = {p.id: form.get(field(item, p.id), "") for p in item.definition.prompts}
                if any(chosen.values()):
                    answers[item.id] = {k: v for k, v in chosen.items() if v}
            case _:
                value = form.get(field(item), "")
                if value.strip():
                    answers[item.id] = value
    return answers


def _order(positions: dict[str, str]) -> list[str] | dict[str, str]:
    """Entry ids sorted by the positions typed in; the raw positions when they are not
    whole numbers, so the item reports the problem in its own words."""
    try:
        ranked = {entry: int(position) for entry, position in positions.items()}
    except ValueError:
        return positions
    return sorted(ranked, key=ranked.__getitem__)
