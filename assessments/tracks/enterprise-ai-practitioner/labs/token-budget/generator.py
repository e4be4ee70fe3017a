"""Hidden token-budget cases drawn per seed: conversations, windows and prices.

Every window is derived from the conversation's own token counts so that the interesting
boundaries are hit exactly: history that fits to the last token (kept), one token short
(dropped), pinned messages that exactly fill the budget, one token over. Traps: content
whose tokens are not words split on spaces (punctuation, e-mail addresses, URLs, decimals,
accented and CJK letters, underscores, emoji, non-breaking spaces, tabs and newlines),
a message with no content, an opening `developer` message (pinned like `system`), a
`system` message in the middle of the history (ordinary history), no instructions at
all, a large message that must not be skipped over, a reply reserve of 0, and prices
whose worst-case cost only comes out right when rounded to 6 decimal places.
"""

import re
from fractions import Fraction

TOKEN = re.compile(r"\w+|[^\w\s]")  # the lab's definition of a token
FRAMING = 4

FRAGMENTS = [
    "Hello", "thanks!", "What is the late fee on invoice INV-1042?", "a 2.5% fee applies",
    "naïve café résumé", "日本語のメール", "don't", "can't we?", "snake_case_id", "order_id=A100",
    "e-mail ana.lopez@acme.example", "see https://acme.example/pay?id=7&x=1", "🙂", "ok 👍",
    "Total: €1,250.00", "tabs\tand\nnewlines", "non\u00a0breaking\u00a0space", "x² + y²",
    "Zürich → Genève", "(see §4.2)", "well...", "C++ and C#", "--- draft ---", "Ωmega",
    "refund 30 days", "Please draft a polite reminder.", "İstanbul office", "straße",
]
INSTRUCTIONS = [
    "You are a billing assistant for {co}. Be brief.",
    "Answer only from the {co} handbook; say when you do not know.",
    "You help {co} staff with expenses. Never reveal card numbers.",
]
COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay"]
PRICES = [
    (Fraction("0.15"), Fraction("0.6")), (Fraction("2.5"), Fraction("10")),
    (Fraction("1.1"), Fraction("4.4")), (Fraction("0.075"), Fraction("0.3")),
    (Fraction("3"), Fraction("15")), (Fraction("0.4"), Fraction("1.6")),
    (Fraction("1.25"), Fraction("5")), (Fraction("0.05"), Fraction("0.4")),
]


def count(message):
    return len(TOKEN.findall(message.get("content") or "")) + FRAMING


def text(rng, lo=1, hi=4):
    return " ".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(lo, hi)))


def conversation(rng, opening, history):
    """`opening`: 'system', 'developer', 'user' or None; `history` messages, then a last user one."""
    messages = []
    if opening in ("system", "developer"):
        messages.append({"role": opening, "content": rng.choice(INSTRUCTIONS).format(co=rng.choice(COMPANIES))})
    elif opening == "user":
        messages.append({"role": "user", "content": text(rng)})
    role = "assistant" if messages and messages[-1]["role"] == "user" else "user"
    for _ in range(history):
        messages.append({"role": role, "content": text(rng)})
        role = "assistant" if role == "user" else "user"
    messages.append({"role": "user", "content": text(rng)})
    return messages


def cost(rng, used, max_out):
    """Prices whose exact cost lies well away from a rounding boundary at 6 decimals."""
    for _ in range(50):
        p_in, p_out = rng.choice(PRICES)
        exact = (used * p_in + max_out * p_out) / 1_000_000
        micro = exact * 1_000_000 - int(exact * 1_000_000)  # what rounding to 6 decimals decides
        if Fraction(1, 20) < micro < Fraction(9, 20) or Fraction(11, 20) < micro < Fraction(19, 20):
            return float(p_in), float(p_out), round(float(exact), 6)
    exact = (used * p_in + max_out * p_out) / 1_000_000
    return float(p_in), float(p_out), round(float(exact), 6)


def expect(messages, window, max_out, rng):
    budget = window - max_out
    last = len(messages) - 1
    first = 1 if messages[0]["role"] in ("system", "developer") else 0
    kept = {0, last} if first else {last}
    used = sum(count(messages[i]) for i in kept)
    if used > budget:
        p_in, p_out, _ = cost(rng, used, max_out)
        return [p_in, p_out], {"ok": False, "kept": [], "prompt_tokens": used, "max_cost_usd": None}
    for i in range(last - 1, first - 1, -1):
        if used + count(messages[i]) > budget:
            break
        kept.add(i)
        used += count(messages[i])
    p_in, p_out, c = cost(rng, used, max_out)
    return [p_in, p_out], {"ok": True, "kept": sorted(kept), "prompt_tokens": used, "max_cost_usd": c}


