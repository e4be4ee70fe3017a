"""Hidden structured-output cases drawn per seed: model drafts built from known invoices.

Each draft is rendered from an invoice the generator chose (valid, or broken in one known
way), so the expected answer never depends on parsing the rendered text. Traps:
- wrappers: prose around the object that itself holds braces (`{customer}`, `:}`), code
  fences, the object doubled in template braces (`{{...}}`), a nested object or a brace
  inside a string value in the invoice;
- invoice ids: 3 digits (one short), lower case, a trailing newline or space (what
  `re.match(...$)` lets through), digits of another script (what `\\d` lets through), an
  en dash or a Cyrillic letter that looks like the ASCII one; exactly 4 digits is valid;
- amounts: 0, negatives, booleans, `NaN`/`Infinity`/`1e400` (JSON that Python reads as
  non-finite floats), strings that `float()` reads but are not plain numbers (`1e3`,
  `1_000`, ` 12`, other scripts' digits); 0.01 and `"0.5"` are valid;
- currencies: lower case, padded, `EURO`, `€`, a fragment of a valid code;
- dates: not a real day (29 February in a common year, 31 April), no zero padding (what
  `strptime` lets through), a time part, the basic format `20260203`; 29 February of a
  leap year is valid;
- the attempt budget: a valid draft on the last allowed attempt (accepted), on the first
  attempt after it (never seen), and fewer drafts than the budget.
"""

import json

MODEL_CALLS = "model_calls"
CURRENCIES = ["EUR", "USD", "GBP"]
BAD = {
    "invoice_id": [
        lambda d: "INV-" + d[:3], lambda d: "inv-" + d, lambda d: "INV-" + d + "\n",
        lambda d: "INV-" + d + " ", lambda d: "INV-" + d.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        lambda d: "INV\u2013" + d, lambda d: "\u0406NV-" + d, lambda d: "XINV-" + d, lambda d: int(d),
    ],
    "amount": [
        lambda a: 0, lambda a: -a, lambda a: True, lambda a: "1e3", lambda a: "1_000", lambda a: " 12",
        lambda a: "\u0663\u0665", lambda a: "12,50", lambda a: "0.00", lambda a: None, lambda a: "NaN",
    ],
    "currency": [lambda c: c.lower(), lambda c: c + " ", lambda c: "EURO", lambda c: "€", lambda c: c[:2], lambda c: [c]],
    "due_date": [
        lambda y: f"{y}-02-29", lambda y: f"{y}-04-31", lambda y: f"{y}-3-7", lambda y: f"{y}-03-07T09:00:00",
        lambda y: f"{y}0307", lambda y: f"07/03/{y}", lambda y: f"{y}-13-01", lambda y: f"{y}-03-07 ",
    ],
}
# Raw JSON text for amounts that json.loads reads as floats Python cannot put in JSON again.
NON_FINITE = ["NaN", "Infinity", "-Infinity", "1e400"]
PROSE_BEFORE = [
    "Here is the invoice:", "Sure! I filled in {customer} from the scan:", "Extracted (fields in {braces} were inferred):",
    "Result :}", "Invoice data below.", "{{template}} rendered:", "",
]
PROSE_AFTER = ["", "Anything else?", "Let me know if {field} needs a fix :}", "Done }", "Hope this helps!"]


def invoice(rng, common_year=True):
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 7)))
    year = rng.choice([2026, 2027, 2029, 2030]) if common_year else rng.choice([2028, 2032])
    return {
        "invoice_id": "INV-" + digits,
        "amount": rng.choice([rng.randint(1, 20000), round(rng.uniform(1, 9999), 2)]),
        "currency": rng.choice(CURRENCIES),
        "due_date": f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    }


def expected_invoice(inv):
    amount = inv["amount"]
    return {"invoice_id": inv["invoice_id"], "amount": float(amount), "currency": inv["currency"],
            "due_date": inv["due_date"]}


def render(rng, inv, raw_amount=None):
    """A model's reply holding `inv` as JSON: key order shuffled, maybe extra fields and a wrapper."""
    fields = dict(inv)
    extra = rng.choice([None, "note", "meta"])
    if extra == "note":
        fields["note"] = rng.choice(["use {PO} number", "paid in full}", "see {attachment"])
    elif extra == "meta":
        fields["meta"] = {"source": rng.choice(["scan", "email"]), "pages": rng.randint(1, 4)}
    keys = list(fields)
    rng.shuffle(keys)
    parts = []
    for key in keys:
        value = raw_amount if key == "amount" and raw_amount is not None else json.dumps(fields[key])
        parts.append(f"{json.dumps(key)}: {value}")
    body = "{" + ", ".join(parts) + "}"
    style = rng.choice(["bare", "fence", "prose"])
    if style == "bare":
        return body
    fence = f"```json\n{body}\n```" if style == "fence" else body
    return f"{rng.choice(PROSE_BEFORE)}\n{fence}\n{rng.choice(PROSE_AFTER)}".strip()


