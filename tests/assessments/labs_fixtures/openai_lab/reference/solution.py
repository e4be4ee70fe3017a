"""Reference solution: uses the official openai client exactly as a learner would."""

import json

from openai import OpenAI

client = OpenAI()  # OPENAI_BASE_URL and OPENAI_API_KEY come from the sandbox
MODEL = "gpt-4o-mini"
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
            },
        },
    }
]


def run(kind, *texts):
    messages = [
        {"role": "system", "content": "You answer briefly."},
        {"role": "user", "content": texts[0]},
    ]
    if kind == "chat":
        reply = client.chat.completions.create(model=MODEL, messages=messages)
        return reply.choices[0].message.content
    if kind == "tool":
        reply = client.chat.completions.create(model=MODEL, messages=messages, tools=TOOLS)
        call = reply.choices[0].message.tool_calls[0]
        return {"name": call.function.name, "arguments": json.loads(call.function.arguments)}
    if kind == "stream":
        stream = client.chat.completions.create(model=MODEL, messages=messages, stream=True)
        return "".join(chunk.choices[0].delta.content or "" for chunk in stream)
    if kind == "similar":
        data = client.embeddings.create(model="text-embedding-3-small", input=list(texts)).data
        return sum(x * y for x, y in zip(data[0].embedding, data[1].embedding, strict=True)) > 0.5
    raise ValueError(kind)
