"""Reading content definitions with line numbers: ``Spec`` and the problems it records.

Every definition (item, rubric, scenario, activity, track) is parsed through a ``Spec``: it
records each problem with the line it came from, so the loader can report every mistake in
a track at once as ``file:line: message``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar

from assessments.model import ID_PATTERN, Version


class LineMap(dict[Any, Any]):
    """A mapping read from YAML that remembers the line of itself and of each key."""

    line: int | None = None
    key_lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}
        self.duplicates = []


class LineList(list[Any]):
    """A sequence read from YAML that remembers the line of itself and of each entry."""

    line: int | None = None
    lines: list[int]

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.lines = []


@dataclasses.dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in content, printed the way compilers print them: ``file:line: message``.

    A warning (``file:line: warning: message``) is something to fix soon that does not make
    the content wrong today, such as a module past its review date: it never blocks loading.
    """

    file: str
    line: int | None
    message: str
    warning: bool = False

    def __str__(self) -> str:
        level = "warning: " if self.warning else ""
        return f"{self.file}:{self.line or 1}: {level}{self.message}"


class ProblemSink:
    """Where problems and warnings of one file go; shared by every ``Spec`` read from it."""

    def __init__(self, file: str, read_markdown: Callable[[Spec, str], str] | None = None) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        #: Renders the Markdown file a key of this file names (see ``Spec.markdown_file``);
        #: the loader sets it. None for definitions built in Python, which name no files.
        self.read_markdown = read_markdown

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(Problem(self.file, line, message, warning=True))


E = TypeVar("E", bound=Enum)
_MISSING: Any = object()


