"""Wrong: computes rates in floating point and compares the ratio with 0.8, so a ratio of
exactly four fifths can come out as 0.7999... and be flagged as adverse impact."""

from fractions import Fraction

THRESHOLD = Fraction(4, 5)


def rate(hits, total):
    return hits / total if total else None


def number(value):
    return None if value is None else round(float(value), 4)


def audit(records):
    groups = sorted({r["group"] for r in records})
    selection, tpr = {}, {}
    for group in groups:
        rows = [r for r in records if r["group"] == group]
        selection[group] = rate(sum(1 for r in rows if r["selected"]), len(rows))
        qualified = [r for r in rows if r["qualified"]]
        tpr[group] = rate(sum(1 for r in qualified if r["selected"]), len(qualified))
    highest = max(selection.values())
    ratio = min(selection.values()) / highest if highest else None
    known = [v for v in tpr.values() if v is not None]
    gap = max(known) - min(known) if known else None
    return {
        "selection_rate": {g: number(v) for g, v in selection.items()},
        "impact_ratio": number(ratio),
        "four_fifths_ok": None if ratio is None else float(ratio) >= 0.8,
        "tpr": {g: number(v) for g, v in tpr.items()},
        "equal_opportunity_gap": number(gap),
    }
