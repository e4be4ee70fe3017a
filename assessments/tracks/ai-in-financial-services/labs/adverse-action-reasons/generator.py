"""Hidden tests drawn per seed: characteristic names, reason texts, points, cut-offs, ties.

Every case is built from a scorecard drawn here and answered by an independent copy of the
rules in the activity text (_expected). Draws are made so that the property a case is about
(a tie, the cap, a boundary value) really occurs in it.
"""

CHARACTERISTICS = [
    ("utilisation", "Proportion of balances to credit limits is too high"),
    ("months_since_delinquency", "Delinquency on accounts too recent"),
    ("credit_history_months", "Length of credit history is too short"),
    ("recent_inquiries", "Number of recent credit inquiries is too high"),
    ("debt_to_income", "Income insufficient for amount of credit requested"),
    ("months_at_address", "Length of residence is too short"),
    ("months_employed", "Length of employment is too short"),
    ("missed_payments_12m", "Number of missed payments in the last 12 months"),
    ("open_accounts", "Too few accounts with a satisfactory payment record"),
    ("collections", "Collection action or judgment on file"),
]
PROTECTED = ["age", "marital_status", "sex", "national_origin", "race", "religion"]
# Legitimate characteristics whose names merely contain "age": a protected-field check by
# substring would refer every scorecard that uses them.
CONTAINS_AGE = [
    ("oldest_account_age_months", "Length of time accounts have been established"),
    ("mortgage_accounts", "Lack of recent instalment or mortgage loan information"),
    ("average_utilisation", "Average balances on revolving accounts are too high"),
]


def _expected(scorecard, applicant, cutoff, protected):
    chars = scorecard["characteristics"]
    banned = {p.lower() for p in protected}
    for c in chars:
        pts = [b["points"] for b in c["bins"]]
        bad = (c.get("monotone") == "increasing" and any(y < x for x, y in zip(pts, pts[1:]))) or (
            c.get("monotone") == "decreasing" and any(y > x for x, y in zip(pts, pts[1:]))
        )
        if c["name"].lower() in banned or bad:
            return {"decision": "refer", "score": None, "reasons": []}
    total, short = 0, []
    for i, c in enumerate(chars):
        v = applicant.get(c["name"])
        if v is None:
            got = c["missing"]
        else:
            got = next(
                (b["points"] for b in c["bins"] if b["max"] is None or v <= b["max"]), None
            )
        total += got
        gap = max([b["points"] for b in c["bins"]] + [c["missing"]]) - got
        if gap > 0:
            short.append((-gap, i, c["reason"]))
    if total >= cutoff:
        return {"decision": "approve", "score": total, "reasons": []}
    out = []
    for _, _, r in sorted(short):
        if r not in out:
            out.append(r)
        if len(out) == 4:
            break
    return {"decision": "decline", "score": total, "reasons": out}


def _characteristic(rng, name, reason):
    n = rng.randint(2, 4)
    edges = sorted(rng.sample(range(1, 60), n - 1))
    points = sorted(rng.sample(range(0, 70, 5), n))
    monotone = rng.choice(["increasing", "decreasing", None])
    if monotone == "decreasing" or (monotone is None and rng.random() < 0.5):
        points.reverse()
    if n > 2 and rng.random() < 0.3:  # a flat step: allowed under either direction
        points[1] = points[0]
        if monotone is None:
            monotone = "increasing" if points[-1] >= points[0] else "decreasing"
    bins = [{"max": e, "points": p} for e, p in zip(edges, points)]
    bins.append({"max": None, "points": points[-1]})
    c = {"name": name, "reason": reason, "bins": bins, "missing": rng.choice([0, 5, 10])}
    if monotone:
        c["monotone"] = monotone
    return c


def _scorecard(rng, k):
    picked = rng.sample(CHARACTERISTICS, k)
    return {"characteristics": [_characteristic(rng, n, r) for n, r in picked]}


def _value_in(rng, c, index):
    """A value that falls in bin `index`, sometimes exactly on its upper bound."""
    bins = c["bins"]
    low = bins[index - 1]["max"] + 1 if index > 0 else 0
    high = bins[index]["max"] if bins[index]["max"] is not None else low + 40
    return high if rng.random() < 0.5 and bins[index]["max"] is not None else rng.randint(low, high)


def _applicant(rng, scorecard, worst=False):
    applicant = {}
    for c in scorecard["characteristics"]:
        pts = [b["points"] for b in c["bins"]]
        if worst:
            index = min(range(len(pts)), key=lambda i: (pts[i], i))
        else:
            index = rng.randrange(len(pts))
        applicant[c["name"]] = _value_in(rng, c, index)
    applicant[rng.choice(["age", "marital_status", "sex"])] = rng.choice([23, 67, "married", "F", "M"])
    return applicant


def _case(name, args, points=1, critical=None):
    case = {"name": name, "args": args, "expected": _expected(*args), "points": points}
    if critical:
        case["critical"] = critical
    return case


def _decline_with(rng, predicate, k_range=(5, 8), tries=400):
    for _ in range(tries):
        sc = _scorecard(rng, rng.randint(*k_range))
        app = _applicant(rng, sc, worst=rng.random() < 0.4)
        total = _expected(sc, app, 10**6, [])["score"]
        cutoff = total + rng.randint(1, 30)
        exp = _expected(sc, app, cutoff, PROTECTED)
        if exp["decision"] == "decline" and predicate(sc, app, exp):
            return [sc, app, cutoff, rng.sample(PROTECTED, 3)]
    raise RuntimeError("no draw")


