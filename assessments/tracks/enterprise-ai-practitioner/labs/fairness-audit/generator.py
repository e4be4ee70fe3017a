"""Hidden tests drawn per seed: group names, sizes, record order and the boundary cases.

A group is drawn as four counts: qualified and selected, qualified and not selected,
unqualified and selected, unqualified and neither. Expected answers are computed with exact
fractions; draws whose rounding to 4 places would be a tie are drawn again, so that any
correct program (floats or fractions) gets the same rounded numbers.
"""

from fractions import Fraction

GROUP_NAMES = [
    "women", "men", "non-binary", "under 40", "40 and over", "Black", "White", "Asian",
    "Hispanic", "north", "south", "east", "west", "group 7", "B", "a", "Z-region",
    "disabled", "not disabled", "veteran", "urban", "rural",
]
FOUR_FIFTHS = Fraction(4, 5)


def _rate(hits, total):
    return Fraction(hits, total) if total else None


def _tie(value):
    return value is not None and (value * 10000) % 1 == Fraction(1, 2)


def _number(value):
    return None if value is None else round(float(value), 4)


def _expected(groups):
    """groups: {name: (q_sel, q_not, u_sel, u_not)} -> (expected answer, exact ratio)."""
    selection, tpr = {}, {}
    for name, (qs, qn, us, un) in groups.items():
        selection[name] = _rate(qs + us, qs + qn + us + un)
        tpr[name] = _rate(qs, qs + qn)
    highest = max(selection.values())
    ratio = min(selection.values()) / highest if highest else None
    known = [v for v in tpr.values() if v is not None]
    gap = max(known) - min(known) if known else None
    values = [*selection.values(), *tpr.values(), ratio, gap]
    answer = {
        "selection_rate": {g: _number(v) for g, v in sorted(selection.items())},
        "impact_ratio": _number(ratio),
        "four_fifths_ok": None if ratio is None else ratio >= FOUR_FIFTHS,
        "tpr": {g: _number(v) for g, v in sorted(tpr.items())},
        "equal_opportunity_gap": _number(gap),
    }
    return answer, ratio, any(_tie(v) for v in values)


def _records(rng, groups, booleans=False, extra=False):
    records = []
    for name, (qs, qn, us, un) in groups.items():
        for qualified, selected, count in ((1, 1, qs), (1, 0, qn), (0, 1, us), (0, 0, un)):
            for _ in range(count):
                record = {"group": name, "qualified": qualified, "selected": selected}
                if booleans:
                    record["qualified"], record["selected"] = bool(qualified), bool(selected)
                if extra:
                    record = {"id": 0, **record, "score": round(rng.random(), 3)}
                records.append(record)
    rng.shuffle(records)
    if extra:
        for i, record in enumerate(records):
            record["id"] = 1000 + i
    return records


def _names(rng, k):
    return rng.sample(GROUP_NAMES, k)


def _case(name, records, answer, points=1, critical=None):
    case = {
        "name": name,
        "args": [records],
        "expected": answer,
        "comparator": "close",
        "tolerance": 1e-6,
        "points": points,
    }
    if critical:
        case["critical"] = critical
    return case


def _draw(rng, make, check):
    """Draws groups with make(rng) until check(groups, answer, ratio) holds and no tie."""
    while True:
        groups = make(rng)
        answer, ratio, tie = _expected(groups)
        if not tie and check(groups, answer, ratio):
            return groups, answer


def _counts(rng, low=0, high=9):
    return tuple(rng.randint(low, high) for _ in range(4))


