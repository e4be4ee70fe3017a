"""Lab: tool calling with an allowlist, argument validation and a second model call.

The stub model always calls a tool when you offer tools: the one named in `tool_choice`,
or else the first one offered. It fills string arguments with the whole user message and
number arguments with the numbers in it, in order, so validate what it sends you.
"""

import json

from openai import OpenAI

client = OpenAI()
MODEL = "gpt-4o-mini"
ORDERS = {"A100": "shipped", "A205": "processing", "B310": "delivered"}


def answer(question: str, tool: str | None = None) -> dict:
    """Return {"tool", "status", "result", "final"}; see the activity text for the rules."""
    raise NotImplementedError
