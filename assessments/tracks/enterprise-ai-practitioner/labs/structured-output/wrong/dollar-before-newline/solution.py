"""Wrong solution (dollar-before-newline): checks the id with ^...$ and re.match, and "$"
also matches before a final line break, so "INV-1234\\n" passes as valid.
"""

import datetime as dt
import json
import math
import re

from openai import OpenAI

client = OpenAI()
MODEL = "gpt-4o-mini"
CURRENCIES = ("EUR", "USD", "GBP")
INVOICE_ID = re.compile(r"^INV-[0-9]{4,}$")  # ASCII digits only: \d also matches other scripts
PLAIN_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def ask(text: str) -> str:
    reply = client.chat.completions.create(
        model=MODEL, temperature=0, messages=[{"role": "user", "content": text}]
    )
    return reply.choices[0].message.content or ""


def parse(reply: str):
    """The first JSON object in the reply; prose (even with braces) and fences are skipped."""
    decoder = json.JSONDecoder()
    start = reply.find("{")
    while start != -1:
        try:
            return decoder.raw_decode(reply, start)[0]
        except json.JSONDecodeError:
            start = reply.find("{", start + 1)
    return None


def valid_amount(value):
    if isinstance(value, str) and PLAIN_NUMBER.fullmatch(value):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def valid_date(value):
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:  # 2026-02-30, month 13, ...
        return None


def validate(data: dict):
    invoice_id = data.get("invoice_id")
    if not isinstance(invoice_id, str) or not INVOICE_ID.match(invoice_id):
        return None
    amount = valid_amount(data.get("amount"))
    currency = data.get("currency")
    due = valid_date(data.get("due_date"))
    if amount is None or currency not in CURRENCIES or due is None:
        return None
    return {"invoice_id": invoice_id, "amount": amount, "currency": currency, "due_date": due}


def extract_invoice(drafts, max_attempts=3):
    attempts = 0
    for draft in drafts[:max_attempts]:
        attempts += 1
        data = parse(ask(draft))
        invoice = validate(data) if data is not None else None
        if invoice is not None:
            return {"ok": True, "attempts": attempts, "invoice": invoice}
    return {"ok": False, "attempts": attempts, "invoice": None}
