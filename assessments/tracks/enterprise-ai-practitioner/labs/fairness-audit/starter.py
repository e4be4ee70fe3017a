"""Lab: audit a screening model's decisions for adverse impact and unequal opportunity.

Each record is {"group": str, "qualified": 0 or 1, "selected": 0 or 1}.
"""


def audit(records: list[dict]) -> dict:
    """Return {"selection_rate", "impact_ratio", "four_fifths_ok", "tpr", "equal_opportunity_gap"}."""
    raise NotImplementedError
