"""The in-sandbox side of the grading protocol: load the learner's module, answer one case per line.

This file is copied read-only into the sandbox and run there by the lab's Python, so it uses
only the standard library and imports nothing of ours. It never sees expected answers: it
receives inputs, calls the learner's function and sends back what it returned; the trusted
grader outside compares. Protocol: JSON lines on the original stdout (the learner's own
prints go to stderr or, during a case, into a capped per-case buffer):

    → {"event": "hello"}                    before any learner code is touched
    → {"event": "format_errors", "errors": ["file:line: message", ...]}   then exit
    → {"event": "load_error", "message": "..."}                             then exit
    → {"event": "ready"}
    ← {"id": 1, "args": [...], "kwargs": {...}}
    → {"event": "result", "id": 1, "ok": true, "value": ..., "stdout": "..."}
    → {"event": "result", "id": 1, "ok": false, "error": "...", "stdout": "..."}

In a service lab the config names a probe (lab code, also copied in read-only): each case
then calls ``probe(entry, *args, **kwargs)``, which runs the learner's service and returns
what it observed. The probe, like this file, sees inputs only.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import importlib.util
import io
import json
import os
import selectors
import socket
import sys
import threading
import traceback
from pathlib import Path
from typing import Any, cast

WORK = Path("/work")
TEXT_CAP = 8192
HARNESS_PID = os.getpid()
_ERRNO_LIMITS = {errno.EFBIG: "file_size", errno.ENOSPC: "disk", errno.EMFILE: "open_files"}


def main() -> int:
    config = json.loads(sys.argv[1])
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # the learner's stdout now lands on stderr, away from the protocol

    def emit(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")

    emit({"event": "hello"})
    errors = format_errors(config["module"])
    if errors:
        emit({"event": "format_errors", "errors": errors})
        return 0
    if config.get("openai_socket"):
        start_relay(config["openai_port"], config["openai_socket"])
    try:
        function = load(config["module"], config["function"])
        if config.get("probe"):
            function = probed(function, config["probe"])
    except BaseException:  # the learner's module may raise anything, even SystemExit
        emit({"event": "load_error", "message": learner_traceback()})
        return 0
    emit({"event": "ready"})
    for line in sys.stdin:
        case = json.loads(line)
        emit({"event": "result", "id": case["id"], **call(function, case)})
    return 0


def format_errors(module: str) -> list[str]:
    """Syntax problems in any submitted .py file; such a submission is not gradable."""
    entry = WORK / (module.replace(".", "/") + ".py")
    if not entry.is_file():
        return [f"{entry.relative_to(WORK)}: the file is missing from the submission."]
    errors = []
    for path in sorted(WORK.rglob("*.py")):
        if WORK / ".tmp" in path.parents:
            continue
        name = str(path.relative_to(WORK))
        try:
            compile(path.read_bytes(), name, "exec", dont_inherit=True)
        except SyntaxError as error:
            errors.append(f"{name}:{error.lineno or 0}: {error.msg}")
        except ValueError as error:
            errors.append(f"{name}: {error}")
    return errors


def load(module: str, function: str) -> Any:
    sys.path.insert(0, str(WORK))
    loaded = importlib.import_module(module)
    target = getattr(loaded, function, None)
    if not callable(target):
        raise LookupError(f"{module}.py must define a function named {function}().")
    return target


def probed(entry: Any, probe_path: str) -> Any:
    """The case function of a service lab: the lab's probe, given the learner's entry.

    The probe's folder goes first on sys.path so that its helper (skillcert_service) cannot
    be shadowed by a submitted file of the same name."""
    folder = str(Path(probe_path).parent)
    sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location("skillcert_probe", probe_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the lab's probe {probe_path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def run(*args: Any, **kwargs: Any) -> Any:
        return module.probe(entry, *args, **kwargs)

    return run


class CappedText(io.TextIOBase):
    """Per-case stdout that keeps the first TEXT_CAP characters and counts the rest, so a
    learner printing in a loop meets the time limit, not the memory limit."""

    def __init__(self) -> None:
        self.kept = io.StringIO()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if self.size < TEXT_CAP:
            self.kept.write(text[: TEXT_CAP - self.size])
        self.size += len(text)
        return len(text)

    def getvalue(self) -> str:
        dropped = self.size - TEXT_CAP
        return self.kept.getvalue() + (f"\n[{dropped} more characters]" if dropped > 0 else "")


def call(function: Any, case: dict[str, Any]) -> dict[str, Any]:
    captured = CappedText()
    try:
        with contextlib.redirect_stdout(captured):
            value = function(*case.get("args", []), **case.get("kwargs", {}))
        encoded = to_json(value)
    except BaseException as error:
        leave_if_forked()
        return {
            "ok": False,
            "error": learner_traceback(),
            "limit": limit_hit(error),
            "stdout": cap(captured.getvalue()),
        }
    leave_if_forked()
    return {"ok": True, "value": encoded, "stdout": cap(captured.getvalue())}


def leave_if_forked() -> None:
    """A process the learner forked must not answer for the harness: it ends here, silently."""
    if os.getpid() != HARNESS_PID:
        os._exit(0)


def limit_hit(error: BaseException) -> str | None:
    """Name the sandbox limit behind an exception, so the learner is told what stopped them."""
    if isinstance(error, MemoryError):
        return "memory"
    if isinstance(error, BlockingIOError) or "can't start new thread" in str(error):
        return "processes"  # fork/clone fail with EAGAIN at the process limit
    if isinstance(error, OSError):
        return _ERRNO_LIMITS.get(error.errno or 0)
    return None


def to_json(value: Any) -> Any:
    """Plain JSON data from what learners return (numpy and pandas values, tuples)."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    elif hasattr(value, "to_dict"):
        value = value.to_dict()
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"The function returned a {type(value).__name__}, which is not JSON data.")


