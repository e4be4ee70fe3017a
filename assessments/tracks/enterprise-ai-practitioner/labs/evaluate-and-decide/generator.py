"""Hidden tests drawn per seed: a small, messy evaluation set per case, and the decision.

Each case is built from per-subgroup outcome counts (both models right, only the candidate
right, only the current model right, both wrong) and made messy: label spellings, missing
labels, duplicate rows, look-alike ids and subgroup names, missing predictions. The
expected answer is computed here, outside the sandbox, by `_evaluate` (exact counts,
Wilson intervals, exact McNemar test). Draws whose decision would sit within MARGIN of a
threshold are drawn again, so any correct program (z = 1.96 or the exact quantile, floats
or fractions for the intervals) gets the same decision.
"""

import functools
import math
import re
from fractions import Fraction
from statistics import NormalDist

Z = NormalDist().inv_cdf(0.975)
MARGIN = 0.002
SEPARATORS = re.compile(r"[\s_-]+")
TASKS = [
    ["billing", "technical support", "refund", "refund request", "account access"],
    ["cancel order", "track parcel", "change address", "change address now", "other"],
    ["positive", "negative", "neutral", "not negative", "mixed"],
]
# The last name of each family is a look-alike of another; it is never a named subgroup.
SUBGROUPS = [
    ["en", "fr", "de", "es", "pt", "pt-BR"],
    ["web", "mobile app", "email", "phone", "phone-callback"],
    ["small business", "public sector", "retail", "enterprise", "enterprise-eu"],
]


# -- the trusted computation ------------------------------------------------------------


@functools.cache
def _normalise(value):
    if value is None:
        return None
    text = SEPARATORS.sub(" ", str(value)).strip().casefold()
    return text or None


def _wilson(correct, n):
    p = correct / n
    shrink = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / shrink
    half = Z / shrink * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _mcnemar(b, c):
    if b + c == 0:
        return 1.0
    tail = sum(math.comb(b + c, k) for k in range(min(b, c) + 1))
    return min(1.0, 2 * tail / 2 ** (b + c))


def _summary(correct, n):
    low, high = _wilson(correct, n)
    return {"accuracy": correct / n, "ci_low": low, "ci_high": high}


def _evaluate(rows, criterion, keep_duplicates=False, missing_is_wrong=False):
    seen, kept = set(), []
    duplicates = unlabelled = 0
    for row in rows:
        if row["id"] in seen and not keep_duplicates:
            duplicates += 1
            continue
        seen.add(row["id"])
        label = _normalise(row.get("label"))
        if label is None and not missing_is_wrong:
            unlabelled += 1
            continue
        kept.append(
            (
                row["subgroup"],
                label is not None and _normalise(row.get("candidate")) == label,
                label is not None and _normalise(row.get("current")) == label,
            )
        )
    return _decide(kept, criterion, duplicates, unlabelled)


def _decide(kept, criterion, duplicates, unlabelled):
    """kept: (subgroup, candidate right, current right) per cleaned row -> (answer, margin)."""
    n = len(kept)
    cand = sum(c for _, c, _ in kept)
    cur = sum(k for _, _, k in kept)
    b = sum(1 for _, c, k in kept if c and not k)
    c_ = sum(1 for _, c, k in kept if k and not c)
    p = _mcnemar(b, c_)
    candidate = _summary(cand, n)
    reasons, margins = [], [abs(candidate["ci_low"] - criterion["min_accuracy"])]
    margins.append(abs(candidate["ci_high"] - criterion["min_accuracy"]))
    bar = Fraction(str(criterion["min_accuracy"]))
    if candidate["ci_high"] <= bar:
        reasons.append("accuracy-below-bar")
    elif candidate["ci_low"] <= bar:
        reasons.append("accuracy-uncertain")
    if p < criterion["alpha"] and c_ > b:
        reasons.append("worse-than-current")
    margins.append(abs(p - criterion["alpha"]))
    limit = Fraction(str(criterion["max_subgroup_drop"]))
    subgroups = {}
    for name in criterion["subgroups"]:
        members = [(c, k) for g, c, k in kept if g == name]
        size, right = len(members), sum(c for c, _ in members)
        before = sum(k for _, k in members)
        subgroups[name] = {
            "n": size,
            "candidate": right / size if size else None,
            "current": before / size if size else None,
        }
        if size < criterion["min_subgroup_rows"]:
            reasons.append(f"subgroup-too-small:{name}")
        elif Fraction(before - right, size) > limit:
            reasons.append(f"subgroup-regression:{name}")
    reasons.sort()
    if any(r.startswith(("accuracy-below", "worse-than", "subgroup-regression")) for r in reasons):
        decision = "no-go"
    elif reasons:
        decision = "need-more-data"
    else:
        decision = "go"
    answer = {
        "decision": decision,
        "n": n,
        "duplicates_removed": duplicates,
        "unlabelled_removed": unlabelled,
        "candidate": candidate,
        "current": _summary(cur, n),
        "paired": {"candidate_only": b, "current_only": c_, "p_value": p},
        "subgroups": subgroups,
        "reasons": reasons,
    }
    return answer, min(margins)


