"""Wrong solution (decides-on-rounded-ratio): rounds the ratio to two places for the report, then applies the rule to that."""


def rate(hits, total):
    return hits / total if total else None


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
        "selection_rate": {g: round(v, 4) for g, v in selection.items()},
        "impact_ratio": None if ratio is None else round(ratio, 4),
        "four_fifths_ok": None if ratio is None else round(ratio, 2) >= 0.8,
        "tpr": {g: None if v is None else round(v, 4) for g, v in tpr.items()},
        "equal_opportunity_gap": None if gap is None else round(gap, 4),
    }
