"""Lab: decide on a points scorecard and state the principal reasons for a decline.

The rules are in the activity text. Standard library only.
"""


def decide(scorecard: dict, applicant: dict, cutoff: int, protected: list[str]) -> dict:
    """Return {"decision": "approve" | "decline" | "refer", "score": int | None, "reasons": [str]}."""
    raise NotImplementedError
