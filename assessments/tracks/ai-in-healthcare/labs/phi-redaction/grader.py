"""Trusted grader for phi-redaction: judges what the redacted note still reveals.

`expected` is {"counts": {...}, "text": str or null, "absent": [str], "present": [str],
"tokens": {token: n}}. The counts must match exactly. When `text` is given the note must
match it exactly; otherwise none of the `absent` strings (identifiers, any case) may be
left, every `present` string (clinical content, years, ages 89 and under) must be kept,
and each token such as `[NAME]` must appear exactly `n` times.
"""

KINDS = ("name", "email", "ssn", "mrn", "phone", "date", "age")


def compare(expected, actual):
    if not isinstance(actual, dict) or not isinstance(actual.get("text"), str):
        return 0.0, 'redact must return {"text": str, "counts": {...}}.'
    text, counts = actual["text"], actual.get("counts")
    if not isinstance(counts, dict) or sorted(counts) != sorted(KINDS):
        return 0.0, f"counts must have exactly these keys: {', '.join(KINDS)}."
    for needle in expected.get("absent", []):
        if needle.lower() in text.lower():
            return 0.0, "An identifier is still in the redacted note."
    if expected.get("text") is not None and text != expected["text"]:
        return 0.0, "The redacted note is not the expected one."
    for needle in expected.get("present", []):
        if needle not in text:
            return 0.0, "Something that is not an identifier was removed or changed."
    for token, n in expected.get("tokens", {}).items():
        if text.count(token) != n:
            return 0.0, f"{token} does not appear the expected number of times."
    if any(counts[k] != expected["counts"][k] for k in KINDS):
        return 0.0, "The counts are not the expected ones."
    return 1.0
