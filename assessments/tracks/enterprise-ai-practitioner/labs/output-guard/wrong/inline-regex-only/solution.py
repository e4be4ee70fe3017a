"""Wrong solution (inline-regex-only): the one-regex Markdown filter; misses reference-style images, nested brackets, a backslash in the host and recipients in cc/bcc."""

import html
import re
from urllib.parse import urlsplit

COMPANY_DOMAIN = "example.com"
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]*)\)")
LINK = re.compile(r"(?<!!)\[([^\]]*)\]\(([^)]*)\)")
READ_ONLY = {"search_kb", "get_order"}
REFUND_LIMIT = 100


def allowed(url, domains):
    target = url.strip().split()[0] if url.strip() else ""
    parts = urlsplit(target)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    return any(host == d or host.endswith("." + d) for d in domains)


def render(text, allowed_domains):
    text = IMAGE.sub(
        lambda m: m.group(0) if allowed(m.group(2), allowed_domains) else "[image removed]", text
    )
    text = LINK.sub(lambda m: m.group(0) if allowed(m.group(2), allowed_domains) else m.group(1), text)
    return html.escape(text, quote=True)


def authorize(call, context):
    tool, args = call.get("tool"), call.get("args") or {}
    untrusted = bool(context.get("untrusted_content"))
    if tool in READ_ONLY:
        return "allow"
    if tool == "send_email":
        domain = str(args.get("to", "")).rpartition("@")[2].lower()
        if domain != COMPANY_DOMAIN:
            return "deny" if untrusted else "confirm"
        return "confirm" if untrusted else "allow"
    if tool == "issue_refund":
        amount = args.get("amount")
        if not isinstance(amount, int | float) or isinstance(amount, bool) or amount <= 0:
            return "deny"
        return "deny" if amount > REFUND_LIMIT else "confirm"
    return "deny"  # anything not on the list


def run(task, *args):
    return {"render": render, "authorize": authorize}[task](*args)
