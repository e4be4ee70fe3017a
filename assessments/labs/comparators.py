"""Compare a learner's answer with the expected one, outside the sandbox.

A comparator returns the fraction of the test's points earned (0 to 1) and a short message
for the learner; the message never quotes the expected answer, so it is safe even for
hidden tests. Lab authors pick one by name or supply ``compare`` in the lab's grader.py.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

Comparison = tuple[float, str]
Comparator = Callable[[Any, Any, float], Comparison]


def exact(expected: Any, actual: Any, tolerance: float) -> Comparison:
    """Equal as JSON data (tuples are lists, dict key order does not matter)."""
    if _normal(expected) == _normal(actual):
        return 1.0, "Correct."
    return 0.0, "The returned value is not the expected one."


def close(expected: Any, actual: Any, tolerance: float) -> Comparison:
    """Numbers (also nested in lists and dicts) equal within ``tolerance``, relative or absolute."""
    if _close(expected, actual, tolerance):
        return 1.0, "Correct."
    return 0.0, f"The returned value is not within {tolerance:g} of the expected one."


def unordered(expected: Any, actual: Any, tolerance: float) -> Comparison:
    """The same items in any order (both must be lists)."""
    if not isinstance(actual, list) or not isinstance(expected, list):
        return 0.0, "A list was expected."
    if sorted(map(_key, expected)) == sorted(map(_key, actual)):
        return 1.0, "Correct."
    return 0.0, "The list does not hold the expected items."


def _normal(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True))


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _close(expected: Any, actual: Any, tolerance: float) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return math.isclose(expected, actual, rel_tol=tolerance, abs_tol=tolerance)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            _close(e, a, tolerance) for e, a in zip(expected, actual, strict=True)
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _close(expected[k], actual[k], tolerance) for k in expected
        )
    return bool(expected == actual)


BUILTIN: dict[str, Comparator] = {"exact": exact, "close": close, "unordered": unordered}
