"""Wrong solution (no-retry): stops after the first attempt, so a bad first draft is never retried."""

import datetime as dt
import json
import re

from openai import OpenAI

client = OpenAI()
MODEL = "gpt-4o-mini"
CURRENCIES = ("EUR", "USD", "GBP")
INVOICE_ID = re.compile(r"INV-\d{4,}")


def ask(text: str) -> str:
    reply = client.chat.completions.create(
        model=MODEL, temperature=0, messages=[{"role": "user", "content": text}]
    )
    return reply.choices[0].message.content or ""


def parse(reply: str):
    start, end = reply.find("{"), reply.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        data = json.loads(reply[start : end + 1])
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def validate(data: dict):
    invoice_id = data.get("invoice_id")
    if not isinstance(invoice_id, str) or not INVOICE_ID.fullmatch(invoice_id):
        return None
    amount = data.get("amount")
    if isinstance(amount, str):
        try:
            amount = float(amount)
        except ValueError:
            return None
    if isinstance(amount, bool) or not isinstance(amount, int | float) or amount <= 0:
        return None
    currency = data.get("currency")
    if currency not in CURRENCIES:
        return None
    due = data.get("due_date")
    try:
        if not isinstance(due, str) or dt.date.fromisoformat(due).isoformat() != due:
            return None
    except ValueError:
        return None
    return {"invoice_id": invoice_id, "amount": float(amount), "currency": currency, "due_date": due}


def extract_invoice(drafts, max_attempts=3):
    attempts = 0
    for draft in drafts[:1]:
        attempts += 1
        data = parse(ask(draft))
        invoice = validate(data) if data is not None else None
        if invoice is not None:
            return {"ok": True, "attempts": attempts, "invoice": invoice}
    return {"ok": False, "attempts": attempts, "invoice": None}
