"""Wrong solution (drops-exact-fit): a message that fills the budget exactly is left out."""


def keep_recent(messages, budget):
    kept = []
    used = 0
    for message in reversed(messages):
        words = len(message.split())
        if used + words >= budget:
            break
        kept.append(message)
        used += words
    kept.reverse()
    return kept
