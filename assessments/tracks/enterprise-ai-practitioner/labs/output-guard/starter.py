"""Lab: guard an LLM assistant's output and actions (OWASP LLM05 and LLM06, 2025 list).

run("render", text, allowed_domains) -> str: safe HTML-ready text of a model reply.
run("authorize", call, context) -> "allow" | "confirm" | "deny": a proposed tool call.
The rules are in the activity text.
"""

import html
import re
from urllib.parse import urlsplit

COMPANY_DOMAIN = "example.com"


def run(task: str, *args):
    raise NotImplementedError
