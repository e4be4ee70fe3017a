"""Reference solution: normalised exact match and token F1, precision/recall/F1, nearest-rank percentiles."""

import re
import string
from collections import Counter

ARTICLES = re.compile(r"\b(a|an|the)\b")
PUNCTUATION = str.maketrans("", "", string.punctuation)


def normalise(text):
    text = text.lower().translate(PUNCTUATION)
    return " ".join(ARTICLES.sub(" ", text).split())


def token_f1(prediction, reference):
    p, r = normalise(prediction).split(), normalise(reference).split()
    if not p or not r:
        return float(p == r)
    common = sum((Counter(p) & Counter(r)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(r)
    return 2 * precision * recall / (precision + recall)


def qa(predictions, references):
    em = [max(float(normalise(p) == normalise(r)) for r in refs) for p, refs in zip(predictions, references)]
    f1 = [max(token_f1(p, r) for r in refs) for p, refs in zip(predictions, references)]
    return {"exact_match": sum(em) / len(em), "token_f1": sum(f1) / len(f1)}


def ratio(a, b):
    return a / b if b else 0.0


def classify(labels, predictions, positive):
    pairs = list(zip(labels, predictions))
    tp = sum(1 for y, p in pairs if y == positive and p == positive)
    fp = sum(1 for y, p in pairs if y != positive and p == positive)
    fn = sum(1 for y, p in pairs if y == positive and p != positive)
    precision, recall = ratio(tp, tp + fp), ratio(tp, tp + fn)
    return {
        "accuracy": ratio(sum(1 for y, p in pairs if y == p), len(pairs)),
        "precision": precision,
        "recall": recall,
        "f1": ratio(2 * precision * recall, precision + recall),
    }


def percentile(values, p):
    """Nearest rank: the value at position ceil(p/100 * n) of the sorted values (exact integer arithmetic)."""
    ordered = sorted(values)
    return ordered[-(-p * len(ordered) // 100) - 1]


def latency(milliseconds):
    if not milliseconds:
        return {"p50": None, "p95": None}
    return {"p50": percentile(milliseconds, 50), "p95": percentile(milliseconds, 95)}


def run(task, *args):
    return {"qa": qa, "classify": classify, "latency": latency}[task](*args)
