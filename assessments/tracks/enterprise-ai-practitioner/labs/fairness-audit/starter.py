"""Lab: audit a screening model's decisions for adverse impact and unequal opportunity.

Each record describes one candidate: {"group": str, "qualified": 0/1 or bool,
"selected": 0/1 or bool, ...other fields}. The rules are in the activity text.
"""


def audit(records: list[dict]) -> dict:
    """Return {"selection_rate", "impact_ratio", "four_fifths_ok", "tpr", "equal_opportunity_gap"}."""
    raise NotImplementedError
