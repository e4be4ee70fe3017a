"""A deterministic, offline OpenAI-compatible server for labs that exercise real API usage.

Why: labs teach the official ``openai`` client (chat, tool calls, streaming, embeddings)
but grading must be reproducible and the sandbox has no network. Every answer here is a
pure function of the request, so the same submission always gets the same replies.

It runs outside the sandbox, on a Unix socket bound into it (or on loopback for tests);
inside, the harness relays the sandbox's private 127.0.0.1 to that socket, so the stock
client works with ``OPENAI_BASE_URL`` alone and no network namespace is shared.

Behaviour, documented for lab authors in docs/labs.md:
- chat: replies ``"echo: <last user message>"``; with ``tools`` (and ``tool_choice`` not
  ``"none"``) and no tool result yet, calls the chosen (or first) tool with arguments
  filled from its JSON schema; after a tool result, replies ``"tool result: <content>"``;
- embeddings: hashed bag of words, L2-normalised, ``dimensions`` (default 64), float or
  base64 encoding;
- models: a fixed list.

Every request is also recorded (``OpenAIStub.requests``) before it is answered, so the
grader can check what a program sent during a test case, not only what it returned.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import re
import socketserver
import struct
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

MODELS = ("gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "skillcert-stub")
DEFAULT_DIMENSIONS = 64
CREATED = 1_700_000_000  # fixed timestamps keep responses byte-for-byte reproducible
_WORD = re.compile(r"\w+", re.UNICODE)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_MAX_BODY = 4 * 1024 * 1024


class StubError(ValueError):
    """A request the real API would reject with 400; the message goes back to the client."""


# -- pure functions: request in, response out ---------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _text_of(content: Any) -> str:
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}, ...]
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return "" if content is None else str(content)


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _arguments_for(schema: dict[str, Any], prompt: str) -> dict[str, Any]:
    """Fill a tool's JSON-schema parameters from the prompt, the same way every time."""
    numbers = _NUMBER.findall(prompt)
    arguments: dict[str, Any] = {}
    for name, spec in (schema.get("properties") or {}).items():
        kind = spec.get("type", "string")
        if "enum" in spec:
            arguments[name] = spec["enum"][0]
        elif kind in ("number", "integer"):
            value = float(numbers.pop(0)) if numbers else 0.0
            arguments[name] = int(value) if kind == "integer" else value
        elif kind == "boolean":
            arguments[name] = True
        elif kind == "array":
            arguments[name] = []
        elif kind == "object":
            arguments[name] = {}
        else:
            arguments[name] = prompt
    return arguments


def _function_tools(request: dict[str, Any]) -> list[dict[str, Any]]:
    """The request's function tools; a malformed list is a 400, as the real API answers."""
    tools = request.get("tools") or []
    well_formed = isinstance(tools, list) and all(
        isinstance(tool, dict)
        and (tool.get("type") != "function" or isinstance(tool.get("function"), dict))
        for tool in tools
    )
    if not well_formed:
        raise StubError("'tools' must be a list of objects, each function tool with a 'function'.")
    return [tool for tool in tools if tool.get("type") == "function"]


def _chosen_tool(request: dict[str, Any]) -> dict[str, Any] | None:
    tools = _function_tools(request)
    choice = request.get("tool_choice", "auto")
    messages = request.get("messages") or []
    if not tools or choice == "none" or (messages and messages[-1].get("role") == "tool"):
        return None
    if isinstance(choice, dict):
        wanted = choice.get("function", {}).get("name")
        named = [tool for tool in tools if tool["function"].get("name") == wanted]
        if not named:
            raise StubError(f"tool_choice names an unknown function {wanted!r}.")
        return named[0]
    return tools[0]


