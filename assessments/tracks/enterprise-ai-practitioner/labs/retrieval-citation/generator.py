"""Hidden retrieval and citation cases drawn per seed.

Retrieval: questions are drawn from the handbook's own words mixed with filler, and the
expected ids are computed with the lab stub's embedding function
(``assessments.labs.openai_stub.embed``), 256 dimensions, exactly as the sandbox's model
answers. Floors are placed in the middle of a gap between two scores (never within 1e-6
of a score, so any correct way of computing the cosine agrees), except the exact floor of
0.0 with passages whose vectors share no dimension with the question: their score is
exactly 0 however it is computed, so they tie (broken by id) and are kept (0 >= 0).

Citations: answers are rendered from a known structure (each sentence's words and the ids
it really cites), so the expected answer never depends on parsing the rendered text.
Traps: look-alike ids that extend or shorten a retrieved id, ids in other case, with a
Cyrillic letter or a Unicode hyphen, Markdown links and images whose text looks like an id,
adjacent citations, citations written straight after the full stop, decimals, e-mail
addresses and URLs inside sentences, line breaks between sentences, a last sentence
without a full stop, nothing retrieved at all, and task names that only resemble the two
real ones.
"""

import json
from pathlib import Path

from assessments.labs.openai_stub import embed

DIMENSIONS = 256
PASSAGES = json.loads((Path(__file__).parent / "data" / "handbook.json").read_text(encoding="utf-8"))
IDS = [p["id"] for p in PASSAGES]
VECTORS = {p["id"]: embed(f"{p['title']} {p['text']}", DIMENSIONS) for p in PASSAGES}
HANDBOOK_WORDS = sorted({w.strip(".,'").lower() for p in PASSAGES for w in (p["title"] + " " + p["text"]).split()} - {""})
FILLER = ["please", "tell", "me", "how", "does", "it", "work", "for", "our", "team", "exactly", "what", "rules", "apply"]
NONSENSE = ["quantum", "giraffe", "volcano", "sonnet", "chromodynamics", "origami", "saxophone", "nebula", "tundra", "zeppelin"]


def dot(a, b):
    return sum(x * y for x, y in zip(a, b))


def shares_dimension(a, b):
    return any(x and y for x, y in zip(a, b))


def scores(question):
    q = embed(question, DIMENSIONS)
    return q, {pid: dot(q, VECTORS[pid]) for pid in IDS}


def ranked(score):
    return sorted(IDS, key=lambda pid: (-score[pid], pid))


def question(rng, n_handbook, n_filler, pool=None):
    words = rng.sample(pool or HANDBOOK_WORDS, n_handbook) + rng.sample(FILLER, n_filler)
    rng.shuffle(words)
    words = [w.upper() if rng.random() < 0.15 else w for w in words]
    return " ".join(words).capitalize() + "?"


def well_separated(score, order, upto):
    """The first `upto` scores, and the next one, differ by more than 1e-6 (no near-ties)."""
    values = [score[pid] for pid in order[: upto + 1]]
    return all(a - b > 1e-6 for a, b in zip(values, values[1:]))


def retrieve_case(name, q, k, floor, expected, points=1):
    return {"name": name, "args": ["retrieve", q, k, floor], "expected": expected, "points": points,
            "model_calls": {"min_calls": 1}}


def floor_case(rng):
    """Top k, cut by a floor that lies in the middle of a clear gap."""
    for _ in range(200):
        q = question(rng, rng.randint(2, 4), rng.randint(0, 3))
        _, score = scores(q)
        order = ranked(score)
        k = rng.randint(2, 4)
        keep = rng.randint(1, k - 1)
        if well_separated(score, order, k) and score[order[keep - 1]] - score[order[keep]] > 1e-3:
            floor = round((score[order[keep - 1]] + score[order[keep]]) / 2, 6)
            return retrieve_case("the floor cuts the top k", q, k, floor, order[:keep], 2)
    raise AssertionError("no question with a clear gap")