# -- building a messy set -----------------------------------------------------------------


@functools.cache
def _spellings(label):
    """The same label as people and other systems type it; the plain form half the time."""
    title = label.title()
    return [label] * 7 + [
        label.upper(),
        title,
        label.replace(" ", "_"),
        title.replace(" ", "-"),
        f" {label} ",
        label.replace(" ", "  ").upper(),
        label.capitalize() + "\t",
    ]


def _spell(rng, label):
    return rng.choice(_spellings(label))


def _wrong(rng, label, classes):
    """A wrong prediction: another class (often a look-alike), or no answer at all."""
    if rng.random() < 0.06:
        return rng.choice([None, ""])
    looks = [c for c in classes if c != label and (c.startswith(label) or label.startswith(c))]
    if looks and rng.random() < 0.5:
        return _spell(rng, rng.choice(looks))
    return _spell(rng, rng.choice([c for c in classes if c != label]))


def _split(rng, size, cand, cur):
    """Counts (both right, only candidate, only current, both wrong) for a subgroup."""
    low, high = max(0, cand + cur - size), min(cand, cur)
    both = rng.randint(max(low, high - 3), high)
    return (both, cand - both, cur - both, size - cand - cur + both)


class _Plan:
    """The rows of a case, built only once its counts pass the case's check (`_draw`)."""

    def __init__(self, classes, groups, after=None, **options):
        self.classes, self.groups, self.after, self.options = classes, groups, after, options

    def kept(self):
        outcomes = ((True, True), (True, False), (False, True), (False, False))
        return [
            (name, cand, cur)
            for name, counts in self.groups.items()
            for (cand, cur), count in zip(outcomes, counts, strict=True)
            for _ in range(count)
        ]

    def build(self, rng):
        rows = _build_rows(rng, self.classes, self.groups, **self.options)
        if self.after:
            self.after(rng, rows)
        return rows


def _rows(rng, classes, groups, after=None, **options):
    return _Plan(classes, groups, after, **options)


def _build_rows(rng, classes, groups, unlabelled=0, duplicates=0, dup_if=None):
    rows = []
    spellings = [_spellings(c) for c in classes]
    for name, counts in groups.items():
        for cand_ok, cur_ok, count in zip((1, 1, 0, 0), (1, 0, 1, 0), counts, strict=True):
            for _ in range(count):
                # one draw of random bits per row: the label and its three spellings
                bits, which = divmod(rng.getrandbits(40), len(classes))
                label, spelt = classes[which], spellings[which]
                bits, first = divmod(bits, len(spelt))
                bits, second = divmod(bits, len(spelt))
                third = bits % len(spelt)
                rows.append(
                    {
                        "id": None,
                        "subgroup": name,
                        "label": spelt[first],
                        "candidate": spelt[second] if cand_ok else _wrong(rng, label, classes),
                        "current": spelt[third] if cur_ok else _wrong(rng, label, classes),
                    }
                )
    names = list(groups)
    for _ in range(unlabelled):
        row = {
            "id": None,
            "subgroup": rng.choice(names),
            "label": rng.choice([None, "", "  "]),
            "candidate": _spell(rng, rng.choice(classes)),
            "current": _spell(rng, rng.choice(classes)),
        }
        if rng.random() < 0.3:
            del row["label"]
        rows.append(row)
    rng.shuffle(rows)
    prefix = rng.choice(["T-", "EV", "Case_", "Q"])
    start = rng.randint(1, 9000)
    for i, row in enumerate(rows):
        row["id"] = f"{prefix}{start + i:05d}"
    # a look-alike id: the same digits in another letter case is another example
    if len(rows) > 4:
        rows[-1]["id"] = rows[0]["id"].lower()
    pool = [i for i, row in enumerate(rows) if dup_if is None or dup_if(row)]
    for _ in range(duplicates):
        i = rng.choice(pool)
        copy = dict(rows[i])
        at = rng.randint(i + 1, len(rows))
        rows.insert(at, copy)
        pool = [j + (j >= at) for j in pool]  # rows after the inserted copy move on
    return rows


