"""Rubrics: totals are checked when loaded; scoring needs a valid level for every criterion."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from assessments import rubrics
from assessments.loader import load_track
from assessments.model import ResultStatus, Track
from assessments.rubrics import LevelChoice, RubricScoringError
from assessments.spec import Spec
from tests.assessments.conftest import plant


def test_project_rubric_is_pending_until_every_criterion_is_scored(sample_track: Track) -> None:
    rubric = sample_track.activity("capstone-project").rubric
    assert rubric.total == 10
    assert rubrics.pending(rubric).status is ResultStatus.PENDING
    scored = rubrics.score(
        rubric, {"method": LevelChoice("sound", "Clear plan"), "risks": LevelChoice("present")}
    )
    assert (scored.score, scored.max_score, scored.status) == (7, 10, ResultStatus.PARTIAL)
    assert [(c.criterion, c.points, c.comment) for c in scored.criteria] == [
        ("method", 3, "Clear plan"),
        ("risks", 4, ""),
    ]
    with pytest.raises(RubricScoringError, match="Choose a level for: Risks to people"):
        rubrics.score(rubric, {"method": LevelChoice("sound")})
    with pytest.raises(RubricScoringError, match="no level 'great'"):
        rubrics.score(rubric, {"method": LevelChoice("great"), "risks": LevelChoice("absent")})
    with pytest.raises(RubricScoringError, match="no criterion style"):
        rubrics.score(
            rubric,
            {
                "method": LevelChoice("weak"),
                "risks": LevelChoice("absent"),
                "style": LevelChoice("x"),
            },
        )


def test_rubric_definition_problems() -> None:
    spec = Spec.of(
        {
            "total": 3,
            "criteria": [
                {"id": "a", "title": "A", "levels": [{"id": "x", "title": "X", "points": -1}]},
                {"id": "a", "title": "A again", "levels": []},
            ],
        }
    )
    assert rubrics.parse(spec) is None
    assert [p.message for p in spec.sink.problems] == [
        "'points' must be at least 0, found -1",
        "'levels' must not be empty",
        "criterion id 'a' is used twice",
    ]


# -- analytic levels, exemplars, critical criteria, double marking -------------------------

CAPSTONE = "modules/capstone/module.yaml"
TODAY = dt.date(2027, 1, 15)


def levels(count: int, *, described: bool = True) -> list[dict]:
    return [
        {
            "id": f"l{i}",
            "title": f"L{i}",
            "points": i,
            **({"description": "seen"} if described else {}),
        }
        for i in range(count)
    ]


def test_sample_capstone_meets_the_standard(sample_track: Track) -> None:
    rubric = sample_track.activity("capstone-project").rubric
    assert rubric.double_marking == 1.0
    method, risks = rubric.criteria
    assert [len(c.levels) for c in rubric.criteria] == [4, 4]
    assert all(level.description_html for c in rubric.criteria for level in c.levels)
    assert risks.critical == "A plan that ignores who can be harmed cannot be certified."
    assert method.critical is None
    sound, strong = method.exemplars
    assert sound.level == "sound" and "500 tickets from March" in sound.html
    # Read from a Markdown file beside module.yaml, rendered and sanitised.
    assert strong.level == "strong" and "<strong>Strong</strong>" in strong.html


def test_fewer_or_undescribed_levels_warn_but_load() -> None:
    spec = Spec.of(
        {
            "criteria": [
                {"id": "a", "title": "A", "levels": levels(3)},
                {"id": "b", "title": "B", "levels": levels(4, described=False)[:4]},
            ]
        }
    )
    rubric = rubrics.parse(spec)
    assert rubric is not None and spec.sink.problems == []
    messages = [w.message for w in spec.sink.warnings]
    assert messages[0] == "criterion has 3 levels; the standard is 4, each with a description"
    assert messages[1:] == [
        f"level 'L{i}' needs a 'description' of what the grader observes" for i in range(4)
    ]


def test_warnings_reach_content_validate_with_their_lines(broken: Path) -> None:
    line = plant(
        broken,
        CAPSTONE,
        "            - id: partial\n              title: Partial\n              points: 1.5\n"
        "              description: Names a metric or a test set, but not how the two answer "
        "the team's question.\n",
        "",
    )
    result = load_track(broken, today=TODAY)
    assert result.problems == []
    # Reported at the criterion's ``levels:`` key, above the removed level.
    text = (broken / CAPSTONE).read_text().splitlines()
    levels_line = max(n for n, row in enumerate(text[:line], 1) if row.strip() == "levels:")
    assert [str(w) for w in result.warnings] == [
        f"sample_track/{CAPSTONE}:{levels_line}: warning: criterion has 3 levels; the "
        "standard is 4, each with a description"
    ]


def test_critical_needs_a_one_line_reason() -> None:
    spec = Spec.of({"criteria": [{"id": "a", "title": "A", "critical": True, "levels": levels(4)}]})
    assert rubrics.parse(spec) is None
    assert ["'critical' needs a one-line reason" in p.message for p in spec.sink.problems] == [True]


def test_a_critical_criterion_fails_below_half_its_points(sample_track: Track) -> None:
    rubric = sample_track.activity("capstone-project").rubric
    strong = LevelChoice("strong")
    # risks: 4 points at best; "weighed" earns 2 (half: passes), "named" 1 (fails).
    assert (
        rubrics.score(rubric, {"method": strong, "risks": LevelChoice("weighed")}).critical_failed
        == ()
    )
    failed = rubrics.score(rubric, {"method": strong, "risks": LevelChoice("named")})
    assert failed.critical_failed == ("risks",)
    assert failed.score == 7  # the total alone would look fine
    # A criterion that is not critical never fails this way.
    low = rubrics.score(rubric, {"method": LevelChoice("weak"), "risks": LevelChoice("present")})
    assert low.critical_failed == ()


@pytest.mark.parametrize(
    ("exemplar", "message"),
    [
        ({"level": "l9", "text": "x"}, "exemplar of level 'l9': the criterion has no such level"),
        ({"level": "l1"}, "an exemplar needs 'text' (Markdown) or 'file' (a .md file), one of"),
        ({"level": "l1", "text": "x", "file": "x.md"}, "an exemplar needs 'text'"),
        ({"level": "l1", "file": "x.md"}, "'file' names a file, but this definition is not in"),
        ({"level": "l1", "text": "x", "style": "y"}, "unknown key 'style'"),
    ],
)
def test_exemplar_problems(exemplar: dict, message: str) -> None:
    spec = Spec.of(
        {"criteria": [{"id": "a", "title": "A", "levels": levels(4), "exemplars": [exemplar]}]}
    )
    assert rubrics.parse(spec) is None
    assert [p.message for p in spec.sink.problems if message in p.message], spec.sink.problems


def test_an_exemplar_file_must_be_in_the_track(broken: Path) -> None:
    line = plant(broken, CAPSTONE, "file: exemplars/method-strong.md", "file: ../../../x.md")
    found = [str(p) for p in load_track(broken, today=TODAY).problems]
    assert found == [
        f"sample_track/{CAPSTONE}:{line}: 'file' '../../../x.md' points outside the track folder"
    ]


@pytest.mark.parametrize(
    ("share", "ok"), [(0, True), (0.25, True), (1, True), (1.5, False), (-0.1, False)]
)
def test_double_marking_is_a_share(share: float, ok: bool) -> None:
    spec = Spec.of(
        {"double_marking": share, "criteria": [{"id": "a", "title": "A", "levels": levels(4)}]}
    )
    rubric = rubrics.parse(spec)
    assert (rubric is not None) is ok
    if ok:
        assert rubric.double_marking == share


def test_double_marking_selection_is_deterministic() -> None:
    criteria = (rubrics.Criterion("a", "A", (rubrics.Level("x", "X", 1),)),)
    quarter = rubrics.Rubric(criteria, 0.25)
    keys = [f"{n}/project" for n in range(1, 2001)]
    chosen = [key for key in keys if quarter.double_marks(key)]
    # The same keys every time, in any process: a hash, not a random draw.
    assert chosen == [key for key in keys if rubrics.Rubric(criteria, 0.25).double_marks(key)]
    assert 400 < len(chosen) < 600  # about a quarter of 2000
    # Anyone can check a choice from the stored attempt: sha256("3/project") starts
    # 0x12c99dc9…, 0.073 of 2**64 (chosen); "2/project" 0x581add23…, 0.344 (not).
    assert hashlib.sha256(b"3/project").hexdigest().startswith("12c99dc9")
    assert quarter.double_marks("3/project") and not quarter.double_marks("2/project")
    assert all(rubrics.Rubric(criteria, 1.0).double_marks(key) for key in keys)
    assert not any(rubrics.Rubric(criteria, 0.0).double_marks(key) for key in keys)


def test_marks_more_than_one_level_apart(sample_track: Track) -> None:
    rubric = sample_track.activity("capstone-project").rubric
    # Levels count from the lowest-scoring, whatever order they are written in.
    method = rubric.criterion("method")
    assert [method.rank(level) for level in ("weak", "partial", "sound", "strong")] == [0, 1, 2, 3]
    assert (
        rubrics.apart(
            rubric,
            {"method": "sound", "risks": "present"},
            {"method": "strong", "risks": "weighed"},
        )
        == ()
    )
    assert rubrics.apart(
        rubric, {"method": "partial", "risks": "present"}, {"method": "strong", "risks": "named"}
    ) == ("method", "risks")
    # A level the rubric no longer has cannot be compared: it needs a person.
    assert rubrics.apart(
        rubric, {"method": "gone", "risks": "present"}, {"method": "weak", "risks": "present"}
    ) == ("method",)
