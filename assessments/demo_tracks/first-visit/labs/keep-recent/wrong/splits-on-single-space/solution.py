"""Wrong solution (splits-on-single-space): counts the pieces between single spaces, so runs of
spaces count extra words and tabs or new lines join words together."""

def keep_recent(messages, budget):
    kept = []
    used = 0
    for message in reversed(messages):
        words = len(message.split(" "))  # "words" as pieces between single spaces
        if used + words > budget:
            break
        kept.append(message)
        used += words
    kept.reverse()
    return kept
