"""Wrong solution (names-inside-words): matches names without word boundaries, so "Ann"
also eats "Annual" and "Joanna".
"""

import re

MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
RULES = [
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "[EMAIL]"),
    ("ssn", re.compile(r"\b\d{3}([- ])\d{2}\1\d{4}\b"), "[SSN]"),
    ("mrn", re.compile(r"\bMRN\s*(?:[:#]|no\.?)?\s*\d+\b", re.IGNORECASE), "[MRN]"),
    ("phone", re.compile(r"(?:\+1[-. ]?)?(?:\(\d{3}\)\s?|\b\d{3}[-. ])\d{3}[-. ]\d{4}\b"), "[PHONE]"),
]
DATES = [
    re.compile(r"\b(\d{4})[-/]\d{1,2}[-/]\d{1,2}\b"),  # 2026-03-14, 2026/3/14
    re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.](\d{4})\b"),  # 3/14/2026, 03-14-2026, 14.03.2026
    re.compile(r"\b" + MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(\d{4})\b", re.IGNORECASE),
    re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+" + MONTH + r",?\s+(\d{4})\b", re.IGNORECASE),
    re.compile(r"\b" + MONTH + r"\s+(\d{4})\b", re.IGNORECASE),  # March 2026: month and year
]
AGE = re.compile(
    r"\b(?:(\d{2,3})(?:[- ]?years?[- ]old|[- ]?y[/.]?o\.?|[- ]?yrs?[- ]old)|aged?\s+(\d{2,3}))\b",
    re.IGNORECASE,
)


def redact(note, names):
    counts = {"name": 0, "email": 0, "ssn": 0, "mrn": 0, "phone": 0, "date": 0, "age": 0}
    text = note
    for kind, pattern, replacement in RULES:
        text, n = pattern.subn(replacement, text)
        counts[kind] += n
    for name in sorted(names, key=len, reverse=True):  # "Ann Lee" before "Ann"
        words = name.split()
        if not words:
            continue
        pattern = re.compile(r"\s+".join(map(re.escape, words)), re.IGNORECASE)
        text, n = pattern.subn("[NAME]", text)
        counts["name"] += n
    for pattern in DATES:
        text, n = pattern.subn(r"\1", text)  # keep the year only
        counts["date"] += n

    def age(match):
        if int(match.group(1) or match.group(2)) > 89:  # ages over 89 are grouped together
            counts["age"] += 1
            return "[AGE 90+]"
        return match.group(0)

    text = AGE.sub(age, text)
    return {"text": text, "counts": counts}
