"""Wrong solution (no-output-reserve): uses the whole window for the prompt, leaving no room for the reply."""

import re

TOKEN = re.compile(r"\w+|[^\w\s]")
MESSAGE_OVERHEAD = 4


def tokens(message):
    return len(TOKEN.findall(message.get("content") or "")) + MESSAGE_OVERHEAD


def fit(messages, context_window, max_output_tokens, price_in_per_million, price_out_per_million):
    budget = context_window  # the reply needs room too
    last = len(messages) - 1
    first = 1 if messages and messages[0]["role"] == "system" else 0
    kept = {last} | ({0} if first else set())
    used = sum(tokens(messages[i]) for i in kept)
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