def k_case(rng):
    """A floor every top passage passes, so k alone decides; k may exceed the handbook."""
    for _ in range(200):
        q = question(rng, rng.randint(1, 3), rng.randint(1, 3))
        _, score = scores(q)
        order = ranked(score)
        k = rng.choice([1, 2, 3, len(IDS) + rng.randint(0, 3)])
        if well_separated(score, order, min(k, len(IDS) - 1)):
            floor = round(min(score.values()) - 0.05, 6)
            return retrieve_case("k decides how many", q, k, floor, order[:k], 1)
    raise AssertionError("no well-separated question")


def tie_case(rng):
    """Floor exactly 0.0 with several passages at exactly 0: kept, and ordered by id."""
    for _ in range(500):
        q = question(rng, 1, rng.randint(0, 2))
        qv, score = scores(q)
        zeros = [pid for pid in IDS if not shares_dimension(qv, VECTORS[pid])]
        positive = [pid for pid in IDS if score[pid] > 1e-6]
        others = [pid for pid in IDS if pid not in zeros and pid not in positive]
        if (len(zeros) >= 2 and positive and zeros != sorted(zeros)
                and all(score[pid] < -1e-6 for pid in others)
                and well_separated(score, ranked(score), len(positive) - 1)):
            expected = sorted(positive, key=lambda pid: -score[pid]) + sorted(zeros)
            return retrieve_case("a floor of exactly 0 keeps the ties, by id", q, len(IDS), 0.0, expected, 2)
    raise AssertionError("no question with ties at 0")


def abstain_case(rng):
    q = question(rng, rng.randint(2, 3), rng.randint(0, 2), pool=NONSENSE)
    _, score = scores(q)
    floor = round(max(score.values()) + rng.choice([0.01, 0.05, 0.1]), 6)
    return retrieve_case("abstains below the floor", q, rng.randint(1, 4), floor, [], 1)


# -- citations ------------------------------------------------------------------------

SENTENCE_WORDS = (
    "employees get 25 days of annual leave and up to 5 unused days carry over report sick "
    "leave before 10am book economy flights meals are reimbursed up to the city limit use a "
    "password manager report a lost laptop within one hour work remotely three days a week"
).split()
INNER = ["2.5", "v1.2", "hr@acme.example", "intranet.example/leave", "e-mail", "10:00", "(see policy)", "€1,250.00"]
ENDS = [".", ".", "!", "?"]
SEPARATORS = [" ", " ", "  ", "\n", "\n\n", " \t"]


def lookalikes(pid):
    """Ids that a substring, prefix or case-insensitive match would confuse with `pid`."""
    return [pid + "-2", pid + "s", pid[:-1], "old-" + pid]


def decoys(pid):
    """Bracketed text that is not a citation of `pid` (nor of anything)."""
    return [
        f"[{pid.upper()}]", f"[{pid.capitalize()}]", "[" + pid.replace("e", "\u0435", 1) + "]",
        "[" + pid.replace("-", "\u2010") + "]", f"[{pid}](https://intranet.example/{pid})",
        f"![{pid}](chart-{pid}.png)", f"[ {pid} ]", "[" + pid.replace("-", "_") + "]",
    ]


def reference_links(pid, n):
    """Markdown's reference-style links and images: the id is link text, a label or alt text."""
    return [f"[the {pid.replace('-', ' ')} policy][{pid}]", f"![{pid}][fig-{n}]"]


def words(rng, lo=3, hi=8):
    out = [rng.choice(SENTENCE_WORDS) for _ in range(rng.randint(lo, hi))]
    if rng.random() < 0.5:
        out.insert(rng.randint(1, len(out)), rng.choice(INNER))
    out[0] = out[0].capitalize()
    return out


def sentence(rng, cites, extras=(), last=False, style=None):
    """Render one sentence citing `cites` (real citations), with decoy text `extras` inside."""
    body = words(rng)
    for extra in extras:
        body.insert(rng.randint(1, len(body)), extra)
    end = "" if last and rng.random() < 0.5 else rng.choice(ENDS)
    tags = "".join(f"[{c}]" for c in cites)
    if not cites:
        return " ".join(body) + end
    style = style or (rng.choice(["before", "after", "spaced"]) if end else "before")
    if style == "before":  # "... days [id]."
        return " ".join(body) + " " + tags + end
    if style == "after":  # "... days.[id]"
        return " ".join(body) + end + tags
    return " ".join(body) + " " + " ".join(f"[{c}]" for c in cites) + end  # "... days [a] [b]."


