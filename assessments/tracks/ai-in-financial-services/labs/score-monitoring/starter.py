"""Lab: monitor a credit model's score and characteristics, and decide go or hold.

The rules are in the activity text. Standard library only.
"""


def check(features: dict, min_count: int = 500, watch: float = 0.10, shift: float = 0.25) -> dict:
    """Return {"psi", "status", "watch", "decision", "reasons"} as the activity text describes."""
    raise NotImplementedError