# Per field, the breakages that a common shortcut lets through (re.match with $, \\d,
# float() on any string, upper-casing, a substring test, strptime).
TRICKY = {"invoice_id": [2, 4, 6], "amount": [3, 4, 6, 10], "currency": [0, 4], "due_date": [2]}


def broken(rng, field=None, tricky=False):
    """A draft whose invoice is invalid in exactly one field."""
    inv = invoice(rng)
    field = field or rng.choice(list(BAD) + ["amount"])
    if field == "amount" and not tricky and rng.random() < 0.3:
        return render(rng, inv, raw_amount=rng.choice(NON_FINITE))
    fix = BAD[field][rng.choice(TRICKY[field])] if tricky else rng.choice(BAD[field])
    if field == "invoice_id":
        inv[field] = fix(inv["invoice_id"][4:])
    elif field == "amount":
        inv[field] = fix(abs(inv["amount"]) or 1)
    elif field == "currency":
        inv[field] = fix(inv["currency"])
    else:
        inv[field] = fix(rng.choice([2026, 2027]))
    return render(rng, inv)


def case(name, drafts, result, max_attempts=None, points=1, critical=None):
    out = {"name": name, "args": [drafts], "expected": result, "points": points}
    if max_attempts is not None:
        out["kwargs"] = {"max_attempts": max_attempts}
    if result["attempts"]:
        out[MODEL_CALLS] = {"min_calls": result["attempts"], "first_roles": ["user"]}
    if critical:
        out["critical"] = critical
    return out


def ok(inv, attempts):
    return {"ok": True, "attempts": attempts, "invoice": expected_invoice(inv)}


def fail(attempts):
    return {"ok": False, "attempts": attempts, "invoice": None}


def hidden_cases(rng):
    cases = []

    # 1. The object sits in prose that has braces of its own, fenced or not.
    inv = invoice(rng)
    body = json.dumps(inv)
    reply = f"{rng.choice(PROSE_BEFORE[1:3])}\n```json\n{body}\n```\n{rng.choice(PROSE_AFTER[2:4])}"
    cases.append(case("braces in the prose around the object", [reply], ok(inv, 1), points=2))

    # 1b. A model copying a template's escaped braces: the object is inside `{{ ... }}`.
    inv = invoice(rng)
    reply = rng.choice(["", "Invoice: ", "Output:\n"]) + "{" + json.dumps(inv) + "}"
    cases.append(case("the object inside doubled template braces", [reply], ok(inv, 1)))

    # 2-5. One broken field, then a valid draft: the broken one must cost an attempt.
    for field in ["invoice_id", "amount", "currency", "due_date"]:
        inv = invoice(rng)
        drafts = [broken(rng, field), broken(rng, field, tricky=True)]
        rng.shuffle(drafts)
        cases.append(case(f"an invalid {field.replace('_', ' ')} is retried", [*drafts, render(rng, inv)], ok(inv, 3), points=2))

    # 5b. "$" in a Python pattern also matches before a final line break: an id ending in
    # one is invalid on every attempt, not only when the draw picks it above.
    bad, inv = invoice(rng), invoice(rng)
    bad["invoice_id"] += "\n"
    cases.append(case("an invoice id ending in a line break is retried", [render(rng, bad), render(rng, inv)], ok(inv, 2)))

    # 6. Valid at the boundaries: 4 digits, the smallest amounts, 29 February of a leap year.
    inv = invoice(rng, common_year=False)
    inv["invoice_id"] = "INV-" + "".join(rng.choice("0123456789") for _ in range(4))
    inv["due_date"] = inv["due_date"][:5] + "02-29"
    amount = rng.choice([0.01, 1, "0.5", "0.01", "1"])
    inv["amount"] = amount
    expected = ok(inv, 1)
    expected["invoice"]["amount"] = float(amount)
    cases.append(case("valid at the boundaries", [render(rng, inv)], expected, points=2))

    # 7. A valid draft on the last allowed attempt is accepted.
    budget = rng.randint(2, 4)
    inv = invoice(rng)
    drafts = [broken(rng) for _ in range(budget - 1)] + [render(rng, inv), render(rng, invoice(rng))]
    cases.append(case("a valid draft on the last allowed attempt", drafts, ok(inv, budget), budget, 2))

    # 8. Every allowed attempt is invalid: no invoice is returned, however good the next draft.
    budget = rng.randint(1, 4)
    drafts = [broken(rng) for _ in range(budget)] + [render(rng, invoice(rng))]
    cases.append(case("only invalid drafts within the budget", drafts, fail(budget), budget, 2,
                      critical="an invoice that failed validation must never be returned as valid"))

    # 9. Fewer drafts than the budget.
    count = rng.randint(1, 3)
    drafts = [broken(rng) for _ in range(count)]
    cases.append(case("the drafts run out before the budget", drafts, fail(count), count + rng.randint(1, 3)))
    return cases