def _adverse(rng):
    """Three or four groups, clear adverse impact; the most-selected group is neither the
    first in alphabetical order nor the first record, and the lowest TPR group is not the
    lowest-selection group (nor is TPR the selection rate of everyone)."""
    names = sorted(_names(rng, rng.choice([3, 4])))
    top = rng.choice(names[1:])
    others = [n for n in names if n != top]
    rng.shuffle(others)
    bottom, middle = others[0], others[1:]

    def make(r):
        groups = {}
        # the most-selected group: many selected, mostly qualified ones
        total = r.randint(9, 15)
        groups[top] = _split(r, total, r.randint(total * 6 // 10, total - 1))
        # the least-selected group: few selected, but its qualified are picked (high TPR)
        total = r.randint(9, 15)
        selected = r.randint(1, total * 3 // 10)
        qs = r.randint(1, selected)
        groups[bottom] = (qs, r.randint(0, 1), selected - qs, total - selected - 1)
        for name in middle:  # in between; its qualified are often passed over
            total = r.randint(8, 14)
            qualified = r.randint(4, total - 2)
            qs = r.randint(0, 1)
            us = r.randint(2, total - qualified)
            groups[name] = (qs, qualified - qs, us, total - qualified - us)
        return groups

    def check(groups, answer, ratio):
        rates, tprs = answer["selection_rate"], answer["tpr"]
        low_tpr = min((v, n) for n, v in tprs.items() if v is not None)[1]
        return (
            ratio < Fraction(7, 10)
            and max(rates.values()) == rates[top]
            and list(rates.values()).count(rates[top]) == 1
            and low_tpr != bottom
        )

    groups, answer = _draw(rng, make, check)
    records = _records(rng, groups)
    while records[0]["group"] == top:
        rng.shuffle(records)
    return _case(
        "adverse impact against a group, most-selected group not listed first",
        records,
        answer,
        points=2,
        critical="an audit that misses adverse impact clears a discriminatory screen",
    )


def _float_ratio(groups):
    """The lowest/highest selection rate as a program computing in floats would get it."""
    rates = [(qs + us) / (qs + qn + us + un) for qs, qn, us, un in groups.values()]
    return min(rates) / max(rates)


def _split(rng, total, selected):
    """Splits a group's total and selected count into the four counts, both kinds present."""
    qualified = rng.randint(1, total - 1) if total > 1 else total
    qs = rng.randint(max(0, selected - (total - qualified)), min(selected, qualified))
    us = selected - qs
    return (qs, qualified - qs, us, total - qualified - us)


def _boundary(rng, below):
    """Two or three groups; lowest/highest selection rate exactly 4/5, or just under it
    (strictly between 0.795 and 0.8, so that rounding the ratio to 2 places says 0.80)."""
    names = _names(rng, rng.choice([2, 3]))

    def make(r):
        b = r.randint(2, 9)
        a = r.randint(1, b - 1)
        if below:
            b = r.randint(5, 9)
            a = r.randint(b - 3, b - 1)
            k = -(-41 // a) + r.randint(0, 2)  # ratio = 4/5 - 1/(5ak), ak > 40: 0.795 < ratio < 0.8
            low = (5 * b * k, 4 * a * k - 1)
        else:
            k = r.randint(1, 4)
            low = (5 * b * k, 4 * a * k)
        m = r.randint(1, 4)
        high = (b * m, a * m)
        sizes = {names[0]: high, names[1]: low}
        if len(names) == 3:  # a group in between
            t = r.randint(10, 30)
            sizes[names[2]] = (t, round(t * (a / b) * 0.9))
        return {n: _split(r, total, sel) for n, (total, sel) in sizes.items()}

    def check(groups, answer, ratio):
        if below:
            return Fraction(795, 1000) < ratio < FOUR_FIFTHS
        # Exactly 4/5, and drawn so that floating-point rates make it fall below 0.8: a
        # program that decides on floats then fails this case on every seed.
        return ratio == FOUR_FIFTHS and _float_ratio(groups) < 0.8

    groups, answer = _draw(rng, make, check)
    if below:
        return _case(
            "selection ratio just under four fifths fails",
            _records(rng, groups),
            answer,
            points=2,
            critical="a ratio under four fifths is adverse impact and must be flagged",
        )
    return _case("selection ratio of exactly four fifths passes", _records(rng, groups), answer, points=2)


def _no_qualified_group(rng):
    names = _names(rng, 3)

    def make(r):
        groups = {n: _counts(r, 1, 9) for n in names}
        _, _, us, un = groups[names[0]]
        groups[names[0]] = (0, 0, us, un)
        return groups

    def check(groups, answer, ratio):
        known = [v for v in answer["tpr"].values() if v is not None]
        return min(known) > 0 and max(known) < 1
    groups, answer = _draw(rng, make, check)
    return _case("a group without qualified candidates has no TPR", _records(rng, groups), answer, points=2)


def _nobody_selected(rng):
    names = _names(rng, rng.choice([2, 3]))
    groups = {n: (0, rng.randint(1, 6), 0, rng.randint(1, 6)) for n in names}
    answer, _, _ = _expected(groups)
    return _case("nobody was selected", _records(rng, groups), answer)


def _nobody_qualified(rng):
    names = _names(rng, rng.choice([2, 3]))

    def make(r):
        return {n: (0, 0, r.randint(1, 7), r.randint(1, 7)) for n in names}

    groups, answer = _draw(rng, make, lambda g, a, ratio: True)
    return _case("nobody was qualified", _records(rng, groups), answer)


def _booleans(rng):
    names = _names(rng, 2)

    def make(r):
        return {n: _counts(r, 1, 8) for n in names}

    groups, answer = _draw(rng, make, lambda g, a, ratio: True)
    return _case(
        "flags given as true/false, records carry other fields",
        _records(rng, groups, booleans=True, extra=True),
        answer,
    )


def hidden_cases(rng):
    cases = [
        _adverse(rng),
        _boundary(rng, below=False),
        _boundary(rng, below=True),
        _no_qualified_group(rng),
        _nobody_selected(rng),
        _nobody_qualified(rng),
        _booleans(rng),
    ]
    order = cases[:]
    rng.shuffle(order)
    # test names stay fixed (they are hidden anyway); order of the cases is drawn
    return order
