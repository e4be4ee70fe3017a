"""Wrong solution (newest-first): keeps the right messages but returns them newest first."""


def keep_recent(messages, budget):
    kept = []
    used = 0
    for message in reversed(messages):
        words = len(message.split())
        if used + words > budget:
            break
        kept.append(message)
        used += words
    return kept
