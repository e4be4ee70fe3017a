"""Lab: keep a chat inside its context window, newest turns first."""


def keep_recent(messages: list[str], budget: int) -> list[str]:
    """The newest messages whose words add up to at most ``budget``, oldest first.

    Stop at the first older message that does not fit. Fix: this keeps the OLDEST ones.
    """
    kept = []
    used = 0
    for message in messages:
        words = len(message.split())
        if used + words > budget:
            break
        kept.append(message)
        used += words
    return kept
