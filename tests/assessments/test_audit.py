"""`skillcert content audit`: test-wise bias counted by hand, labs' tests graded against
mutants in the real sandbox, certification rules, item flags from a responses CSV.

The track is tests/assessments/audit_track: its module.yaml shows the hand count of the
choices; its two labs share a reference solution, one with weak tests, one with strong.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assessments import audit
from assessments.analysis import ItemFlag
from assessments.lab_audit import audit_lab
from assessments.loader import load_track, validate_path
from lti_tool.entry import main
from tests.assessments.conftest import plant

TRACK_DIR = Path(__file__).parent / "audit_track"
LABS = TRACK_DIR / "labs"


@pytest.fixture(scope="module")
def track():
    result = load_track(TRACK_DIR)
    assert result.problems == [], [str(p) for p in result.problems]
    (track,) = result.tracks
    return track


@pytest.fixture(scope="module")
def lab_audits():
    """Both labs audited once (a dozen small sandbox runs each, two at a time)."""
    return {name: audit_lab(LABS / name) for name in ("weak-lab", "strong-lab")}


# -- test-wise bias ----------------------------------------------------------------------


def test_bias_is_counted_as_by_hand(track):
    measured = audit.bias(audit.questions(track))
    # 4 single-choice items and the scenario's `start`; `tied` and `alone` do not count
    assert measured.questions == 5
    assert measured.longest_best == 3
    assert measured.longest_option_share == pytest.approx(0.6)
    assert measured.positions == (3, 1, 1)
    assert measured.position_share == pytest.approx(0.6)
    assert measured.above_options == ("q-above/2",)


def test_options_are_measured_as_learners_read_them():
    assert audit.plain_text("Yes, <em>do</em> it &amp;  more\n") == "Yes, do it & more"
    # In HTML the key of q-markup would look longer than "Not at all"; as text it is not.
    markup = audit.Question("q", ("Yes, do it", "Not at all"), 0)
    assert audit.bias([markup]).longest_best == 0
    assert audit.bias([]).longest_option_share is None


def test_validate_warns_above_the_share_and_not_below(tmp_path):
    warnings = [str(w) for w in audit.bias_warnings(validate_path(TRACK_DIR))]
    assert warnings == [
        "audit_track/track.yaml:1: warning: in 60% of its single-choice items and scenario "
        "decisions the best option is also the longest option (more than 45%): a learner "
        "can guess it without knowing the answer; see `skillcert content audit`",
        "audit_track/track.yaml:1: warning: in 60% of its single-choice items and scenario "
        "decisions the best option sits at the same position (more than 45%): a learner "
        "can guess it without knowing the answer; see `skillcert content audit`",
    ]
    copy = tmp_path / "audit_track"
    shutil.copytree(TRACK_DIR, copy)
    # q-above's key becomes short and second: longest 2 of 5, positions (2, 2, 1)
    plant(
        copy,
        "modules/checks/module.yaml",
        """          - {id: right, text: The right answer here, correct: true, rationale: Right.}
          - {id: all, text: All of the above., rationale: Wrong.}""",
        """          - {id: all, text: All of the above., rationale: Wrong.}
          - {id: right, text: Right, correct: true, rationale: Right.}""",
    )
    result = validate_path(copy)
    assert result.problems == [], [str(p) for p in result.problems]
    assert audit.bias_warnings(result) == []

    shown = CliRunner().invoke(main, ["content", "validate", str(TRACK_DIR)])
    assert shown.exit_code == 0, shown.output
    assert "best option is also the longest option (more than 45%)" in shown.output
    assert "Content is valid, with 2 warning(s)." in shown.output


# -- certification -----------------------------------------------------------------------


def test_certification_counts_summative_work_and_critical_checks(track):
    # the quiz, the scenario and the weak lab are summative; the strong lab is practice
    assert audit.certification(track) == audit.Certification(
        summative_activities=3,
        unlimited_summative=("choices-scenario",),
        critical_checks=1,
    )


# -- labs ------------------------------------------------------------------------------


@pytest.mark.sandbox
def test_weak_tests_let_most_mutants_and_a_wrong_solution_through(sandbox_ready, lab_audits):
    weak = lab_audits["weak-lab"]
    assert weak.problems == () and weak.seeds is None
    assert (weak.mutants, weak.equivalent, weak.killed) == (10, 0, 5)
    assert weak.mutation_kill_rate == pytest.approx(0.5)
    assert {s.id: s.after for s in weak.survivors} == {
        "force-condition:solution.py:6:5:true": "if True:",
        "compare-flip:solution.py:6:8": "if (score > 50):",
        "constant-bump:solution.py:6:17:inc": "if score >= 51:",
        "constant-bump:solution.py:6:17:dec": "if score >= 49:",
        "drop-case-fold:solution.py:8:18": "return (label)",
    }
    assert (weak.wrong_solutions, weak.wrong_solutions_caught) == (2, 1)
    assert weak.wrong_solutions_missed == ("strict-boundary",)


@pytest.mark.sandbox
def test_strong_tests_kill_every_mutant_but_the_declared_equivalent_one(sandbox_ready, lab_audits):
    strong = lab_audits["strong-lab"]
    assert strong.problems == () and strong.warnings == ()
    assert (strong.mutants, strong.equivalent, strong.killed) == (10, 1, 9)
    assert strong.mutation_kill_rate == 1.0 >= 0.9
    assert strong.survivors == ()
    assert (strong.wrong_solutions, strong.wrong_solutions_caught) == (2, 2)


@pytest.mark.sandbox
def test_a_reference_that_loses_marks_is_a_problem_of_the_lab(sandbox_ready, tmp_path):
    lab = tmp_path / "weak-lab"
    shutil.copytree(LABS / "weak-lab", lab)
    shutil.copy(lab / "wrong" / "always-fail" / "solution.py", lab / "reference" / "solution.py")
    lab_yaml = lab / "lab.yaml"
    stale = '\nequivalent_mutants:\n  - {id: "compare-flip:solution.py:99:1", reason: moved}\n'
    lab_yaml.write_text(lab_yaml.read_text() + stale)
    result = audit_lab(lab)
    assert result.problems == ("the reference scores 0.0 (tests not passed: a clear pass)",)
    assert result.mutation_kill_rate is None and result.killed == 0
    assert result.warnings == (
        "equivalent_mutants: 'compare-flip:solution.py:99:1' is not a mutant of the reference "
        "(it may have moved when the reference was edited)",
    )


@pytest.mark.sandbox
def test_a_parameterised_lab_is_graded_on_each_seed(sandbox_ready):
    lab = Path(__file__).parent / "sample_track" / "labs" / "prompt-lab"
    result = audit_lab(lab, seeds=2)
    assert result.seeds == (1, 2) and result.problems == ()
    # special-cases-known-inputs answers the fixed tests by heart: only the cases generated
    # for each seed catch it, so catching it shows the seeds' instances were graded
    assert "special-cases-known-inputs" not in result.wrong_solutions_missed
    assert result.wrong_solutions_caught == result.wrong_solutions == 4


# -- item flags from responses -----------------------------------------------------------

#: Six learners, strongest first. q-markup: everyone right. q-above: only the weakest three.
RESPONSES = {
    "q-markup": [1, 1, 1, 1, 1, 1],
    "q-longest-second": [1, 1, 1, 1, 0, 0],
    "q-longest-third": [1, 1, 1, 1, 0, 0],
    "n-one": [1, 1, 1, 0, 0, 0],
    "n-two": [1, 1, 1, 1, 1, 0],
    "q-above": [0, 0, 0, 1, 1, 1],
}


def _write_responses(path: Path, rows: list[str] | None = None) -> Path:
    if rows is None:
        rows = [
            f"l{n},{item},{scores[n]},1" for item, scores in RESPONSES.items() for n in range(6)
        ]
    path.write_text("\n".join(["learner,item,score,max_score", *rows]) + "\n")
    return path


def test_responses_flag_an_item_everyone_gets_right_and_one_that_discriminates_negatively(
    track, tmp_path
):
    analysis = audit.read_responses(_write_responses(tmp_path / "r.csv"), [track])
    (result,) = audit.audit_tracks([track], labs=False, responses=analysis)
    flags = {review.item: review.flags for review in result.items}
    assert flags == {
        "n-one": (),
        "n-two": (),
        "q-above": (ItemFlag.NEGATIVE_DISCRIMINATION,),
        "q-longest-second": (),
        "q-longest-third": (),
        "q-markup": (ItemFlag.TOO_EASY,),
    }
    lines = list(audit.report_lines([result]))
    assert f"  item q-markup: {ItemFlag.TOO_EASY.value}" in lines


def test_a_bad_responses_file_is_refused_with_every_problem_and_its_line(track, tmp_path):
    path = _write_responses(
        tmp_path / "r.csv",
        [
            "l1,q-markup,1,1",
            "l1,q-nope,1,1",
            "l2,q-markup,abc,1",
            "l1,q-markup,0,1",
            "l3,q-markup,2,1",
            "l4,q-markup,1,5",
            ",q-markup,1,1",
            "l5,q-markup,1",
        ],
    )
    with pytest.raises(audit.ResponsesError) as caught:
        audit.read_responses(path, [track])
    assert caught.value.problems == [
        f"{path}:3: 'q-nope' is not an item of the tracks audited",
        f"{path}:4: score 'abc' is not a number",
        f"{path}:5: learner 'l1' already has a row for item 'q-markup' (line 2)",
        f"{path}:6: score 2 is not between 0 and 1",
        f"{path}:7: max_score 5 is not the 1 points item 'q-markup' is worth (responses to "
        "another version of the item?)",
        f"{path}:8: 'learner' is empty",
        f"{path}:9: expected 4 columns",
    ]
    wrong_header = tmp_path / "h.csv"
    wrong_header.write_text("user,item,score\nl1,q-markup,1\n")
    with pytest.raises(audit.ResponsesError, match=r"h.csv:1: the header must name the columns"):
        audit.read_responses(wrong_header, [track])


# -- the command -------------------------------------------------------------------------


@pytest.mark.sandbox
def test_audit_json_is_one_object_with_every_measure(sandbox_ready, tmp_path):
    responses = _write_responses(tmp_path / "r.csv")
    args = ["content", "audit", str(TRACK_DIR), "--json", "--seeds", "1"]
    result = CliRunner().invoke(main, [*args, "--responses", str(responses)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)  # progress went to stderr
    (row,) = report["tracks"]
    assert row["id"] == "audit-sample"
    assert row["longest_option_share"] == 0.6 and row["position_share"] == 0.6
    assert row["all_none_of_the_above"] == 1
    assert (row["summative_activities"], row["unlimited_summative"]) == (3, ["choices-scenario"])
    assert row["critical_checks"] == 1
    labs = {lab["id"]: lab for lab in row["labs"]}
    assert labs["weak-lab"]["mutation_kill_rate"] == 0.5
    assert labs["strong-lab"]["mutation_kill_rate"] == 1.0
    assert labs["strong-lab"]["equivalent"] == 1
    assert labs["weak-lab"]["wrong_solutions"] == 2
    assert labs["weak-lab"]["wrong_solutions_caught"] == 1
    assert {s["id"] for s in labs["weak-lab"]["survivors"]} >= {"compare-flip:solution.py:6:8"}
    assert {item["id"]: item["flags"] for item in row["items"]}["q-markup"] == ["too_easy"]
    assert "lab weak-lab: 12/12 graded" in result.stderr


def test_audit_fails_on_content_problems_and_on_a_bad_responses_file(tmp_path):
    broken = tmp_path / "audit_track"
    shutil.copytree(TRACK_DIR, broken)
    plant(broken, "track.yaml", "version: 0.1.0", "versoin: 0.1.0")
    result = CliRunner().invoke(main, ["content", "audit", str(broken), "--no-labs", "--json"])
    assert result.exit_code != 0
    assert json.loads(result.stdout) == {"tracks": []}
    assert "track.yaml:3: 'version' is required" in result.stderr

    bad = _write_responses(tmp_path / "r.csv", ["l1,q-nope,1,1"])
    args = ["content", "audit", str(TRACK_DIR), "--no-labs", "--responses", str(bad)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert f"{bad}:2: 'q-nope' is not an item of the tracks audited" in result.output
