"""Wrong solution (counts-characters): measures messages in characters, not words."""


def keep_recent(messages, budget):
    kept = []
    used = 0
    for message in reversed(messages):
        size = len(message)
        if used + size > budget:
            break
        kept.append(message)
        used += size
    kept.reverse()
    return kept
