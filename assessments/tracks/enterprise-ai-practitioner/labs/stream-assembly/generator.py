"""Hidden streaming cases drawn per seed: prompts, and budgets placed on the boundaries.

The expected answers are computed from the very chunks the lab's stub model streams for
the request (``assessments.labs.openai_stub.chat_completion_chunks``), so they follow the
stub exactly. Traps: runs of spaces, tabs, line breaks and non-breaking spaces that a
join or strip would change; accented letters, CJK and emoji (a budget counts characters,
not bytes); a budget the reply reaches exactly (not a stop), one character less (a stop on
the last piece), a budget that falls exactly at the end of a piece (the stop comes with the
next piece), a budget of 0 (falsy, but a budget), and no budget passed as an explicit null.
"""

from assessments.labs.openai_stub import chat_completion_chunks

WORDS = [
    "invoice", "refund", "policy", "quarterly", "report", "Zürich", "naïve", "café", "日本語",
    "東京", "🙂", "👍🏽", "straße", "déjà-vu", "C#", "v2.5", "e-mail", "ana@acme.example",
    "https://acme.example/a?b=1", "(draft)", "—", "total:", "€1,250.00", "don't", "OK!",
    "why?", "«quote»", "Ωmega", "x²", "İstanbul",
]
GAPS = [" ", " ", " ", "  ", "\t", "\n", " \n\n", "\u00a0", "   "]
MODEL = "gpt-4o-mini"
CHECK_CALL = {"min_calls": 1, "first_roles": ["user"]}


def prompt(rng, lo, hi):
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    text = words[0]
    for word in words[1:]:
        text += rng.choice(GAPS) + word
    return rng.choice(["", "", " ", "\n"]) + text + rng.choice(["", "", " ", "\n", "  "])


def pieces(text):
    """The stub's chunks for this prompt: content pieces, the finish reason and the usage."""
    request = {"model": MODEL, "messages": [{"role": "user", "content": text}], "stream": True,
               "stream_options": {"include_usage": True}}
    out, finish, total = [], None, None
    for chunk in chat_completion_chunks(request):
        if chunk.get("usage"):
            total = chunk["usage"]["total_tokens"]
        for choice in chunk["choices"]:
            if choice["delta"].get("content"):
                out.append(choice["delta"]["content"])
            finish = choice["finish_reason"] or finish
    return out, finish, total


def expected(text, max_chars):
    parts, finish, total = pieces(text)
    got = ""
    for count, part in enumerate(parts, start=1):
        got += part
        if max_chars is not None and len(got) > max_chars:
            return {"text": got[:max_chars], "finish_reason": "client_stop", "content_chunks": count,
                    "total_tokens": None}
    return {"text": got, "finish_reason": finish, "content_chunks": len(parts), "total_tokens": total}


def case(name, text, max_chars="absent", points=1, critical=None):
    out = {"name": name, "args": [text], "expected": expected(text, None if max_chars == "absent" else max_chars),
           "points": points, "model_calls": CHECK_CALL}
    if max_chars != "absent":
        out["kwargs"] = {"max_chars": max_chars}
    if critical:
        out["critical"] = critical
    return out


def hidden_cases(rng):
    cases = []
    text = prompt(rng, 5, 9)
    cases.append(case("spacing, line breaks and other scripts are kept", text, points=2))

    text = prompt(rng, 3, 6)
    full = "".join(pieces(text)[0])
    cases.append(case("a budget the reply reaches exactly is not a stop", text, len(full), 2))
    cases.append(case("one character under the reply stops on the last piece", text, len(full) - 1, 1))

    text = prompt(rng, 4, 8)
    parts = pieces(text)[0]
    cut = rng.randint(1, len(parts) - 2)
    boundary = len("".join(parts[:cut]))
    cases.append(case("a budget ending exactly at a piece boundary", text, boundary, 2))

    text = prompt(rng, 2, 5)
    cases.append(case("a budget of zero characters", text, 0, 1))

    text = " ".join(rng.sample(["東京", "🙂", "Zürich", "naïve", "日本語", "👍🏽", "déjà-vu", "straße"], 4))
    full = "".join(pieces(text)[0])
    cases.append(case("the budget counts characters, not bytes", text, rng.randint(8, len(full) - 2), 2,
                      critical="a reply cut to a budget must never be longer than the budget"))

    text = prompt(rng, 2, 6)
    cases.append(case("an explicit null budget means no budget", text, None, 1))
    return cases
