"""Wrong solution (labels-from-baseline-only): sums PSI over the baseline's labels only, so a
band that appears only in the current month adds nothing.
"""

import math

FLOOR = 0.0001


def _psi(baseline, current):
    base_total, cur_total = sum(baseline.values()), sum(current.values())
    if base_total == 0 or cur_total == 0:
        return None
    value = 0.0
    for label in baseline:
        b = max(baseline.get(label, 0) / base_total, FLOOR)
        c = max(current.get(label, 0) / cur_total, FLOOR)
        value += (c - b) * math.log(c / b)
    return round(value, 4)


def check(features, min_count=500, watch=0.10, shift=0.25):
    psi, status, reasons = {}, {}, []
    for name, counts in features.items():
        value = _psi(counts["baseline"], counts["current"])
        psi[name] = value
        if value is None:
            status[name] = "no-data"
            reasons.append(f"no-data:{name}")
        elif value >= shift:
            status[name] = "shift"
            reasons.append(f"shift:{name}")
        elif value >= watch:
            status[name] = "watch"
        else:
            status[name] = "stable"
    if sum(features["score"]["current"].values()) < min_count:
        reasons.append("small-sample")
    return {
        "psi": psi,
        "status": status,
        "watch": sorted(n for n, s in status.items() if s == "watch"),
        "decision": "hold" if reasons else "go",
        "reasons": sorted(reasons),
    }
