"""Hidden eval-metrics cases drawn per seed.

Traps: answers that differ only by case, punctuation, articles or spacing (and words that
merely contain "a", "an" or "the", such as "another" or "theatre"); unanswerable questions
whose reference is empty; repeated tokens; several references per question; multi-class
labels whose names contain each other ("refund" / "no refund"); integer labels; a positive
class never predicted or never present; percentiles of long, unsorted, duplicated lists at
exact ranks; a window with no measurements. Expected values come from an independent
implementation below, compared with a tight tolerance (no rounding is asked for).
"""

import string
from collections import Counter

ANSWERS = [
    "Eiffel Tower", "another theatre", "banana bread", "Thea Anand", "42 km", "the Theory of Everything",
    "an apple a day", "Annex A", "Athens, Greece", "then and there", "anthem", "seven days",
    "two-factor authentication", "the data protection officer", "Q3 2025",
]
REORDERED = ["Thea Anand", "banana bread", "Athena Shah", "Lisa Grant", "pizza oven", "Dana Ngata"]
TOLERANCE = 1e-9


def normal_tokens(text):
    kept = "".join(ch for ch in text.lower() if ch not in string.punctuation)
    return [w for w in kept.split() if w not in ("a", "an", "the")]


def f1_tokens(p, r):
    if not p or not r:
        return 1.0 if p == r else 0.0
    common = sum((Counter(p) & Counter(r)).values())
    return 0.0 if common == 0 else 2 * common / (len(p) + len(r))


def qa_expected(predictions, references):
    em = f1 = 0.0
    for pred, refs in zip(predictions, references):
        p = normal_tokens(pred)
        em += max(1.0 if p == normal_tokens(r) else 0.0 for r in refs)
        f1 += max(f1_tokens(p, normal_tokens(r)) for r in refs)
    return {"exact_match": em / len(predictions), "token_f1": f1 / len(predictions)}


def variant(rng, answer):
    """The same answer as a reader would accept it: case, punctuation, articles, spacing."""
    words = answer.split()
    if rng.random() < 0.5:
        words.insert(0, rng.choice(["The", "the", "A", "an", "THE"]))
    text = rng.choice(["  ", " ", "\t", " \n "]).join(words)
    text = rng.choice([str.upper, str.lower, str.title, str])(text)
    return rng.choice(["", "'", '"', "("]) + text + rng.choice([".", "!", "", "?!", ")", ".."])


def partial(rng, answer):
    words = answer.split()
    extra = rng.sample(["in", "about", "roughly", "near", "km", "day"], rng.randint(1, 2))
    keep = words[: max(1, len(words) - 1)]
    return " ".join(keep + extra)


def classify_expected(labels, predictions, positive):
    tp = sum(y == positive and p == positive for y, p in zip(labels, predictions))
    predicted = sum(p == positive for p in predictions)
    actual = sum(y == positive for y in labels)
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    correct = sum(y == p for y, p in zip(labels, predictions))
    return {"accuracy": correct / len(labels), "precision": precision, "recall": recall, "f1": f1}


def nearest_rank(values, p):
    ordered = sorted(values)
    rank = (p * len(ordered) + 99) // 100
    return ordered[rank - 1]


def latency_expected(values):
    if not values:
        return {"p50": None, "p95": None}
    return {"p50": nearest_rank(values, 50), "p95": nearest_rank(values, 95)}


def case(name, args, expected, points=1, **extra):
    return {"name": name, "args": args, "expected": expected, "comparator": "close", "tolerance": TOLERANCE, "points": points, **extra}


def hidden_cases(rng):
    cases = []

    # QA: accepted variants, partial answers, wrong answers, several references each.
    answers = rng.sample(ANSWERS, 7)
    predictions, references = [], []
    for index, answer in enumerate(answers):
        kind = index % 3
        refs = [answer] + rng.sample([a for a in ANSWERS if a != answer], rng.randint(0, 2))
        rng.shuffle(refs)
        predictions.append(variant(rng, answer) if kind == 0 else partial(rng, answer) if kind == 1 else rng.choice([a for a in ANSWERS if a not in refs]))
        references.append(refs)
    # The right words in another order: no exact match, but every token is shared.
    answer = rng.choice(REORDERED)
    predictions.append(rng.choice([str.lower, str.title, str])(" ".join(reversed(answer.split()))))
    references.append([answer])
    order = list(range(len(predictions)))
    rng.shuffle(order)
    predictions, references = [predictions[i] for i in order], [references[i] for i in order]
    cases.append(case("answers normalised before matching", ["qa", predictions, references], qa_expected(predictions, references), 2))

    # QA: unanswerable questions (empty reference) and repeated tokens.
    word = rng.choice(["refund", "policy", "days", "manager"])
    other = rng.choice(["claim", "form", "team"])
    predictions = [rng.choice(["", "The.", " ", "a"]), rng.choice(["", "!"]), f"{word} {word} {other}", rng.choice(["no answer", "unknown"]), rng.choice(["", "the"])]
    references = [[""], ["", "n/a"], [f"{word} {other} {other}"], [""], [rng.choice(["Annex B", "seven days"])]]
    cases.append(case("empty and repeated answers", ["qa", predictions, references], qa_expected(predictions, references), 2))

    # Classification: several classes whose names contain each other.
    classes = rng.choice([["refund", "no refund", "partial refund"], ["urgent", "non-urgent", "urgent-review"], ["spam", "not spam", "spam?"]])
    positive = rng.choice(classes)
    n = rng.randint(12, 30)
    labels = [rng.choice(classes) for _ in range(n)]
    predictions = [y if rng.random() < 0.6 else rng.choice(classes) for y in labels]
    labels[0], predictions[0] = positive, positive  # at least one true positive
    cases.append(case("precision and recall of one class among several", ["classify", labels, predictions, positive], classify_expected(labels, predictions, positive), 2))

    # Classification: the positive class is never predicted.
    n = rng.randint(5, 12)
    labels = [rng.choice(classes) for _ in range(n)]
    labels[rng.randrange(n)] = positive
    predictions = [rng.choice([c for c in classes if c != positive]) for _ in range(n)]
    cases.append(case("a class never predicted", ["classify", labels, predictions, positive], classify_expected(labels, predictions, positive)))

    # Classification: integer labels; the positive class never occurs in the labels.
    n = rng.randint(6, 14)
    labels = [rng.choice([0, 2]) for _ in range(n)]
    predictions = [rng.choice([0, 1, 2]) for _ in range(n)]
    predictions[rng.randrange(n)] = 1
    cases.append(case("integer labels, a class never present", ["classify", labels, predictions, 1], classify_expected(labels, predictions, 1)))

    # Latency: a long, unsorted list where 0.95 n is a whole number.
    n = 20 * rng.randint(6, 12)
    values = rng.sample(range(20, 5000), n)
    cases.append(case("percentiles of a long list", ["latency", values], latency_expected(values), 2))

    # Latency: a short list with duplicates and decimals.
    n = rng.randint(2, 9)
    base = rng.randint(50, 400)
    values = [rng.choice([base, base + 0.5, base * 2, base * 3 + 0.25]) for _ in range(n)]
    cases.append(case("percentiles of a few measurements", ["latency", values], latency_expected(values)))

    # Latency: a window with no requests.
    cases.append(case("no measurements", ["latency", []], {"p50": None, "p95": None}))
    return cases
