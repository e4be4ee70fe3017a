"""Lab: an intersectional adverse-impact audit that says when the data cannot decide.

records: one dict per applicant, with the attributes named in `attributes` (some may be
missing, null or blank), "selected" (true/false or 1/0) and other fields.
attributes: the names of the two or three attributes whose intersections are audited.

The rules are in the activity text. Use the standard library only.
"""


def audit(records: list[dict], attributes: list[str]) -> dict:
    """Return {"reference": key or None, "groups": {key: {...}}}."""
    raise NotImplementedError