# -- the cases ----------------------------------------------------------------------------


def _criterion(base, **changes):
    return {**base, **changes}


def _case(name, rows, criterion, answer, points=1, critical=None):
    case = {
        "name": name,
        "args": [rows, criterion],
        "expected": answer,
        "comparator": "custom",
        "points": points,
    }
    if critical:
        case["critical"] = critical
    return case


def _draw(rng, make, check, tries=400):
    """make(rng) -> (plan, criterion) until check(rows, criterion, answer) holds, clear of
    every threshold by MARGIN. The counts are checked first (rows None), the rows after."""
    for _ in range(tries):
        plan, criterion = make(rng)
        answer, margin = _decide(plan.kept(), criterion, 0, 0)
        if margin <= MARGIN or not check(None, criterion, answer):
            continue
        rows = plan.build(rng)
        answer, margin = _evaluate(rows, criterion)
        if margin > MARGIN and check(rows, criterion, answer):
            return rows, criterion, answer
    raise RuntimeError(f"no draw satisfied {check.__qualname__}")


def _groups(rng, base, sizes, cand_rate, cur_shift):
    """Subgroup counts: each named subgroup of `sizes`, accuracy about cand_rate for the
    candidate and cand_rate - cur_shift for the current model."""
    groups = {}
    for name, size in sizes.items():
        cand = min(size, max(0, round(size * (cand_rate + rng.uniform(-0.04, 0.04)))))
        cur = min(size, max(0, round(size * (cand_rate - cur_shift + rng.uniform(-0.03, 0.03)))))
        groups[name] = _split(rng, size, cand, cur)
    return groups


def _with_lookalike(rng, base, groups, rate, worse=1):
    """Adds rows of the look-alike subgroup (never named in the criterion)."""
    size = rng.randint(4, 9)
    cand = round(size * rate)
    groups[base["lookalike"]] = _split(rng, size, cand, max(0, cand - worse))
    return groups


def _sizes(rng, base, low, high):
    return {name: rng.randint(low, high) for name in base["subgroups"]}


def _clear_go(rng, base, classes):
    bar = base["min_accuracy"]

    def make(r):
        rate = r.uniform(bar + 0.08, min(0.985, bar + 0.14))
        m = base["min_subgroup_rows"]
        groups = _groups(r, base, _sizes(r, base, m + 6, m + 16), rate, r.uniform(0.0, 0.04))
        groups = _with_lookalike(r, base, groups, rate)
        rows = _rows(r, classes, groups, unlabelled=r.randint(1, 4), duplicates=r.randint(1, 4))
        return rows, base

    rows, criterion, answer = _draw(rng, make, lambda r, c, a: a["decision"] == "go")
    return _case("a clear improvement on a messy set", rows, criterion, answer)


def _interval_straddles(rng, base, classes):
    """The point estimate passes the bar; the Wilson lower bound does not (a normal
    approximation's lower bound would)."""
    bar = base["min_accuracy"]
    m = base["min_subgroup_rows"]
    names = base["subgroups"]
    options = _straddling(bar, len(names) * m)

    def make(r):
        n, k = r.choice(options)
        sizes = {name: m for name in names}
        for _ in range(n - m * len(names)):
            sizes[r.choice(names)] += 1
        rate = k / n
        groups, left = {}, k
        for i, (name, size) in enumerate(sizes.items()):
            cand = left if i == len(sizes) - 1 else min(size, round(size * rate))
            left -= cand
            cur = max(0, cand - r.randint(0, 1))
            groups[name] = _split(r, size, min(cand, size), cur)
        groups = _with_lookalike(r, base, groups, rate)
        return _rows(r, classes, groups, unlabelled=r.randint(0, 2)), base

    def check(rows, criterion, answer):
        return answer["reasons"] == ["accuracy-uncertain"]

    rows, criterion, answer = _draw(rng, make, check)
    return _case(
        "the point estimate passes, the interval does not", rows, criterion, answer, points=2
    )


