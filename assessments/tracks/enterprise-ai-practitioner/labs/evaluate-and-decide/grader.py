"""Trusted grader for evaluate-and-decide: checks the numbers and the decision.

`expected` is the trusted computation's answer (generator.py), or a part of it: only the
fields it holds are checked. Numbers must be within TOLERANCE (absolute), counts and texts
exactly equal, `reasons` equal as a list. The decision is worth half the test; the other
half is shared equally among the other fields.
"""

import math

TOLERANCE = 1e-4
MISSING = object()


def _leaves(value, path=""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{path}.{key}" if path else str(key))
    else:
        yield path, value


def _lookup(data, path):
    for key in path.split("."):
        if not isinstance(data, dict) or key not in data:
            return MISSING
        data = data[key]
    return data


def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same(expected, actual):
    if actual is MISSING:
        return False
    if _number(expected) and _number(actual):
        if isinstance(expected, int):
            return actual == expected
        return math.isfinite(actual) and abs(actual - expected) <= TOLERANCE
    return type(expected) is type(actual) and expected == actual


def compare(expected, actual):
    if not isinstance(actual, dict):
        return 0.0, "evaluate() must return a dict."
    leaves = dict(_leaves(expected))
    wrong = [path for path, value in leaves.items() if not _same(value, _lookup(actual, path))]
    others = [path for path in leaves if path != "decision"]
    share = 1 - len([p for p in wrong if p != "decision"]) / len(others) if others else 1.0
    score = 0.5 * ("decision" not in wrong) + 0.5 * share if "decision" in leaves else share
    if not wrong:
        return 1.0
    shown = ", ".join(wrong[:6]) + (" …" if len(wrong) > 6 else "")
    return score, f"Differs from the trusted computation: {shown}."
