"""Reading an institution's CASE 1.1 package (a ``CFPackage`` in JSON): the framework it
holds, or every problem that stops it being imported.

The checks run cheapest first, so a huge or broken file stops early and the schema never
runs over more than ``MAX_ITEMS`` items: size (before parsing), JSON, the number of items,
1EdTech's CASE 1.1 CFPackage JSON Schema (vendored in ``assessments/schemas/case/``, see
SOURCES.md there; checked on 2026-12-06), then what a schema cannot say
(:mod:`lti_tool.frameworks.structure`). Every check is linear in the size of the file: the
schema has no ``uniqueItems``, and the identifiers are compared through sets.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from flask_babel import format_decimal, gettext, ngettext
from jsonschema import Draft201909Validator, FormatChecker  # type: ignore[import-untyped]

from assessments import case
from lti_tool.errors import SkillCertError
from lti_tool.frameworks.structure import Package, structure
from lti_tool.uploads import MiB

MAX_BYTES = 10 * MiB
MAX_ITEMS = 20_000
#: The most problems listed; the rest are counted ("and N more").
MAX_PROBLEMS = 50
SCHEMA = Path(case.__file__).parent / "schemas" / "case" / "case_v1p1_cfpackage-jsonschema1.json"


class FrameworkFileError(SkillCertError):
    """The file is not a CASE 1.1 package SkillCert can import; ``problems`` says each way."""

    status_code = 422

    def __init__(self, problems: list[str]) -> None:
        super().__init__(gettext("The framework was not imported: nothing was changed."))
        self.problems = problems


def read_package(data: bytes) -> Package:
    """The framework in ``data``; raises :class:`FrameworkFileError` listing what is wrong."""
    if len(data) > MAX_BYTES:
        raise FrameworkFileError(
            [
                gettext(
                    "The file is %(size)s MB; SkillCert imports framework files of at most "
                    "%(limit)s MB.",
                    size=format_decimal(round(len(data) / MiB, 1)),
                    limit=MAX_BYTES // MiB,
                )
            ]
        )
    try:
        found = json.loads(data)
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad UTF-8 and bad JSON; a document nested thousands deep
        # exhausts the parser's recursion instead.
        raise FrameworkFileError(
            [
                gettext(
                    "The file is not JSON (%(reason)s). Upload the CASE package's JSON file.",
                    reason=str(exc)[:200],
                )
            ]
        ) from exc
    return read_document(found)


def read_document(found: Any) -> Package:
    """The framework in an already parsed JSON document (a URL's answer)."""
    if not isinstance(found, dict):
        raise FrameworkFileError(
            [gettext("The file is JSON but not a CASE package: it must be one JSON object.")]
        )
    items = found.get("CFItems")
    if isinstance(items, list) and len(items) > MAX_ITEMS:
        raise FrameworkFileError(
            [
                gettext(
                    "The package has %(count)s items; SkillCert imports at most %(limit)s.",
                    count=format_decimal(len(items)),
                    limit=format_decimal(MAX_ITEMS),
                )
            ]
        )
    refusal = _refusal(schema_problems(found))
    if refusal is not None:
        raise refusal
    package, problems = structure(found)
    if package is None:
        raise _refusal(problems) or FrameworkFileError(problems)
    return package


def _refusal(problems: Iterable[str]) -> FrameworkFileError | None:
    """The error listing the first ``MAX_PROBLEMS`` problems and counting the rest."""
    listed: list[str] = []
    more = 0
    for problem in problems:
        if len(listed) < MAX_PROBLEMS:
            listed.append(problem)
        else:
            more += 1
    if more:
        listed.append(ngettext("… and %(num)d more problem.", "… and %(num)d more problems.", more))
    return FrameworkFileError(listed) if listed else None


def schema_problems(found: Any) -> Iterator[str]:
    """Each way ``found`` breaks the CASE 1.1 CFPackage schema, with its JSON path."""
    for error in _validator().iter_errors(found):
        yield gettext(
            "%(path)s: %(message)s (CASE 1.1 package schema)",
            path=json_path(error.absolute_path),
            message=error.message[:300],
        )


def json_path(parts: Iterable[str | int]) -> str:
    """``$.CFItems[3].fullStatement`` for the parts ``CFItems``, 3, ``fullStatement``."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)


@functools.cache
def _validator() -> Draft201909Validator:
    checker = FormatChecker()
    # jsonschema checks "date-time" only with an extra package; CASE dateTimes are RFC 3339.
    checker.checks("date-time", raises=ValueError)(_is_datetime)
    return Draft201909Validator(
        json.loads(SCHEMA.read_text(encoding="utf-8")), format_checker=checker
    )


def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True  # the schema's "type" reports it
    if "T" not in value.upper():
        return False
    return dt.datetime.fromisoformat(value).utcoffset() is not None
