"""Returns what the stub would answer without calling it: right text, no model call."""

import re


def run(kind, *texts):
    if kind in ("chat", "stream"):
        return f"echo: {texts[0]}"
    if kind == "tool":
        days = int(re.findall(r"\d+", texts[0])[0])
        return {"name": "get_weather", "arguments": {"city": texts[0], "days": days}}
    if kind == "similar":
        return True
    raise ValueError(kind)
