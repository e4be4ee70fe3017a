"""Reference solution: evaluate a candidate model against the current one and decide.

Cleaning: the first row of each id counts; rows without a label are left out (they are
not errors); labels and predictions are compared after normalising case, spacing, "-" and
"_". Evidence: Wilson 95 % intervals for each model's accuracy, an exact two-sided
McNemar test on the paired outcomes, per-subgroup accuracy. The release criterion is
applied with exact arithmetic where a boundary can be hit exactly.
"""

import math
import re
from fractions import Fraction
from statistics import NormalDist

Z = NormalDist().inv_cdf(0.975)
SEPARATORS = re.compile(r"[\s_-]+")


def normalise(value):
    if value is None:
        return None
    text = SEPARATORS.sub(" ", str(value)).strip().casefold()
    return text or None


def wilson(correct, n):
    p = correct / n
    shrink = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / shrink
    half = Z / shrink * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def exact_mcnemar(only_a, only_b):
    discordant = only_a + only_b
    tail = sum(math.comb(discordant, k) for k in range(min(only_a, only_b) + 1))
    return min(1.0, 2 * tail / 2**discordant)


def summary(correct, n):
    low, high = wilson(correct, n)
    return {"accuracy": correct / n, "ci_low": low, "ci_high": high}


def evaluate(rows, criterion):
    seen, kept = set(), []
    duplicates = unlabelled = 0
    for row in rows:
        if row["id"] in seen:
            duplicates += 1
            continue
        seen.add(row["id"])
        label = normalise(row.get("label"))
        if label is None:
            unlabelled += 1
            continue
        candidate_right = normalise(row.get("candidate")) == label
        current_right = normalise(row.get("current")) == label
        kept.append((row.get("subgroup"), candidate_right, current_right))

    n = len(kept)
    candidate = sum(1 for _, c, _ in kept if c)
    current = sum(1 for _, _, k in kept if k)
    candidate_only = sum(1 for _, c, k in kept if c and not k)
    current_only = sum(1 for _, c, k in kept if k and not c)
    p_value = exact_mcnemar(candidate_only, current_only)
    cand = summary(candidate, n)

    reasons = []
    bar = Fraction(str(criterion["min_accuracy"]))
    if cand["ci_high"] <= bar:
        reasons.append("accuracy-below-bar")
    elif cand["ci_low"] <= bar:
        reasons.append("accuracy-uncertain")
    if p_value < criterion["alpha"] and current_only > candidate_only:
        reasons.append("worse-than-current")

    max_drop = Fraction(str(criterion["max_subgroup_drop"]))
    subgroups = {}
    for name in criterion["subgroups"]:
        members = [(c, k) for g, c, k in kept if g == name]
        size = len(members)
        right = sum(1 for c, _ in members if c)
        before = sum(1 for _, k in members if k)
        subgroups[name] = {
            "n": size,
            "candidate": right / size if size else None,
            "current": before / size if size else None,
        }
        if size < criterion["min_subgroup_rows"]:
            reasons.append(f"subgroup-too-small:{name}")
        elif Fraction(before - right, size) > max_drop:
            reasons.append(f"subgroup-regression:{name}")

    reasons.sort()
    blocking = ("accuracy-below-bar", "worse-than-current", "subgroup-regression:")
    if any(r.startswith(blocking) for r in reasons):
        decision = "no-go"
    elif reasons:
        decision = "need-more-data"
    else:
        decision = "go"
    return {
        "decision": decision,
        "n": n,
        "duplicates_removed": duplicates,
        "unlabelled_removed": unlabelled,
        "candidate": cand,
        "current": summary(current, n),
        "paired": {
            "candidate_only": candidate_only,
            "current_only": current_only,
            "p_value": p_value,
        },
        "subgroups": subgroups,
        "reasons": reasons,
    }
