"""Serve an app over real HTTP on a free loopback port, for tests that need a real server
(a browser, a Node verifier, a platform calling back)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from flask import Flask
from werkzeug.serving import make_server


@contextlib.contextmanager
def serving(build: Callable[[str], Flask]) -> Iterator[tuple[Flask, str]]:
    """``build(base_url)`` makes the app: its URLs (and did:web) must name the port."""
    server = make_server("127.0.0.1", 0, None, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    server.app = app = build(base)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield app, base
    finally:
        server.shutdown()
        app.extensions["skillcert.engine"].dispose()
