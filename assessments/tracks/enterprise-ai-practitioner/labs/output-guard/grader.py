"""Trusted grader for output-guard's render task: judges the output by what it lets through.

`expected` is {"plain": str or null, "present": [str], "absent": [str]}. The output must be
safe to place in HTML (no raw `<`, `>`, `"` or `'`; every `&` starts a character reference).
Read back as text (html.unescape), it must equal `plain` when given (any correct escaping
is accepted, e.g. `&#39;` or `&#x27;`), contain every `present` string and none of the
`absent` ones (the hosts and data a removed image or link pointed at).
"""

import html
import re

BARE_AMPERSAND = re.compile(r"&(?!(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)")


def compare(expected, actual):
    if not isinstance(actual, str):
        return 0.0, "render must return a string."
    raw = sorted({c for c in actual if c in "<>\"'"})
    if raw:
        return 0.0, f"The output is not HTML-safe: it contains raw {' '.join(raw)}."
    if BARE_AMPERSAND.search(actual):
        return 0.0, "The output is not HTML-safe: an & does not start a character reference."
    text = html.unescape(actual)
    for needle in expected.get("absent", []):
        if needle.lower() in text.lower():
            return 0.0, "Something that should have been removed is still in the output."
    for needle in expected.get("present", []):
        if needle not in text:
            return 0.0, "Something that should have been kept is missing from the output."
    if expected.get("plain") is not None and text != expected["plain"]:
        return 0.0, "The output differs from the expected text."
    return 1.0
