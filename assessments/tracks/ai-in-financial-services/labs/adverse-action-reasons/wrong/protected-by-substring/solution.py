"""Wrong solution (protected-by-substring): treats a characteristic as protected when its name
contains a protected word, so "oldest_account_age_months" sends every application to referral.
"""

MAX_REASONS = 4


def _points(characteristic, value):
    if value is None:
        return characteristic["missing"]
    bins = characteristic["bins"]
    for band in bins[:-1]:
        if value <= band["max"]:
            return band["points"]
    return bins[-1]["points"]


def _breaks_monotone(characteristic):
    points = [band["points"] for band in characteristic["bins"]]
    pairs = list(zip(points, points[1:]))
    direction = characteristic.get("monotone")
    if direction == "increasing":
        return any(b < a for a, b in pairs)
    if direction == "decreasing":
        return any(b > a for a, b in pairs)
    return False


def decide(scorecard, applicant, cutoff, protected):
    characteristics = scorecard["characteristics"]
    banned = {name.casefold() for name in protected}
    for characteristic in characteristics:
        if any(b in characteristic["name"].casefold() for b in banned) or _breaks_monotone(characteristic):
            return {"decision": "refer", "score": None, "reasons": []}
    score = 0
    shortfalls = []
    for order, characteristic in enumerate(characteristics):
        got = _points(characteristic, applicant.get(characteristic["name"]))
        score += got
        best = max([band["points"] for band in characteristic["bins"]] + [characteristic["missing"]])
        if best - got > 0:
            shortfalls.append((-(best - got), order, characteristic["reason"]))
    if score >= cutoff:
        return {"decision": "approve", "score": score, "reasons": []}
    reasons = []
    for _, _, reason in sorted(shortfalls):
        if reason not in reasons:
            reasons.append(reason)
        if len(reasons) == MAX_REASONS:
            break
    return {"decision": "decline", "score": score, "reasons": reasons}
