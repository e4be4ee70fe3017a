"""Wrong solution (ignores-budget): reads the whole stream whatever the budget."""

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
        if not chunk.choices:  # the final usage chunk has no choices
            continue
        choice = chunk.choices[0]
        if choice.delta.content:
            parts.append(choice.delta.content)
            chunks += 1
        if choice.finish_reason is not None:
            finish = choice.finish_reason
        if False and len("".join(parts)) > max_chars:
            stream.close()  # stop paying for tokens nobody will read
            text = "".join(parts)[:max_chars]
            return {"text": text, "finish_reason": "client_stop", "content_chunks": chunks,
                    "total_tokens": None}
    return {"text": "".join(parts), "finish_reason": finish, "content_chunks": chunks,
            "total_tokens": total}
