"""Reference solution: stream, assemble the deltas, stop early when over budget."""

from openai import OpenAI

client = OpenAI()
MODEL = "gpt-4o-mini"


def stream_reply(prompt, max_chars=None):
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": prompt}],
        stream=True,
        stream_options={"include_usage": True},
    )
    parts, chunks, finish, total = [], 0, None, None
    for chunk in stream:
        if chunk.usage is not None:
            total = chunk.usage.total_tokens
        for choice in chunk.choices:  # the final usage chunk has none
            if choice.delta.content:
                parts.append(choice.delta.content)
                chunks += 1
            finish = choice.finish_reason or finish
        if max_chars is not None and len("".join(parts)) > max_chars:
            stream.close()  # stop paying for tokens nobody will read
            text = "".join(parts)[:max_chars]
            return {"text": text, "finish_reason": "client_stop", "content_chunks": chunks,
                    "total_tokens": None}
    return {"text": "".join(parts), "finish_reason": finish, "content_chunks": chunks,
            "total_tokens": total}
