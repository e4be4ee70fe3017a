"""Wrong (doubled-one-sided): doubles the one-sided p-value, a common two-sided shortcut
that differs from the stated test when the distribution is lopsided."""

from fractions import Fraction
from math import comb

MISSING = "(missing)"
MIN_SIZE = 5
ALPHA = Fraction(1, 20)
FOUR_FIFTHS = Fraction(4, 5)


def category(value):
    if value is None:
        return MISSING
    text = " ".join(str(value).split()).casefold()
    return text or MISSING


def fisher_two_sided(a, n1, c, n2):
    """P-value of the 2x2 table [[a, n1 - a], [c, n2 - c]] with all margins fixed."""
    selected, total = a + c, n1 + n2
    weights = [
        comb(selected, x) * comb(total - selected, n1 - x)
        for x in range(max(0, n1 - (total - selected)), min(selected, n1) + 1)
    ]
    low = max(0, n1 - (total - selected))
    tail = min(sum(weights[: a - low + 1]), sum(weights[a - low :]))
    return min(Fraction(1), Fraction(2 * tail, comb(total, n1)))


def audit(records, attributes):
    counts = {}
    for record in records:
        key = " | ".join(category(record.get(name)) for name in attributes)
        n, hits = counts.get(key, (0, 0))
        counts[key] = (n + 1, hits + (1 if record["selected"] else 0))
    rates = {key: Fraction(hits, n) for key, (n, hits) in counts.items()}
    eligible = [key for key, (n, _) in counts.items() if n >= MIN_SIZE]
    reference = min(eligible, key=lambda k: (-rates[k], -counts[k][0], k), default=None)
    groups = {}
    for key, (n, hits) in sorted(counts.items()):
        ratio = p_value = None
        if reference is not None:
            top = rates[reference]
            if top:
                ratio = rates[key] / top
            if key != reference:
                p_value = fisher_two_sided(hits, n, *counts[reference][::-1])
        if reference is None or n < MIN_SIZE:
            status = "insufficient data"
        elif p_value is not None and p_value < ALPHA:
            status = "adverse impact indicated"
        elif ratio is not None and ratio < FOUR_FIFTHS:
            status = "insufficient data"
        else:
            status = "not indicated"
        groups[key] = {
            "n": n,
            "selected": hits,
            "selection_rate": float(rates[key]),
            "impact_ratio": None if ratio is None else float(ratio),
            "p_value": None if p_value is None else float(p_value),
            "status": status,
        }
    return {"reference": reference, "groups": groups}
