"""The grading contract: what a lab grading run hands back, versioned and size-capped.

Shaped like Gradescope's ``results.json`` and PrairieLearn's external-grader result: a
score in [0, 1], per-test name/score/max_score/visibility/output, ``gradable: false`` with
``format_errors`` when the submission cannot be graded (not penalised), and kinds of
failure kept apart — the learner's code failing (feedback), the grader failing (internal
error), no sandbox (operator problem), time running out. ``schema_version`` lets stored
results be read back after the shape changes.

Added fields are optional and default when absent (``critical``), so results stored by an
earlier version still load under the same ``schema_version``.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import json
from datetime import UTC, datetime
from typing import Any

SCHEMA_VERSION = 1
MAX_RESULT_BYTES = 1024 * 1024
MAX_TEST_OUTPUT = 8 * 1024


class Visibility(enum.StrEnum):
    VISIBLE = "visible"
    HIDDEN = "hidden"


class TestStatus(enum.StrEnum):
    """How one test case ended (a learner's program failing is feedback, never an error)."""

    __test__ = False  # not a pytest test class, despite the name

    PASSED = "passed"
    FAILED = "failed"  # ran and answered, answer wrong (possibly partial credit)
    ERROR = "error"  # the learner's function raised
    TIMEOUT = "timeout"  # ran out of wall or CPU time
    RESOURCE_LIMIT = "resource_limit"  # memory, processes, output size: killed
    NOT_RUN = "not_run"  # an earlier failure used up the submission's budget


class ResultStatus(enum.StrEnum):
    GRADED = "graded"  # score is final; may be 0 because the learner's code failed
    NOT_GRADABLE = "not_gradable"  # format errors (syntax, missing file): not penalised
    INTERNAL_ERROR = "internal_error"  # the grader or the lab is broken: retry / tell staff
    SANDBOX_UNAVAILABLE = "sandbox_unavailable"  # the operator must fix the machine


def cap_text(text: str, limit: int = MAX_TEST_OUTPUT) -> str:
    """Cut ``text`` to ``limit`` UTF-8 bytes, saying so."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore") + "\n[output truncated]"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclasses.dataclass(frozen=True)
class TestResult:
    __test__ = False  # not a pytest test class, despite the name

    name: str
    score: float
    max_score: float
    visibility: Visibility
    status: TestStatus
    output: str = ""
    #: The author's reason why failing this test fails the lab; None for ordinary tests.
    critical: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.score <= self.max_score:
            raise ValueError(f"Test {self.name!r}: score {self.score} not in [0, max_score].")
        object.__setattr__(self, "output", cap_text(self.output))


@dataclasses.dataclass(frozen=True)
class LabResult:
    """One grading run. ``score`` is None unless ``status`` is graded.

    ``message`` is for the learner; ``staff_output`` (the program's stderr when hidden
    tests ran, internal tracebacks) is for staff only, because it could reveal hidden
    inputs.
    """

    lab_id: str
    status: ResultStatus
    score: float | None
    tests: tuple[TestResult, ...] = ()
    format_errors: tuple[str, ...] = ()
    message: str = ""
    staff_output: str = ""
    timestamps: dict[str, str] = dataclasses.field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if (self.score is None) == (self.status is ResultStatus.GRADED):
            raise ValueError("A graded result needs a score, and only a graded one has one.")
        if self.score is not None and not 0.0 <= self.score <= 1.0:
            raise ValueError(f"Score {self.score} is not in [0, 1].")
        object.__setattr__(self, "message", cap_text(self.message, 64 * 1024))
        object.__setattr__(self, "staff_output", cap_text(self.staff_output, 256 * 1024))

    @property
    def gradable(self) -> bool:
        """False means: do not count this attempt against the learner."""
        return self.status is ResultStatus.GRADED

    @property
    def retryable(self) -> bool:
        """A worker may queue the submission again once staff or the operator fixed things."""
        return self.status in (ResultStatus.INTERNAL_ERROR, ResultStatus.SANDBOX_UNAVAILABLE)

    @property
    def points(self) -> float:
        return sum(test.score for test in self.tests)

    @property
    def max_points(self) -> float:
        return sum(test.max_score for test in self.tests)

    @property
    def critical_failed(self) -> tuple[str, ...]:
        """Names of the critical tests that did not pass."""
        return tuple(
            test.name
            for test in self.tests
            if test.critical is not None and test.status is not TestStatus.PASSED
        )

    def for_learner(self) -> LabResult:
        """What the learner may see: hidden tests keep their outcome (and critical reason)
        but are renamed ``Hidden test N`` and lose their output, since a name such as
        "refund over 10,000 EUR" or a printed input would let a program special-case it."""
        numbers = itertools.count(1)
        tests = tuple(
            test
            if test.visibility is Visibility.VISIBLE
            else dataclasses.replace(test, name=f"Hidden test {next(numbers)}", output="")
            for test in self.tests
        )
        return dataclasses.replace(self, tests=tests, staff_output="")

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["gradable"] = self.gradable
        return data

    def to_json(self) -> str:
        """JSON of at most MAX_RESULT_BYTES: outputs are shortened first, then dropped."""
        text = json.dumps(self.to_dict(), ensure_ascii=False)
        if len(text.encode("utf-8")) <= MAX_RESULT_BYTES:
            return text
        shorter = dataclasses.replace(
            self,
            staff_output=cap_text(self.staff_output, 1024),
            tests=tuple(dataclasses.replace(t, output=cap_text(t.output, 256)) for t in self.tests),
        )
        text = json.dumps(shorter.to_dict(), ensure_ascii=False)
        if len(text.encode("utf-8")) <= MAX_RESULT_BYTES:
            return text
        return last_ditch_result(self.lab_id, "The result was too large to store.").to_json()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LabResult:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"Unsupported lab result schema version {version!r}.")
        tests = tuple(
            TestResult(
                name=t["name"],
                score=t["score"],
                max_score=t["max_score"],
                visibility=Visibility(t["visibility"]),
                status=TestStatus(t["status"]),
                output=t.get("output", ""),
                critical=t.get("critical"),
            )
            for t in data.get("tests", [])
        )
        return cls(
            lab_id=data["lab_id"],
            status=ResultStatus(data["status"]),
            score=data["score"],
            tests=tests,
            format_errors=tuple(data.get("format_errors", ())),
            message=data.get("message", ""),
            staff_output=data.get("staff_output", ""),
            timestamps=dict(data.get("timestamps", {})),
        )

    @classmethod
    def from_json(cls, text: str) -> LabResult:
        return cls.from_dict(json.loads(text))


def last_ditch_result(lab_id: str, reason: str) -> LabResult:
    """What to record when grading produced nothing usable: an internal error, not a zero."""
    return LabResult(
        lab_id=lab_id,
        status=ResultStatus.INTERNAL_ERROR,
        score=None,
        message="Your submission could not be graded because of a problem on our side; "
        "it does not count against you and will be graded again.",
        staff_output=reason,
        timestamps={"finished": now()},
    )