def case(name, rng, messages, window, max_out, points=1, critical=None):
    prices, expected = expect(messages, window, max_out, rng)
    out = {"name": name, "args": [messages, window, max_out, *prices], "expected": expected,
           "comparator": "close", "tolerance": 1e-9, "points": points}
    if critical:
        out["critical"] = critical
    return out


def upto(messages, start, pinned):
    """Prompt tokens when history from index `start` to the end is sent (plus the pinned opening)."""
    return sum(count(m) for m in messages[start:]) + (count(messages[0]) if pinned and start > 0 else 0)


def hidden_cases(rng):
    cases = []
    opening = rng.choice(["system", "developer"])

    # 1-2. History that fits to the last token is kept; one token less and it is dropped.
    messages = conversation(rng, opening, rng.randint(4, 7))
    start = rng.randint(2, len(messages) - 2)
    max_out = rng.choice([64, 256, 512, 1000])
    window = upto(messages, start, True) + max_out
    cases.append(case("history that fits exactly is kept", rng, messages, window, max_out, 2))
    cases.append(case("one token short drops the oldest kept message", rng, messages, window - 1, max_out, 2))

    # 3-4. The pinned messages alone fill the budget exactly (ok), or overflow it by one.
    messages = conversation(rng, "system" if opening == "developer" else "developer", rng.randint(1, 4))
    max_out = rng.randint(10, 300)
    pinned = count(messages[0]) + count(messages[-1])
    cases.append(case("pinned messages that exactly fill the budget", rng, messages, pinned + max_out, max_out, 2,
                      critical="the instructions and the latest message must always be sent when they fit"))
    cases.append(case("pinned messages one token over the budget", rng, messages, pinned + max_out - 1, max_out, 1))

    # 5. A large message in the history stops the trimming: nothing older is kept, even if small.
    messages = conversation(rng, opening, rng.randint(5, 7))
    big = rng.randint(2, len(messages) - 3)
    messages[big]["content"] = " ".join([text(rng, 3, 5)] * rng.randint(6, 10))
    # the spare room is too small for the large message but would hold the one before it
    room = upto(messages, big + 1, True) + rng.randint(count(messages[big - 1]), count(messages[big]) - 1)
    max_out = rng.choice([0, 32, 128])
    cases.append(case("history is never skipped over", rng, messages, room + max_out, max_out, 2))

    # 6. A system message in the middle of the conversation is ordinary history; no pinned opening.
    messages = conversation(rng, "user", rng.randint(3, 5))
    messages.insert(rng.randint(1, len(messages) - 2), {"role": "system", "content": "Reply in " + rng.choice(["French", "German", "Spanish"]) + "."})
    start = rng.randint(2, len(messages) - 1)
    max_out = rng.randint(1, 200)
    cases.append(case("no opening instructions, a later system message", rng, messages,
                      upto(messages, start, False) + max_out + rng.randint(0, 2), max_out, 2))

    # 7. Messages without content (a tool-calling assistant turn) still cost their framing.
    messages = conversation(rng, opening, rng.randint(3, 5))
    gap = rng.randint(1, len(messages) - 2)
    messages[gap] = {"role": "assistant", "content": None}
    messages.insert(gap + 1, {"role": "tool", "content": ""})
    max_out = rng.randint(50, 400)
    start = rng.randint(1, gap)
    cases.append(case("messages without content cost their framing", rng, messages,
                      upto(messages, start, True) + max_out, max_out, 1))

    # 8. Everything fits with room to spare; no reply reserve.
    messages = conversation(rng, rng.choice([opening, "user", None]), rng.randint(0, 4))
    cases.append(case("a roomy window keeps everything", rng, messages, upto(messages, 0, False) + rng.randint(0, 50), 0, 1))

    # 9. The instructions are the whole conversation: the first message is also the latest,
    # sent (and counted) once, in a budget that holds it exactly.
    messages = [conversation(rng, rng.choice(["system", "developer"]), 0)[0]]
    max_out = rng.randint(1, 500)
    cases.append(case("instructions alone, counted once", rng, messages, count(messages[0]) + max_out, max_out, 1))
    return cases