@functools.cache
def _straddling(bar, smallest):
    """(n, correct) pairs whose accuracy is above the bar and whose Wilson lower bound is
    below it while the normal approximation's lower bound is above it."""
    options = []
    for n in range(smallest, smallest + 25):
        for k in range(math.floor(n * bar) + 1, n + 1):
            p = k / n
            wald = p - Z * math.sqrt(p * (1 - p) / n)
            low, high = _wilson(k, n)
            if low < bar - MARGIN and wald > bar + MARGIN and high > bar:
                options.append((n, k))
    return options


def _duplicates_inflate(rng, base, classes):
    """Without removing duplicates the candidate would clear the bar."""
    bar = base["min_accuracy"]

    def make(r):
        rate = r.uniform(bar + 0.03, bar + 0.08)
        m = base["min_subgroup_rows"]
        groups = _groups(r, base, _sizes(r, base, m, m + 6), rate, r.uniform(0.0, 0.03))
        groups = _with_lookalike(r, base, groups, rate)
        rows = _rows(
            r,
            classes,
            groups,
            unlabelled=r.randint(0, 2),
            duplicates=r.randint(25, 45),
            dup_if=lambda row: (
                _normalise(row.get("label")) not in (None, _normalise(row["current"]))
                and _normalise(row.get("label")) == _normalise(row["candidate"])
            ),
        )
        return rows, base

    def check(rows, criterion, answer):
        if answer["reasons"] != ["accuracy-uncertain"]:
            return False
        kept, _ = _evaluate(rows, criterion, keep_duplicates=True) if rows else (None, 0)
        return rows is None or "accuracy-uncertain" not in kept["reasons"]

    rows, criterion, answer = _draw(rng, make, check)
    return _case("logged twice is not evidence twice", rows, criterion, answer, points=2)


def _missing_labels(rng, base, classes):
    """Rows nobody labelled are left out; counting them as errors would block a good model."""
    bar = base["min_accuracy"]

    def make(r):
        rate = r.uniform(bar + 0.08, min(0.985, bar + 0.13))
        m = base["min_subgroup_rows"]
        groups = _groups(r, base, _sizes(r, base, m + 4, m + 14), rate, r.uniform(0.0, 0.03))
        groups = _with_lookalike(r, base, groups, rate)
        total = sum(sum(c) for c in groups.values())
        rows = _rows(r, classes, groups, unlabelled=round(total * r.uniform(0.15, 0.3)))
        return rows, base

    def check(rows, criterion, answer):
        if answer["decision"] != "go":
            return False
        return (
            rows is None or _evaluate(rows, criterion, missing_is_wrong=True)[0]["decision"] != "go"
        )

    rows, criterion, answer = _draw(rng, make, check)
    return _case("unlabelled rows are not errors", rows, criterion, answer, points=2)


def _regression_rows(rng, base, classes):
    bar = base["min_accuracy"]
    limit = base["max_subgroup_drop"]
    hurt = rng.choice(base["subgroups"])

    def make(r):
        rate = r.uniform(bar + 0.12, min(0.985, bar + 0.16))
        m = base["min_subgroup_rows"]
        sizes = _sizes(r, base, m + 12, m + 22)
        sizes[hurt] = size = r.randint(m, m + 8)
        groups = _groups(r, base, sizes, rate, r.uniform(0.05, 0.09))
        cand = round(size * (rate - limit * r.uniform(1.6, 2.5)))
        groups[hurt] = _split(r, size, cand, min(size, cand + math.ceil(size * limit * 1.6)))
        groups = _with_lookalike(r, base, groups, rate)
        return _rows(
            r, classes, groups, unlabelled=r.randint(0, 3), duplicates=r.randint(0, 3)
        ), base

    def check(rows, criterion, answer):
        c = answer["candidate"]["accuracy"]
        return (
            answer["reasons"] == [f"subgroup-regression:{hurt}"]
            and c > answer["current"]["accuracy"] + 0.01
        )

    return _draw(rng, make, check)