def chat_completion(request: dict[str, Any]) -> dict[str, Any]:
    """The full (non-streamed) chat completion for ``request``."""
    messages = request.get("messages")
    if not isinstance(messages, list) or not messages:
        raise StubError("'messages' must be a non-empty list.")
    model = str(request.get("model") or "")
    if not model:
        raise StubError("'model' is required.")
    user_text = next(
        (_text_of(m.get("content")) for m in reversed(messages) if m.get("role") == "user"), ""
    )
    key = _digest(model, json.dumps(messages, sort_keys=True))
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    tool = _chosen_tool(request)
    if tool is not None:
        function = tool["function"]
        arguments = _arguments_for(function.get("parameters") or {}, user_text)
        message["tool_calls"] = [
            {
                "id": f"call_{key[:24]}",
                "type": "function",
                "function": {"name": function["name"], "arguments": json.dumps(arguments)},
            }
        ]
        finish_reason = "tool_calls"
    else:
        last = messages[-1]
        if last.get("role") == "tool":
            message["content"] = f"tool result: {_text_of(last.get('content'))}"
        else:
            message["content"] = f"echo: {user_text}"
        finish_reason = "stop"
    prompt_tokens = sum(len(_words(_text_of(m.get("content")))) for m in messages)
    reply_tokens = len(_words(message["content"] or json.dumps(message.get("tool_calls"))))
    return {
        "id": f"chatcmpl-{key[:24]}",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "system_fingerprint": "fp_skillcert_stub",
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": finish_reason}
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": reply_tokens,
            "total_tokens": prompt_tokens + reply_tokens,
        },
    }


