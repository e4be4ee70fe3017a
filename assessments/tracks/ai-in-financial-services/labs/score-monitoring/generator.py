"""Hidden tests drawn per seed: feature names, bin labels, counts, thresholds, sample sizes.

Expected answers come from an independent copy of the rules (_answer). Draws whose PSI lies
within 1e-7 of a rounding tie are drawn again, so every correct program rounds alike.
"""

import math

NAMES = ["income_band", "utilisation", "months_on_book", "inquiries_6m", "region",
         "employment_type", "loan_purpose", "channel", "debt_to_income", "bureau_age"]


def _raw(base, cur):
    bt, ct = sum(base.values()), sum(cur.values())
    if bt == 0 or ct == 0:
        return None
    total = 0.0
    for k in set(base) | set(cur):
        b, c = max(base.get(k, 0) / bt, 0.0001), max(cur.get(k, 0) / ct, 0.0001)
        total += (c - b) * math.log(c / b)
    return total


def _near_tie(x):
    if x is None:
        return False
    frac = (x * 10000) % 1
    return abs(frac - 0.5) < 1e-6


def _answer(features, min_count=500, watch=0.10, shift=0.25):
    psi, status, reasons = {}, {}, []
    for name, f in features.items():
        raw = _raw(f["baseline"], f["current"])
        v = None if raw is None else round(raw, 4)
        psi[name] = v
        if v is None:
            status[name] = "no-data"
            reasons.append("no-data:" + name)
        elif v >= shift:
            status[name] = "shift"
            reasons.append("shift:" + name)
        elif v >= watch:
            status[name] = "watch"
        else:
            status[name] = "stable"
    if sum(features["score"]["current"].values()) < min_count:
        reasons.append("small-sample")
    return {"psi": psi, "status": status,
            "watch": sorted(n for n, s in status.items() if s == "watch"),
            "decision": "hold" if reasons else "go", "reasons": sorted(reasons)}


def _labels(rng, name, k):
    if name == "score":
        edges = list(range(300, 300 + 50 * (k + 1), 50))
        return [f"{a}-{b - 1}" for a, b in zip(edges, edges[1:])]
    return [f"{name}:{chr(97 + i)}" for i in range(k)]


def _counts(rng, labels, weights, total):
    s = sum(weights)
    counts = [int(total * w / s) for w in weights]
    counts[rng.randrange(len(counts))] += total - sum(counts)
    items = list(zip(labels, counts))
    rng.shuffle(items)  # dict order carries no meaning
    return dict(items)


def _feature(rng, name, n_base, n_cur, tilt):
    """Current weights are the baseline's, tilted toward later bins and a little noisy."""
    labels = _labels(rng, name, rng.randint(4, 8))
    weights = [0.2 + rng.random() for _ in labels]
    moved = [w * (1 + tilt * (i - len(labels) / 2)) * rng.uniform(0.97, 1.03) for i, w in enumerate(weights)]
    moved = [max(0.02, w) for w in moved]
    return {"baseline": _counts(rng, labels, weights, n_base), "current": _counts(rng, labels, moved, n_cur)}


def _features(rng, k, n_cur, tilts):
    names = rng.sample(NAMES, k)
    out = {"score": _feature(rng, "score", rng.randint(2000, 9000), n_cur, tilts[0])}
    for name, tilt in zip(names, tilts[1:]):
        out[name] = _feature(rng, name, rng.randint(2000, 9000), n_cur, tilt)
    items = list(out.items())
    rng.shuffle(items)
    return dict(items)


def _ok(features):
    return not any(_near_tie(_raw(f["baseline"], f["current"])) for f in features.values())


def _case(name, args, points=1, critical=None):
    case = {"name": name, "args": args, "expected": _answer(*args), "points": points,
            "comparator": "close", "tolerance": 0.00005}
    if critical:
        case["critical"] = critical
    return case


def hidden_cases(rng):
    cases = []
    n_cur = rng.randint(600, 3000)

    # 1. a general month: several features, one of them clearly shifted
    while True:
        feats = _features(rng, rng.randint(2, 4), n_cur, [rng.uniform(0, 0.3)] + [rng.uniform(0, 0.3) for _ in range(4)])
        victim = rng.choice([n for n in feats if n != "score"])
        labels = list(feats[victim]["current"])
        for label in labels[: len(labels) // 2]:
            feats[victim]["current"][label] *= rng.randint(4, 7)
        if _ok(feats) and _answer(feats)["status"][victim] == "shift":
            break
    cases.append(_case("a characteristic has shifted", [feats], 2,
                       "a shifted characteristic must put the model on hold"))

    # 2. empty bins: a category the baseline never saw, and a baseline bin now empty
    while True:
        feats = _features(rng, 2, n_cur, [0.0, 0.0, 0.0])
        name = rng.choice([n for n in feats if n != "score"])
        feats[name]["current"][f"{name}:new"] = rng.randint(1, 40)
        gone = rng.choice(list(feats[name]["baseline"]))
        feats[name]["current"][gone] = 0
        if _ok(feats):
            break
    cases.append(_case("empty bins on either side", [feats], 2))

    # 3. thresholds met exactly (PSI rounded up to the threshold) count as reached
    while True:
        feats = _features(rng, 2, n_cur, [rng.uniform(0.2, 0.9) for _ in range(3)])
        raws = {n: _raw(f["baseline"], f["current"]) for n, f in feats.items()}
        up = [n for n, r in raws.items() if round(r, 4) > r and round(r, 4) >= 0.001]
        if _ok(feats) and len(up) >= 1:
            break
    pick = rng.choice(up)
    level = round(raws[pick], 4)
    cases.append(_case("PSI equal to the watch threshold is watched", [feats, 500, level, max(level * 3, 0.3)], 2))
    cases.append(_case("PSI equal to the shift threshold is a shift", [feats, 500, level / 2, level], 2,
                       "a shift at the threshold must put the model on hold"))

    # 4. sample size at and just under the minimum
    while True:
        feats = _features(rng, 1, rng.randint(150, 499), [0.0, 0.0])
        if _ok(feats) and all(v == "stable" for v in _answer(feats, 0)["status"].values()):
            break
    size = sum(feats["score"]["current"].values())
    cases.append(_case("current sample equal to the minimum is enough", [feats, size], 1))
    cases.append(_case("current sample under the minimum holds", [feats, size + 1], 2,
                       "too few current applications cannot support a go"))

    # 5. a characteristic with no current data at all
    while True:
        feats = _features(rng, 2, n_cur, [0.0, 0.0, 0.0])
        if _ok(feats) and _answer(feats)["decision"] == "go":
            break
    dead = rng.choice([n for n in feats if n != "score"])
    feats[dead]["current"] = {k: 0 for k in feats[dead]["current"]} if rng.random() < 0.5 else {}
    cases.append(_case("a characteristic with no current data", [feats], 2,
                       "missing monitoring data must not pass as stable"))

    rng.shuffle(cases)
    return cases