def _hidden_regression(rng, base, classes):
    rows, criterion, answer = _regression_rows(rng, base, classes)
    return _case("better overall, worse for one subgroup", rows, criterion, answer, points=2)


def _hidden_regression_decision(rng, base, classes):
    rows, criterion, _ = _regression_rows(rng, base, classes)
    return _case(
        "a subgroup regression blocks the release",
        rows,
        criterion,
        {"decision": "no-go"},
        critical="a go despite a subgroup regression beyond the limit ships a worse model to them",
    )


def _empty_subgroup(rng, base, classes):
    """A named subgroup has no labelled rows (only unlabelled ones or none at all); another
    has a few rows and a large drop, which is too little to judge."""
    bar = base["min_accuracy"]
    spare = [s for s in base["family"] if s not in base["subgroups"] and s != base["lookalike"]]
    empty = rng.choice(spare)
    tiny = rng.choice(base["subgroups"])

    def make(r):
        rate = r.uniform(bar + 0.09, min(0.985, bar + 0.14))
        m = base["min_subgroup_rows"]
        groups = _groups(r, base, _sizes(r, base, m + 8, m + 16), rate, r.uniform(0.0, 0.03))
        size = r.randint(2, m - 1)
        groups[tiny] = _split(r, size, size - 2, size)
        groups = _with_lookalike(r, base, groups, rate)

        def add_unlabelled(rng, rows):  # the empty subgroup: unlabelled rows at most
            for _ in range(rng.randint(0, 3)):
                row = dict(rng.choice(rows), label=None, subgroup=empty)
                row["id"] = f"X{rng.randint(0, 10**6):07d}"
                rows.insert(rng.randint(0, len(rows)), row)

        plan = _rows(r, classes, groups, after=add_unlabelled, unlabelled=r.randint(0, 2))
        return plan, _criterion(base, subgroups=[*base["subgroups"], empty])

    def check(rows, criterion, answer):
        expected = sorted([f"subgroup-too-small:{empty}", f"subgroup-too-small:{tiny}"])
        return answer["reasons"] == expected

    rows, criterion, answer = _draw(rng, make, check)
    return _case("a named subgroup with no labelled rows", rows, criterion, answer, points=2)


