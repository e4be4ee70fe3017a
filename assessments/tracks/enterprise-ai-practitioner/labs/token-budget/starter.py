"""Lab: fit a conversation into a model's context window and price the worst case.

Count tokens with the approximation in the activity text: every run of letters/digits
(regex \\w+) is one token, every other non-space character is one token, and each
message costs 4 tokens more for its framing.
"""

import re

TOKEN = re.compile(r"\w+|[^\w\s]")
MESSAGE_OVERHEAD = 4


def fit(messages: list[dict], context_window: int, max_output_tokens: int,
        price_in_per_million: float, price_out_per_million: float) -> dict:
    """Return {"ok", "kept", "prompt_tokens", "max_cost_usd"}."""
    raise NotImplementedError
