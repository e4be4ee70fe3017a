"""Lab: structured output with validation and retries.

The lab's model is an offline stub: it answers every chat request with
"echo: " followed by your last user message. Each test gives you `drafts`, the outputs
a real model might produce on successive attempts; send draft i as the user message of
attempt i, and treat the reply's text as the model's output.
"""

from openai import OpenAI

client = OpenAI()  # the sandbox sets OPENAI_BASE_URL and OPENAI_API_KEY
MODEL = "gpt-4o-mini"
CURRENCIES = ("EUR", "USD", "GBP")


def extract_invoice(drafts: list[str], max_attempts: int = 3) -> dict:
    """Return {"ok": bool, "attempts": int, "invoice": dict | None}.

    See the activity text for the exact rules.
    """
    raise NotImplementedError
