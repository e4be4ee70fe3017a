"""One test case of a lab, as lab.yaml, hidden.yaml or a generator gives it, checked."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
from collections.abc import Mapping
from typing import Any

from assessments.labs.comparators import BUILTIN, Comparator
from assessments.labs.model_calls import ModelCalls
from assessments.labs.results import Visibility

TEST_KEYS = frozenset(
    {"name", "args", "kwargs", "expected", "points", "comparator", "tolerance", "critical"}
    | {"model_calls"}
)


@dataclasses.dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest test class, despite the name

    name: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    expected: Any
    points: float
    visibility: Visibility
    comparator: str = "exact"
    tolerance: float = 1e-6
    #: Why failing this test fails the lab whatever the score (the author's one line).
    critical: str | None = None
    #: What the program must have sent the model during this test (labs with openai).
    model_calls: ModelCalls | None = None


def parse_case(
    item: Any, visibility: Visibility, custom: Comparator | None, uses_openai: bool
) -> tuple[TestCase | None, list[str]]:
    """One test entry (from lab.yaml, hidden.yaml or a generator), or what is wrong with it."""
    if not isinstance(item, dict) or "expected" not in item or "name" not in item:
        return None, ["needs at least 'name' and 'expected'."]
    problems = [
        f"unknown key {key!r} (known: {', '.join(sorted(TEST_KEYS))})."
        for key in item
        if key not in TEST_KEYS
    ]
    name = item["name"]
    if not isinstance(name, str) or not name.strip():
        problems.append("'name' must be a non-empty string.")
    comparator = item.get("comparator", "exact")
    problems += _comparator_problems(comparator, custom)
    args, kwargs = item.get("args", []), item.get("kwargs", {})
    problems += _data_problems(args, kwargs, item["expected"])
    points, tolerance = item.get("points", 1), item.get("tolerance", 1e-6)
    for key, value in (("points", points), ("tolerance", tolerance)):
        if not is_number(value) or value < 0:
            problems.append(f"'{key}' must be a number, 0 or more.")
    critical = item.get("critical")
    if "critical" in item and not _one_line(critical):
        problems.append(
            "critical needs a one-line reason (why failing this test fails the lab), e.g. "
            f'critical: "reveals a patient\'s name"; found {critical!r}.'
        )
    model_calls = None
    if "model_calls" in item:
        if not uses_openai:
            problems.append("'model_calls' needs 'openai: true' (the stub records the calls).")
        model_calls, wrong = ModelCalls.parse(item["model_calls"])
        problems += wrong
    if problems:
        return None, problems
    case = TestCase(
        name=name,
        args=tuple(args),
        kwargs=kwargs,
        expected=item["expected"],
        points=float(points),
        visibility=visibility,
        comparator=comparator,
        tolerance=float(tolerance),
        critical=critical.strip() if critical else None,
        model_calls=model_calls,
    )
    return case, []


def _comparator_problems(comparator: Any, custom: Comparator | None) -> list[str]:
    if comparator == "custom" and custom is None:
        return ["uses comparator 'custom' but grader.py has no compare()."]
    if comparator != "custom" and not (isinstance(comparator, str) and comparator in BUILTIN):
        return [f"unknown comparator {comparator!r}."]
    return []


def _data_problems(args: Any, kwargs: Any, expected: Any) -> list[str]:
    """Inputs and the expected answer must be JSON data, as the sandbox exchanges them."""
    problems = []
    if not isinstance(args, list) or not isinstance(kwargs, dict):
        problems.append("'args' must be a list and 'kwargs' a mapping.")
    for key, value in (("args", args), ("kwargs", kwargs), ("expected", expected)):
        if (reason := _not_json(value)) is not None:
            problems.append(f"'{key}' must be JSON data: {reason}.")
    return problems


def _one_line(reason: Any) -> bool:
    return isinstance(reason, str) and bool(reason.strip()) and "\n" not in reason.strip()


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _not_json(value: Any) -> str | None:
    """Why ``value`` is not plain JSON data (what the sandbox's answers are compared as).

    A round trip through the C encoder settles the common case, valid data, quickly:
    generators are checked on hundreds of seeds at every load."""
    with contextlib.suppress(TypeError, ValueError):
        if json.loads(json.dumps(value, allow_nan=False)) == value:
            return None
    return _why_not_json(value)


def _why_not_json(value: Any) -> str | None:
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value!r} is not a JSON number"
    if isinstance(value, list):
        return next((reason for item in value if (reason := _why_not_json(item))), None)
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"the key {key!r} is not a string"
            if (reason := _why_not_json(item)) is not None:
                return reason
        return None
    return f"{value!r} is a {type(value).__name__}"
