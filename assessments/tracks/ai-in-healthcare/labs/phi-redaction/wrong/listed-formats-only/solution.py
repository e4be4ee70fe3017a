"""Wrong solution (listed-formats-only): one pattern per identifier, for the formats of the worked example only; misses "+1" phones, spaced SSNs, dates in words, "aged 94" and names split over a line."""

import re

RULES = [
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "[EMAIL]"),
    ("ssn", re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "[SSN]"),
    ("mrn", re.compile(r"\bMRN[:#]?\s*\d+\b", re.IGNORECASE), "[MRN]"),
    ("phone", re.compile(r"(?:\(\d{3}\)\s?|\b\d{3}[-. ])\d{3}[-. ]\d{4}\b"), "[PHONE]"),
]
ISO_DATE = re.compile(r"\b(\d{4})-\d{2}-\d{2}\b")
US_DATE = re.compile(r"\b\d{1,2}/\d{1,2}/(\d{4})\b")
AGE = re.compile(r"\b(\d{2,3})([- ]years?[- ]old)\b", re.IGNORECASE)


def redact(note, names):
    counts = {"name": 0, "email": 0, "ssn": 0, "mrn": 0, "phone": 0, "date": 0, "age": 0}
    text = note
    for kind, pattern, replacement in RULES:
        text, n = pattern.subn(replacement, text)
        counts[kind] += n
    for name in sorted(names, key=len, reverse=True):  # "Ann Lee" before "Ann"
        pattern = re.compile(r"\b" + re.escape(name) + r"\b", re.IGNORECASE)
        text, n = pattern.subn("[NAME]", text)
        counts["name"] += n
    for pattern in (ISO_DATE, US_DATE):
        text, n = pattern.subn(r"\1", text)  # keep the year only
        counts["date"] += n

    def age(match):
        if int(match.group(1)) > 89:  # ages over 89 are grouped together
            counts["age"] += 1
            return "[AGE 90+]"
        return match.group(0)

    text = AGE.sub(age, text)
    return {"text": text, "counts": counts}
