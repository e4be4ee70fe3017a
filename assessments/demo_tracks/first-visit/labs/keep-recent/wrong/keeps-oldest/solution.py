"""Wrong solution (keeps-oldest): the starter as given, walking from the oldest message."""


def keep_recent(messages, budget):
    kept = []
    used = 0
    for message in messages:
        words = len(message.split())
        if used + words > budget:
            break
        kept.append(message)
        used += words
    return kept
