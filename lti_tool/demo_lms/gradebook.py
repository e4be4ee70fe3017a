"""The demo LMS's gradebook: line items (columns) and the newest score per learner on each.

What the tool sends is checked as the AGS 2.0 spec describes it
(https://www.imsglobal.org/spec/lti-ags/v2p0) and kept as sent; a score older than the
one already held is ignored (§3.4.4: the platform must not update a result with an
older score). Line items are numbered; the web layer turns numbers into URLs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from lti_tool.demo_lms.store import JsonFile
from lti_tool.lti.constants import ActivityProgress, GradingProgress

#: Line item members the demo keeps (``id`` is its URL, made by the web layer).
LINE_ITEM_MEMBERS = ("label", "scoreMaximum", "resourceLinkId", "resourceId", "tag")
#: Score members the demo keeps.
SCORE_MEMBERS = (
    "userId",
    "scoreGiven",
    "scoreMaximum",
    "activityProgress",
    "gradingProgress",
    "timestamp",
    "comment",
)


class GradebookError(ValueError):
    """What the tool sent is not a valid line item or score; the message says why."""


def _empty() -> dict[str, Any]:
    return {"next_line_item": 1, "line_items": {}, "scores": {}}


class Gradebook:
    """The demo course's gradebook, kept in ``demo-lms-gradebook.json``."""

    def __init__(self, instance_path: str) -> None:
        self._file = JsonFile(Path(instance_path) / "demo-lms-gradebook.json", _empty)

    # -- line items ------------------------------------------------------------------------

    def line_items(self, **filters: str | None) -> list[tuple[int, dict[str, Any]]]:
        """(number, line item) in creation order, where every given member matches."""
        items = self._file.read()["line_items"]
        wanted = {name: value for name, value in filters.items() if value is not None}
        return [
            (int(number), item)
            for number, item in items.items()
            if all(item.get(name) == value for name, value in wanted.items())
        ]

    def line_item(self, number: int) -> dict[str, Any] | None:
        return self._file.read()["line_items"].get(str(number))

    def create(self, document: Any) -> int:
        item = valid_line_item(document)
        with self._file.update() as book:
            number = book["next_line_item"]
            book["next_line_item"] = number + 1
            book["line_items"][str(number)] = item
        return number

    def replace(self, number: int, document: Any) -> dict[str, Any] | None:
        """PUT: the line item becomes ``document`` (its number stays); None if it is gone."""
        item = valid_line_item(document)
        with self._file.update() as book:
            if str(number) not in book["line_items"]:
                return None
            book["line_items"][str(number)] = item
        return item

    def delete(self, number: int) -> bool:
        with self._file.update() as book:
            found = book["line_items"].pop(str(number), None) is not None
            book["scores"].pop(str(number), None)
        return found

    # -- scores ------------------------------------------------------------------------------

    def record(self, number: int, document: Any, known_users: set[str]) -> bool | None:
        """Keep a score unless a newer one is held: True if kept, False if it was older,
        None if the line item does not exist. ``known_users``: the course's members."""
        score = valid_score(document)
        if score["userId"] not in known_users:
            raise GradebookError(f"userId {score['userId']!r} is not a member of this course.")
        with self._file.update() as book:
            if str(number) not in book["line_items"]:
                return None
            held = book["scores"].setdefault(str(number), {})
            previous = held.get(score["userId"])
            if previous is not None and _moment(previous["timestamp"]) > _moment(
                score["timestamp"]
            ):
                return False
            held[score["userId"]] = score
        return True

    def scores(self, number: int) -> dict[str, dict[str, Any]]:
        """userId → the score held for it on line item ``number``."""
        return dict(self._file.read()["scores"].get(str(number), {}))


def valid_line_item(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise GradebookError("A line item must be a JSON object.")
    label = document.get("label")
    if not isinstance(label, str) or not label.strip():
        raise GradebookError("A line item needs a label.")
    if not _positive(document.get("scoreMaximum")):
        raise GradebookError("A line item needs a scoreMaximum greater than 0.")
    for name in ("resourceLinkId", "resourceId", "tag"):
        if document.get(name) is not None and not isinstance(document[name], str):
            raise GradebookError(f"A line item's {name} must be a string.")
    return {name: document[name] for name in LINE_ITEM_MEMBERS if document.get(name) is not None}


def valid_score(document: Any) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise GradebookError("A score must be a JSON object.")
    if not isinstance(document.get("userId"), str) or not document["userId"]:
        raise GradebookError("A score needs a userId.")
    for name, values in (
        ("activityProgress", ActivityProgress),
        ("gradingProgress", GradingProgress),
    ):
        if document.get(name) not in set(values):
            raise GradebookError(f"A score's {name} must be one of {', '.join(values)}.")
    if not isinstance(document.get("timestamp"), str):
        raise GradebookError("A score needs a timestamp.")
    _moment(document["timestamp"])
    given, maximum = document.get("scoreGiven"), document.get("scoreMaximum")
    if (given is None) != (maximum is None):
        raise GradebookError("A score needs both scoreGiven and scoreMaximum, or neither.")
    if given is not None and not (_number(given) and given >= 0 and _positive(maximum)):
        raise GradebookError("scoreGiven must be 0 or more and scoreMaximum more than 0.")
    if document.get("comment") is not None and not isinstance(document["comment"], str):
        raise GradebookError("A score's comment must be a string.")
    return {name: document[name] for name in SCORE_MEMBERS if document.get(name) is not None}


def _moment(timestamp: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(timestamp)
    except ValueError:
        raise GradebookError(f"timestamp {timestamp!r} is not an ISO 8601 date-time.") from None
    if moment.tzinfo is None:
        raise GradebookError(f"timestamp {timestamp!r} needs a time zone.")
    return moment


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positive(value: Any) -> bool:
    return _number(value) and value > 0