def _drop_at_limit(rng, base, classes):
    """One subgroup drops by exactly the limit, which is allowed; computed as a difference
    of two float accuracies it looks a little larger."""
    limit = Fraction(str(base["max_subgroup_drop"]))
    bar = base["min_accuracy"]
    m = base["min_subgroup_rows"]
    edge = rng.choice(base["subgroups"])
    options = []
    for size in range(limit.denominator, 80, limit.denominator):
        if size < m:
            continue
        step = int(size * limit)
        for cand in range(size * 3 // 4, size - step + 1):
            cur = cand + step
            if cur / size - cand / size > float(limit):
                options.append((size, cand, cur))
    options = options or [(s, s - 5, s - 5 + int(s * limit)) for s in (40, 60)]

    def make(r):
        rate = r.uniform(bar + 0.09, min(0.985, bar + 0.14))
        groups = _groups(r, base, _sizes(r, base, m + 8, m + 16), rate, r.uniform(0.04, 0.08))
        size, cand, cur = r.choice(options)
        groups[edge] = _split(r, size, cand, cur)
        groups = _with_lookalike(r, base, groups, rate)
        return _rows(
            r, classes, groups, unlabelled=r.randint(0, 2), duplicates=r.randint(0, 2)
        ), base

    def check(rows, criterion, answer):
        group = answer["subgroups"][edge]
        return answer["decision"] == "go" and group["current"] > group["candidate"]

    rows, criterion, answer = _draw(rng, make, check)
    return _case(
        "a subgroup drop of exactly the limit is allowed", rows, criterion, answer, points=2
    )


def _worse_than_current(rng, base, classes):
    """Few discordant pairs, most of them against the candidate: exact test, not chi-square."""
    bar = base["min_accuracy"]
    criterion = _criterion(base, max_subgroup_drop=0.2)
    m = base["min_subgroup_rows"]

    def make(r):
        rate = r.uniform(bar + 0.09, min(0.97, bar + 0.13))
        sizes = _sizes(r, base, m + 12, m + 24)
        groups = {}
        b, c = r.choice([(0, 6), (0, 7), (0, 9), (1, 8), (1, 9), (2, 10), (2, 11)])
        names = list(sizes)
        only_cand = {n: 0 for n in names}
        only_cur = {n: 0 for n in names}
        for _ in range(b):
            only_cand[r.choice(names)] += 1
        for _ in range(c):
            only_cur[r.choice(names)] += 1
        for name, size in sizes.items():
            cand = round(size * rate)
            wrong = max(0, size - cand - only_cur[name])
            both = size - wrong - only_cand[name] - only_cur[name]
            groups[name] = (both, only_cand[name], only_cur[name], wrong)
        groups = _with_lookalike(r, base, groups, rate)
        both, cand_only, _, _ = groups[base["lookalike"]]  # no disagreements there
        groups[base["lookalike"]] = (
            both + cand_only,
            0,
            0,
            sum(groups[base["lookalike"]]) - both - cand_only,
        )
        return _rows(r, classes, groups, unlabelled=r.randint(0, 2)), criterion

    def check(rows, criterion, answer):
        return answer["reasons"] == ["worse-than-current"]

    rows, criterion, answer = _draw(rng, make, check)
    return _case("significantly worse than the current model", rows, criterion, answer, points=2)


def _tied_pairs(rng, base, classes):
    """As many rows only the candidate gets right as rows only the current model gets right."""
    bar = base["min_accuracy"]
    m = base["min_subgroup_rows"]

    def make(r):
        rate = r.uniform(bar + 0.09, min(0.97, bar + 0.13))
        sizes = _sizes(r, base, m + 8, m + 16)
        k = r.randint(1, 3)
        groups = {}
        for i, (name, size) in enumerate(sizes.items()):
            cand = round(size * rate)
            swap = min(k, size - cand) if i == 0 else 0
            groups[name] = (cand - swap, swap, swap, size - cand - swap)
        groups = _with_lookalike(r, base, groups, rate, worse=0)
        return _rows(r, classes, groups, unlabelled=r.randint(0, 2)), base

    def check(rows, criterion, answer):
        paired = answer["paired"]
        return answer["decision"] == "go" and paired["candidate_only"] == paired["current_only"] > 0

    rows, criterion, answer = _draw(rng, make, check)
    return _case("tied disagreements", rows, criterion, answer)


def _below_bar(rng, base, classes):
    bar = base["min_accuracy"]
    m = base["min_subgroup_rows"]

    def make(r):
        rate = bar - r.uniform(0.12, 0.2)
        groups = _groups(r, base, _sizes(r, base, m + 4, m + 12), rate, r.uniform(0.0, 0.03))
        groups = _with_lookalike(r, base, groups, rate)
        return _rows(
            r, classes, groups, unlabelled=r.randint(0, 2), duplicates=r.randint(0, 2)
        ), base

    def check(rows, criterion, answer):
        return answer["reasons"] == ["accuracy-below-bar"]

    rows, criterion, answer = _draw(rng, make, check)
    return _case("the whole interval is below the bar", rows, criterion, answer)


def hidden_cases(rng):
    family = list(rng.choice(SUBGROUPS))
    lookalike = family[-1]
    named = [*rng.sample(family[:-2], 2), family[-2]]  # the look-alike's original is named
    rng.shuffle(named)
    base = {
        "min_accuracy": rng.choice([0.7, 0.75, 0.8, 0.85]),
        "max_subgroup_drop": rng.choice([0.05, 0.1]),
        "min_subgroup_rows": rng.choice([10, 12, 15]),
        "alpha": 0.05,
        "subgroups": named,
    }
    # not part of the criterion: the generator's own bookkeeping
    context = {**base, "family": family[:-1], "lookalike": lookalike}
    classes = rng.choice(TASKS)
    makers = [
        _clear_go,
        _interval_straddles,
        _duplicates_inflate,
        _missing_labels,
        _hidden_regression,
        _hidden_regression_decision,
        _empty_subgroup,
        _drop_at_limit,
        _worse_than_current,
        _tied_pairs,
        _below_bar,
    ]
    cases = []
    for make in makers:
        case = make(rng, context, classes)
        criterion = case["args"][1]
        case["args"][1] = {k: criterion[k] for k in base}
        cases.append(case)
    return cases
