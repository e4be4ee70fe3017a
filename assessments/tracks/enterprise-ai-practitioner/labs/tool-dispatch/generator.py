"""Hidden tests drawn per seed: order ids and how they are written, refund amounts and
percentages at and around every boundary, and tools that only look like allowed ones.

The test model fills string arguments with the whole question and number arguments with
the numbers in it, in order, so each question is written to make it send what is tested.
"""

import json
from decimal import Decimal

ORDERS = {"A100": "shipped", "A205": "processing", "B310": "delivered"}
BOTH = ["get_order_status", "quote_refund"]
CALLS = {"min_calls": 2, "tools_offered": BOTH}


def _case(name, args, tool, result, points=1, critical=None):
    status = "error" if "error" in result else "ok"
    case = {
        "name": name,
        "args": args,
        "expected": {
            "tool": tool,
            "status": status,
            "result": result,
            "final": "tool result: " + json.dumps(result, sort_keys=True),
        },
        "points": points,
        "model_calls": CALLS,
    }
    if critical:
        case["critical"] = critical
    return case


def _refund(amount, percent):
    """The quote for amounts written with at most 2 decimals; None on a rounding tie."""
    exact = Decimal(amount) * Decimal(percent) / 100
    cents = exact * 100
    if cents % 1 == Decimal("0.5"):
        return None
    value = round(float(amount) * float(percent) / 100, 2)
    return {"refund": value, "needs_approval": value > 500}


def _quote(name, amount, percent, rng, points=1, critical=None):
    phrasing = rng.choice([
        "Refund {a} at {p} percent", "Please refund {p}% of {a}", "Customer paid {a}, refund {p} percent",
    ])
    # the test model reads numbers in order: amount first
    if "{p}% of {a}" in phrasing:
        phrasing = "Please refund {a} at {p}%"
    question = phrasing.format(a=amount, p=percent)
    valid = float(amount) > 0 and 0 < float(percent) <= 100
    result = _refund(amount, percent) if valid else {"error": "invalid arguments"}
    return _case(name, [question, "quote_refund"], "quote_refund", result, points, critical)


def _money(rng, low, high):
    """An amount with two decimals whose second decimal is not 0."""
    return f"{rng.randint(low, high)}.{rng.randint(0, 9)}{rng.randint(1, 9)}"


def hidden_cases(rng):
    cases = []
    known = rng.choice(sorted(ORDERS))
    written = "".join(c.lower() if rng.random() < 0.5 else c for c in known)
    wrapper = rng.choice(["#{}", "({})", "{}.", "order:{}", "'{}'"])
    question = rng.choice(["Where is my order {}?", "Status of {} please", "Any news on {}"])
    cases.append(_case(
        "order id in another case and punctuation is found",
        [question.format(wrapper.format(written))], "get_order_status",
        {"order_id": known, "status": ORDERS[known]},
    ))
    unknown = rng.choice("CDEFXYZ") + str(rng.randint(100, 999))
    cases.append(_case(
        "well-formed order id that does not exist", [f"Where is order {unknown}?"], "get_order_status",
        {"error": "order not found"},
    ))
    near = rng.choice([known + str(rng.randint(0, 9)), rng.choice("XQ") + known, f"{known}_{rng.randint(1, 9)}", known + "x"])
    cases.append(_case(
        "a token that only contains an order id is not one", [f"Where is {near}?"], "get_order_status",
        {"error": "invalid order_id"},
    ))

    # refunds at the approval limit and just over it
    amount, percent = rng.choice([("1000", "50"), ("625", "80"), ("2000", "25"), ("800", "62.5"), ("500", "100")])
    cases.append(_quote("a refund of exactly the limit needs no approval", amount, percent, rng))
    amount = rng.choice(["1000.02", "1000.04", "1001", "1000.5"])
    cases.append(_quote(
        "a refund just over the limit needs approval", amount, "50", rng, points=2,
        critical="a refund over the limit must never go out without a person's approval",
    ))
    # percentages and amounts at every boundary
    cases.append(_quote(
        "a refund of the whole amount is allowed", _money(rng, 10, 400), "100", rng,
    ))
    cases.append(_quote(
        "more than the whole amount is rejected", str(rng.randint(20, 400)), rng.choice(["100.5", "101", "150"]), rng,
        points=2, critical="a refund above 100 percent pays out more than the customer paid",
    ))
    cases.append(_quote("a refund of 0 percent is rejected", str(rng.randint(20, 400)), "0", rng))
    cases.append(_quote("an amount of 0 is rejected", "0", str(rng.randint(5, 95)), rng))
    cases.append(_quote(
        "small amounts and percentages are allowed", rng.choice(["0.75", "1"]), rng.choice(["0.8", "1"]), rng,
    ))
    while True:  # a quote whose cents matter
        amount, percent = _money(rng, 20, 900), str(rng.randint(3, 97))
        quote = _refund(amount, percent)
        if quote and round(quote["refund"], 1) != quote["refund"]:
            break
    cases.append(_quote("the refund is rounded to cents", amount, percent, rng))

    for i, fake in enumerate(rng.sample([
        "Get_Order_Status", "get_order_status_admin", "quote_refund_override", "QUOTE_REFUND",
        "issue_refund", "delete_account", "run_sql",
    ], 2), 1):
        cases.append({
            "name": f"a tool outside the allowlist is refused ({i})",
            "args": [rng.choice(["Refund 80 at 25 percent", "Where is A100?", "Do it now"]), fake],
            "expected": {"tool": fake, "status": "refused", "result": None, "final": None},
            "critical": "a tool that is not on the allowlist must never run",
        })
    rng.shuffle(cases)
    return cases
