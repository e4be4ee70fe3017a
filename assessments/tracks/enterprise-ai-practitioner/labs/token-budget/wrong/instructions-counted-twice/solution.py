"""Wrong solution (instructions-counted-twice): adds the opening instructions and the latest
message, which are the same message when the instructions are the whole conversation.
"""

import re

TOKEN = re.compile(r"\w+|[^\w\s]")  # a run of word characters, or one other visible character
FRAMING = 4
PINNED_ROLES = ("system", "developer")


def tokens(message):
    return len(TOKEN.findall(message.get("content") or "")) + FRAMING


def fit(messages, context_window, max_output_tokens, price_in_per_million, price_out_per_million):
    budget = context_window - max_output_tokens  # the reply needs room too
    last = len(messages) - 1
    first = 1 if messages[0]["role"] in PINNED_ROLES else 0
    kept = {0, last} if first else {last}
    used = tokens(messages[last]) + (tokens(messages[0]) if first else 0)
    if used > budget:
        return {"ok": False, "kept": [], "prompt_tokens": used, "max_cost_usd": None}
    for i in range(last - 1, first - 1, -1):  # newest first
        cost = tokens(messages[i])
        if used + cost > budget:
            break  # keep history contiguous: never skip a message and keep an older one
        kept.add(i)
        used += cost
    cost = used * price_in_per_million / 1e6 + max_output_tokens * price_out_per_million / 1e6
    return {"ok": True, "kept": sorted(kept), "prompt_tokens": used, "max_cost_usd": round(cost, 6)}