def learner_traceback() -> str:
    """The traceback without this file's frames, so learners see only their own code."""
    kind, error, tb = sys.exc_info()
    frames = [
        frame
        for frame in traceback.extract_tb(tb)
        if frame.filename != __file__ and not frame.filename.startswith("<frozen importlib")
    ]
    text = "".join(traceback.format_list(frames) + traceback.format_exception_only(kind, error))
    return cap(text)


def cap(text: str) -> str:
    return text if len(text) <= TEXT_CAP else text[:TEXT_CAP] + "\n[output truncated]"


def start_relay(port: int, socket_path: str) -> None:
    """Serve the OpenAI stub on the sandbox's own loopback, relayed to its Unix socket.

    The sandbox has no network, only its private loopback; the stock ``openai`` client
    talks HTTP to 127.0.0.1 here, and each connection is piped to the stub's socket. One
    thread serves every connection: threads count against the sandbox's process limit,
    and a service lab's clients may keep many connections open at once.
    """
    listener = socket.create_server(("127.0.0.1", port))
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    peers: dict[socket.socket, socket.socket] = {}
    open_ends: dict[socket.socket, int] = {}

    def finish(end: socket.socket) -> None:
        """One direction is done: pass the end of data on; close both once both are done."""
        selector.unregister(end)
        peer = peers[end]
        with contextlib.suppress(OSError):
            peer.shutdown(socket.SHUT_WR)
        open_ends[end] = open_ends[peer] = open_ends[end] - 1
        if open_ends[end] == 0:
            for side in (end, peer):
                peers.pop(side, None)
                open_ends.pop(side, None)
                side.close()

    def serve() -> None:
        while True:
            for key, _ in selector.select():
                source = cast(socket.socket, key.fileobj)  # only sockets are registered
                if source is listener:
                    client, _ = listener.accept()
                    upstream = socket.socket(socket.AF_UNIX)
                    try:
                        upstream.connect(socket_path)
                    except OSError:
                        client.close()
                        upstream.close()
                        continue
                    peers[client], peers[upstream] = upstream, client
                    open_ends[client] = open_ends[upstream] = 2
                    selector.register(client, selectors.EVENT_READ)
                    selector.register(upstream, selectors.EVENT_READ)
                    continue
                try:
                    data = source.recv(65536)
                    if data:
                        peers[source].sendall(data)
                        continue
                except OSError:
                    pass
                finish(source)

    threading.Thread(target=serve, daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
