"""Hidden tests drawn per seed: intersectional groups, many of them small, and the cases
where a quick audit goes wrong.

Each case is built as counts per group (size, selected), rendered as shuffled records
with the attribute values spelt as a tired HR system spells them, and answered by an exact
audit in this file (integers and fractions, as in the reference). Draws whose p-value lies
within 1e-6 of 0.05 are drawn again, so that a correct program in floating point gets the
same statuses.
"""

from fractions import Fraction
from math import comb

MISSING = "(missing)"
MIN_SIZE = 5
ALPHA = Fraction(1, 20)
FOUR_FIFTHS = Fraction(4, 5)
MARGIN = Fraction(1, 10**6)

# The attributes and their categories (canonical: trimmed, single spaces, lower case).
ATTRIBUTES = {
    "sex": ["female", "male"],
    "race_ethnicity": ["asian", "black", "hispanic or latino", "white", "two or more races"],
    "age_band": ["under 40", "40 and over"],
    "disability": ["disabled", "not disabled"],
}
OTHER_FIELDS = ["office", "source", "role"]

# (reference selected, reference size, (selected, size) with p just under 0.05,
# (selected, size) with p just over 0.05): found by exhaustive search; every listed group's
# impact ratio is under 4/5.
NEAR_ALPHA = [
    (4, 8, (4, 29), (2, 18)),
    (6, 9, (5, 20), (7, 26)),
    (6, 12, (4, 25), (5, 29)),
    (6, 13, (2, 17), (0, 7)),
    (7, 10, (1, 7), (6, 21)),
    (7, 13, (3, 19), (3, 18)),
    (7, 15, (2, 17), (0, 8)),
    (8, 16, (6, 30), (0, 6)),
    (9, 11, (2, 7), (6, 15)),
    (9, 16, (7, 30), (6, 25)),
    (9, 17, (6, 28), (5, 23)),
    (9, 18, (1, 10), (6, 30)),
    (10, 18, (5, 23), (5, 22)),
    (10, 19, (1, 9), (5, 24)),
    (10, 20, (1, 10), (4, 21)),
    (11, 19, (4, 17), (5, 21)),
    (11, 20, (4, 19), (4, 18)),
    (12, 12, (5, 8), (11, 16)),
    (12, 15, (12, 27), (5, 13)),
    (12, 18, (6, 20), (6, 19)),
    (13, 18, (7, 19), (1, 6)),
    (14, 17, (11, 22), (12, 24)),
    (16, 19, (12, 23), (12, 22)),
    (18, 20, (9, 16), (9, 15)),
]
# (reference selected, reference size, selected, size): the one-sided (lower-tail) p-value
# is under 0.05, the two-sided one is not, and the impact ratio is between 2/3 and 4/5.
ONE_SIDED = [
    (11, 11, 16, 23),
    (11, 11, 17, 25),
    (13, 13, 9, 13),
    (13, 13, 13, 19),
    (13, 13, 16, 22),
    (14, 14, 10, 14),
    (14, 14, 13, 18),
    (14, 14, 17, 23),
    (14, 15, 17, 27),
    (14, 16, 17, 29),
    (15, 16, 13, 20),
    (15, 16, 20, 30),
    (15, 17, 17, 28),
    (16, 16, 17, 23),
    (16, 17, 15, 23),
    (16, 17, 16, 24),
    (17, 19, 17, 27),
    (18, 18, 20, 26),
    (18, 18, 21, 27),
    (18, 19, 10, 15),
    (18, 19, 17, 25),
    (19, 20, 9, 14),
    (19, 20, 14, 20),
    (20, 20, 23, 29),
]


# --- the exact audit -------------------------------------------------------------------


def _fisher(a, n1, c, n2):
    selected, total = a + c, n1 + n2
    observed = comb(selected, a) * comb(total - selected, n1 - a)
    low, high = max(0, n1 - (total - selected)), min(selected, n1)
    weights = (comb(selected, x) * comb(total - selected, n1 - x) for x in range(low, high + 1))
    return Fraction(sum(w for w in weights if w <= observed), comb(total, n1))


