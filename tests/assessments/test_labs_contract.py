"""The grading contract and the lab spec loader, without any sandbox."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assessments.labs.limits import Limits
from assessments.labs.results import (
    MAX_RESULT_BYTES,
    LabResult,
    ResultStatus,
    TestResult,
    TestStatus,
    Visibility,
    last_ditch_result,
)
from assessments.labs.spec import LabSpec, LabSpecError

STATS_LAB = Path(__file__).parent / "labs_fixtures" / "stats_lab"


def _result(output: str = "ok") -> LabResult:
    tests = (
        TestResult("a", 1.0, 1.0, Visibility.VISIBLE, TestStatus.PASSED, output),
        TestResult("b", 0.0, 2.0, Visibility.HIDDEN, TestStatus.FAILED, output),
    )
    return LabResult(lab_id="lab", status=ResultStatus.GRADED, score=1 / 3, tests=tests)


def test_results_round_trip_with_a_schema_version() -> None:
    result = _result()
    data = json.loads(result.to_json())
    assert data["schema_version"] == 1 and data["gradable"] is True
    assert LabResult.from_json(result.to_json()) == result
    with pytest.raises(ValueError, match="schema version"):
        LabResult.from_dict({**data, "schema_version": 99})


def test_results_are_validated_and_capped() -> None:
    with pytest.raises(ValueError, match="not in"):
        LabResult(lab_id="lab", status=ResultStatus.GRADED, score=1.5)
    with pytest.raises(ValueError, match="needs a score"):
        LabResult(lab_id="lab", status=ResultStatus.NOT_GRADABLE, score=0.0)
    huge = _result("x" * 10_000_000)
    assert len(huge.tests[0].output) < 9000
    many = LabResult(
        lab_id="lab",
        status=ResultStatus.GRADED,
        score=0.0,
        tests=tuple(huge.tests[1] for _ in range(400)),
    )
    assert len(many.to_json().encode()) <= MAX_RESULT_BYTES


def test_learner_view_hides_hidden_details_and_staff_output() -> None:
    view = _result("the hidden input was 42").for_learner()
    assert view.tests[0].output == "the hidden input was 42"
    assert "42" not in view.tests[1].output and view.staff_output == ""


def test_learner_view_renames_hidden_tests_and_blanks_their_output() -> None:
    tests = (
        TestResult("refund over 10000 EUR", 0.0, 1.0, Visibility.HIDDEN, TestStatus.FAILED, "x"),
        TestResult("visible one", 1.0, 1.0, Visibility.VISIBLE, TestStatus.PASSED, "shown"),
        TestResult("host db-7.internal", 1.0, 1.0, Visibility.HIDDEN, TestStatus.PASSED, "y"),
    )
    result = LabResult(lab_id="lab", status=ResultStatus.GRADED, score=2 / 3, tests=tests)
    view = result.for_learner()
    assert [(t.name, t.output) for t in view.tests] == [
        ("Hidden test 1", ""),
        ("visible one", "shown"),
        ("Hidden test 2", ""),
    ]
    assert [(t.status, t.score) for t in view.tests] == [(t.status, t.score) for t in tests]
    text = view.to_json()
    assert "refund" not in text and "db-7" not in text


def test_critical_tests_not_passed_are_listed_and_round_trip() -> None:
    tests = (
        TestResult("leaks a name", 0.0, 1.0, Visibility.HIDDEN, TestStatus.ERROR, "", "PHI"),
        TestResult("refuses", 1.0, 1.0, Visibility.VISIBLE, TestStatus.PASSED, "", "safety"),
        TestResult("ordinary", 0.0, 1.0, Visibility.VISIBLE, TestStatus.FAILED),
    )
    result = LabResult(lab_id="lab", status=ResultStatus.GRADED, score=1 / 3, tests=tests)
    assert result.critical_failed == ("leaks a name",)
    assert LabResult.from_json(result.to_json()) == result
    assert result.for_learner().critical_failed == ("Hidden test 1",)
    assert result.for_learner().tests[0].critical == "PHI"  # the reason is no secret


def test_results_stored_before_critical_tests_still_load() -> None:
    stored = json.loads(_result().to_json())
    for test in stored["tests"]:
        del test["critical"]
    result = LabResult.from_dict(stored)
    assert result == _result() and result.critical_failed == ()


def test_last_ditch_result_is_an_internal_error_not_a_zero() -> None:
    result = last_ditch_result("lab", "nothing came back")
    assert result.status is ResultStatus.INTERNAL_ERROR and result.score is None
    assert not result.gradable and result.retryable


def test_the_fixture_lab_loads() -> None:
    lab = LabSpec.load(STATS_LAB)
    assert (lab.module, lab.function, lab.use_lab_env) == ("solution", "answer", False)
    assert [c.visibility for c in lab.cases].count(Visibility.HIDDEN) == 2
    assert list(lab.data_files) == ["/lab/data/words.txt"]
    assert Limits().override(lab.limits).wall_seconds == 20


def test_a_broken_lab_reports_every_problem(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    shutil.copytree(STATS_LAB, lab)
    (lab / "lab.yaml").write_text(
        "id: x\nentry: nonsense\nenvironment: mars\ntests:\n"
        "  - {name: a, expected: 1, comparator: fuzzy}\n  - {name: a, expected: 2}\n"
    )
    (lab / "hidden.yaml").write_text("tests: {not: a list}\n")
    with pytest.raises(LabSpecError) as error:
        LabSpec.load(lab)
    messages = "\n".join(error.value.problems)
    for expected in (
        "entry must look like",
        "environment must be",
        "unknown comparator 'fuzzy'",
        "'tests' must be a list",
        "test name 'a' is used more than once",
        "'title' must be a non-empty string",
    ):
        assert expected in messages


def test_custom_comparator_from_grader_py(tmp_path: Path) -> None:
    lab = tmp_path / "lab"
    shutil.copytree(STATS_LAB, lab)
    (lab / "grader.py").write_text(
        "def compare(expected, actual):\n    return (0.5, 'half') if actual else 0\n"
    )
    (lab / "hidden.yaml").write_text("tests:\n  - {name: h, expected: 1, comparator: custom}\n")
    spec = LabSpec.load(lab)
    case = spec.cases[-1]
    assert spec.comparator(case)(case.expected, True, case.tolerance) == (0.5, "half")
    with pytest.raises(ValueError, match="Unknown limit"):
        Limits().override({"gpu": 1})


def test_the_labs_package_imports_neither_flask_nor_sqlalchemy() -> None:
    code = (
        "import sys, assessments.labs.runner, assessments.labs.archive, "
        "assessments.labs.__main__, assessments.labs.environment\n"
        "assert not {'flask', 'sqlalchemy'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
