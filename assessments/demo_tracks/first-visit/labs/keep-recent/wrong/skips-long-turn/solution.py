"""Wrong solution (skips-long-turn): skips a message that does not fit and keeps reaching back."""


def keep_recent(messages, budget):
    kept = []
    used = 0
    for message in reversed(messages):
        words = len(message.split())
        if used + words > budget:
            continue
        kept.append(message)
        used += words
    kept.reverse()
    return kept