def render(rng, plan, after=None):
    """plan: [(cites, extras)]; sentence `after` has its citations straight after the full stop."""
    parts = [sentence(rng, cites, extras, last=i == len(plan) - 1, style="after" if i == after else None)
             for i, (cites, extras) in enumerate(plan)]
    text = parts[0]
    for part in parts[1:]:
        text += rng.choice(SEPARATORS) + part
    return text


def grade(plan, retrieved):
    allowed = set(retrieved)
    uncited = [i for i, (cites, _) in enumerate(plan) if not set(cites) & allowed]
    unknown = sorted({c for cites, _ in plan for c in cites} - allowed)
    return {"uncited": uncited, "unknown": unknown}


def check_case(name, rng, plan, retrieved, points=1, critical=None, after=None):
    out = {"name": name, "args": ["check", render(rng, plan, after), retrieved], "expected": grade(plan, retrieved),
           "points": points}
    if critical:
        out["critical"] = critical
    return out


def hidden_cases(rng):
    cases = [floor_case(rng), k_case(rng), tie_case(rng), abstain_case(rng)]

    ids = rng.sample(IDS, len(IDS))
    retrieved, absent = ids[:3], ids[3:]
    shown = retrieved + [retrieved[0]] if rng.random() < 0.3 else list(retrieved)
    rng.shuffle(shown)

    # Look-alike ids are unknown citations; bracketed decoys are not citations at all.
    target = rng.choice(retrieved)
    plan = [
        ([rng.choice(retrieved)], ()),
        ([rng.choice(lookalikes(target)[:2])], ()),  # extends a retrieved id
        ([], rng.sample(decoys(target), 2)),
        ([rng.choice(retrieved), rng.choice(lookalikes(rng.choice(retrieved)))], ()),
        ([], (rng.choice(decoys(rng.choice(retrieved))),)),
        ([], (rng.choice(reference_links(rng.choice(retrieved), rng.randint(1, 9))),)),
    ]
    rng.shuffle(plan)
    cases.append(check_case("look-alike ids and bracketed text that is no citation", rng, plan, shown, 2))

    # Sentence boundaries: citations after the full stop, adjacent citations, line breaks,
    # decimals and addresses inside sentences, a last sentence that may lack its full stop.
    plan = [(rng.sample(retrieved, rng.randint(1, 2)), ()) if rng.random() < 0.6 else ([], ()) for _ in range(rng.randint(4, 6))]
    plan[rng.randrange(len(plan))] = ([], ())
    plan[rng.randrange(len(plan))] = ([rng.choice(absent)], ())
    after = rng.randrange(len(plan) - 1)  # "days.[id] Next ..." must not join the next sentence
    plan[after] = (rng.sample(retrieved, rng.randint(1, 2)), ())
    plan[after + 1] = ([], ())
    cases.append(check_case("sentence boundaries around citations", rng, plan, shown, 2, after=after))

    # Citations only of passages that were never retrieved.
    plan = [([rng.choice(absent)], ()) for _ in range(rng.randint(2, 3))] + [([rng.choice(retrieved)], ())]
    rng.shuffle(plan)
    cases.append(check_case("sentences citing only unretrieved passages", rng, plan, [] if rng.random() < 0.4 else shown, 2,
                            critical="an answer citing passages that were never retrieved must not pass as grounded"))

    # Task names that only resemble the real ones (a prefix or suffix more) run nothing.
    retrieve_args = ["annual leave days", 2, 0.0]
    check_args = ["Leave is 25 days [leave-annual].", ["leave-annual"]]
    for fakes, args in [
        (["retrieve_all", "retrieve ", "retrieves", "retrieve-v2"], retrieve_args),
        (["pre-retrieve", "re-retrieve", " retrieve", "auto_retrieve"], retrieve_args),
        (["check ", "check-all", "checks", "check_v2"], check_args),
        (["recheck", "pre-check", "spellcheck", " check"], check_args),
    ]:
        cases.append({"name": f"an unknown task runs nothing ({len(cases)})", "args": [rng.choice(fakes), *args],
                      "expected": None})
    return cases
