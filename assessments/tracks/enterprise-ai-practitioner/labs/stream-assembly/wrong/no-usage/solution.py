"""Wrong solution (no-usage): never asks for usage in the stream, so the token count is missing."""

from openai import OpenAI

client = OpenAI()
MODEL = "gpt-4o-mini"


def stream_reply(prompt, max_chars=None):
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": prompt}],
        stream=True,
    )
    parts, chunks, finish, total = [], 0, None, None
    for chunk in stream:
        if chunk.usage is not None:
            total = chunk.usage.total_tokens
        if not chunk.choices:  # the final usage chunk has no choices
            continue
        choice = chunk.choices[0]
        if choice.delta.content:
            parts.append(choice.delta.content)
            chunks += 1
        if choice.finish_reason is not None:
            finish = choice.finish_reason
        if max_chars is not None and len("".join(parts)) > max_chars:
            stream.close()  # stop paying for tokens nobody will read
            text = "".join(parts)[:max_chars]
            return {"text": text, "finish_reason": "client_stop", "content_chunks": chunks,
                    "total_tokens": None}
    return {"text": "".join(parts), "finish_reason": finish, "content_chunks": chunks,
            "total_tokens": total}
