"""Grade a submission: run the learner's function in the sandbox, compare answers outside.

Why this shape: hidden tests stay secret only if expected answers never enter the sandbox,
so the trusted grader sends each case's *inputs* over stdin to the in-sandbox harness,
reads the returned value, and compares here. A case that hangs or crashes costs only that
case: the session is killed and a fresh one answers the rest, within the submission's
overall wall-time budget. For labs that use the OpenAI stub, the requests it records while
a case runs are that case's, so ``model_calls`` expectations are checked here too.

A service lab (``probe:``) keeps the same protocol: its probe, lab code copied into the
sandbox with a small stdlib helper (service.py), is called with the learner's entry and the
case's inputs, starts the service on the sandbox's own loopback and returns what it observed
(responses, log lines, calls a fake dependency received); the comparison stays here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import stat
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from assessments.labs import sandbox
from assessments.labs.limits import Limits
from assessments.labs.openai_stub import OpenAIStub
from assessments.labs.process import SandboxProcess, Termination
from assessments.labs.results import (
    LabResult,
    ResultStatus,
    TestResult,
    TestStatus,
    cap_text,
    last_ditch_result,
    now,
)
from assessments.labs.spec import LabSpec, TestCase

HARNESS = Path(__file__).with_name("harness.py")
HARNESS_MOUNT = "/opt/skillcert/harness.py"
SERVICE_HELPER = Path(__file__).with_name("service.py")
PROBE_DIR = "/opt/skillcert/probe"
PROBE_MOUNT = f"{PROBE_DIR}/probe.py"
SERVICE_HELPER_MOUNT = f"{PROBE_DIR}/skillcert_service.py"
OPENAI_SOCKET_MOUNT = "/run/skillcert/openai.sock"
OPENAI_PORT = 8080

_LIMIT_MESSAGES = {
    "memory": "ran out of memory (limit {memory} MiB)",
    "processes": "hit the limit on processes/threads ({processes})",
    "file_size": "wrote a file larger than allowed",
    "disk": "filled the work directory",
    "open_files": "opened too many files",
}


class _NotGradable(Exception):
    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = tuple(errors)


def grade_submission(
    lab: LabSpec,
    submission_dir: Path,
    limits: Limits | None = None,
    config: sandbox.SandboxConfig | None = None,
) -> LabResult:
    """Grade every test (visible and hidden). The result is the staff view; show learners
    ``result.for_learner()``. Every failure of the submission or the machine becomes a
    result; only a parameterised lab given without its instance raises ``ValueError``."""
    if lab.parameterised:
        # Its cases are only the fixed ones: grading them alone would quietly drop the
        # generated hidden tests.
        raise ValueError(f"Lab {lab.id} is parameterised: grade lab.instance(seed).")
    return _grade(lab, lab.cases, submission_dir, limits or Limits(), config, hidden_run=True)


def run_visible_tests(
    lab: LabSpec,
    submission_dir: Path,
    limits: Limits | None = None,
    config: sandbox.SandboxConfig | None = None,
) -> LabResult:
    """Run only the visible tests, e.g. for a learner's "check my work" button; since no
    hidden input is involved, the program's stderr is included in the learner's message."""
    cases = lab.visible_cases
    return _grade(lab, cases, submission_dir, limits or Limits(), config, hidden_run=False)


def _grade(
    lab: LabSpec,
    cases: Sequence[TestCase],
    submission_dir: Path,
    limits: Limits,
    config: sandbox.SandboxConfig | None,
    hidden_run: bool,
) -> LabResult:
    timestamps = {"started": now()}

    def result(status: ResultStatus, **fields: Any) -> LabResult:
        timestamps["finished"] = now()
        return LabResult(lab_id=lab.id, status=status, timestamps=timestamps, **fields)

    if not cases:
        return result(
            ResultStatus.INTERNAL_ERROR,
            score=None,
            message="This lab has no tests to run yet; staff have been told.",
            staff_output=f"Lab {lab.id} has no {'' if hidden_run else 'visible '}tests.",
        )
    try:
        files = _submission_files(submission_dir)
        grading = _Grading(lab, limits.override(lab.limits), config)
        tests, stderr = grading.run(cases, files)
    except _NotGradable as error:
        return result(
            ResultStatus.NOT_GRADABLE,
            score=None,
            format_errors=error.errors,
            message="Your submission could not be graded; fix these problems and submit "
            "again (this attempt does not count):\n" + "\n".join(error.errors),
        )
    except sandbox.SandboxUnavailable as error:
        return result(
            ResultStatus.SANDBOX_UNAVAILABLE,
            score=None,
            message="Labs cannot be graded right now; your submission is kept and will be "
            "graded once the service is fixed.",
            staff_output=f"Sandbox unavailable: {error}",
        )
    except Exception:
        failed = last_ditch_result(lab.id, traceback.format_exc())
        return dataclasses.replace(failed, timestamps={**timestamps, **failed.timestamps})
    points = sum(test.score for test in tests)
    total = sum(test.max_score for test in tests)
    passed = sum(test.status is TestStatus.PASSED for test in tests)
    message = f"{passed} of {len(tests)} tests passed."
    if not hidden_run and stderr.strip():
        message += "\n\nYour program's error output:\n" + cap_text(stderr, 16 * 1024)
    return result(
        ResultStatus.GRADED,
        score=round(points / total, 6) if total else 0.0,
        tests=tuple(tests),
        message=message,
        staff_output=stderr,
    )


def _submission_files(directory: Path) -> dict[str, Path]:
    """The learner's files, to be copied into /work; only regular files, no links."""
    files: dict[str, Path] = {}
    for root, dirs, names in os.walk(directory):
        for name in [*dirs, *names]:
            path = Path(root) / name
            mode = path.lstat().st_mode
            relative = path.relative_to(directory).as_posix()
            if stat.S_ISLNK(mode):
                raise _NotGradable([f"{relative}: links are not allowed in a submission."])
            if stat.S_ISREG(mode):
                files[f"{sandbox.WORK_DIR}/{relative}"] = path
    if len(files) >= sandbox.MAX_FILES:
        raise _NotGradable([f"The submission has too many files (at most {sandbox.MAX_FILES})."])
    return files


