"""Wrong solution (misses-the-oldest): walks back with range(len - 1, 0, -1), which never
reaches the oldest message, so a chat that fits whole loses its first turn."""

def keep_recent(messages, budget):
    kept = []
    used = 0
    for i in range(len(messages) - 1, 0, -1):  # walks back, but stops before index 0
        words = len(messages[i].split())
        if used + words > budget:
            break
        kept.insert(0, messages[i])
        used += words
    return kept