class Spec:
    """An author-written mapping, read field by field with checks.

    Every getter returns a usable value or ``None`` and records a problem with the line it
    came from, so parsing continues past a mistake and all problems surface together.
    ``done()`` reports the keys nobody asked for (typos, fields from another kind).
    """

    def __init__(self, data: object, sink: ProblemSink, line: int | None = None) -> None:
        self.sink = sink
        self.line = getattr(data, "line", None) or line
        self._read: set[str] = set()
        self._problems_before = len(sink.problems)
        if isinstance(data, Mapping):
            self.data: Mapping[str, Any] = data
            for key, key_line in getattr(data, "duplicates", ()):
                sink.add(key_line, f"'{key}' appears twice")
        else:
            self.data = {}
            self.sink.add(self.line, f"expected a mapping of keys, found {_kind(data)}")

    @classmethod
    def of(cls, data: Mapping[str, Any], file: str = "<definition>") -> Spec:
        """A spec over a plain mapping, for code and tests that build definitions in Python."""
        return cls(data, ProblemSink(file))

    @property
    def ok(self) -> bool:
        """No problem was found in this mapping (or anything read from it) so far."""
        return len(self.sink.problems) == self._problems_before

    def line_of(self, key: str | None = None) -> int | None:
        if key is None:
            return self.line
        return getattr(self.data, "key_lines", {}).get(key, self.line)

    def error(self, message: str, key: str | None = None) -> None:
        self.sink.add(self.line_of(key), message)

    def warn(self, message: str, key: str | None = None) -> None:
        """Record a warning: reported to the author, but the content still loads."""
        self.sink.warn(self.line_of(key), message)

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = None) -> Any:
        self._read.add(key)
        return self.data.get(key, default)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = _MISSING) -> Any:
        """The value of ``key`` if it is a ``kind``; a missing key without default is an error."""
        self._read.add(key)
        if key not in self.data:
            if default is _MISSING:
                self.error(f"'{key}' is required", None)
                return None
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if isinstance(value, bool) and bool not in kinds:
            value_ok = False
        else:
            value_ok = isinstance(value, kinds) or (float in kinds and type(value) is int)
        if not value_ok:
            names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            self.error(f"'{key}' must be {names}, found {_kind(value)}", key)
            return None
        return float(value) if float in kinds and type(value) is int else value

    def text(self, key: str, default: Any = _MISSING) -> str | None:
        value: str | None = self.get(key, str, default)
        if isinstance(value, str) and not value.strip() and value is not default:
            self.error(f"'{key}' must not be empty", key)
            return None
        return value

    def ident(self, key: str = "id", default: Any = _MISSING) -> str | None:
        value: str | None = self.get(key, str, default)
        if isinstance(value, str) and value is not default and not ID_PATTERN.fullmatch(value):
            self.error(
                f"'{key}' {value!r} must be lower-case letters, digits, '-' or '_' (max 64)", key
            )
            return None
        return value

    def version(self, key: str = "version") -> Version | None:
        if not self.has(key):
            self.get(key, str)  # reports it missing
            return None
        value = self.raw(key)
        try:
            return Version.parse(value if isinstance(value, str) else "")
        except ValueError:
            self.error(f"'{key}' must be a version like 1.0.0, found {value!r}", key)
            return None

    def number(
        self, key: str, default: Any = _MISSING, *, minimum: float | None = None
    ) -> float | None:
        value: float | None = self.get(key, float, default)
        if isinstance(value, float) and minimum is not None and value < minimum:
            self.error(f"'{key}' must be at least {minimum:g}, found {value:g}", key)
            return None
        return value

    def integer(self, key: str, default: Any = _MISSING, *, minimum: int = 0) -> int | None:
        value: int | None = self.get(key, int, default)
        if isinstance(value, int) and value < minimum:
            self.error(f"'{key}' must be at least {minimum}, found {value}", key)
            return None
        return value

    def date(self, key: str) -> dt.date | None:
        """A calendar date, ``2026-01-31`` (YAML reads it as a date; a quoted one works too)."""
        value: str | dt.date | None = self.get(key, (str, dt.date))
        if value is None:
            return None  # missing or not text: already reported
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                pass
        elif not isinstance(value, dt.datetime):
            return value
        self.error(f"'{key}' must be a date like 2026-01-31, found {str(value)!r}", key)
        return None

    def choice(self, key: str, enum: type[E], default: E | None = None) -> E | None:
        value = self.get(key, str, _MISSING if default is None else default.value)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(str(member.value) for member in enum)
            self.error(f"'{key}' must be one of {allowed}, found {value!r}", key)
            return None

    def markdown_file(self, key: str) -> str:
        """The Markdown file ``key`` names, relative to this file, rendered and sanitised;
        ``""`` (with the problem recorded) when it cannot be read."""
        if self.sink.read_markdown is None:
            self.get(key, str)
            self.error(f"'{key}' names a file, but this definition is not in a track folder", key)
            return ""
        return self.sink.read_markdown(self, key)

    def child(self, key: str, default: Any = _MISSING) -> Spec | None:
        value = self.get(key, Mapping, default)
        return None if value is None else Spec(value, self.sink, self.line_of(key))

    def entries(self, key: str, *, required: bool = True) -> list[tuple[Any, int | None]]:
        """The entries of a list field, each with its line; an empty list if absent."""
        value = self.get(key, list, _MISSING if required else [])
        if not value:
            if value is not None and required:
                self.error(f"'{key}' must not be empty", key)
            return []
        lines = getattr(value, "lines", None) or [self.line_of(key)] * len(value)
        return list(zip(value, lines, strict=True))

    def children(self, key: str, *, required: bool = True) -> list[Spec]:
        return [
            Spec(value, self.sink, line) for value, line in self.entries(key, required=required)
        ]

    def ids(self, key: str, *, required: bool = True) -> tuple[str, ...]:
        """A list of distinct ids (competencies, modules...)."""
        found: list[str] = []
        for value, line in self.entries(key, required=required):
            if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
                self.sink.add(line, f"'{key}' entries must be ids, found {value!r}")
            elif value in found:
                self.sink.add(line, f"'{key}' lists {value!r} twice")
            else:
                found.append(value)
        return tuple(found)

    def done(self) -> None:
        """Report every key that was never read: a typo or a field this kind does not take."""
        for key in self.data:
            if key in self._read:
                continue
            hint = difflib.get_close_matches(str(key), sorted(self._read), n=1)
            suffix = f" (did you mean '{hint[0]}'?)" if hint else ""
            self.error(f"unknown key '{key}'{suffix}", key)


def unique(specs_and_ids: Iterable[tuple[Spec, str | None]], what: str) -> None:
    """Report each id used twice, at the second place it appears."""
    seen: set[str] = set()
    for spec, value in specs_and_ids:
        if value is None:
            continue
        if value in seen:
            spec.error(f"{what} id {value!r} is used twice", "id")
        seen.add(value)


_TYPE_NAMES = {
    str: "text",
    float: "a number",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    Mapping: "a mapping",
    dt.date: "a date",
}


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    for kind, name in _TYPE_NAMES.items():
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return name
    return type(value).__name__
