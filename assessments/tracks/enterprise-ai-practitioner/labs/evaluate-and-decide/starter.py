"""Lab: evaluate a candidate model against the current one, then decide go / no-go.

rows: one dict per logged example, {"id", "subgroup", "label", "candidate", "current"}
(the label may be missing). criterion: {"min_accuracy", "max_subgroup_drop",
"min_subgroup_rows", "alpha", "subgroups"}. The rules are in the activity text.
Standard library only.
"""


def evaluate(rows: list[dict], criterion: dict) -> dict:
    """Return {"decision", "n", "duplicates_removed", "unlabelled_removed", "candidate",
    "current", "paired", "subgroups", "reasons"}."""
    raise NotImplementedError
