"""The offline OpenAI-compatible stub: deterministic answers, over loopback and a Unix socket.

The official ``openai`` client is exercised against it inside the sandbox by
test_labs_sandbox.py; here the wire format is checked with the standard library.
"""

from __future__ import annotations

import base64
import http.client
import json
import socket
import struct
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from assessments.labs.openai_stub import OpenAIStub, chat_completion, embed

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "convert",
            "parameters": {
                "type": "object",
                "properties": {
                    "amount": {"type": "number"},
                    "unit": {"type": "string", "enum": ["EUR", "USD"]},
                    "note": {"type": "string"},
                },
            },
        },
    }
]


def _post(base_url: str, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
    request = urllib.request.Request(
        base_url + path, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def stub() -> Any:
    with OpenAIStub() as server:
        yield server


def test_chat_is_deterministic_and_echoes(stub: OpenAIStub) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi there"}]}
    first = _post(stub.base_url, "/chat/completions", body)
    assert first == _post(stub.base_url, "/chat/completions", body)
    reply = json.loads(first[1])
    assert reply["choices"][0]["message"]["content"] == "echo: Hi there"
    assert reply["usage"] == {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}


def test_tool_calls_fill_arguments_from_the_schema() -> None:
    messages = [{"role": "user", "content": "Convert 12.5 please"}]
    reply = chat_completion({"model": "m", "messages": messages, "tools": TOOLS})
    (call,) = reply["choices"][0]["message"]["tool_calls"]
    assert reply["choices"][0]["finish_reason"] == "tool_calls"
    assert json.loads(call["function"]["arguments"]) == {
        "amount": 12.5,
        "unit": "EUR",
        "note": "Convert 12.5 please",
    }
    answered = [*messages, reply["choices"][0]["message"]]
    answered.append({"role": "tool", "tool_call_id": call["id"], "content": "13.6 USD"})
    final = chat_completion({"model": "m", "messages": answered, "tools": TOOLS})
    assert final["choices"][0]["message"]["content"] == "tool result: 13.6 USD"


def test_streaming_sends_server_sent_events(stub: OpenAIStub) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "a b"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    status, raw = _post(stub.base_url, "/chat/completions", body)
    events = [line.removeprefix("data: ") for line in raw.decode().split("\n\n") if line]
    assert status == 200 and events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert text == "echo: a b"
    assert chunks[-1]["usage"]["total_tokens"] == 5


def test_embeddings_are_normalised_hashed_bags_of_words(stub: OpenAIStub) -> None:
    assert embed("cat dog") == embed("dog cat")
    assert abs(sum(v * v for v in embed("the cat sat")) - 1) < 1e-9
    body = {"model": "text-embedding-3-small", "input": ["cat", "cat"], "dimensions": 8}
    status, raw = _post(stub.base_url, "/embeddings", body)
    data = json.loads(raw)["data"]
    assert status == 200 and data[0]["embedding"] == embed("cat", 8) == data[1]["embedding"]
    encoded = _post(stub.base_url, "/embeddings", {**body, "encoding_format": "base64"})[1]
    packed = base64.b64decode(json.loads(encoded)["data"][0]["embedding"])
    assert list(struct.unpack("<8f", packed)) == pytest.approx(embed("cat", 8))


def test_models_and_errors(stub: OpenAIStub) -> None:
    with urllib.request.urlopen(stub.base_url + "/models", timeout=5) as response:
        assert "gpt-4o-mini" in [m["id"] for m in json.loads(response.read())["data"]]
    status, raw = _post(stub.base_url, "/embeddings", {"model": "m", "input": []})
    assert status == 400 and "input" in json.loads(raw)["error"]["message"]
    assert _post(stub.base_url, "/nowhere", {})[0] == 404


@pytest.mark.parametrize(
    "tools", [[None], ["search"], [{"type": "function"}], "x", {"type": "function"}]
)
def test_malformed_tools_are_a_bad_request(stub: OpenAIStub, tools: Any) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "tools": tools}
    status, raw = _post(stub.base_url, "/chat/completions", body)
    assert status == 400 and "tools" in json.loads(raw)["error"]["message"]


def test_serves_on_a_unix_socket(tmp_path: Path) -> None:
    path = tmp_path / "openai.sock"
    with OpenAIStub(socket_path=path):
        assert path.stat().st_mode & 0o777 == 0o666

        class UnixConnection(http.client.HTTPConnection):
            def connect(self) -> None:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(str(path))

        connection = UnixConnection("stub")
        connection.request("GET", "/v1/models")
        assert connection.getresponse().status == 200
        connection.close()
    assert not path.exists()


def test_requests_are_recorded_with_tools_offered_and_message_order() -> None:
    with OpenAIStub() as stub:
        messages = [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Convert 3 EUR"},
        ]
        _post(
            stub.base_url, "/chat/completions", {"model": "m", "messages": messages, "tools": TOOLS}
        )
        _post(stub.base_url, "/embeddings", {"model": "m", "input": "x"})
        with urllib.request.urlopen(stub.base_url + "/models/", timeout=5):
            pass
        request = urllib.request.Request(stub.base_url + "/chat/completions", b"[not json")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(request, timeout=5)
        recorded = list(stub.requests)
        assert [(r["path"], r["body"] is None) for r in recorded] == [
            ("/v1/chat/completions", False),
            ("/v1/embeddings", False),
            ("/v1/models", True),
            ("/v1/chat/completions", True),
        ]
        chat = recorded[0]["body"]
        assert [m["role"] for m in chat["messages"]] == ["system", "user"]
        assert [t["function"]["name"] for t in chat["tools"]] == ["convert"]
        assert stub.requests.take() == recorded and len(stub.requests) == 0
        _post(stub.base_url, "/embeddings", {"model": "m", "input": "y"})
        stub.requests.clear()
        assert list(stub.requests) == []


def test_the_request_log_is_safe_across_threads() -> None:
    with OpenAIStub() as stub:
        body = {"model": "m", "input": "x"}
        threads = [
            threading.Thread(
                target=lambda: [_post(stub.base_url, "/embeddings", body) for _ in range(10)]
            )
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        taken = []
        while any(thread.is_alive() for thread in threads):
            taken += stub.requests.take()  # reading while handlers append loses nothing
        for thread in threads:
            thread.join()
        taken += stub.requests.take()
        assert len(taken) == 40 and all(r["body"] == body for r in taken)
