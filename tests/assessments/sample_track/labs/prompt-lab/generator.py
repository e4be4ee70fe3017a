"""Hidden cases drawn per seed, so a program that special-cases known reviews fails.

Trusted author code: the grader runs it, never the sandbox. Every choice comes from
``rng``, so a stored seed gives back exactly the cases a submission was graded on.
"""

import random

POSITIVE = ["great", "good", "well", "works"]
NEGATIVE = ["broken", "terrible", "awful"]
#: Words that carry no sentiment: products, shops, amounts, dates.
PRODUCTS = ["kettle", "headset", "lamp", "blender", "router", "backpack", "charger"]
SHOPS = ["northwind", "contoso", "fabrikam", "tailspin", "adatum"]
FILLER = ["arrived", "on", "the", "after", "delivery", "from", "for", "ordered", "a"]
#: (positive words, negative words) in each case: majorities both ways and one tie.
SHAPES = [(2, 0), (3, 1), (1, 0), (0, 2), (1, 3), (0, 1), (2, 2)]


def hidden_cases(rng: random.Random) -> list[dict]:
    cases = []
    for number, (positive, negative) in enumerate(SHAPES, start=1):
        words = [rng.choice(POSITIVE) for _ in range(positive)]
        words += [rng.choice(NEGATIVE) for _ in range(negative)]
        words += [
            rng.choice(PRODUCTS),
            rng.choice(SHOPS),
            f"{rng.randint(5, 500)}eur",
            f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            *rng.sample(FILLER, rng.randint(1, 4)),
        ]
        rng.shuffle(words)
        words = [word.upper() if rng.random() < 0.3 else word for word in words]
        text = "".join(word + rng.choice([" ", ", "]) for word in words).strip(" ,")
        case = {
            "name": f"generated review {number}",
            "args": [text],
            "expected": "negative" if negative >= positive else "positive",
            "points": 1,
        }
        if positive == negative:
            case["critical"] = "a review as negative as it is positive must never pass as praise"
        cases.append(case)
    return cases
