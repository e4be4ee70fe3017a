"""Drive a sandboxed program over stdio with a wall clock and an output cap enforced from outside.

Why here and not in the sandbox: a learner program can ignore signals, block forever or print
gigabytes; only the trusted parent can count bytes and time reliably, so every read and write
goes through one ``select`` loop that kills the whole process group when a budget runs out.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import selectors
import signal
import subprocess
import time

from assessments.labs.limits import Limits


class Termination(enum.StrEnum):
    """Why a sandboxed program stopped, as the grader reports it."""

    EXITED = "exited"
    WALL_TIME = "wall_time"
    CPU_TIME = "cpu_time"
    OUTPUT_LIMIT = "output_limit"
    SIGNALLED = "signalled"
    KILLED_BY_GRADER = "killed_by_grader"
    SANDBOX_FAILED = "sandbox_failed"


@dataclasses.dataclass(frozen=True)
class SandboxRun:
    """The outcome of one sandboxed program: how it ended and what it printed (capped)."""

    termination: Termination
    returncode: int | None
    stdout: bytes
    stderr: bytes
    wall_seconds: float
    output_truncated: bool

    @property
    def ok(self) -> bool:
        return self.termination is Termination.EXITED and self.returncode == 0

    def describe(self) -> str:
        """A plain sentence a learner or an operator can act on."""
        return _DESCRIPTIONS[self.termination].format(code=self.returncode)


_DESCRIPTIONS = {
    Termination.EXITED: "The program exited with status {code}.",
    Termination.WALL_TIME: "The program was stopped: it ran longer than the time limit.",
    Termination.CPU_TIME: "The program was stopped: it used more CPU time than allowed.",
    Termination.OUTPUT_LIMIT: "The program was stopped: it printed more output than allowed.",
    Termination.SIGNALLED: "The program crashed (exit status {code}); it may have run out of "
    "memory or processes.",
    Termination.KILLED_BY_GRADER: "The program was stopped by the grader.",
    Termination.SANDBOX_FAILED: "The sandbox could not start the program.",
}

_SIGXCPU_STATUS = 128 + signal.SIGXCPU


class SandboxProcess:
    """A running sandbox: queue input, read protocol lines, and always end with ``finish``.

    ``status_fd`` is the read end of bwrap's ``--json-status-fd``: bwrap writes the child's
    pid there once the sandbox is set up, which is how a sandbox failure is told apart from a
    learner program that exits with an error before printing anything.
    """

    def __init__(self, popen: subprocess.Popen[bytes], status_fd: int, limits: Limits) -> None:
        self._popen = popen
        self._limits = limits
        self._started = time.monotonic()
        self._deadline = self._started + limits.wall_seconds
        self._stdout = bytearray()
        self._stderr = bytearray()
        self._status = bytearray()
        self._pending_input = bytearray()
        self._eof_requested = False
        self._output_total = 0
        self._truncated = False
        self._killed: Termination | None = None
        self._result: SandboxRun | None = None
        self._selector = selectors.DefaultSelector()
        if popen.stdout is None or popen.stderr is None or popen.stdin is None:
            raise ValueError("a sandboxed process needs pipes for stdin, stdout and stderr")
        for stream in (popen.stdout, popen.stderr):
            os.set_blocking(stream.fileno(), False)
            self._selector.register(stream.fileno(), selectors.EVENT_READ)
        os.set_blocking(status_fd, False)
        self._status_fd = status_fd
        self._selector.register(status_fd, selectors.EVENT_READ)
        self._stdin_fd: int | None = popen.stdin.fileno()
        os.set_blocking(self._stdin_fd, False)

    @property
    def alive(self) -> bool:
        return self._killed is None and self._popen.poll() is None

    @property
    def output_closed(self) -> bool:
        """The program closed its stdout: it is ending, or can no longer answer."""
        stdout = self._popen.stdout
        return stdout is None or stdout.closed or stdout.fileno() not in self._selector.get_map()

    @property
    def started_in_sandbox(self) -> bool:
        return b"child-pid" in self._status

    def send(self, data: bytes) -> None:
        """Queue bytes for the program's stdin; they are written as it reads them."""
        if self._stdin_fd is not None:
            self._pending_input += data

    def read_line(self, timeout: float) -> bytes | None:
        """The next stdout line, or None if the program ended, or stayed silent for ``timeout``.

        Silence past ``timeout`` does not kill the program; the caller decides.
        """
        until = min(time.monotonic() + timeout, self._deadline)
        while True:
            newline = self._stdout.find(b"\n")
            if newline >= 0:
                line = bytes(self._stdout[: newline + 1])
                del self._stdout[: newline + 1]
                return line
            if not self._pump(until):
                return None

    def kill(self, reason: Termination = Termination.KILLED_BY_GRADER) -> None:
        """Kill every process the sandbox started (they share our child's process group)."""
        if self._killed is None:
            self._killed = reason
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._popen.pid, signal.SIGKILL)

    def finish(self, timeout: float | None = None) -> SandboxRun:
        """Close stdin (after queued input), let the program end or kill it, report the end.

        Idempotent: later calls return the first outcome.
        """
        if self._result is not None:
            return self._result
        self._eof_requested = True
        until = (
            self._deadline if timeout is None else min(self._deadline, time.monotonic() + timeout)
        )
        while self._pump(until):
            pass
        try:
            returncode = self._popen.wait(timeout=max(0.0, until - time.monotonic()))
        except subprocess.TimeoutExpired:
            late = time.monotonic() >= self._deadline
            self.kill(Termination.WALL_TIME if late else Termination.KILLED_BY_GRADER)
            returncode = self._popen.wait()
        self._drain_after_exit()
        self._cleanup()
        self._result = SandboxRun(
            termination=self._termination(returncode),
            returncode=returncode,
            stdout=bytes(self._stdout),
            stderr=bytes(self._stderr),
            wall_seconds=time.monotonic() - self._started,
            output_truncated=self._truncated,
        )
        return self._result

    def _termination(self, returncode: int) -> Termination:
        if self._killed is not None:
            return self._killed
        if not self.started_in_sandbox:
            return Termination.SANDBOX_FAILED
        if returncode == _SIGXCPU_STATUS:
            return Termination.CPU_TIME
        if returncode > 128:
            return Termination.SIGNALLED
        return Termination.EXITED

    def _pump(self, until: float) -> bool:
        """Move bytes once; False when there is nothing more to wait for before ``until``."""
        now = time.monotonic()
        if now >= self._deadline and self._popen.poll() is None:
            self.kill(Termination.WALL_TIME)
            return False
        if now >= until or not self._selector.get_map():
            return False
        self._register_stdin()
        for key, _ in self._selector.select(max(0.0, until - now)):
            if key.fd == self._stdin_fd:
                self._write_stdin()
            else:
                self._read_from(key.fd)
        return bool(self._selector.get_map()) or self._popen.poll() is None

    def _register_stdin(self) -> None:
        if self._stdin_fd is None:
            return
        want = bool(self._pending_input)
        if not want and self._eof_requested:
            self._close_stdin()
            return
        registered = self._stdin_fd in self._selector.get_map()
        if want and not registered:
            self._selector.register(self._stdin_fd, selectors.EVENT_WRITE)
        elif not want and registered:
            self._selector.unregister(self._stdin_fd)

    def _write_stdin(self) -> None:
        if self._stdin_fd is None:  # closed: nothing more can be written
            return
        try:
            written = os.write(self._stdin_fd, self._pending_input[:65536])
        except BlockingIOError:
            return
        except BrokenPipeError:
            self._pending_input.clear()
            self._close_stdin()
            return
        del self._pending_input[:written]

    def _close_stdin(self) -> None:
        if self._stdin_fd is None:
            return
        if self._stdin_fd in self._selector.get_map():
            self._selector.unregister(self._stdin_fd)
        self._stdin_fd = None
        self._pending_input.clear()
        with contextlib.suppress(OSError):
            self._popen.stdin.close()  # type: ignore[union-attr]

    def _read_from(self, fd: int) -> None:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        if not chunk:
            self._selector.unregister(fd)
            return
        if fd == self._status_fd:
            self._status += chunk[:4096]
            return
        self._output_total += len(chunk)
        target = self._stdout if fd == self._popen.stdout.fileno() else self._stderr  # type: ignore[union-attr]
        room = self._limits.output_bytes - (len(self._stdout) + len(self._stderr))
        target += chunk[: max(0, room)]
        if self._output_total > self._limits.output_bytes:
            self._truncated = True
            self.kill(Termination.OUTPUT_LIMIT)

    def _drain_after_exit(self) -> None:
        """Collect what is still buffered in the pipes once the process group is gone."""
        end = time.monotonic() + 0.5
        while self._selector.get_map() and time.monotonic() < end:
            for key, _ in self._selector.select(0.05):
                if key.fd == self._stdin_fd:
                    self._close_stdin()
                else:
                    self._read_from(key.fd)

    def _cleanup(self) -> None:
        self._close_stdin()
        self._selector.close()
        for stream in (self._popen.stdout, self._popen.stderr):
            if stream is not None:
                stream.close()
        with contextlib.suppress(OSError):
            os.close(self._status_fd)