def _gaps(sc, app):
    out = []
    for c in sc["characteristics"]:
        v = app.get(c["name"])
        got = c["missing"] if v is None else next(b["points"] for b in c["bins"] if b["max"] is None or v <= b["max"])
        out.append(max([b["points"] for b in c["bins"]] + [c["missing"]]) - got)
    return out


def _has_tie_at_cap(sc, app, exp):
    gaps = sorted((g for g in _gaps(sc, app) if g > 0), reverse=True)
    return len(gaps) > 4 and gaps[3] == gaps[4]


def _has_early_tie(sc, app, exp):
    gaps = _gaps(sc, app)
    pos = [g for g in gaps if g > 0]
    if len(pos) < 2:
        return False
    top = max(pos)
    idx = [i for i, g in enumerate(gaps) if g == top]
    if len(idx) < 2:
        return False
    names = [sc["characteristics"][i]["reason"] for i in idx]
    return names != sorted(names)  # scorecard order differs from alphabetical order


def _repeats_within_cap(sc, app):
    """Whether a reason text would appear twice among the first four shortfalls."""
    ranked = sorted(
        (-gap, order, c["reason"])
        for order, (c, gap) in enumerate(zip(sc["characteristics"], _gaps(sc, app)))
        if gap > 0
    )
    first = [reason for _, _, reason in ranked[:4]]
    return len(set(first)) < len(first)


def hidden_cases(rng):
    cases = []

    # 1. cap at four, the fourth and fifth tied: scorecard order decides
    args = _decline_with(rng, _has_tie_at_cap, (6, 9))
    cases.append(_case("more than four shortfalls, a tie at the cap", args, 2,
                       "a notice lists at most four principal reasons, chosen by the rule"))

    # 2. a tie at the top, scorecard order differs from alphabetical order
    args = _decline_with(rng, _has_early_tie, (3, 6))
    cases.append(_case("tied shortfalls keep scorecard order", args, 2))

    # 3. approve exactly at the cut-off; decline one point below
    sc = _scorecard(rng, rng.randint(3, 6))
    lookalike = _characteristic(rng, *rng.choice(CONTAINS_AGE))
    sc["characteristics"].insert(rng.randrange(len(sc["characteristics"]) + 1), lookalike)
    app = _applicant(rng, sc)
    total = _expected(sc, app, 0, [])["score"]
    cases.append(_case("score equal to the cut-off is approved", [sc, app, total, ["age"]], 2))
    cases.append(_case("score one point under the cut-off is declined", [sc, app, total + 1, ["age"]], 2,
                       "a decline must state its principal reasons"))

    # 4. a scored protected field (any case) must be referred, never decided
    sc = _scorecard(rng, rng.randint(3, 5))
    field = rng.choice(["age", "marital_status", "sex"])
    shown = rng.choice([field.upper(), field.title(), field])
    extra = _characteristic(rng, shown, "Age of applicant")
    sc["characteristics"].insert(rng.randrange(len(sc["characteristics"]) + 1), extra)
    app = _applicant(rng, sc, worst=True)
    app[shown] = rng.randint(18, 80)
    cases.append(_case("scorecard scores a protected field", [sc, app, 10**4, [field, "race"]], 2,
                       "a model that scores a prohibited basis must not decide or be cited"))

    # 5. monotone violation -> refer; a flat step is not a violation
    sc = _scorecard(rng, rng.randint(3, 5))
    victim = rng.choice(sc["characteristics"])
    pts = [b["points"] for b in victim["bins"]]
    victim["monotone"] = "increasing" if pts[-1] < pts[0] else "decreasing"
    if pts[0] == pts[-1]:
        victim["bins"][-1]["points"] += 5
        victim["monotone"] = "decreasing"
    app = _applicant(rng, sc)
    cases.append(_case("a characteristic breaks its declared direction", [sc, app, 0, ["age"]], 2,
                       "a model outside its validated shape must not decide"))
    sc = _scorecard(rng, 3)
    flat = sc["characteristics"][rng.randrange(3)]
    flat["bins"] = [{"max": 10, "points": 20}, {"max": 20, "points": 20}, {"max": None, "points": 35}]
    flat["monotone"] = "increasing"
    app = _applicant(rng, sc)
    total = _expected(sc, app, 0, [])["score"]
    cases.append(_case("a flat step keeps the direction", [sc, app, total - rng.randint(0, 5), ["sex"]]))

    # 6. missing values score their own points; shared reason texts are given once. The
    # draw is kept only when the shared text falls among the first four shortfalls, so a
    # notice that repeats it loses marks on every seed.
    for _ in range(400):
        sc = _scorecard(rng, rng.randint(4, 6))
        app = _applicant(rng, sc, worst=True)
        gone = rng.choice(sc["characteristics"])
        if rng.random() < 0.5:
            del app[gone["name"]]
        else:
            app[gone["name"]] = None
        gone["missing"] = 0
        twin = rng.choice([c for c in sc["characteristics"] if c is not gone])
        gone["reason"] = twin["reason"]
        if _repeats_within_cap(sc, app):
            break
    else:
        raise RuntimeError("no draw")
    total = _expected(sc, app, 0, [])["score"]
    cases.append(_case("missing value and a shared reason text", [sc, app, total + 50, ["age"]], 2))

    rng.shuffle(cases)
    return cases
