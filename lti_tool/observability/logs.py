"""Where the ``lti_tool`` loggers write: one handler on stderr, JSON lines or plain text.

The ``log_format`` setting: "json" (one JSON object a line, python-json-logger) is for
production, where a log shipper reads it; "text" is for a person at a terminal. Left
empty, it is "text" for the demo and the tests and "json" otherwise. The handler sits on
the ``lti_tool`` logger and records still propagate, so pytest's caplog and any root
handler see them too.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from lti_tool.observability.events import ContextFilter

_STANDARD = frozenset(RESERVED_ATTRS) | {"message", "asctime"}


class EventHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The tool's one log handler (a marker class: configuring again replaces it)."""


class TextFormatter(logging.Formatter):
    """``time LEVEL logger message key=value …``: the record's extra fields after the text."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = " ".join(
            f"{key}={value}" for key, value in record.__dict__.items() if key not in _STANDARD
        )
        return f"{text} {extra}" if extra else text


def default_format(*, demo_or_tests: bool) -> str:
    """The format when the ``log_format`` setting is empty."""
    return "text" if demo_or_tests else "json"


def configure(level: str, log_format: str, stream: TextIO | None = None) -> EventHandler:
    """Give the ``lti_tool`` loggers their level and their one handler writing ``log_format``
    ("json" or "text"), replacing the one an earlier app of this process installed."""
    logger = logging.getLogger("lti_tool")
    logger.setLevel(level.upper())
    for old in [h for h in logger.handlers if isinstance(h, EventHandler)]:
        logger.removeHandler(old)
    handler = EventHandler(stream or sys.stderr)
    formatter: logging.Formatter
    if log_format == "json":
        formatter = JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",  # ISO 8601 in UTC
            json_default=_plain,
        )
    else:
        formatter = TextFormatter()
    handler.setFormatter(formatter)
    handler.addFilter(ContextFilter())
    logger.addHandler(handler)
    return handler


def _plain(value: Any) -> str:
    """Values JSON has no type for (a date, an enum member) as their text."""
    return str(value)
