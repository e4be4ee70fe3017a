"""In-sandbox helpers for service labs: serve the learner's app and fake dependencies on the
sandbox's own loopback, and talk HTTP to them.

This file is copied read-only into the sandbox beside a lab's probe (as
``skillcert_service``) and runs there with the lab's Python, so it uses only the standard
library and imports nothing of ours. It knows no expected answers: a probe uses it to drive
the service and report what happened, and the grader outside compares.

- ``serve_wsgi(app)``: the learner's WSGI app on ``127.0.0.1``, a free port, one thread;
- ``fake_service(respond)``: a dependency whose answers the probe scripts; it records every
  request it receives (``.requests``), which is how a probe sees what the service did;
  ``respond(request)`` gets that record and returns ``(status, json_body)``;
- ``call(method, url, body=None, headers=None)``: one HTTP request, ``(status, body)``.
"""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import socketserver
import threading
import urllib.parse
import wsgiref.simple_server
from collections.abc import Callable, Iterator
from typing import Any

LOOPBACK = "127.0.0.1"

#: ``respond(request) -> (status, json_body)`` for a fake dependency; ``request`` is the
#: record described in ``FakeService``.
Responder = Callable[[dict[str, Any]], tuple[int, Any]]


class _QuietWSGIHandler(wsgiref.simple_server.WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingWSGIServer(socketserver.ThreadingMixIn, wsgiref.simple_server.WSGIServer):
    # A request the service never finishes (say, endless retries) must not stop the probe
    # from shutting the server down: each request has its own daemon thread.
    daemon_threads = True
    block_on_close = False


@contextlib.contextmanager
def serve_wsgi(app: Any) -> Iterator[str]:
    """Serve ``app`` on the loopback until the block ends; yields its base URL."""
    server = wsgiref.simple_server.make_server(
        LOOPBACK, 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietWSGIHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://{LOOPBACK}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


class FakeService:
    """A scripted dependency on the loopback; ``requests`` lists what it received, in order:
    ``{"method", "path", "query", "headers", "body"}`` (``query`` parsed as by
    ``urllib.parse.parse_qs``, header names in lower case, a JSON body parsed)."""

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.url = ""


@contextlib.contextmanager
def fake_service(respond: Responder) -> Iterator[FakeService]:
    fake = FakeService(respond)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def handle_one(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            parts = urllib.parse.urlsplit(self.path)
            record = {
                "method": self.command,
                "path": parts.path,
                "query": urllib.parse.parse_qs(parts.query),
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "body": body,
            }
            with fake.lock:
                fake.requests.append(record)
            status, answer = fake.respond(record)
            data = json.dumps(answer).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one

    server = http.server.ThreadingHTTPServer((LOOPBACK, 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    fake.url = f"http://{LOOPBACK}:{server.server_port}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=2)


def call(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> tuple[int, Any]:
    """One request; the body is sent as JSON. Returns the status and the answer, parsed as
    JSON when it is JSON, else as text. A service that does not answer gives status 0."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname is None:  # HTTPConnection would fail on it with an AttributeError
        raise ValueError(f"{url!r} names no host")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    data = None if body is None else json.dumps(body).encode("utf-8")
    sent = {"Content-Type": "application/json", **(headers or {})}
    try:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request(method, target or "/", body=data, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        return 0, f"no answer: {error}"
    finally:
        connection.close()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text
