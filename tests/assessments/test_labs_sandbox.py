"""Containment and grading through the real sandbox: each attack is stopped, reported, and
leaves the machine healthy (no sandbox process outlives its grading).

These tests need bubblewrap. In CI (CI=true) they never skip: a missing or broken sandbox
fails them. Elsewhere they skip, with the reason, only when bwrap is not installed.
"""

from __future__ import annotations

import os
import socket
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assessments.lab_audit import grade_patiently
from assessments.labs.limits import Limits
from assessments.labs.overhead import measure_sandbox_overhead
from assessments.labs.process import Termination
from assessments.labs.results import ResultStatus, TestStatus, Visibility
from assessments.labs.runner import grade_submission, run_visible_tests
from assessments.labs.sandbox import (
    SandboxConfig,
    SandboxUnavailable,
    run,
)
from assessments.labs.spec import LabSpec, TestCase

pytestmark = pytest.mark.sandbox

FIXTURES = Path(__file__).parent / "labs_fixtures"
STATS_LAB = FIXTURES / "stats_lab"
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def config(sandbox_ready: None) -> SandboxConfig:
    return SandboxConfig.from_environment()


def _processes_of(uid: int) -> list[int]:
    """Live processes of ``uid``; zombies are dead and wait only for init to reap them."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == uid and fields["State"].split()[0] != "Z":
                pids.append(int(entry.name))
    return pids


@pytest.fixture(autouse=True)
def machine_stays_healthy(config: SandboxConfig) -> Iterator[None]:
    """After each test, nothing runs as the sandbox uid any more and we can still fork."""
    before = set(_processes_of(config.uid))
    yield
    deadline = time.monotonic() + 5
    while set(_processes_of(config.uid)) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not set(_processes_of(config.uid)) - before, "sandbox processes outlived the test"
    assert subprocess.run(["/bin/true"], check=False).returncode == 0


def _lab(*cases: tuple[str, Any], case_timeout: float = 5.0) -> LabSpec:
    return LabSpec(
        id="probe-lab",
        title="Probe",
        module="solution",
        function="probe",
        cases=tuple(
            TestCase(
                name=name,
                args=(name,),
                kwargs={},
                expected=expected,
                points=1.0,
                visibility=Visibility.VISIBLE,
            )
            for name, expected in cases
        ),
        use_lab_env=False,
        case_timeout=case_timeout,
    )


def _submit(tmp_path: Path, source: str, name: str = "submission") -> Path:
    directory = tmp_path / name
    directory.mkdir()
    (directory / "solution.py").write_text(textwrap.dedent(source))
    return directory


def _grade(tmp_path: Path, source: str, lab: LabSpec, limits: Limits | None = None) -> Any:
    return grade_submission(lab, _submit(tmp_path, source), limits or Limits(wall_seconds=20))


# -- containment ---------------------------------------------------------------------------


def test_runs_as_unprivileged_uid_without_capabilities(config: SandboxConfig) -> None:
    script = "import os; print(os.getuid(), open('/proc/self/status').read())"
    result = run(["python", "-c", script], config=config, limits=Limits())
    assert result.ok, result.stderr
    uid, status = result.stdout.decode().split(" ", 1)
    assert int(uid) == config.uid != 0
    assert "CapEff:\t0000000000000000" in status


def test_fork_bomb_is_stopped_and_reported(tmp_path: Path) -> None:
    source = """
        import os
        def probe(name):
            while True:
                os.fork()
    """
    result = _grade(tmp_path, source, _lab(("fork bomb", None)), Limits(max_processes=32))
    (test,) = result.tests
    assert result.status is ResultStatus.GRADED and result.score == 0.0
    assert test.status is TestStatus.RESOURCE_LIMIT
    assert "limit on processes" in test.output


def test_shell_fork_bomb_is_killed_at_the_wall_limit(config: SandboxConfig) -> None:
    limits = Limits(wall_seconds=2, max_processes=32)
    started = time.monotonic()
    bomb = "f(){ f | f & }; f; sleep 30"
    result = run(["/bin/sh", "-c", bomb], config=config, limits=limits)
    assert result.termination is Termination.WALL_TIME
    assert b"fork" in result.stderr or b"Resource temporarily unavailable" in result.stderr
    assert time.monotonic() - started < 5


def test_memory_bomb_is_stopped_and_reported(tmp_path: Path) -> None:
    source = """
        def probe(name):
            hoard = []
            while True:
                hoard.append(bytearray(64 << 20))
    """
    limits = Limits(memory_bytes=256 << 20, wall_seconds=20)
    result = _grade(tmp_path, source, _lab(("memory bomb", None)), limits)
    (test,) = result.tests
    assert test.status is TestStatus.RESOURCE_LIMIT
    assert "ran out of memory (limit 256 MiB)" in test.output


def test_cpu_loop_is_stopped_by_the_cpu_limit(tmp_path: Path) -> None:
    source = """
        def probe(name):
            while True:
                pass
    """
    lab = _lab(("spin", None), case_timeout=10)
    result = _grade(tmp_path, source, lab, Limits(cpu_seconds=1, wall_seconds=20))
    (test,) = result.tests
    assert test.status is TestStatus.TIMEOUT
    assert "more CPU time than allowed" in test.output


def test_silent_case_is_stopped_and_the_rest_still_graded(tmp_path: Path) -> None:
    source = """
        import time
        def probe(name):
            if name == "sleeps":
                time.sleep(60)
            return "fine"
    """
    lab = _lab(("sleeps", "fine"), ("answers", "fine"), case_timeout=1)
    started = time.monotonic()
    result = _grade(tmp_path, source, lab)
    assert [t.status for t in result.tests] == [TestStatus.TIMEOUT, TestStatus.PASSED]
    assert "no answer within 1 s" in result.tests[0].output
    assert result.score == 0.5
    assert time.monotonic() - started < 5


def test_wall_budget_covers_the_whole_submission(tmp_path: Path) -> None:
    source = """
        import time
        def probe(name):
            time.sleep(60)
    """
    lab = _lab(("first", None), ("second", None), case_timeout=30)
    started = time.monotonic()
    result = _grade(tmp_path, source, lab, Limits(wall_seconds=1.5))
    assert [t.status for t in result.tests] == [TestStatus.TIMEOUT, TestStatus.NOT_RUN]
    assert "longer than the time limit" in result.tests[0].output
    assert time.monotonic() - started < 4


def test_network_is_unreachable_from_the_sandbox(tmp_path: Path) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    port = listener.getsockname()[1]
    source = f"""
        import socket
        def attempt(address):
            try:
                socket.create_connection(address, timeout=2).close()
                return "connected"
            except OSError as error:
                return type(error).__name__ + ":" + str(error.errno)
        def probe(name):
            return {{
                "host_loopback": attempt(("127.0.0.1", {port})),
                "external": attempt(("198.51.100.1", 80)),
                "interfaces": [name for _, name in socket.if_nameindex()],
            }}
    """
    expected = {
        "host_loopback": "ConnectionRefusedError:111",
        "external": "OSError:101",
        "interfaces": ["lo"],
    }
    try:
        result = _grade(tmp_path, source, _lab(("network", expected)))
        assert result.tests[0].status is TestStatus.PASSED, result.tests[0].output
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing reached the host's loopback
    finally:
        listener.close()


def test_writing_outside_the_work_dir_fails(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    outside.chmod(0o777)
    targets = ["/escape", "/usr/escape", "/lab/data/x", "/opt/skillcert/harness.py", "/proc/x"]
    targets.append(str(outside / "escape"))
    source = f"""
        def probe(name):
            written = []
            for path in {targets!r}:
                try:
                    with open(path, "w") as stream:
                        stream.write("x")
                    written.append(path)
                except OSError:
                    pass
            with open("/work/allowed.txt", "w") as stream:
                stream.write("fine")
            with open("/tmp/scratch", "w") as stream:
                stream.write("fine")
            return written
    """
    result = _grade(tmp_path, source, _lab(("escape", [])))
    assert result.tests[0].status is TestStatus.PASSED, result.tests[0].output
    assert not (outside / "escape").exists()


def test_shared_memory_and_the_work_dir_together_hold_only_the_work_dir_budget(
    config: SandboxConfig,
) -> None:
    """Shared memory is a sized tmpfs like the work dir: filling both stops at the work-dir
    budget (the shared memory alone used to take 1.5 GiB of the host's memory)."""
    script = """
import os
written = {}
for folder in ("/dev/shm", "/work"):
    total = 0
    for n in range(200):
        try:
            with open(f"{folder}/fill-{n}", "wb") as stream:
                for _ in range(8):
                    stream.write(b"x" * (1 << 20))
                    total += 1 << 20
        except OSError:
            break
    written[folder] = total
print(written["/dev/shm"], written["/work"])
"""
    limits = Limits(work_dir_bytes=32 << 20, wall_seconds=20)
    result = run(["python3", "-c", script], config=config, limits=limits)
    assert result.ok, result.stderr
    shm, work = (int(n) for n in result.stdout.split())
    assert 0 < shm <= limits.shm_bytes
    assert 0 < work <= limits.work_tmpfs_bytes
    assert shm + work <= limits.work_dir_bytes


def test_other_submissions_and_hidden_tests_are_invisible(tmp_path: Path) -> None:
    other = tmp_path / "learner-b"
    other.mkdir()
    (other / "solution.py").write_text("OTHER-LEARNER-" + "7777\n")
    tmp_path.chmod(0o755)
    other.chmod(0o755)
    paths = [str(other / "solution.py"), str(STATS_LAB / "hidden.yaml"), str(STATS_LAB)]
    source = f"""
        import os
        MARKERS = [b"OTHER-LEARNER-" + b"7777", b"SECRET-EXPECTED-" + b"4242"]
        def probe(name):
            visible = [path for path in {paths!r} if os.path.exists(path)]
            found = []
            for root, dirs, files in os.walk("/"):
                if root == "/":
                    dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr", "work")]
                for name in files:
                    try:
                        data = open(os.path.join(root, name), "rb").read()
                    except OSError:
                        continue
                    found += [os.path.join(root, name) for m in MARKERS if m in data]
            return {{"visible": visible, "found": found}}
    """
    result = _grade(tmp_path, source, _lab(("peek", {"visible": [], "found": []})))
    assert result.tests[0].status is TestStatus.PASSED, result.tests[0].output


def test_huge_output_is_cut_and_reported(tmp_path: Path) -> None:
    source = """
        import os
        def probe(name):
            while True:
                os.write(1, b"x" * 65536)
    """
    limits = Limits(output_bytes=1 << 20, wall_seconds=20)
    result = _grade(tmp_path, source, _lab(("flood", None)), limits)
    (test,) = result.tests
    assert test.status is TestStatus.RESOURCE_LIMIT
    assert "more output than allowed" in test.output
    assert len(result.to_json().encode()) < 1 << 20


# -- grading -------------------------------------------------------------------------------

GOOD = """
    def answer(kind, value):
        if kind == "mean":
            return sum(value) / len(value)
        if kind == "words":
            return open(value).read().split()
        return "SECRET-EXPECTED-" + "4242"
"""


def test_correct_submission_gets_full_marks(tmp_path: Path) -> None:
    lab = LabSpec.load(STATS_LAB)
    result = grade_submission(lab, _submit(tmp_path, GOOD))
    assert result.status is ResultStatus.GRADED and result.gradable
    assert result.score == 1.0
    assert [t.visibility for t in result.tests].count(Visibility.HIDDEN) == 2
    assert result.points == result.max_points == 5


def test_wrong_answers_and_exceptions_are_feedback(tmp_path: Path) -> None:
    source = """
        def answer(kind, value):
            if kind == "mean":
                return 0
            if kind == "words":
                raise ValueError("no words today")
            return "SECRET-EXPECTED-" + "4242"
    """
    result = grade_submission(LabSpec.load(STATS_LAB), _submit(tmp_path, source))
    statuses = {t.name: t.status for t in result.tests}
    assert statuses == {
        "mean of three": TestStatus.FAILED,
        "words from the data file": TestStatus.ERROR,
        "hidden mean": TestStatus.FAILED,
        "hidden marker": TestStatus.PASSED,
    }
    assert result.score == 0.2
    error = next(t for t in result.tests if t.status is TestStatus.ERROR).output
    assert "ValueError: no words today" in error and "harness" not in error
    learner_view = result.for_learner()
    assert all("HIDDEN-INPUT" not in t.output for t in learner_view.tests)
    assert learner_view.staff_output == ""


def test_visible_run_skips_hidden_tests(tmp_path: Path) -> None:
    result = run_visible_tests(LabSpec.load(STATS_LAB), _submit(tmp_path, GOOD))
    assert [t.name for t in result.tests] == ["mean of three", "words from the data file"]
    assert result.score == 1.0


def test_syntax_error_is_not_gradable(tmp_path: Path) -> None:
    source = "def answer(kind, value)\n    return 1\n"
    result = grade_submission(LabSpec.load(STATS_LAB), _submit(tmp_path, source))
    assert result.status is ResultStatus.NOT_GRADABLE and not result.gradable
    assert result.score is None
    assert result.format_errors == ("solution.py:1: expected ':'",)


def test_missing_entry_file_is_not_gradable(tmp_path: Path) -> None:
    directory = tmp_path / "empty"
    directory.mkdir()
    (directory / "other.py").write_text("x = 1\n")
    result = grade_submission(LabSpec.load(STATS_LAB), directory)
    assert result.status is ResultStatus.NOT_GRADABLE
    assert "solution.py: the file is missing" in result.format_errors[0]


def test_code_failing_at_import_scores_zero_with_feedback(tmp_path: Path) -> None:
    source = "raise SystemExit('bye')\n"
    result = grade_submission(LabSpec.load(STATS_LAB), _submit(tmp_path, source))
    assert result.status is ResultStatus.GRADED and result.score == 0.0
    assert all(t.status is TestStatus.ERROR for t in result.tests)
    assert "SystemExit: bye" in result.tests[0].output


def test_no_sandbox_means_not_graded_and_no_code_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    source = f"open({str(marker)!r}, 'w').close()\n"
    root = SandboxConfig(uid=0, gid=0)
    result = grade_submission(LabSpec.load(STATS_LAB), _submit(tmp_path, source), config=root)
    assert result.status is ResultStatus.SANDBOX_UNAVAILABLE and result.retryable
    assert "must not be root" in result.staff_output
    assert not marker.exists()
    with pytest.raises(SandboxUnavailable, match="does not exist"):
        run(
            ["python", "-c", "1"],
            config=SandboxConfig(uid=1, gid=1, lab_env=tmp_path),
            limits=Limits(),
            use_lab_env=True,
        )


def test_openai_lab_uses_the_real_client_against_the_stub(
    tmp_path: Path, config: SandboxConfig
) -> None:
    if not config.lab_python.exists():
        missing = f"no lab environment at {config.lab_env}: run python -m assessments.labs setup"
        if IN_CI:
            pytest.fail(missing)
        pytest.skip(missing)
    source = (FIXTURES / "openai_lab" / "reference" / "solution.py").read_text()
    result = grade_submission(LabSpec.load(FIXTURES / "openai_lab"), _submit(tmp_path, source))
    assert result.score == 1.0, result.to_json()


def test_sandbox_overhead_is_within_target(config: SandboxConfig) -> None:
    measured = measure_sandbox_overhead(runs=5, config=config)
    assert measured["within_target"], measured


# -- parameterised labs, critical tests, model calls ---------------------------------------

PROMPT_LAB = Path(__file__).parent / "sample_track" / "labs" / "prompt-lab"


def _needs_lab_env(config: SandboxConfig) -> None:
    if not config.lab_python.exists():
        missing = f"no lab environment at {config.lab_env}: run python -m assessments.labs setup"
        if IN_CI:
            pytest.fail(missing)
        pytest.skip(missing)


def test_sample_lab_reference_passes_every_seed_and_each_wrong_solution_loses_marks() -> None:
    lab = LabSpec.load(PROMPT_LAB)
    wrong = sorted(p for p in (PROMPT_LAB / "wrong").iterdir() if p.is_dir())
    assert {p.name for p in wrong} >= {"ties-count-as-positive", "special-cases-known-inputs"}
    for seed in range(20):
        instance = lab.instance(seed)
        reference = grade_patiently(instance, PROMPT_LAB / "reference")
        assert reference.score == 1.0, (seed, reference.to_json())
        for folder in wrong:
            result = grade_patiently(instance, folder)
            assert result.score is not None and result.score < 1.0, (seed, folder.name)


def test_special_casing_known_inputs_passes_the_fixed_tests_but_not_the_generated_ones() -> None:
    result = grade_submission(
        LabSpec.load(PROMPT_LAB).instance(3), PROMPT_LAB / "wrong" / "special-cases-known-inputs"
    )
    failed = {t.name for t in result.tests if t.status is not TestStatus.PASSED}
    assert failed and all(name.startswith("generated review") for name in failed)


def test_a_failed_critical_test_is_listed_and_hidden_names_never_reach_the_learner() -> None:
    lab = LabSpec.load(PROMPT_LAB).instance(11)
    result = grade_submission(lab, PROMPT_LAB / "wrong" / "ties-count-as-positive")
    assert "a tie is negative" in result.critical_failed
    assert set(result.critical_failed) <= {c.name for c in lab.cases if c.critical}
    learner = result.for_learner()
    shown = learner.to_json()
    for case in lab.cases:
        if case.visibility is Visibility.HIDDEN:
            assert case.name not in shown and case.args[0] not in shown
    hidden = [t.name for t in learner.tests if t.visibility is Visibility.HIDDEN]
    assert hidden == [f"Hidden test {n}" for n in range(1, len(hidden) + 1)]


def test_a_parameterised_lab_is_graded_only_through_an_instance(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"grade lab.instance\(seed\)"):
        grade_submission(LabSpec.load(PROMPT_LAB), PROMPT_LAB / "reference")


def test_a_program_faking_the_model_loses_the_model_calls_tests(config: SandboxConfig) -> None:
    _needs_lab_env(config)
    lab = LabSpec.load(FIXTURES / "openai_lab")
    faked = grade_submission(lab, FIXTURES / "openai_lab" / "wrong" / "fakes-the-model")
    by_name = {t.name: t for t in faked.tests}
    for name in ("chat reply", "tool call"):
        assert by_name[name].score == 0 and by_name[name].status is TestStatus.FAILED
        assert "Correct." in by_name[name].output  # the answer itself was right
        assert "at least 1 call(s) to the model" in by_name[name].output
    assert by_name["streamed reply"].status is TestStatus.PASSED
    no_system = grade_submission(lab, FIXTURES / "openai_lab" / "wrong" / "no-system-prompt")
    by_name = {t.name: t for t in no_system.tests}
    assert by_name["chat reply"].score == 0
    assert "roles system, user; they begin with user" in by_name["chat reply"].output
    assert by_name["tool call"].status is TestStatus.PASSED
