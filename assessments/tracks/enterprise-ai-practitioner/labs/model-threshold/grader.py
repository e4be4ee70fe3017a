"""Trusted grader for the model-threshold lab: F1 on the positive class against a threshold.

Runs outside the sandbox. `expected` is {"labels": [...], "min_f1": float}; `actual` is the
learner's list of 0/1 predictions. Full marks at or above the threshold; below it, at most
half marks in proportion to the F1 reached, so a better model still earns more.
"""


def compare(expected, actual):
    labels, needed = expected["labels"], expected["min_f1"]
    if not isinstance(actual, list) or len(actual) != len(labels):
        return 0.0, f"Expected a list of {len(labels)} predictions, one per row."
    try:
        predictions = [int(value) for value in actual]
    except (TypeError, ValueError):
        return 0.0, "Every prediction must be 0 or 1."
    if any(value not in (0, 1) for value in predictions):
        return 0.0, "Every prediction must be 0 or 1."
    tp = sum(1 for y, p in zip(labels, predictions) if y == 1 and p == 1)
    fp = sum(1 for y, p in zip(labels, predictions) if y == 0 and p == 1)
    fn = sum(1 for y, p in zip(labels, predictions) if y == 1 and p == 0)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    if f1 >= needed:
        return 1.0, f"F1 {f1:.3f}: meets the threshold of {needed}."
    return 0.5 * f1 / needed, f"F1 {f1:.3f}: below the threshold of {needed}."
