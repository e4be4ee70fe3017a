"""Wrong solution (id-inside-longer-token): searches for a letter and three digits anywhere,
so "A1007" or "QA100" is read as order A100.
"""

import json
import re

from openai import OpenAI

client = OpenAI()
MODEL = "gpt-4o-mini"
ORDERS = {"A100": "shipped", "A205": "processing", "B310": "delivered"}
ORDER_ID = re.compile(r"[A-Za-z]\d{3}")
APPROVAL_LIMIT = 500


def get_order_status(order_id):
    match = ORDER_ID.search(str(order_id))
    if not match:
        return {"error": "invalid order_id"}
    key = match.group().upper()
    if key not in ORDERS:
        return {"error": "order not found"}
    return {"order_id": key, "status": ORDERS[key]}


def quote_refund(amount, percent):
    numbers = all(isinstance(x, int | float) and not isinstance(x, bool) for x in (amount, percent))
    if not numbers or amount <= 0 or not 0 < percent <= 100:
        return {"error": "invalid arguments"}
    refund = round(amount * percent / 100, 2)
    return {"refund": refund, "needs_approval": refund > APPROVAL_LIMIT}


TOOLS = {
    "get_order_status": (get_order_status, {"order_id": {"type": "string"}}),
    "quote_refund": (quote_refund, {"amount": {"type": "number"}, "percent": {"type": "number"}}),
}


def schema(name):
    properties = TOOLS[name][1]
    return {
        "type": "function",
        "function": {
            "name": name,
            "parameters": {"type": "object", "properties": properties, "required": list(properties)},
        },
    }


def answer(question, tool=None):
    if tool is not None and tool not in TOOLS:
        return {"tool": tool, "status": "refused", "result": None, "final": None}
    messages = [{"role": "user", "content": question}]
    choice = {"type": "function", "function": {"name": tool}} if tool else "auto"
    reply = client.chat.completions.create(
        model=MODEL, messages=messages, tools=[schema(n) for n in TOOLS], tool_choice=choice
    )
    message = reply.choices[0].message
    if not message.tool_calls:
        return {"tool": None, "status": "no_tool", "result": None, "final": message.content}
    call = message.tool_calls[0]
    name = call.function.name
    if name not in TOOLS:
        return {"tool": name, "status": "refused", "result": None, "final": None}
    try:
        arguments = json.loads(call.function.arguments)
        result = TOOLS[name][0](**arguments)
    except (json.JSONDecodeError, TypeError):
        result = {"error": "invalid arguments"}
    messages.append(message.model_dump(exclude_none=True))
    content = json.dumps(result, sort_keys=True)
    messages.append({"role": "tool", "tool_call_id": call.id, "content": content})
    final = client.chat.completions.create(model=MODEL, messages=messages)
    status = "error" if "error" in result else "ok"
    return {"tool": name, "status": status, "result": result, "final": final.choices[0].message.content}
