"""Lab: assemble a streamed chat reply, stop early on a length budget, read the usage.

The lab's model is an offline stub: it replies "echo: <your message>", streamed in
pieces. Send exactly one user message (no system message): the hidden tests compare the token
usage the model reports for that request.
"""

from openai import OpenAI

client = OpenAI()
MODEL = "gpt-4o-mini"


def stream_reply(prompt: str, max_chars: int | None = None) -> dict:
    """Return {"text", "finish_reason", "content_chunks", "total_tokens"}."""
    raise NotImplementedError