def _audit(counts):
    """counts: {key: (size, selected)} -> (expected answer, p-values too close to 0.05)."""
    rates = {k: Fraction(s, n) for k, (n, s) in counts.items()}
    eligible = [k for k, (n, _) in counts.items() if n >= MIN_SIZE]
    reference = min(eligible, key=lambda k: (-rates[k], -counts[k][0], k), default=None)
    groups, close_call = {}, False
    for key, (n, hits) in sorted(counts.items()):
        ratio = p = None
        status = "insufficient data"
        if reference is not None:
            if rates[reference]:
                ratio = rates[key] / rates[reference]
            if key != reference:
                p = _fisher(hits, n, counts[reference][1], counts[reference][0])
                close_call |= abs(p - ALPHA) < MARGIN
            if n >= MIN_SIZE:
                if p is not None and p < ALPHA:
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
            "p_value": None if p is None else float(p),
            "status": status,
        }
    return {"reference": reference, "groups": groups}, close_call


# --- rendering records -----------------------------------------------------------------


def _spell(rng, value, messy):
    """One spelling of a canonical category; messy spellings differ in case and spaces."""
    if not messy or rng.random() < 0.4:
        return value
    words = value.split(" ")
    style = rng.randrange(4)
    if style == 0:
        words = [w.upper() for w in words]
    elif style == 1:
        words = [w.capitalize() for w in words]
    elif style == 2:
        words = [w.title() for w in words]
    text = (" " * rng.choice([1, 2])).join(words)
    return rng.choice(["", " ", "  ", "\t"]) + text + rng.choice(["", " ", "\n"])


def _counts(groups):
    counts = {}
    for values, (size, selected) in groups.items():
        key = " | ".join(values)
        old = counts.get(key, (0, 0))
        counts[key] = (old[0] + size, old[1] + selected)
    return counts


def _records(rng, attributes, groups, messy=False, missing_styles=("absent",)):
    """groups: {(value, ...): (size, selected)} -> the applicants' records, shuffled."""
    blanks = {"null": None, "blank": "", "spaces": "   "}
    records = []
    for values, (size, selected) in groups.items():
        # a few spellings per category and group; each record takes one of them
        spellings = [
            [_spell(rng, v, messy) for _ in range(3)]
            if v != MISSING
            else [blanks.get(rng.choice(missing_styles), MISSING) for _ in range(3)]
            for v in values
        ]
        for i in range(size):
            record = {"id": 0}
            for name, options in zip(attributes, spellings, strict=True):
                value = options[int(rng.random() * 3)]
                if value != MISSING:
                    record[name] = value
            for name in OTHER_FIELDS[: int(rng.random() * 3)]:
                record[name] = "north" if rng.random() < 0.5 else "referral"
            hit = i < selected
            record["selected"] = int(hit) if messy and rng.random() < 0.5 else hit
            records.append(record)
    rng.shuffle(records)
    for i, record in enumerate(records):
        record["id"] = 1000 + i
    return records


def _cells(rng, attributes):
    """Every intersection of the attributes' categories, in a drawn order."""
    cells = [()]
    for name in attributes:
        cells = [(*cell, value) for cell in cells for value in ATTRIBUTES[name]]
    rng.shuffle(cells)
    return cells


def _attributes(rng, k):
    names = rng.sample(["sex", "race_ethnicity", "age_band", "disability"], k)
    if k == 2 and "race_ethnicity" not in names and rng.random() < 0.7:
        names[rng.randrange(2)] = "race_ethnicity"
    return names


def _case(name, attributes, records, answer, points, critical=None):
    case = {
        "name": name,
        "args": [records, attributes],
        "expected": answer,
        "comparator": "close",
        "tolerance": 1e-6,
        "points": points,
    }
    if critical:
        case["critical"] = critical
    return case


def _draw(rng, make, check, messy=False, missing_styles=("absent",)):
    """make(rng) -> (attributes, groups); drawn again until check(answer, counts) holds."""
    while True:
        attributes, groups = make(rng)
        counts = _counts(groups)
        answer, close_call = _audit(counts)
        if not close_call and check(answer, counts):
            return attributes, _records(rng, attributes, groups, messy, missing_styles), answer


def _statuses(answer):
    return [g["status"] for g in answer["groups"].values()]


def _largest(counts):
    return max(counts, key=lambda k: (counts[k][0], k))


# --- the cases -------------------------------------------------------------------------


