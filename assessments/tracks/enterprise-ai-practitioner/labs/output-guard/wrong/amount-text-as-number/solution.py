"""Wrong solution (amount-text-as-number): converts a refund amount sent as text ("50") to a
number and offers it for approval, though the policy gates only numbers.
"""

import html
import re
from urllib.parse import urlsplit

COMPANY_DOMAIN = "example.com"
READ_ONLY = {"search_kb", "get_order"}
REFUND_LIMIT = 100
DEFINITION = re.compile(r"^ {0,3}\[([^\]]+)\]:[ \t]*(\S*)[^\n]*\n?", re.MULTILINE)
OPENING = re.compile(r"!?\[")
REFERENCE = re.compile(r"\[([^\]]*)\]")
ADDRESS = re.compile(r"[^\s<>,;\"']+@[^\s<>,;\"']+")


def allowed(url, domains):
    url = url.strip()
    if url.startswith("<"):
        url = url[1:].partition(">")[0]
    parts = urlsplit(url.replace("\\", "/"))
    host = parts.hostname or ""  # urlsplit gives it in lower case
    if parts.scheme not in ("http", "https"):
        return False
    return any(host == d.lower() or host.endswith("." + d.lower()) for d in domains)


def label_key(label):
    return " ".join(label.split()).casefold()


def closing(text, start, opening, close):
    """Index of the bracket closing text[start] (balanced, backslash escapes), or None."""
    depth = 0
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == opening:
            depth += 1
        elif text[i] == close:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def target(text, after, label, definitions):
    """(url, end) of the link or image whose label ends at `after`, or None if it is none."""
    if text.startswith("(", after):
        end = closing(text, after, "(", ")")
        if end is not None:
            inside = text[after + 1 : end].strip()
            url = inside if inside.startswith("<") else (inside.split() or [""])[0]
            return url, end + 1
    ref = REFERENCE.match(text, after)
    key = label_key(ref.group(1) or label) if ref else label_key(label)
    if key in definitions:
        return definitions[key], ref.end() if ref else after
    return None


def markdown(text, domains, definitions):
    out, done = [], 0
    for match in OPENING.finditer(text):
        start = match.end() - 1
        if start < done:
            continue
        end = closing(text, start, "[", "]")
        found = end and target(text, end + 1, text[start + 1 : end], definitions)
        if not found:
            continue
        url, stop = found
        out.append(text[done : match.start()])
        image = match.start() < start
        inner = markdown(text[start + 1 : end], domains, definitions)
        if allowed(url, domains):
            out.append(text[match.start() : stop] if image else "[" + inner + "]" + text[end + 1 : stop])
        else:
            out.append("[image removed]" if image else inner)
        done = stop
    return "".join(out) + text[done:]


def render(text, allowed_domains):
    definitions = {}

    def definition(match):
        key = label_key(match.group(1))
        definitions.setdefault(key, match.group(2))
        return match.group(0) if allowed(match.group(2), allowed_domains) else ""

    text = DEFINITION.sub(definition, text)
    return html.escape(markdown(text, allowed_domains, definitions), quote=True)


def recipients(args):
    found = []
    for field in ("to", "cc", "bcc"):
        value = args.get(field) or []
        for item in [value] if isinstance(value, str) else value:
            found += ADDRESS.findall(str(item))
    return found


def authorize(call, context):
    tool, args = call.get("tool"), call.get("args") or {}
    untrusted = bool(context.get("untrusted_content"))
    if tool in READ_ONLY:
        return "allow"
    if tool == "send_email":
        to = recipients(args)
        internal = bool(to) and all(a.rpartition("@")[2].lower() == COMPANY_DOMAIN for a in to)
        if not internal:
            return "deny" if untrusted else "confirm"
        return "confirm" if untrusted else "allow"
    if tool == "issue_refund":
        amount = args.get("amount")
        if isinstance(amount, str):
            amount = float(amount)
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            return "deny"
        return "confirm" if 0 < amount <= REFUND_LIMIT else "deny"  # NaN is in no range
    return "deny"  # anything not on the list


def run(task, *args):
    return {"render": render, "authorize": authorize}[task](*args)
