"""Lab: fit a conversation into a model's context window and price the worst case.

Standard library only. The activity text defines how this lab counts tokens and which
messages must always be sent.
"""


def fit(messages: list[dict], context_window: int, max_output_tokens: int,
        price_in_per_million: float, price_out_per_million: float) -> dict:
    """Return {"ok", "kept", "prompt_tokens", "max_cost_usd"}."""
    raise NotImplementedError