def chat_completion_chunks(request: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The same completion as ``chat.completion.chunk`` objects, word by word."""
    full = chat_completion(request)
    choice = full["choices"][0]
    base = {key: full[key] for key in ("id", "created", "model", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            **base,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    yield chunk({"role": "assistant", "content": ""})
    for index, call in enumerate(choice["message"].get("tool_calls") or []):
        yield chunk({"tool_calls": [{"index": index, **call}]})
    content = choice["message"]["content"] or ""
    for piece in re.findall(r"\S+\s*|\s+", content):
        yield chunk({"content": piece})
    yield chunk({}, choice["finish_reason"])
    if (request.get("stream_options") or {}).get("include_usage"):
        yield {**base, "choices": [], "usage": full["usage"]}


def embed(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """A hashed bag of words, L2-normalised: texts sharing words get similar vectors."""
    vector = [0.0] * dimensions
    for word in _words(text):
        digest = hashlib.sha256(word.encode("utf-8")).digest()
        index = int.from_bytes(digest[:4], "little") % dimensions
        vector[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(value * value for value in vector))
    return [value / norm for value in vector] if norm else vector


def embeddings(request: dict[str, Any]) -> dict[str, Any]:
    texts = request.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise StubError("'input' must be a string or a non-empty list of strings.")
    dimensions = request.get("dimensions") or DEFAULT_DIMENSIONS
    if not isinstance(dimensions, int) or not 1 <= dimensions <= 4096:
        raise StubError("'dimensions' must be an integer from 1 to 4096.")
    encoding = request.get("encoding_format") or "float"
    data = []
    for index, text in enumerate(texts):
        vector: Any = embed(text, dimensions)
        if encoding == "base64":
            vector = base64.b64encode(struct.pack(f"<{dimensions}f", *vector)).decode("ascii")
        data.append({"object": "embedding", "index": index, "embedding": vector})
    tokens = sum(len(_words(text)) for text in texts)
    return {
        "object": "list",
        "data": data,
        "model": str(request.get("model") or ""),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def model_object(name: str) -> dict[str, Any]:
    return {"id": name, "object": "model", "created": CREATED, "owned_by": "skillcert"}


# -- HTTP ----------------------------------------------------------------------------------


class RequestLog:
    """The requests a stub received, in order of arrival, as ``{"path", "body"}`` entries.

    Handler threads record each request before answering it, so once a program's call
    has returned its request is here. ``body`` is the parsed JSON object, or None for a
    GET or a body that is not a JSON object. Thread-safe: the grader reads and clears it
    between test cases while requests may still arrive.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def record(self, path: str, body: dict[str, Any] | None) -> None:
        with self._lock:
            self._entries.append({"path": path, "body": body})

    def take(self) -> list[dict[str, Any]]:
        """Everything recorded so far, leaving the log empty (one step, so nothing is lost)."""
        with self._lock:
            entries, self._entries = self._entries, []
        return entries

    def clear(self) -> None:
        self.take()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            return iter(list(self._entries))

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SkillCertOpenAIStub/1"
    server: _StubServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: Unix-socket peers have no address, and grading logs stay clean."""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        self.server.requests.record(path, None)
        if path == "/v1/models":
            self._json({"object": "list", "data": [model_object(name) for name in MODELS]})
        elif path.startswith("/v1/models/") and path.removeprefix("/v1/models/") in MODELS:
            self._json(model_object(path.removeprefix("/v1/models/")))
        else:
            self._error(HTTPStatus.NOT_FOUND, f"Unknown path {path}.")

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        try:
            request = self._body()
        except StubError as error:
            self.server.requests.record(path, None)
            self._error(HTTPStatus.BAD_REQUEST, str(error))
            return
        self.server.requests.record(path, request)
        try:
            if path == "/v1/chat/completions":
                if request.get("stream"):
                    self._stream(chat_completion_chunks(request))
                else:
                    self._json(chat_completion(request))
            elif path == "/v1/embeddings":
                self._json(embeddings(request))
            else:
                self._error(HTTPStatus.NOT_FOUND, f"Unknown path {path}.")
        except StubError as error:
            self._error(HTTPStatus.BAD_REQUEST, str(error))

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        if length > _MAX_BODY:
            raise StubError("The request body is too large.")
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise StubError(f"The request body is not JSON: {error}.") from error
        if not isinstance(body, dict):
            raise StubError("The request body must be a JSON object.")
        return body

    def _json(self, payload: dict[str, Any], status: HTTPStatus = HTTPStatus.OK) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: HTTPStatus, message: str) -> None:
        error = {"message": message, "type": "invalid_request_error", "param": None, "code": None}
        self._json({"error": error}, status)

    def _stream(self, chunks: Iterator[dict[str, Any]]) -> None:
        events = [f"data: {json.dumps(chunk)}\n\n" for chunk in chunks] + ["data: [DONE]\n\n"]
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        for event in events:
            self.wfile.write(event.encode("utf-8"))
            self.wfile.flush()
        self.close_connection = True


# A BaseServer too, so a handler's ``server`` can be typed as one (the MRO is unchanged).
class _StubServer(socketserver.ThreadingMixIn, socketserver.BaseServer):
    daemon_threads = True
    requests: RequestLog


class _UnixServer(_StubServer, socketserver.UnixStreamServer):
    def get_request(self) -> tuple[Any, Any]:
        request, _ = super().get_request()
        return request, ("unix", 0)  # BaseHTTPRequestHandler expects a (host, port) pair


class _TCPServer(_StubServer, socketserver.TCPServer):
    allow_reuse_address = True


class OpenAIStub:
    """The stub server in a background thread: ``with OpenAIStub(socket_path=p) as stub: ...``.

    With ``socket_path`` it listens on a Unix socket that the sandbox uid may connect to
    (for grading); without, on an ephemeral loopback port (``base_url``, for tests/demos).
    ``requests`` records every request it answered (see ``RequestLog``).
    """

    def __init__(self, socket_path: Path | None = None) -> None:
        self.socket_path = socket_path
        self.requests = RequestLog()
        self._server: _UnixServer | _TCPServer
        if socket_path is None:
            self._server = _TCPServer(("127.0.0.1", 0), _Handler)
        else:
            self._server = _UnixServer(str(socket_path), _Handler)
            os.chmod(socket_path, 0o666)  # noqa: S103 - the sandbox uid connects
        self._server.requests = self.requests
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        address = self._server.server_address
        # Only the loopback TCP server has a URL: its address is a (host, port) pair.
        if not isinstance(address, tuple) or not isinstance(address[0], str):
            raise RuntimeError("a stub on a Unix socket has no URL: connect to socket_path")
        host, port = address[0], address[1]
        return f"http://{host}:{port}/v1"

    def start(self) -> OpenAIStub:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
