"""Reference solution: walk back from the newest message while the words fit the budget."""


def keep_recent(messages, budget):
    kept = []
    used = 0
    for message in reversed(messages):
        words = len(message.split())
        if used + words > budget:
            break
        kept.append(message)
        used += words
    kept.reverse()
    return kept
