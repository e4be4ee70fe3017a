"""Service labs through the real sandbox: the lab's probe serves the submission's WSGI app
on the sandbox's own loopback beside a fake dependency, reports what it observed, and the
grader compares outside; expected answers never enter the sandbox.

Like test_labs_sandbox.py, these need bubblewrap: in CI they never skip.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assessments.labs.limits import Limits
from assessments.labs.results import ResultStatus, TestStatus
from assessments.labs.runner import grade_submission
from assessments.labs.spec import LabSpec, LabSpecError

pytestmark = pytest.mark.sandbox

SERVICE_LAB = Path(__file__).parent / "labs_fixtures" / "service_lab"


def _submission(tmp_path: Path, source: str) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "app.py").write_text(source, encoding="utf-8")
    return folder


def test_the_probe_is_read_with_the_lab() -> None:
    lab = LabSpec.load(SERVICE_LAB)
    assert lab.probe_file == SERVICE_LAB / "probe.py"
    assert (lab.module, lab.function) == ("app", "make_app")


@pytest.mark.parametrize(
    ("probe", "content", "problem"),
    [
        ("probe.txt", None, "'probe' must name a .py file in the lab folder."),
        ("missing.py", None, "missing.py: the file is missing."),
        ("broken.py", "def probe(:\n", "broken.py: cannot be compiled"),
    ],
)
def test_a_bad_probe_is_refused(tmp_path: Path, probe: str, content: str | None, problem: str):
    lab = tmp_path / "lab"
    shutil.copytree(SERVICE_LAB, lab)
    text = (lab / "lab.yaml").read_text().replace("probe: probe.py", f"probe: {probe}")
    (lab / "lab.yaml").write_text(text)
    if content is not None:
        (lab / probe).write_text(content)
    with pytest.raises(LabSpecError) as error:
        LabSpec.load(lab)
    assert any(problem in line for line in error.value.problems), error.value.problems


def test_a_running_service_is_graded_on_what_the_probe_observed(
    sandbox_ready: None, tmp_path: Path
):
    lab = LabSpec.load(SERVICE_LAB)
    result = grade_submission(lab, SERVICE_LAB / "reference", Limits(wall_seconds=20))
    assert result.status is ResultStatus.GRADED, result.staff_output
    # The hidden case's reference app searched the sandbox's files for a value that only
    # the hidden expected answer holds, and did not find it.
    assert result.score == 1.0, [(t.name, t.output) for t in result.tests]


def test_a_service_that_misbehaves_loses_marks(sandbox_ready: None, tmp_path: Path):
    source = (SERVICE_LAB / "reference" / "app.py").read_text()
    # Skips the dependency and logs nothing: the end state gives it away.
    broken = source.replace(
        'urllib.request.urlopen(config["dependency"] + "/ping", timeout=2).read()', "pass"
    ).replace('log.write(body["text"] + "\\n")', "pass")
    assert broken != source
    result = grade_submission(
        LabSpec.load(SERVICE_LAB), _submission(tmp_path, broken), Limits(wall_seconds=20)
    )
    assert result.status is ResultStatus.GRADED
    assert result.score == 0.0
    assert all(test.status is TestStatus.FAILED for test in result.tests)


def test_a_submitted_helper_cannot_replace_the_labs(sandbox_ready: None, tmp_path: Path):
    folder = _submission(tmp_path, (SERVICE_LAB / "reference" / "app.py").read_text())
    (folder / "skillcert_service.py").write_text(
        "def serve_wsgi(app):\n    raise RuntimeError('shadowed')\n"
    )
    result = grade_submission(LabSpec.load(SERVICE_LAB), folder, Limits(wall_seconds=20))
    assert result.score == 1.0, [(t.name, t.output) for t in result.tests]