class _Grading:
    """One submission's grading: sessions started as needed, within one wall-time budget."""

    def __init__(self, lab: LabSpec, limits: Limits, config: sandbox.SandboxConfig | None) -> None:
        self.lab = lab
        self.limits = limits
        self.config = config or sandbox.SandboxConfig.from_environment()
        self.deadline = time.monotonic() + limits.wall_seconds
        self.stderr: list[str] = []
        self.stub: OpenAIStub | None = None

    def run(
        self, cases: Sequence[TestCase], files: dict[str, Path]
    ) -> tuple[list[TestResult], str]:
        files = {**files, **self.lab.data_files, HARNESS_MOUNT: HARNESS}
        if self.lab.probe_file is not None:
            files |= {PROBE_MOUNT: self.lab.probe_file, SERVICE_HELPER_MOUNT: SERVICE_HELPER}
        results: list[TestResult] = []
        with self._openai_stub() as self.stub:
            socket_path = self.stub.socket_path if self.stub is not None else None
            pending = list(cases)
            while pending:
                remaining = self.deadline - time.monotonic()
                if remaining <= 0.05:
                    note = "Not run: the submission used up its time budget."
                    results += [_test(case, TestStatus.NOT_RUN, note) for case in pending]
                    break
                done = self._session(pending, files, socket_path, remaining)
                results += done
                pending = pending[len(done) :]
        return results, cap_text("".join(self.stderr), 256 * 1024)

    def _session(
        self,
        cases: list[TestCase],
        files: dict[str, Any],
        socket_path: Path | None,
        remaining: float,
    ) -> list[TestResult]:
        """Answer cases until one fails hard; return the results of the cases it covered."""
        harness_config: dict[str, Any] = {"module": self.lab.module, "function": self.lab.function}
        if self.lab.probe_file is not None:
            harness_config["probe"] = PROBE_MOUNT
        binds, env = {}, {}
        if socket_path is not None:
            binds[OPENAI_SOCKET_MOUNT] = socket_path
            harness_config |= {"openai_socket": OPENAI_SOCKET_MOUNT, "openai_port": OPENAI_PORT}
            env = {
                "OPENAI_BASE_URL": f"http://127.0.0.1:{OPENAI_PORT}/v1",
                "OPENAI_API_KEY": "sk-skillcert-offline-stub",
            }
        process = sandbox.start(
            ["python", "-I", HARNESS_MOUNT, json.dumps(harness_config)],
            config=self.config,
            limits=dataclasses.replace(self.limits, wall_seconds=remaining),
            files=files,
            binds=binds,
            env=env,
            use_lab_env=self.lab.use_lab_env,
        )
        try:
            return self._drive(process, cases)
        finally:
            if process.alive:
                process.kill()
            self.stderr.append(process.finish().stderr.decode("utf-8", "replace"))

    def _drive(self, process: SandboxProcess, cases: list[TestCase]) -> list[TestResult]:
        hello = _message(process.read_line(self.lab.case_timeout))
        if hello.get("event") != "hello":
            run = process.finish()
            raise sandbox.SandboxUnavailable(
                "The lab's Python did not start in the sandbox: "
                + (run.stderr.decode("utf-8", "replace")[-2000:] or run.describe())
            )
        loaded = _message(process.read_line(self.lab.case_timeout))
        event = loaded.get("event")
        if event == "format_errors":
            raise _NotGradable(loaded.get("errors") or ["The submission cannot be read."])
        if event == "load_error":
            note = "Your code failed while loading:\n" + str(loaded.get("message", ""))
            return [_test(case, TestStatus.ERROR, note) for case in cases]
        if event != "ready":
            status, note = self._hard_failure(process, "while loading your code")
            return [_test(case, status, note) for case in cases]
        results: list[TestResult] = []
        for number, case in enumerate(cases):
            if self.stub is not None:
                self.stub.requests.clear()  # what came before belongs to no case
            request = {"id": number, "args": case.args, "kwargs": dict(case.kwargs)}
            process.send(json.dumps(request).encode("utf-8") + b"\n")
            answer = _message(process.read_line(self.lab.case_timeout))
            if answer.get("event") != "result" or answer.get("id") != number:
                status, note = self._hard_failure(process, "on this test")
                return [*results, _test(case, status, note)]
            # The stub records a request before answering it, so every call the function
            # waited for is in the log by now.
            sent = self.stub.requests.take() if self.stub is not None else []
            results.append(self._judge(case, answer, sent))
            if results[-1].status is TestStatus.RESOURCE_LIMIT:
                return results  # forked or exhausted processes may linger: start afresh
        return results

    def _judge(
        self, case: TestCase, answer: dict[str, Any], sent: list[dict[str, Any]]
    ) -> TestResult:
        printed = str(answer.get("stdout") or "")
        printed = f"\nYour function printed:\n{printed}" if printed else ""
        if not answer.get("ok"):
            limit = answer.get("limit")
            if limit in _LIMIT_MESSAGES:
                reason = _LIMIT_MESSAGES[limit].format(
                    memory=self.limits.memory_bytes >> 20, processes=self.limits.max_processes
                )
                note = f"Stopped: your code {reason}.\n{answer.get('error', '')}"
                return _test(case, TestStatus.RESOURCE_LIMIT, note + printed)
            return _test(
                case, TestStatus.ERROR, f"Your code raised:\n{answer.get('error')}{printed}"
            )
        fraction, note = self.lab.comparator(case)(
            case.expected, answer.get("value"), case.tolerance
        )
        missed = case.model_calls.failure(sent) if case.model_calls is not None else None
        if missed is not None:
            fraction, note = 0.0, f"{note}\n{missed}"
        status = TestStatus.PASSED if fraction >= 1.0 else TestStatus.FAILED
        return _test(case, status, note + printed, score=case.points * fraction)

    def _hard_failure(self, process: SandboxProcess, when: str) -> tuple[TestStatus, str]:
        """Classify a session that went silent, died or broke the protocol."""
        if process.alive and not process.output_closed:
            process.kill()  # silent past the per-case timeout
            limit = f"{self.lab.case_timeout:g} s"
            return TestStatus.TIMEOUT, f"Stopped {when}: no answer within {limit}."
        run = process.finish(timeout=self.lab.case_timeout)
        if run.termination is Termination.SANDBOX_FAILED:
            raise sandbox.SandboxUnavailable(run.stderr.decode("utf-8", "replace")[-2000:])
        if run.termination in (Termination.WALL_TIME, Termination.CPU_TIME):
            return TestStatus.TIMEOUT, f"Stopped {when}: {run.describe()}"
        if run.termination is Termination.EXITED:
            return TestStatus.ERROR, f"Your program exited {when} (status {run.returncode})."
        return TestStatus.RESOURCE_LIMIT, f"Stopped {when}: {run.describe()}"

    @contextlib.contextmanager
    def _openai_stub(self) -> Iterator[OpenAIStub | None]:
        """A stub server on a Unix socket the sandbox uid can reach, for labs that use it."""
        if not self.lab.uses_openai:
            yield None
            return
        directory = Path(tempfile.mkdtemp(prefix="skillcert-openai-"))
        try:
            directory.chmod(0o711)
            with OpenAIStub(socket_path=directory / "openai.sock") as stub:
                yield stub
        finally:
            shutil.rmtree(directory, ignore_errors=True)


def _message(line: bytes | None) -> dict[str, Any]:
    if line is None:
        return {}
    with contextlib.suppress(ValueError):
        value = json.loads(line)
        if isinstance(value, dict):
            return value
    return {}


def _test(case: TestCase, status: TestStatus, output: str, score: float = 0.0) -> TestResult:
    return TestResult(
        name=case.name,
        score=score,
        max_score=case.points,
        visibility=case.visibility,
        status=status,
        output=output,
        critical=case.critical,
    )
