"""Lab: assemble a streamed chat reply, stop early on a length budget, read the usage.

The stub model replies "echo: <your message>" and streams it word by word. Send exactly
one user message (no system message) so the token counts match the tests.
"""

from openai import OpenAI

client = OpenAI()
MODEL = "gpt-4o-mini"


def stream_reply(prompt: str, max_chars: int | None = None) -> dict:
    """Return {"text", "finish_reason", "content_chunks", "total_tokens"}."""
    raise NotImplementedError