def _main(rng):
    """Two attributes, 6-10 intersections, several small; the reference is neither the
    largest group nor listed first; some groups are clearly adverse, some undecidable."""

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[: r.randint(6, 10)]
        groups = {cells[0]: (n := r.randint(12, 20), r.randint(n * 6 // 10, n * 8 // 10))}
        groups[cells[1]] = (n := r.randint(30, 60), r.randint(n // 6, n * 3 // 10))
        for cell in cells[2:]:
            n = r.choice([r.randint(2, 12), r.randint(5, 12), r.randint(13, 40)])
            groups[cell] = (n, r.randint(0, n * 6 // 10))
        return attributes, groups

    def check(answer, counts):
        statuses, ref = _statuses(answer), answer["reference"]
        small = [k for k, (n, _) in counts.items() if n < MIN_SIZE]
        return (
            ref is not None
            and ref != _largest(counts)
            and ref != min(counts)
            and "adverse impact indicated" in statuses
            and any(
                g["status"] == "insufficient data" and g["n"] >= MIN_SIZE
                for g in answer["groups"].values()
            )
            and bool(small)
        )

    attributes, records, answer = _draw(rng, make, check, messy=True)
    return _case(
        "two attributes, intersectional groups of very different sizes",
        attributes,
        records,
        answer,
        4,
        "missing adverse impact against an intersectional group clears a discriminatory screen",
    )


def _three_attributes(rng):
    """Three attributes: many empty or tiny intersections, a group of one who was selected,
    and groups nobody from was selected."""

    def make(r):
        attributes = _attributes(r, 3)
        cells = _cells(r, attributes)[: r.randint(7, 12)]
        groups = {cells[0]: (1, 1)}  # one person, selected: rate 1, far too few to compare with
        groups[cells[1]] = (n := r.randint(5, 12), 0)
        groups[cells[2]] = (r.randint(2, 4), 0)
        groups[cells[3]] = (n := r.randint(10, 25), r.randint(n // 2, n * 7 // 10))
        for cell in cells[4:]:
            n = r.randint(2, 25)
            groups[cell] = (n, r.randint(0, n * 6 // 10))
        return attributes, groups

    def check(answer, counts):
        return answer["reference"] is not None and answer["reference"] != min(counts)

    attributes, records, answer = _draw(rng, make, check)
    return _case(
        "three attributes, a group of one and groups with nobody selected",
        attributes,
        records,
        answer,
        3,
        "a group of one cannot be the benchmark the others are measured against",
    )


def _gap_not_significant(rng):
    """A group of 6-12 whose impact ratio is between 2/3 and 4/5 but whose shortfall could
    be chance: neither adverse impact nor its absence is shown."""

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[:4]
        groups = {cells[0]: (n := r.randint(10, 20), r.randint(n // 2, n * 8 // 10))}
        groups[cells[1]] = (r.randint(6, 12), 0)
        groups[cells[2]] = (n := r.randint(15, 30), r.randint(n * 2 // 5, n // 2))
        groups[cells[3]] = (n := r.randint(5, 12), r.randint(0, n // 2))
        rate = Fraction(groups[cells[0]][1], groups[cells[0]][0])
        n = groups[cells[1]][0]
        groups[cells[1]] = (n, max(1, round(n * rate * Fraction(3, 4))))
        return attributes, groups

    def check(answer, counts):
        ref = answer["reference"]
        if ref is None:
            return False
        return any(
            g["n"] <= 12
            and g["p_value"] is not None
            and g["p_value"] >= 0.05
            and 2 / 3 < g["impact_ratio"] < 0.8
            for g in answer["groups"].values()
        )

    attributes, records, answer = _draw(rng, make, check, messy=True)
    return _case(
        "a small group under four fifths whose shortfall could be chance",
        attributes,
        records,
        answer,
        3,
        "a gap the sample cannot resolve is insufficient data, neither fairness nor proof",
    )


def _significant_above_four_fifths(rng):
    """Large groups: an impact ratio of 0.80-0.90 that is still statistically significant."""

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[:3]
        n = r.randint(60, 90)
        top = r.randint(n * 88 // 100, n * 95 // 100)
        groups = {cells[0]: (n, top)}
        m = r.randint(70, 110)
        groups[cells[1]] = (m, int(m * top / n * r.uniform(0.8, 0.88)) + 1)
        groups[cells[2]] = (k := r.randint(20, 40), r.randint(k * 6 // 10, k * 8 // 10))
        return attributes, groups

    def check(answer, counts):
        return any(
            g["status"] == "adverse impact indicated" and g["impact_ratio"] >= 0.8
            for g in answer["groups"].values()
        )

    attributes, records, answer = _draw(rng, make, check)
    return _case(
        "a significant shortfall that passes four fifths",
        attributes,
        records,
        answer,
        3,
        "a shortfall the data show beyond chance is adverse impact even above four fifths",
    )


def _one_sided(rng):
    c, n2, a, n1 = rng.choice(ONE_SIDED)

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[:3]
        groups = {cells[0]: (n2, c), cells[1]: (n1, a)}
        groups[cells[2]] = (n := r.randint(5, 15), r.randint(n // 2, n * 3 // 4))
        return attributes, groups

    attributes, records, answer = _draw(rng, make, lambda a, c: True)
    return _case("a shortfall significant only one-sided", attributes, records, answer, 2)


def _near_alpha(rng):
    c, n2, under, over = rng.choice(NEAR_ALPHA)

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[:3]
        groups = {cells[0]: (n2, c), cells[1]: under[::-1], cells[2]: over[::-1]}
        return attributes, groups

    def check(answer, counts):
        return answer["groups"][answer["reference"]]["n"] == n2

    attributes, records, answer = _draw(rng, make, check)
    return _case("p-values either side of 0.05", attributes, records, answer, 2)


def _smallest_reference(rng):
    """Every group has five or more people; the most-selected is the smallest and the
    largest group has a lower rate."""

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[: r.randint(3, 5)]
        groups = {cells[0]: (n := r.randint(5, 7), r.randint(n - 2, n))}
        groups[cells[1]] = (n := r.randint(40, 80), r.randint(n // 3, n // 2))
        for cell in cells[2:]:
            n = r.randint(8, 30)
            groups[cell] = (n, r.randint(n // 5, n // 2))
        return attributes, groups

    def check(answer, counts):
        ref = answer["reference"]
        return counts[ref][0] == min(n for n, _ in counts.values())

    attributes, records, answer = _draw(rng, make, check)
    return _case("the most-selected group is the smallest", attributes, records, answer, 2)


def _tie(rng):
    """Two groups share the highest rate; the smaller one sorts first and its records come
    first."""

    def make(r):
        attributes = _attributes(r, 2)
        cells = sorted(_cells(r, attributes)[:4])
        s, n = r.choice([(3, 5), (4, 5), (4, 6), (5, 7), (6, 8), (5, 6)])
        k = r.randint(2, 4)
        groups = {cells[0]: (n, s), cells[1]: (n * k, s * k)}
        for cell in cells[2:]:
            m = r.randint(8, 30)
            groups[cell] = (m, r.randint(m // 5, m // 2))
        return attributes, groups

    def check(answer, counts):
        return answer["reference"] == sorted(counts)[1]

    attributes, records, answer = _draw(rng, make, check)
    first = sorted(answer["groups"])[0]
    records.sort(key=lambda rec: " | ".join(rec[a] for a in attributes) != first)
    return _case("two groups tied for the highest rate", attributes, records, answer, 2)


def _spellings(rng):
    """The same categories typed in different case and with stray spaces; other fields
    vary between records; selected given as true/false and as 1/0."""

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[: r.randint(3, 5)]
        groups = {}
        for cell in cells:
            n = r.randint(6, 20)
            groups[cell] = (n, r.randint(n // 4, n * 3 // 4))
        return attributes, groups

    def check(answer, counts):
        return len(counts) >= 3

    attributes, records, answer = _draw(rng, make, check, messy=True)
    return _case(
        "categories typed in different case and spacing",
        attributes,
        records,
        answer,
        2,
        "one group split by its spelling hides its real size and rate",
    )


def _missing(rng):
    """Some applicants have no value for one attribute: absent, null, or blank."""

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[: r.randint(3, 4)]
        groups = {cells[0]: (n := r.randint(12, 20), r.randint(n // 2, n * 3 // 4))}
        for cell in cells[1:]:
            n = r.randint(6, 20)
            groups[cell] = (n, r.randint(n // 4, n // 2))
        lost = r.randrange(2)
        cell = list(cells[0])
        cell[lost] = MISSING
        groups[tuple(cell)] = (n := r.randint(8, 16), r.randint(0, n // 5))
        cell = list(cells[1])
        cell[1 - lost] = MISSING
        groups[tuple(cell)] = (r.randint(1, 4), r.randint(0, 1))
        return attributes, groups

    def check(answer, counts):
        return any(
            MISSING in k and g["n"] >= MIN_SIZE and g["status"] != "not indicated"
            for k, g in answer["groups"].items()
        )

    attributes, records, answer = _draw(
        rng, make, check, messy=True, missing_styles=("absent", "null", "blank", "spaces")
    )
    return _case(
        "applicants with a missing attribute value",
        attributes,
        records,
        answer,
        3,
        "applicants who did not state an attribute are still applicants: dropping them hides harm",
    )


def _exactly_four_fifths(rng):
    """One group at exactly 4/5 of the reference rate, drawn so that floating-point rates
    make the ratio 0.7999...; one group just under; neither shortfall is significant."""

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[:3]
        n = r.randint(5, 12)
        s = r.randint((n + 1) // 2, n)
        k = r.randint(1, 2)
        groups = {cells[0]: (n, s), cells[1]: (5 * n * k, 4 * s * k)}
        groups[cells[2]] = (5 * n * k, 4 * s * k - 1)
        return attributes, groups

    def check(answer, counts):
        ref, at, under = (" | ".join(c) for c in counts_order)
        n, s = counts[ref]
        m, t = counts[at]
        return (
            answer["reference"] == ref
            and answer["groups"][at]["status"] == "not indicated"
            and answer["groups"][under]["status"] == "insufficient data"
            and (t / m) / (s / n) < 0.8
        )

    while True:
        attributes, groups = make(rng)
        counts_order = list(groups)
        counts = _counts(groups)
        answer, close_call = _audit(counts)
        if not close_call and check(answer, counts):
            break
    records = _records(rng, attributes, groups)
    return _case("an impact ratio of exactly four fifths", attributes, records, answer, 2)


def _nobody_selected(rng):
    """Nobody in any group of five or more was selected: no ratio can be formed; the
    reference is the largest of them, which does not sort first."""

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[:4]
        groups = {cell: (r.randint(5, 15), 0) for cell in cells[:3]}
        groups[cells[3]] = (r.randint(2, 4), r.randint(1, 2))
        return attributes, groups

    def check(answer, counts):
        ref = answer["reference"]
        sizes = sorted(n for k, (n, _) in counts.items() if n >= MIN_SIZE)
        return ref != min(counts) and sizes[-1] != sizes[-2] and counts[ref][0] == sizes[-1]

    attributes, records, answer = _draw(rng, make, check)
    return _case("nobody selected in any group large enough", attributes, records, answer, 1)


def _all_small(rng):
    def make(r):
        attributes = _attributes(r, 3)
        cells = _cells(r, attributes)[: r.randint(3, 6)]
        return attributes, {cell: (n := r.randint(1, 4), r.randint(0, n)) for cell in cells}

    attributes, records, answer = _draw(rng, make, lambda a, c: True)
    return _case("every group too small to compare", attributes, records, answer, 1)


def _size_limit(rng):
    """Groups of exactly four and exactly five: a perfect group of four is no benchmark,
    and a group of five with nobody selected is large enough to show adverse impact."""

    def make(r):
        attributes = _attributes(r, 2)
        cells = _cells(r, attributes)[:4]
        groups = {cells[0]: (4, 4), cells[1]: (5, 0), cells[2]: (4, 0)}
        groups[cells[3]] = (n := r.randint(14, 24), r.randint(n - 2, n - 1))
        return attributes, groups

    def check(answer, counts):
        return any(
            g["n"] == 5 and g["status"] == "adverse impact indicated"
            for g in answer["groups"].values()
        )

    attributes, records, answer = _draw(rng, make, check)
    return _case("groups of exactly four and five", attributes, records, answer, 2)


def hidden_cases(rng):
    cases = [
        _main(rng),
        _three_attributes(rng),
        _gap_not_significant(rng),
        _significant_above_four_fifths(rng),
        _one_sided(rng),
        _near_alpha(rng),
        _smallest_reference(rng),
        _tie(rng),
        _spellings(rng),
        _missing(rng),
        _exactly_four_fifths(rng),
        _nobody_selected(rng),
        _all_small(rng),
        _size_limit(rng),
    ]
    rng.shuffle(cases)
    return cases
